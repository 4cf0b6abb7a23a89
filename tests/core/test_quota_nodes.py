"""Per-user quotas shared by nodes through Redis: a user's budget is the same on three nodes as on
one; each shared bucket at its edge on a real Redis; a node without Redis keeps deciding alone."""

from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from hubbub.bus.local import LocalBus
from hubbub.config import Settings
from hubbub.core.hub import Hub
from hubbub.core.shared_quota import WARM, LocalQuota, SharedQuota, open_quota
from hubbub.protocol.constants import Status
from hubbub.store import open_store

from .conftest import Device, Harness
from .test_nodes import Nodes, nodes, until  # noqa: F401  (the fixture)

pytestmark = pytest.mark.timeout(60)

COST = 2 * (200 + 100)  # one 100-byte message to one user: two logs, EVENT_BYTES + text each


async def send(dev: Device, cid: str) -> str:
    """"ok" or the error code of one 100-byte message to bob."""
    res = await dev.request("send", cid=cid, to="bob", message="x" * 100)
    if res["ok"]:
        assert res["status"] == Status.SENT
        return "ok"
    return str(res["error"])


async def synced(node: Harness) -> None:
    """Wait until this node has handed Redis everything it spent."""
    quota = node.hub._writes
    assert isinstance(quota, SharedQuota)
    await until(lambda: not quota.unsynced, 10.0)
    await quota.sync()  # and a last call, so the batch that was in flight has come back


async def refreshed(node: Harness, uid: int) -> None:
    """Wait for two more periodic syncs of this node (the second began after this call), or until the
    node's copy of uid's bucket is cold anyway (then it asks Redis before the next decision)."""
    quota = node.hub._writes
    assert isinstance(quota, SharedQuota)
    start = quota.syncs
    await until(lambda: quota.syncs >= start + 2 or time.monotonic() - quota.used.get(uid, 0.0) > WARM, 10.0)


async def test_write_bytes_spread_over_three_nodes_is_the_budget_of_one(nodes: Nodes) -> None:
    # 4096 bytes per hour: six 600-byte sends, the seventh refused (496 left), wherever they are made
    a, b, c = await nodes(3, user_write_bytes=4096, user_write_interval=3600.0)
    await a.device("bob")
    on_a, on_b, on_c = [await n.device("alice", f"d{i}") for i, n in enumerate((a, b, c))]
    assert [await send(on_a, f"a{i}") for i in range(3)] == ["ok"] * 3
    await synced(a)
    assert [await send(on_b, f"b{i}") for i in range(4)] == ["ok", "ok", "ok", "RATELIMIT"]
    await synced(b)
    assert await send(on_c, "c0") == "RATELIMIT"  # node c asks Redis first: alice is new to it
    await refreshed(a, on_a.session.ident.uid)  # type: ignore[union-attr]
    assert await send(on_a, "a9") == "RATELIMIT"  # node a's copy followed what node b spent


async def test_write_bytes_on_one_node_alone_hits_the_same_edge(nodes: Nodes) -> None:
    (a,) = await nodes(1, user_write_bytes=4096, user_write_interval=3600.0)
    await a.device("bob")
    alice = await a.device("alice")
    assert [await send(alice, f"m{i}") for i in range(7)] == ["ok"] * 6 + ["RATELIMIT"]


async def test_group_ops_are_taken_from_the_shared_bucket_at_once(nodes: Nodes) -> None:
    a, b, c = await nodes(3, group_ops_per_minute=3)
    await a.device("bob")
    on = [await n.device("alice", f"d{i}") for i, n in enumerate((a, b, c))]
    made = await on[0].request("group_create", name="g", members=["bob"])
    gid = made["gid"]
    assert (await on[1].request("group_set", gid=gid, name="g2"))["ok"]
    assert (await on[2].request("group_set", gid=gid, name="g3"))["ok"]
    for dev in on:  # the fourth operation in the minute, on any node, with no wait for a sync
        res = await dev.request("group_set", gid=gid, name="g4")
        assert (res["ok"], res["error"]) == (False, "RATELIMIT")


@pytest.fixture
async def shared(redis_url: str, bus_prefix: str) -> AsyncIterator[Callable[..., SharedQuota]]:
    """`shared(capacity, interval)`: a SharedQuota on the test Redis (several of them: several nodes)."""
    made: list[SharedQuota] = []

    def make(capacity: float, interval: float, url: str = redis_url) -> SharedQuota:
        client = aioredis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=1, socket_timeout=2)
        q = SharedQuota(client, f"{bus_prefix}quota:t:", capacity, interval, 0.05)
        q.start()
        made.append(q)
        return q

    yield make
    for q in made:
        await q.stop()


async def test_shared_bucket_edges(shared: Callable[..., SharedQuota]) -> None:
    one, two = shared(1000, 3600.0), shared(1000, 3600.0)
    await one.ready("u")
    assert one.take("u", 400) and one.take("u", 400)
    assert not one.take("u", 300)  # 200 left
    await one.sync()
    await two.ready("u")           # a node that had not seen u learns its level first
    assert not two.take("u", 201) and two.take("u", 200)
    await two.sync()
    assert await one.take_now("u", 0)       # exactly empty: a free check passes
    assert not await one.take_now("u", 1)   # and nothing more
    assert one.buckets.level("u") < 1


async def test_shared_bucket_full_lets_a_large_operation_into_debt(shared: Callable[..., SharedQuota]) -> None:
    one, two = shared(100, 3600.0), shared(100, 3600.0)
    assert await one.take_now("u", 250)        # from a full bucket: through, 150 in debt
    assert not await two.take_now("u", 0)      # the debt is everyone's
    await two.ready("v")
    assert two.take("v", 100) and not two.take("v", 1)
    await two.sync()
    assert not await one.take_now("v", 1)
    two.charge("v", -100)                      # a refund reaches the shared bucket too
    await two.sync()
    assert await one.take_now("v", 100)


async def test_spending_on_many_nodes_at_once_settles_on_the_budget(shared: Callable[..., SharedQuota]) -> None:
    """Each node decides alone between syncs; once they have synced, the total is the budget."""
    nodes_ = [shared(3000, 3600.0) for _ in range(3)]
    took = 0
    for _round in range(10):
        for q in nodes_:
            await q.ready("u")
            took += q.take("u", 100)
        for q in nodes_:
            await q.sync()
    assert took == 30  # 10 rounds of 3 x 100: exactly the budget, as every node synced between rounds
    for q in nodes_:
        await q.sync()  # asks for the level of "u" too: it was used within WARM
        assert not q.take("u", 1)


async def test_without_redis_a_node_decides_on_its_own_buckets(shared: Callable[..., SharedQuota]) -> None:
    q = shared(1000, 3600.0, url="redis://127.0.0.1:1/0")  # nothing listens there
    await q.ready("u")  # fails, and is not waited for again until RETRY
    assert q.failures == 1
    assert q.take("u", 600) and not q.take("u", 600)
    assert await q.take_now("g", 1000) and not await q.take_now("g", 1)
    await q.sync()
    assert q.failures == 1, "no new attempt while it is marked down"


async def test_the_local_bus_keeps_node_local_quotas(tmp_path: Any) -> None:
    settings = Settings.load(env={}, data_dir=str(tmp_path), user_write_bytes=4096, user_write_interval=3600.0)
    assert type(open_quota(settings, "w", 4096, 3600.0)) is LocalQuota
    hub = Hub(settings, open_store(settings), LocalBus())
    assert type(hub._writes) is LocalQuota and type(hub._group_ops) is LocalQuota


async def test_quota_keys_expire_once_full_again(shared: Callable[..., SharedQuota], redis_url: str,
                                                 bus_prefix: str) -> None:
    q = shared(1000, 3600.0)
    assert await q.take_now("u", 10)
    r = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        ttl = await r.pttl(f"{bus_prefix}quota:t:u")
        assert 0 < ttl <= 10 / (1000 / 3600_000) + 1000  # the time to refill 10 tokens, plus a second
    finally:
        await r.aclose()


async def test_a_resend_is_refunded_on_every_node(nodes: Nodes) -> None:
    a, b = await nodes(2, user_write_bytes=4096, user_write_interval=3600.0)
    await a.device("bob")
    on_a, on_b = await a.device("alice", "d1"), await b.device("alice", "d2")
    for i in range(5):
        assert await send(on_a, f"m{i}") == "ok"
    for _ in range(3):
        assert await send(on_a, "m0") == "ok"  # resends of a committed message write nothing
    await synced(a)
    assert await send(on_b, "n0") == "ok" and await send(on_b, "n1") == "RATELIMIT"


async def test_stop_ends_the_sync_loop_even_when_a_cancel_was_lost_in_a_sync(
        shared: Callable[..., SharedQuota]) -> None:
    """A three-node test's teardown hung in SharedQuota.stop: its cancel landed in a sync and was lost
    there (redis-py turns a cancel inside a command into a connection error, and Python 3.11's
    wait_for returns a result that arrived with the cancel), so the loop slept on and stop() waited
    for it for ever. Here the first sync swallows the cancel as those do."""
    quota = shared(1000, 3600.0)
    real_sync = quota.sync
    inside = asyncio.Event()
    swallowed = 0

    async def sync_losing_the_cancel() -> None:
        nonlocal swallowed
        if swallowed:
            return await real_sync()
        inside.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            swallowed += 1  # the cancel is gone; the sync "returns" as a failed call would

    quota.sync = sync_losing_the_cancel  # type: ignore[method-assign]
    await asyncio.wait_for(inside.wait(), 5)
    await asyncio.wait_for(quota.stop(), 10)
    assert swallowed == 1
    assert quota._task is not None and quota._task.done()
