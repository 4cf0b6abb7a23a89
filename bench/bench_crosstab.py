"""Cross-tab sessions benchmark: handover times and the follower's extra delay.

Runs a Hubbub server on loopback and Debian's headless Chromium (Playwright; never downloads a
browser), with the example page (/example) as the app:

- handover after a graceful close of the leader tab, and after a renderer crash (chrome://crash):
  time from the close (or crash) until another tab holds the connection and reports ONLINE,
  p50/p95 over --tries tries each;
- follower delay: for the same incoming message, the time a follower tab gets Mesibo_onMessage
  minus the time the leader tab gets it (high-resolution clocks of one machine), p50/p99.

    .venv/bin/python bench/bench_crosstab.py [--tries 20] [--messages 200] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

# Per page: when its connection status changed, and whether it held the connection then.
RECORD = """
window.__bench = { st: [], msg: {} };
window.addEventListener('DOMContentLoaded', () => {
  const hook = () => {
    if (!window.mesibo) return setTimeout(hook, 5);
    mesibo.addListener({
      Mesibo_onConnectionStatus: (s) => window.__bench.st.push([s, performance.timeOrigin + performance.now(), mesibo.isConnectionOwner()]),
      Mesibo_onMessage: (m) => { if (m.isRealtimeMessage()) window.__bench.msg[m.message] = performance.timeOrigin + performance.now(); },
    });
  };
  hook();
});
"""


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99),
            "mean": statistics.fmean(values) if values else float("nan"), "max": max(values) if values else float("nan")}


def wait(pred: Any, timeout: float = 10.0) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.005)
    raise TimeoutError("benchmark step timed out")


class Bench:
    def __init__(self, base: str, appid: str, tokens: dict[str, str], browser: Any) -> None:
        self.base, self.appid, self.tokens, self.browser = base, appid, tokens, browser

    def url(self, who: str) -> str:
        return f"{self.base}/example?token={self.tokens[who]}&appid={self.appid}&setobj=0"

    def open(self, ctx: Any, who: str) -> Any:
        page = ctx.new_page()
        page.goto(self.url(who))
        wait(lambda: page.evaluate("() => !!(window.hubbubExample && hubbubExample.connection.at(-1) === 1)"))
        return page

    @staticmethod
    def leader(pages: list[Any]) -> Any:
        return wait(lambda: next((p for p in pages if p.evaluate("() => mesibo.isConnectionOwner()")), None))

    def handover(self, tries: int, crash: bool) -> list[float]:
        ctx = self.browser.new_context()
        ctx.add_init_script(RECORD)
        pages = [self.open(ctx, "alice"), self.open(ctx, "alice")]
        times = []
        try:
            for _ in range(tries):
                old = self.leader(pages)
                rest = [p for p in pages if p is not old]
                t0 = time.time() * 1000
                if crash:
                    try:
                        old.goto("chrome://crash", timeout=2000)
                    except Exception:
                        pass
                else:
                    old.close()
                pages = rest

                def online_again() -> float | None:
                    for p in pages:
                        hits = [t for s, t, own in p.evaluate("() => window.__bench.st") if s == 1 and own and t >= t0]
                        if hits:
                            return min(hits)
                    return None
                t1 = wait(online_again, 15)
                times.append(t1 - t0)
                if crash:
                    try:
                        old.close()
                    except Exception:
                        pass
                pages.append(self.open(ctx, "alice"))
        finally:
            ctx.close()
        return times

    def follower_delay(self, messages: int) -> list[float]:
        ctx = self.browser.new_context()
        ctx.add_init_script(RECORD)
        pages = [self.open(ctx, "alice"), self.open(ctx, "alice")]
        bctx = self.browser.new_context()
        bob = self.open(bctx, "bob")
        try:
            lead = self.leader(pages)
            follower = next(p for p in pages if p is not lead)
            bob.evaluate("""(n) => { (async () => { for (let i = 0; i < n; i++) {
                sendText('alice', 'bench' + i); await new Promise(r => setTimeout(r, 15)); } })(); }""", messages)
            last = f"bench{messages - 1}"
            wait(lambda: all(p.evaluate("(k) => k in window.__bench.msg", last) for p in pages), 60)
            lt = lead.evaluate("() => window.__bench.msg")
            ft = follower.evaluate("() => window.__bench.msg")
            return [ft[k] - lt[k] for k in lt if k.startswith("bench") and k in ft]
        finally:
            ctx.close()
            bctx.close()


@contextlib.contextmanager
def browser_bench(extra_args: Sequence[str] = ()) -> Iterator[tuple[Any, str, str, dict[str, str]]]:
    """A server on loopback with users alice and bob (one token each, device "web") and a headless
    Chromium: yields (browser, base URL, appid, tokens). Shared by the browser benchmarks."""
    from playwright.sync_api import sync_playwright

    from hubbub.config import Settings
    from hubbub.server.run import ThreadedServer

    tmp = tempfile.mkdtemp(prefix="hubbub-bench-")
    settings = Settings.load(env={}, host="127.0.0.1", port=0, data_dir=str(Path(tmp) / "data"), log_level="warning")
    threaded = ThreadedServer(settings)
    base = threaded.__enter__()
    try:
        admin = threaded.app.state.admin  # type: ignore[attr-defined]
        appid = "com.example.bench"

        async def setup() -> dict[str, str]:
            app, _token = await admin.create_app("bench")
            out = {}
            for who in ("alice", "bob"):
                user = await admin.add_user(app, who, None)
                out[who] = await admin.issue_token(user, appid, "web", None)
            return out
        tokens = threaded.call(setup())
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS + list(extra_args))
            try:
                yield browser, base, appid, tokens
            finally:
                browser.close()
    finally:
        threaded.__exit__(None, None, None)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tries", type=int, default=20)
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--json", dest="json_path")
    args = ap.parse_args()

    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    with browser_bench() as (browser, base, appid, tokens):
        bench = Bench(base, appid, tokens, browser)
        close = bench.handover(args.tries, crash=False)
        crash = bench.handover(args.tries, crash=True)
        delay = bench.follower_delay(args.messages)

    result = {
        "handover_close_ms": summary(close),
        "handover_crash_ms": summary(crash),
        "follower_extra_delay_ms": summary(delay),
        "tries": args.tries, "messages": args.messages,
        "targets": {"handover_close_p95_ms": 100, "handover_crash_p95_ms": 1000, "follower_delay_p99_ms": 5},
    }
    print(f"handover after a graceful close: p50 {result['handover_close_ms']['p50']:.1f} ms, "
          f"p95 {result['handover_close_ms']['p95']:.1f} ms  (n={len(close)}, target p95 < 100 ms)")
    print(f"handover after a renderer crash: p50 {result['handover_crash_ms']['p50']:.1f} ms, "
          f"p95 {result['handover_crash_ms']['p95']:.1f} ms  (n={len(crash)}, target p95 < 1000 ms)")
    print(f"follower extra delay:            p50 {result['follower_extra_delay_ms']['p50']:.2f} ms, "
          f"p99 {result['follower_extra_delay_ms']['p99']:.2f} ms  (n={len(delay)}, target p99 < 5 ms)")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
