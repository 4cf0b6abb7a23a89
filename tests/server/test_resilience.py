"""Scale-out resilience with real processes: a node SIGKILLed mid-stream, Redis restarted under load.

Twenty pairs of Python clients stream messages through the balancer, senders and receivers on
different nodes. What is counted at the end: every message answered SENT arrives at its receiver
exactly once, in the order its sender sent it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from hubbub.client import Client, RequestError
from hubbub.protocol.constants import Status
from tests.conftest import need_service

from ..waiting import until as wait_until
from .cluster import Balancer, Cluster

pytestmark = pytest.mark.timeout(240)

PAIRS = 20
WINDOW = 8  # sends in flight per sender


@dataclass
class Pair:
    index: int
    sender: Client
    receiver: Client
    answered: list[int] = field(default_factory=list)   # message numbers answered SENT, in answer order
    dups: int = 0                                        # answers to a resend the server had stored already
    got: list[int] = field(default_factory=list)         # message numbers the receiver got, in order
    echoed: list[int] = field(default_factory=list)      # the sender's own messages in its log, in order
    delivered: list[int] = field(default_factory=list)   # DELIVERED statuses the sender got
    sent_next: int = 0
    failed: list[int] = field(default_factory=list)      # sends answered INTERNAL (see the store test)


def node_of(cluster: Cluster, client: Client) -> int | None:
    assert cluster.balancer is not None and client.connection is not None
    return cluster.balancer.backend_of(client.connection.local_address[1])


class Load:
    """20 pairs streaming through the balancer; `send_until(n)` sends until each sender has sent n."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.pairs: list[Pair] = []
        self.tasks: list[asyncio.Task[Any]] = []

    async def connect(self) -> None:
        c = self.cluster
        tokens = [(c.token(f"s{i}", "d"), c.token(f"r{i}", "d")) for i in range(PAIRS)]
        for i, (st, rt) in enumerate(tokens):
            # connected one after the other through the round robin: s_i and r_i land on adjacent nodes
            sender = Client(c.ws_url, st, c.appid, backoff_min=0.05, backoff_max=0.5)
            await sender.connect()
            receiver = Client(c.ws_url, rt, c.appid, backoff_min=0.05, backoff_max=0.5)
            await receiver.connect()
            self.pairs.append(Pair(i, sender, receiver))
        for p in self.pairs:
            assert node_of(c, p.sender) != node_of(c, p.receiver), f"pair {p.index} on one node"
            self.tasks.append(asyncio.ensure_future(self._receive(p)))
            self.tasks.append(asyncio.ensure_future(self._statuses(p)))

    async def _receive(self, p: Pair) -> None:
        async for e in p.receiver.events():
            if e.get("k") == "msg":
                assert e["from"] == f"s{p.index}", e
                p.got.append(int(e["message"]))

    async def _statuses(self, p: Pair) -> None:
        async for e in p.sender.events():  # its own messages (own-device sync) and their statuses
            # a DELIVERED status may stand for several messages to one recipient (`cids`)
            for cid in map(str, e.get("cids") or [e.get("cid", "")]):
                if not cid.startswith(f"s{p.index}-"):
                    continue
                if e.get("k") == "msg":
                    p.echoed.append(int(cid.split("-")[1]))
                elif e.get("k") == "status" and e.get("status") == 2:
                    p.delivered.append(int(cid.split("-")[1]))

    async def send_until(self, n: int) -> None:
        """Each sender sends messages up to number n, WINDOW in flight, and waits for every answer."""
        await asyncio.gather(*(self._stream(p, n) for p in self.pairs))

    async def _stream(self, p: Pair, n: int) -> None:
        inflight: set[asyncio.Task[None]] = set()
        while p.sent_next < n:
            while len(inflight) >= WINDOW:
                _done, inflight = await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
            inflight.add(asyncio.ensure_future(self._send(p, p.sent_next)))
            p.sent_next += 1
            await asyncio.sleep(0)  # the send task transmits before the next one is made: in order
        if inflight:
            await asyncio.gather(*inflight)

    async def _send(self, p: Pair, k: int) -> None:
        try:
            res = await p.sender.send(f"r{p.index}", str(k), cid=f"s{p.index}-{k}")
        except RequestError as exc:
            if exc.code != "INTERNAL":
                raise
            p.failed.append(k)  # a store failure the server could not settle; the test decides
            return
        assert res["status"] == 1, res
        p.answered.append(k)
        p.dups += bool(res.get("dup"))

    def answered(self) -> int:
        return sum(len(p.answered) for p in self.pairs)

    async def stream_until(self, n: int, answered: int, what: str, before: str) -> asyncio.Future[None]:
        """Start `send_until(n)` and return it, still running, once `answered` sends are answered:
        what the test does next happens mid-stream."""
        streaming = asyncio.ensure_future(self.send_until(n))
        await wait_until(lambda: self.answered() >= answered or streaming.done(), 120, what)
        assert not streaming.done(), f"the stream ended before {before}"
        return streaming

    async def check_delivery(self, timeout: float = 90) -> None:
        """Every answered message arrives exactly once, in send order (waits for stragglers first);
        in the sender's own log it shows once, in order, and gets one DELIVERED status."""
        await wait_until(lambda: all(len(p.got) >= len(p.answered) for p in self.pairs), timeout,
                         "every answered message at its receiver: " + self.summary())
        await wait_until(lambda: all(len(p.echoed) >= len(p.answered) and len(p.delivered) >= len(p.answered)
                                     for p in self.pairs), timeout, "the senders' own logs and statuses")
        await asyncio.sleep(0.5)  # time for a doubled message to show up
        for p in self.pairs:
            lost = sorted(set(p.answered) - set(p.got))
            doubled = sorted(k for k in set(p.got) if p.got.count(k) > 1)
            assert not lost, f"pair {p.index}: {len(lost)} messages answered SENT never arrived: {lost[:20]}"
            assert not doubled, f"pair {p.index}: delivered twice: {doubled[:20]}"
            assert p.got == sorted(p.got), f"pair {p.index}: out of the sender's order: {p.got}"
            assert set(p.got) <= set(range(p.sent_next)), f"pair {p.index}: messages nobody sent"
            assert p.echoed == p.got, f"pair {p.index}: the sender's own log differs: {p.echoed}"
            assert sorted(p.delivered) == p.got, f"pair {p.index}: DELIVERED not once each: {p.delivered}"

    def summary(self) -> str:
        return ", ".join(f"{p.index}: {len(p.got)}/{len(p.answered)}" for p in self.pairs)

    async def close(self) -> None:
        for p in self.pairs:
            await p.sender.close()
            await p.receiver.close()
        for t in self.tasks:
            t.cancel()
        for t in self.tasks:
            with contextlib.suppress(BaseException):
                await t


@pytest.fixture
async def load(cluster: Cluster) -> Any:
    lo = Load(cluster)
    try:
        yield lo
    finally:
        await lo.close()


async def test_node_sigkilled_under_load_loses_and_doubles_nothing(cluster: Cluster, load: Load) -> None:
    await load.connect()
    victim = 0
    on_victim = [p for p in load.pairs for c in (p.sender, p.receiver) if node_of(cluster, c) == victim]
    assert len(on_victim) >= 10, "the victim holds a third of the clients"
    # mid-stream: once a third of the messages are answered, the victim dies without a word
    streaming = await load.stream_until(120, PAIRS * 40, "a third answered", "the kill")
    os.kill(cluster.nodes[victim].pid, signal.SIGKILL)
    killed_at = load.answered()
    await asyncio.wait_for(streaming, 180)
    assert cluster.nodes[victim].wait(10) == -signal.SIGKILL
    moved = {c for p in load.pairs for c in (p.sender, p.receiver) if c.reconnects}
    assert len(moved) >= 10, f"the victim's clients reconnected ({len(moved)} did)"
    for c in moved:
        assert node_of(cluster, c) not in (victim, None), "they landed on a live node"
    assert load.answered() == PAIRS * 120 > killed_at, "every send answered, some after the kill"
    await load.check_delivery()
    print(f"killed after {killed_at} answers; {len(moved)} clients moved; "
          f"{sum(p.dups for p in load.pairs)} resends answered as already stored")


# -- Redis restarted under load ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test's own (never the shared one), started and stopped at will."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        for _ in range(200):
            try:
                client.ping()
                return
            except (redis.RedisError, OSError):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self.proc.returncode}")
                time.sleep(0.05)
        raise RuntimeError("redis-server did not answer")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        need_service("redis-server is not installed (a private one is restarted; the shared one never is)")
    assert binary is not None
    r = PrivateRedis(binary, tmp_path)
    r.start()
    try:
        yield r
    finally:
        r.stop()


async def test_redis_restarted_under_load_delivery_resumes_nothing_lost(
        cluster_factory: Callable[..., Cluster], private_redis: PrivateRedis) -> None:
    cluster = cluster_factory(3, bus_url=private_redis.url)
    load = Load(cluster)
    try:
        await load.connect()
        streaming = await load.stream_until(40, PAIRS * 15, "a part answered", "Redis went away")
        await asyncio.to_thread(private_redis.stop)  # all bus state gone (no save, no AOF)
        stopped_at = load.answered()
        # the stream ends while Redis is away (sends are answered from the store, wake-ups to the
        # other nodes are lost): only the nodes' resync from the store can deliver its tail
        await asyncio.wait_for(streaming, 180)
        away = load.answered() - stopped_at
        assert away > 0, "sends answered while Redis was away"
        await asyncio.to_thread(private_redis.start)  # the same port, empty
        # delivery resumes (a generous deadline: the bus is a hint, each node resyncs from the store)
        await load.check_delivery(timeout=60)
        # and the stream goes on across nodes through the new Redis, nothing lost
        await asyncio.wait_for(load.send_until(80), 180)
        assert load.answered() == PAIRS * 80
        await load.check_delivery(timeout=60)
        print(f"{away} sends answered while Redis was away")
    finally:
        await load.close()


# -- a node stalled past the heartbeat timeout ------------------------------------------------------


async def test_node_stalled_past_the_timeout_is_known_again_with_its_connections(cluster: Cluster) -> None:
    """A node paused longer than bus_node_timeout (SIGSTOP: a starved or frozen process) is forgotten
    with its connections; once it runs again the others learn them again (expiry-0 sends reach them)."""
    alice = Client(cluster.nodes[0].ws_url, cluster.token("alice", "d"), cluster.appid)
    bob = Client(cluster.nodes[1].ws_url, cluster.token("bob", "d"), cluster.appid)
    await alice.connect()
    await bob.connect()
    loop = asyncio.get_running_loop()

    async def until_status(sender: Client, to: str, want: int, what: str) -> None:
        deadline = loop.time() + 30
        while (status := (await sender.send(to, "only if online", expiry=0))["status"]) != want:
            assert loop.time() < deadline, f"{what}: status {status:#x}"
            await asyncio.sleep(0.2)

    try:
        await until_status(alice, "bob", Status.SENT, "node 0 knows bob is online")
        os.kill(cluster.nodes[1].pid, signal.SIGSTOP)
        try:
            await until_status(alice, "bob", Status.USEROFFLINE, "node 0 forgot the stalled node")
        finally:
            os.kill(cluster.nodes[1].pid, signal.SIGCONT)
        await until_status(alice, "bob", Status.SENT, "node 0 knows bob again")
        await until_status(bob, "alice", Status.SENT, "the stalled node knows alice again")
        assert not alice.reconnects and not bob.reconnects
    finally:
        await alice.close()
        await bob.close()


async def test_one_node_cut_off_from_redis_its_messages_reach_the_other_nodes(
        cluster_factory: Callable[..., Cluster], private_redis: PrivateRedis) -> None:
    """Node 0 reaches Redis through a proxy the test cuts (the others keep Redis): its wake-ups
    for the other nodes' users are lost meanwhile; once back it says so and they catch up."""
    proxy = Balancer([("127.0.0.1", private_redis.port)]).start()
    try:
        cluster = cluster_factory(3, bus_url=private_redis.url,
                                  node_settings={0: {"bus_url": f"redis://127.0.0.1:{proxy.port}/0"}})
        load = Load(cluster)
        try:
            await load.connect()
            streaming = await load.stream_until(40, PAIRS * 15, "a part answered", "the cut")
            proxy.set_backend(0, None)
            proxy.cut()
            # the stream ends while node 0 is cut off: nothing later wakes its senders' receivers
            await asyncio.wait_for(streaming, 180)
            proxy.set_backend(0, ("127.0.0.1", private_redis.port))
            await load.check_delivery(timeout=60)
        finally:
            await load.close()
    finally:
        proxy.close()


async def test_store_connections_terminated_under_load_nothing_lost(cluster: Cluster, load: Load) -> None:
    """Every node's PostgreSQL connections are terminated mid-stream (a database failover or restart
    as the nodes see it): their pools reconnect, and what was answered SENT arrives once, in order."""
    import asyncpg

    await load.connect()
    streaming = await load.stream_until(100, PAIRS * 30, "a part answered", "the cut")
    conn = await asyncpg.connect(cluster.database_url.split("?")[0], timeout=10)
    try:
        cut = await conn.fetchval("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    finally:
        await conn.close()
    assert cut >= 3, "every node had connections"
    await asyncio.wait_for(streaming, 180)
    # A connection lost before COMMIT reruns the batch; lost during COMMIT the outcome is unknown and
    # the batch's sends are answered INTERNAL (the message may or may not be stored: either way
    # nothing answered SENT is at stake). That window is narrow: the sends in flight at the cut at most.
    failed = [k for p in load.pairs for k in p.failed]
    assert load.answered() + len(failed) == PAIRS * 100
    assert len(failed) <= PAIRS * WINDOW, f"{len(failed)} sends failed: more than were in flight at the cut"
    await load.check_delivery()
