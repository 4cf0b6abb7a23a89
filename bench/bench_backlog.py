"""Idle tabs over a big backlog: server memory (RSS) while N connections hold a backlog they do not read.

A user (bob) has a backlog of --messages messages of --size bytes waiting. N connections of his
(browser tabs: one device, `tab` each, `after` 0) authenticate and then stop reading, as a hidden
tab's socket may. The server pushes what flow control allows and the rest waits in the store, so
the memory each such connection costs is bounded by window_bytes plus one frame being written,
whatever the backlog. The server's RSS is read before the tabs connect and after they settle;
the figure is (RSS with N tabs - RSS before) / N. The bench also checks that one tab that does read
gets the whole backlog over one connection.

    python bench/bench_backlog.py [--tabs 16] [--messages 150] [--size 30000] [--settle 3] [--json out.json]
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import benchlib as bl


def tab_auth(token: str, tab: str) -> str:
    return json.dumps({"t": "auth", "v": 1, "token": token, "appid": bl.APPID, "tab": tab, "after": 0})


async def run(server: bl.ServerProcess, tokens: dict[str, str], tabs: int, messages: int, size: int,
              settle: float) -> dict[str, Any]:
    alice = await bl.connect_peer(server.ws_url, tokens["alice"])
    text = "x" * size
    answers = await asyncio.gather(*(alice.send_message("bob", text=text) for _ in range(messages)))
    if any(a.get("status") != 1 for a in answers):
        raise RuntimeError(f"a send failed: {[a for a in answers if a.get('status') != 1][:1]}")
    alice.abort()
    await asyncio.sleep(settle)
    base = bl.rss_kb(server.pid)

    idle: list[bl.RawWS] = []
    for i in range(tabs):
        ws = await bl.open_ws(server.ws_url, None)
        ws.send(tab_auth(tokens["bob"], f"idle{i}"))
        if '"welcome"' not in await ws.recv():
            raise RuntimeError("an idle tab was not welcomed")
        ws.transport.pause_reading()  # type: ignore[union-attr]  # a hidden tab: the socket is not read
        idle.append(ws)
    await asyncio.sleep(settle)
    held = bl.rss_kb(server.pid)
    dropped = sum(1 for ws in idle if ws.closed.done())

    # one tab that reads and acks: the whole backlog, over one connection
    t0 = time.perf_counter()
    reader = await bl.open_ws(server.ws_url, None, factory=bl.Peer)
    got = 0
    done = asyncio.get_running_loop().create_future()

    def count(_peer: bl.Peer, _event: dict[str, Any]) -> None:
        nonlocal got
        got += 1
        if got == messages and not done.done():
            done.set_result(None)
    reader.on_message = count  # type: ignore[assignment]
    reader.send(tab_auth(tokens["bob"], "reader"))
    await asyncio.wait_for(done, 120)
    elapsed = time.perf_counter() - t0
    closed = reader.closed.done()
    for ws in [*idle, reader]:
        ws.abort()
    return {"tabs": tabs, "messages": messages, "size": size, "backlog_bytes": messages * size,
            "rss_before_kb": base, "rss_with_idle_tabs_kb": held,
            "kb_per_idle_tab": round((held - base) / tabs, 1), "idle_tabs_dropped": dropped,
            "reader_got": got, "reader_closed": closed, "reader_s": round(elapsed, 2)}


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--tabs", type=int, default=16)
    p.add_argument("--messages", type=int, default=150)
    p.add_argument("--size", type=int, default=30_000)
    p.add_argument("--settle", type=float, default=3.0, help="seconds to wait before each RSS reading")
    args = p.parse_args()
    with bl.tempdir() as tmp:
        data = Path(tmp) / "data"
        tokens = dict(zip(("alice", "bob"), bl.make_tokens(data, ["alice", "bob"])))
        with bl.hubbub_server(data) as server:
            r = asyncio.run(run(server, tokens, args.tabs, args.messages, args.size, args.settle))
    print(f"backlog {r['messages']} x {r['size']} B = {r['backlog_bytes'] / 1e6:.1f} MB; "
          f"{r['tabs']} idle tabs: RSS {r['rss_before_kb'] / 1024:.0f} -> {r['rss_with_idle_tabs_kb'] / 1024:.0f} MiB "
          f"({r['kb_per_idle_tab']} KiB per tab, {r['idle_tabs_dropped']} dropped); "
          f"a reading tab got {r['reader_got']}/{r['messages']} in {r['reader_s']} s"
          f"{' (its connection closed)' if r['reader_closed'] else ''}", flush=True)
    bl.finish(args, r, lambda ax, res: ax.bar(["before", f"{res['tabs']} idle tabs"],
                                              [res["rss_before_kb"] / 1024, res["rss_with_idle_tabs_kb"] / 1024]))
    if r["reader_got"] != r["messages"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
