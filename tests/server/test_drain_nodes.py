"""A node drained with SIGTERM under load, behind the balancer: its clients move to the other node,
nothing answered SENT is lost or doubled, and it exits 0 (its drain_timeout watchdog exits 1)."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from typing import Any, Callable

from hubbub.client import Client

from ..waiting import until
from .cluster import Cluster

PAIRS = 6
PER_SENDER = 120
TERM_AFTER = 150  # answers in all before SIGTERM: mid-stream


def node_of(cluster: Cluster, client: Client) -> int | None:
    assert cluster.balancer is not None and client.connection is not None
    return cluster.balancer.backend_of(client.connection.local_address[1])


async def test_sigterm_moves_clients_and_loses_nothing(cluster_factory: Callable[..., Cluster]) -> None:
    c = cluster_factory(2, drain_timeout=10, drain_close_rate=20)  # 20/s: the closes come one by one
    senders = [Client(c.ws_url, c.token(f"s{i}", "d"), c.appid) for i in range(PAIRS)]
    receivers = [Client(c.ws_url, c.token(f"r{i}", "d"), c.appid) for i in range(PAIRS)]
    clients = senders + receivers
    for cl in clients:
        await cl.connect()
    answered: Counter[str] = Counter()
    total = 0
    terminated = asyncio.Event()

    async def stream(i: int) -> None:
        nonlocal total
        inflight: set[asyncio.Task[Any]] = set()
        for n in range(PER_SENDER):
            if len(inflight) >= 8:  # a window of sends in flight, as an app with a send queue has
                done, inflight = await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
            inflight.add(asyncio.ensure_future(send(i, n)))
        await asyncio.gather(*inflight)

    async def send(i: int, n: int) -> None:
        nonlocal total
        res = await senders[i].send(f"r{i}", f"{i}:{n}")
        assert res["status"] == 1, res
        answered[f"{i}:{n}"] += 1
        total += 1
        if total == TERM_AFTER:
            terminated.set()

    try:
        await until(lambda: {node_of(c, cl) for cl in clients} == {0, 1}, 30, "clients on both nodes")
        on_victim = [cl for cl in clients if node_of(c, cl) == 0]
        streams = asyncio.ensure_future(asyncio.gather(*[stream(i) for i in range(PAIRS)]))
        await asyncio.wait_for(terminated.wait(), 120)
        c.nodes[0].terminate()  # SIGTERM mid-stream
        code = await asyncio.to_thread(c.nodes[0].wait, 60)
        assert code == 0, f"node 0 exited with {code}:\n{c.nodes[0].output()}"
        await asyncio.wait_for(streams, 120)  # every send answered (resent with its cid where needed)

        # its clients moved: each reconnected once, at once (4004), and is now on node 1
        await until(lambda: all(cl.connected for cl in clients), 30, "everyone connected")
        assert all(cl.reconnects >= 1 for cl in on_victim)
        assert all(cl.last_close_code == 4004 for cl in on_victim)
        assert all(node_of(c, cl) == 1 for cl in clients)

        # counted at the end: every message answered SENT arrived exactly once, nothing else did
        for i, r in enumerate(receivers):
            got: Counter[str] = Counter()

            async def collect() -> None:
                async for ev in r.events():
                    if ev.get("k") == "msg":
                        got[ev["message"]] += 1
                    if len(got) == PER_SENDER:
                        return
            await asyncio.wait_for(collect(), 60)
            assert set(got) == {f"{i}:{n}" for n in range(PER_SENDER)}
            assert set(got.values()) == {1}, "a message arrived twice"
        assert len(answered) == PAIRS * PER_SENDER and set(answered.values()) == {1}
        assert "Traceback" not in c.nodes[0].output(), c.nodes[0].output()
    finally:
        for cl in clients:
            await cl.close()


async def test_second_sigterm_stops_at_once(cluster_factory: Callable[..., Cluster]) -> None:
    """An operator who cannot wait: the second signal cuts the drain short, still exit 0."""
    c = cluster_factory(1, drain_timeout=600, drain_close_rate=1)  # one close a second: a minute for 60
    clients = [Client(c.nodes[0].ws_url, c.token(f"u{i}", "d"), c.appid, reconnect=False) for i in range(60)]
    for cl in clients:
        await cl.connect()
    try:
        assert c.nodes[0].process is not None and c.nodes[0].process.proc is not None
        proc = c.nodes[0].process.proc
        proc.send_signal(signal.SIGTERM)
        await until(lambda: sum(1 for cl in clients if not cl.connected) >= 1, 30, "the drain to begin")
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 30) == 0  # not the minute the drain would take
        await until(lambda: not any(cl.connected for cl in clients), 30, "every client closed")
    finally:
        for cl in clients:
            await cl.close()
