"""Reconnect storm: N connected clients all drop at once and come back with `after`.

N clients connect and authenticate; then every connection is cut at once (no close frame, as a
network blip does); while they are gone, --messages messages to each of them are sent and committed
(by --senders senders); then all N reconnect with `after` = the last seq each applied, and each
acknowledges what it gets. Measured: the time from the start of the storm until every client has
resumed and has its messages, the server's peak RSS during the storm (sampled every 20 ms), and
every refused attempt with its reason (a client retries it: `--backoff` waits as the Python client
and the SDK do, exponential with jitter; `--no-backoff` retries at once).

    python bench/bench_reconnect.py [--clients 10000] [--messages 10] [--no-backoff]
                                    [--json out.json] [--plot storm.png]
"""

from __future__ import annotations

import asyncio
import collections
import random
import time
from pathlib import Path
from typing import Any

import benchlib as bl

LIMIT_CLOSE = 1013
"""The close code of a connection refused by max_connections or max_pending_auth (try again later)."""


async def storm(url: str, pid: int, tokens: list[str], senders: list[str], messages: int, backoff: bool,
                offer: str | None) -> dict[str, Any]:
    n = len(tokens)
    clients: list[bl.Peer] = await bl.open_many(n, lambda i: bl.connect_peer(url, tokens[i], offer=offer),
                                                "clients online")
    after = [c.last_seq for c in clients]
    rss_connected = bl.rss_kb(pid)
    for c in clients:
        c.abort()
    await asyncio.sleep(1.0)  # the server notices every close

    # while they are gone: `messages` to each
    outs = [await bl.connect_peer(url, s, offer=offer) for s in senders]
    progress = bl.Progress("messages while gone", n * messages)
    gate = asyncio.Semaphore(64 * len(outs))
    answers = []
    for k in range(messages):
        for i in range(n):
            await gate.acquire()
            fut = outs[i % len(outs)].send_message(to=f"c{i}", text=f"{i}:{k}")
            fut.add_done_callback(lambda _f: (gate.release(), progress.advance()))
            answers.append(fut)
    results = await asyncio.gather(*answers)
    progress.finish()
    failed = [r for r in results if r.get("status") != 1]
    if failed:
        raise RuntimeError(f"{len(failed)} sends failed, e.g. {failed[0]}")
    for o in outs:
        o.abort()
    await asyncio.sleep(1.0)

    # the storm
    got = [0] * n
    caught = asyncio.get_running_loop().create_future()
    remaining = n
    refusals: collections.Counter[str] = collections.Counter()
    attempts = 0
    progress = bl.Progress("resumed and caught up", n)

    def on_message(peer: bl.Peer, event: dict[str, Any]) -> None:
        nonlocal remaining
        i = int(event["message"].split(":", 1)[0])
        got[i] += 1
        if got[i] == messages:
            remaining -= 1
            progress.advance()
            if remaining == 0 and not caught.done():
                caught.set_result(None)

    async def come_back(i: int) -> bl.Peer:
        nonlocal attempts
        for attempt in range(100):
            if backoff:  # as hubbub.client and the SDK: exponential, jittered, first wait included
                await asyncio.sleep(min(10.0, 0.1 * 2 ** attempt) * random.uniform(0.5, 1.0))
            attempts += 1
            try:
                peer = await bl.open_ws(url, offer, factory=bl.Peer, timeout=60)
            except (OSError, asyncio.TimeoutError) as exc:
                refusals[f"connect: {type(exc).__name__}: {exc}"[:120]] += 1
                continue
            peer.on_message = on_message
            try:
                peer.send(bl.auth_frame(tokens[i], after[i]))
                text = await peer.recv(60)
                if '"welcome"' in text:
                    return peer
                refusals[text[:120]] += 1
            except (OSError, asyncio.TimeoutError) as exc:
                refusals[f"closed {peer.close_code}: {peer.close_reason}" if peer.close_code
                         else f"auth: {type(exc).__name__}: {exc}"[:120]] += 1
            peer.abort()
        raise RuntimeError(f"client {i} never came back")

    peak = 0
    sampling = True

    async def sample() -> None:
        nonlocal peak
        while sampling:
            peak = max(peak, bl.rss_kb(pid))
            await asyncio.sleep(0.02)
    sampler = asyncio.ensure_future(sample())
    cpu0, t0, mine0 = bl.cpu_seconds(pid), time.perf_counter(), time.process_time()
    back = await asyncio.gather(*(come_back(i) for i in range(n)))
    resumed = time.perf_counter() - t0
    await asyncio.wait_for(caught, 300)
    elapsed, cpu, mine = time.perf_counter() - t0, bl.cpu_seconds(pid) - cpu0, time.process_time() - mine0
    sampling = False
    await sampler
    progress.finish()
    for c in back:
        c.abort()
    return {"clients": n, "messages_each": messages, "backoff": backoff,
            "all_resumed_s": round(resumed, 2), "all_caught_up_s": round(elapsed, 2),
            "attempts": attempts, "refused": sum(refusals.values()),
            # refused by an explicit limit: closed with 1013 (try again later) and the limit's name
            "refused_by_a_limit": sum(n for r, n in refusals.items() if r.startswith(f"closed {LIMIT_CLOSE}:")),
            "refusal_reasons": dict(refusals),
            "rss_connected_kb": rss_connected, "rss_peak_kb": peak, "server_cpu_s": round(cpu, 2),
            "loader_cpu_s": round(mine, 2)}  # the clients' side, in this process: often the bottleneck


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--clients", type=int, default=10000)
    p.add_argument("--messages", type=int, default=10, help="messages each client gets while gone")
    p.add_argument("--senders", type=int, default=10)
    p.add_argument("--no-backoff", action="store_true", help="only clients that retry at once")
    p.add_argument("--no-offer", action="store_true", help="do not offer permessage-deflate")
    args = p.parse_args()
    bl.raise_nofile()
    bl.install_uvloop()
    offer = None if args.no_offer else bl.BROWSER_DEFLATE
    runs = []
    for backoff in ([False] if args.no_backoff else [True, False]):
        with bl.tempdir() as tmp:
            data = Path(tmp) / "data"
            senders = [f"s{i}" for i in range(args.senders)]
            tokens = bl.make_tokens(data, [f"c{i}" for i in range(args.clients)] + senders)
            with bl.hubbub_server(data) as server:
                r = asyncio.run(storm(server.ws_url, server.pid, tokens[:args.clients], tokens[args.clients:],
                                      args.messages, backoff, offer))
        runs.append(r)
        print(f"{'backoff' if backoff else 'no backoff':>10}: {r['clients']} clients resumed in "
              f"{r['all_resumed_s']} s, all caught up on {r['messages_each']} messages each in "
              f"{r['all_caught_up_s']} s; server RSS {r['rss_connected_kb'] / 1024:.0f} MiB connected, "
              f"peak {r['rss_peak_kb'] / 1024:.0f} MiB in the storm; {r['refused']} refused of "
              f"{r['attempts']} attempts ({r['refused_by_a_limit']} by a limit) {r['refusal_reasons'] or ''}; CPU "
              f"{r['server_cpu_s']} s server, {r['loader_cpu_s']} s loader",
              flush=True)
    bl.finish(args, {"runs": runs}, draw)


def draw(ax: Any, results: dict[str, Any]) -> None:
    runs = results["runs"]
    labels = ["backoff" if r["backoff"] else "no backoff" for r in runs]
    ax.bar([x - 0.2 for x in range(len(runs))], [r["all_resumed_s"] for r in runs], 0.4, label="all resumed")
    ax.bar([x + 0.2 for x in range(len(runs))], [r["all_caught_up_s"] for r in runs], 0.4, label="all caught up")
    ax.set_xticks(range(len(runs)), labels)
    ax.set_ylabel("seconds from the drop")
    ax.set_title(f"Reconnect storm: {runs[0]['clients']} clients")
    ax.legend()


if __name__ == "__main__":
    main()
