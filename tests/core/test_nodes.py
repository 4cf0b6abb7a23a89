"""Several nodes (hubs) on one PostgreSQL store and one Redis bus, users spread over them."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest

from hubbub.bus.redis import RedisBus
from hubbub.config import Settings
from hubbub.core.hub import Hub
from hubbub.protocol.constants import Close, Status
from hubbub.store import open_store

from .conftest import Harness

Nodes = Callable[..., Awaitable[list[Harness]]]


@pytest.fixture
async def nodes(pg_url: str, redis_url: str, bus_prefix: str) -> AsyncIterator[Nodes]:
    """`await nodes(n, **settings)`: n hubs sharing a store and a bus, each with a harness on the same app."""
    hubs: list[Hub] = []

    async def make(n: int, **overrides: Any) -> list[Harness]:
        settings = Settings.load(env={}, database_url=pg_url, bus_url=redis_url, bus_prefix=bus_prefix,
                                 bus_heartbeat=0.2, bus_node_timeout=1.0, **overrides)
        out = []
        for _ in range(n):
            hub = Hub(settings, open_store(settings), RedisBus(redis_url, bus_prefix))
            await hub.start()
            hubs.append(hub)
            out.append(Harness(hub))
        out[0].app, _ = await out[0].admin.create_app("test")
        for h in out[1:]:
            h.app = out[0].app
        await settle(out)
        return out

    yield make
    for hub in reversed(hubs):
        await hub.stop()


async def settle(nodes: list[Harness], timeout: float = 5.0) -> None:
    """Wait until every node has heard every other (the roster is complete)."""
    async def run() -> None:
        while not all({o.hub.bus.node for o in nodes if o is not n} <= set(n.hub.cluster.roster.seen) for n in nodes):
            await asyncio.sleep(0.02)
    await asyncio.wait_for(run(), timeout)


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    async def run() -> None:
        while not check():
            await asyncio.sleep(0.02)
    await asyncio.wait_for(run(), timeout)


async def test_three_nodes_deliver_messages_statuses_and_own_device_sync_once_in_order(nodes: Nodes) -> None:
    a, b, c = await nodes(3)
    alice_phone = await a.connect(await a.token("alice", "phone"))
    alice_laptop = await b.connect(await b.token("alice", "laptop"))
    bob = await c.device("bob")
    for i in range(40):
        res = await bob.request("send", cid=f"m{i}", to="alice", message=f"hello {i}")
        assert res["status"] == Status.SENT
    for dev in (alice_phone, alice_laptop):
        await dev.wait_events(40)
        assert [e["message"] for e in dev.messages()] == [f"hello {i}" for i in range(40)]
    # the first ack of each message is its DELIVERED, once, wherever the acking device is (one event
    # may stand for several of them: `cids`)
    def delivered() -> list[tuple[str, int]]:
        return [(cid, e["status"]) for e in bob.events if e["k"] == "status" for cid in e.get("cids", [e["cid"]])]
    while len(delivered()) < 40:
        await bob.wait_events(len(bob.events) + 1)
    assert delivered() == [(f"m{i}", Status.DELIVERED) for i in range(40)]
    # alice writes from her phone: bob gets it, and her laptop on another node sees it as hers
    seen = len(bob.events)
    await alice_phone.request("send", cid="r1", to="bob", message="hi bob")
    [mine] = [e for e in await alice_laptop.wait_events(41) if e["k"] == "msg" and e["dir"] == "out"]
    assert mine["message"] == "hi bob" and mine["cid"] == "r1"
    await bob.wait_events(seen + 1)
    assert bob.messages()[-1]["message"] == "hi bob"
    # bob's ack of r1 is alice's DELIVERED, on both her devices; then nothing more
    for dev in (alice_phone, alice_laptop):
        await dev.wait_events(42)
    await asyncio.sleep(0.3)
    for dev, n in ((alice_phone, 42), (alice_laptop, 42), (bob, seen + 1)):
        while not dev.transport.inbox.empty():
            frame = dev.transport.inbox.get_nowait()
            if frame["t"] == "events":
                dev._apply(frame)
        assert [e["seq"] for e in dev.events] == list(range(1, n + 1))
        keys = [(e["k"], e.get("mid"), e.get("status"), e.get("dir")) for e in dev.events]
        assert len(keys) == len(set(keys)), "an event arrived twice"


async def test_the_device_limit_holds_across_nodes(nodes: Nodes) -> None:
    a, b, c = await nodes(3, max_devices=2)
    d1 = await a.connect(await a.token("alice", "d1"))
    await b.connect(await b.token("alice", "d2"))
    uid = d1.session.ident.uid  # type: ignore[union-attr]
    await until(lambda: c.hub.devices_online(uid) == ["d1", "d2"])
    third = await c.connect(await c.token("alice", "d3"), expect="error")
    assert third.error["code"] == "TOOMANYDEVICES"  # type: ignore[attr-defined]


async def test_a_newer_connection_of_a_device_on_another_node_signs_out_the_old_one(nodes: Nodes) -> None:
    a, b = await nodes(2)
    token = await a.token("alice", "d1")
    old = await a.connect(token)
    uid = old.session.ident.uid  # type: ignore[union-attr]
    await until(lambda: b.hub.cluster.roster.holder(uid, "d1") == a.hub.bus.node)
    new = await b.connect(token)
    signout = await old.next_of("signout")
    assert "replaced" in signout["reason"]
    await until(lambda: old.transport.closed is not None)
    assert old.transport.closed == (Close.SIGNOUT, "replaced by a newer connection of this device")
    assert b.hub.sessions[uid]["d1"] is new.session
    await until(lambda: a.hub.cluster.roster.holder(uid, "d1") == b.hub.bus.node)


async def test_expiry_zero_reaches_a_user_online_on_another_node(nodes: Nodes) -> None:
    a, b = await nodes(2)
    alice = await a.device("alice")
    bob = await b.device("bob")
    uid = bob.session.ident.uid  # type: ignore[union-attr]
    await until(lambda: a.hub.online(uid))
    res = await alice.request("send", cid="now", to="bob", message="live only", expiry=0)
    assert res["status"] == Status.SENT
    [got] = await bob.wait_events(1)
    assert got["message"] == "live only"
    await bob.session.closed()
    await until(lambda: not a.hub.online(uid))
    res = await alice.request("send", cid="later", to="bob", message="nobody", expiry=0)
    assert res["status"] == Status.USEROFFLINE


async def test_typing_and_presence_cross_nodes(nodes: Nodes) -> None:
    a, b = await nodes(2)
    alice = await a.device("alice")
    bob = await b.device("bob")
    await alice.request("presence", to="bob", activity=3)  # typing
    frame = await bob.next_of("presence")
    assert frame["from"] == "alice" and frame["activity"] == 3


async def test_a_node_that_stops_is_forgotten_by_the_others(nodes: Nodes) -> None:
    a, b = await nodes(2)
    await b.device("bob")
    bob_uid = (await b.admin.user(b.app, "bob")).uid
    await until(lambda: a.hub.online(bob_uid))
    await b.hub.stop()
    await until(lambda: not a.hub.online(bob_uid))


async def test_wake_ups_queued_back_to_back_travel_as_one_message(redis_url: str, bus_prefix: str) -> None:
    """A batch's many commits wake the other nodes with one Redis message, each user at its newest head,
    and a frame queued between wake-ups keeps its place (no wake-up jumps over it)."""
    a, b = RedisBus(redis_url, bus_prefix), RedisBus(redis_url, bus_prefix)
    heard: list[Any] = []
    await a.start(lambda t: None, lambda uid, frame: None)
    await b.start(lambda t: heard.append(dict(t)), lambda uid, frame: heard.append((uid, frame)))
    try:
        for seq in range(1, 51):
            a.wake({1: seq, 2 + seq % 3: seq})
        a.signal(9, "frame")
        a.wake({1: 51})
        await until(lambda: len(heard) >= 3)
        assert heard == [{1: 50, 2: 48, 3: 49, 4: 50}, (9, "frame"), {1: 51}]
        assert a.published == 3
    finally:
        await a.close()
        await b.close()
