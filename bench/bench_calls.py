"""Call set-up benchmark: call() to CONNECTED on loopback, through the real server and headless Chromium.

Alice calls bob from the example page (/example) with a fake camera and microphone; a tab of bob answers
as soon as Mesibo_onCall rings (an app that auto-answers), then alice hangs up and the next call starts.
Two layouts of bob: one tab, and three tabs where a tab that is not the leader answers (its signalling
goes through the leader's connection). Per call it records, on one machine's clock:

- ring: alice's call() until Mesibo_onCall in bob's answering tab;
- answered: alice's call() until ANSWER at alice (signalling both ways and bob's getUserMedia start);
- connected: alice's call() until Mesibo_onCallStatus(CONNECTED) at alice (signalling, the auto-answer,
  getUserMedia, offer/answer, ICE and DTLS).

The first --warmup calls of each layout are not counted (the browser opens its fake devices and
codecs on the first call).

    .venv/bin/python bench/bench_calls.py [--calls 20] [--warmup 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench_crosstab import CHROMIUM, browser_bench, summary, wait

MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required"]

# In every page: when calls rang and changed status; a tab flagged as the answerer answers at once.
RECORD = """
window.__calls = { rang: {}, st: [] };
window.addEventListener('DOMContentLoaded', () => {
  const hook = () => {
    if (!window.mesibo) return setTimeout(hook, 5);
    mesibo.addListener({
      Mesibo_onCall: (id, from, video) => {
        window.__calls.rang[id] = performance.timeOrigin + performance.now();
        if (window.__answerer) { mesibo.setupVideoCall('localVideo', 'remoteVideo', true); mesibo.answer(true); }
      },
      Mesibo_onCallStatus: (id, s) => window.__calls.st.push([id, s, performance.timeOrigin + performance.now()]),
    });
  };
  hook();
});
"""
ANSWER, CONNECTED, COMPLETE = 0x05, 0x30, 0x40


def open_page(ctx: Any, url: str) -> Any:
    page = ctx.new_page()
    page.goto(url)
    wait(lambda: page.evaluate("() => !!(window.hubbubExample && hubbubExample.connection.at(-1) === 1)"), 15)
    return page


def run(browser: Any, base: str, appid: str, tokens: dict[str, str], calls: int, bob_tabs: int,
        warmup: int) -> dict[str, list[float]]:
    url = lambda who: f"{base}/example?token={tokens[who]}&appid={appid}&setobj=0"  # noqa: E731
    actx, bctx = browser.new_context(), browser.new_context()
    for c in (actx, bctx):
        c.add_init_script(RECORD)
    try:
        alice = open_page(actx, url("alice"))
        bobs = [open_page(bctx, url("bob")) for _ in range(bob_tabs)]
        answerer = next(p for p in bobs if not p.evaluate("() => mesibo.isConnectionOwner()")) if bob_tabs > 1 else bobs[0]
        answerer.evaluate("() => { window.__answerer = true; }")
        ring: list[float] = []
        answered: list[float] = []
        connected: list[float] = []
        for n in range(warmup + calls):
            t0 = alice.evaluate("() => { const t = performance.timeOrigin + performance.now(); placeCall('bob', true); return t; }")
            t1 = wait(lambda: next((t for _id, s, t in alice.evaluate("() => window.__calls.st")
                                    if s == CONNECTED and t >= t0), None), 20)
            st = alice.evaluate("() => window.__calls.st")
            callid = next(i for i, s, t in st if s == CONNECTED and t >= t0)
            t_answer = next(t for i, s, t in st if i == callid and s == ANSWER)
            rang = answerer.evaluate("(id) => window.__calls.rang[id]", callid)
            if n >= warmup:
                connected.append(t1 - t0)
                answered.append(t_answer - t0)
                ring.append(rang - t0)
            alice.evaluate("() => mesibo.hangup(0)")
            wait(lambda: any(i == callid and s >= COMPLETE for i, s, _t in answerer.evaluate("() => window.__calls.st")), 10)
            time.sleep(0.05)
        return {"ring": ring, "answered": answered, "connected": connected}
    finally:
        actx.close()
        bctx.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--json", dest="json_path")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    with browser_bench(MEDIA) as (browser, base, appid, tokens):
        one = run(browser, base, appid, tokens, args.calls, 1, args.warmup)
        three = run(browser, base, appid, tokens, args.calls, 3, args.warmup)

    result = {
        "one_tab": {k: summary(v) for k, v in one.items()},
        "follower_of_three_tabs": {k: summary(v) for k, v in three.items()},
        "calls": args.calls, "warmup": args.warmup,
    }
    for name, r in (("callee with one tab", result["one_tab"]),
                    ("callee with three tabs, a follower answers", result["follower_of_three_tabs"])):
        print(f"{name}: call() to CONNECTED p50 {r['connected']['p50']:.0f} ms, p95 {r['connected']['p95']:.0f} ms, "
              f"max {r['connected']['max']:.0f} ms; call() to ringing p50 {r['ring']['p50']:.1f} ms, "
              f"to ANSWER p50 {r['answered']['p50']:.0f} ms "
              f"(n={r['connected']['n']})")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
