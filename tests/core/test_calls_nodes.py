"""Calls whose two sides are on different nodes (hubs on one PostgreSQL store and one Redis bus):
placed on one node, rung and answered on others, signalled both ways, ended from either side, by
the ring timer, by a vanished endpoint, or by the death of the node that holds the call."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hubbub.protocol.constants import CallStatus as S
from hubbub.protocol.constants import Status

from .conftest import Device, Harness
from .test_nodes import Nodes, nodes, until  # noqa: F401  (the fixture)

pytestmark = pytest.mark.timeout(60)


def _held(dev: Device) -> list[dict[str, Any]]:
    """Frames read while waiting for something else, kept for later (a call frame may precede a `res`)."""
    if not hasattr(dev, "held"):
        dev.held = []  # type: ignore[attr-defined]
    return dev.held  # type: ignore[attr-defined,no-any-return]


async def take(dev: Device, pred: Any, timeout: float = 10.0) -> dict[str, Any]:
    """The first frame (held or new) that satisfies pred; events are applied as they come."""
    held = _held(dev)
    for i, frame in enumerate(held):
        if pred(frame):
            return held.pop(i)

    async def run() -> dict[str, Any]:
        while True:
            frame = await dev.next(timeout)
            if frame["t"] == "events":
                dev._apply(frame)
            if pred(frame):
                return frame
            if frame["t"] != "events":
                held.append(frame)
    return await asyncio.wait_for(run(), timeout)


async def ask(dev: Device, t: str, **fields: Any) -> dict[str, Any]:
    dev._r += 1
    r = dev._r
    await dev.feed({"t": t, "r": r, **fields})
    return await take(dev, lambda fr: fr["t"] == "res" and fr["r"] == r)


async def status(dev: Device, st: int, timeout: float = 10.0) -> dict[str, Any]:
    """The next call frame with status st (earlier call frames with other statuses are left held)."""
    return await take(dev, lambda fr: fr["t"] == "call" and fr["status"] == st, timeout)


async def signal(dev: Device, timeout: float = 10.0) -> dict[str, Any]:
    return await take(dev, lambda fr: fr["t"] == "call_signal", timeout)


async def record(dev: Device, timeout: float = 10.0) -> dict[str, Any]:
    """The next call-record message of the device's log (each returned once)."""
    async def run() -> dict[str, Any]:
        while True:
            for e in dev.events:
                if e["k"] == "msg" and "call" in e and e.get("_seen") is None:
                    e["_seen"] = True
                    return e
            await take(dev, lambda fr: fr["t"] == "events", timeout)
    return await asyncio.wait_for(run(), timeout)


def uid(dev: Device) -> int:
    assert dev.session.ident is not None
    return dev.session.ident.uid


async def online_everywhere(nodes_: list[Harness], *devs: Device) -> None:
    """Wait until every node's roster knows every device's connection (as it would in practice)."""
    for dev in devs:
        for n in nodes_:
            if dev.session.hub is not n.hub:
                await until(lambda n=n, dev=dev: n.hub.cluster.roster.holder(uid(dev), dev.session.key) is not None,
                            10.0)


async def crash(node: Harness) -> None:
    """The node dies as under SIGKILL: no goodbye, no heartbeat, nothing more on the bus."""
    hub = node.hub
    assert hub.cluster._task is not None and hub._sweeper is not None
    hub.bus.connected.clear()  # type: ignore[attr-defined]  (nothing more leaves it)
    hub.cluster._task.cancel()
    hub._sweeper.cancel()
    hub.calls.stop(hand_over=False)
    await hub.bus.close()


async def test_placed_on_one_node_rung_on_two_answered_on_one_signalled_both_ways_hung_up(nodes: Nodes) -> None:
    a, b, c = await nodes(3)
    alice = await a.device("alice", "a1")
    alice_tab = await b.device("alice", "a2")
    bob_phone = await b.device("bob", "phone")
    bob_laptop = await c.device("bob", "laptop")
    await online_everywhere([a, b, c], alice, alice_tab, bob_phone, bob_laptop)
    placed = await ask(alice, "call", to="bob", video=True)
    assert placed["status"] == S.INPROGRESS
    callid = placed["callid"]
    for dev in (bob_phone, bob_laptop):  # every device of bob rings, whichever node it is on
        incoming = await status(dev, S.INCOMING)
        assert (incoming["callid"], incoming["peer"], incoming["dir"], "elsewhere" in incoming) == (
            callid, "alice", "in", False)
    assert "elsewhere" not in await status(alice, S.RINGING)
    assert (await status(alice_tab, S.RINGING))["elsewhere"] is True
    # answered on node c: node a holds the call, so the answer travels there
    assert (await ask(bob_laptop, "call_answer", callid=callid))["ok"]
    assert "elsewhere" not in await status(bob_laptop, S.ANSWER)
    assert (await status(bob_phone, S.ANSWER))["elsewhere"] is True  # stops ringing: answered elsewhere
    assert "elsewhere" not in await status(alice, S.ANSWER)
    assert (await status(alice_tab, S.ANSWER))["elsewhere"] is True
    late = await ask(bob_phone, "call_answer", callid=callid)
    assert (late["ok"], late["error"]) == (False, "INVALIDSTATE")
    # offer, answer and ICE both ways, between the two endpoints only
    await ask(alice, "call_signal", callid=callid, kind="sdp", data={"type": "offer", "sdp": "v=0 o"})
    got = await signal(bob_laptop)
    assert (got["callid"], got["kind"], got["data"]) == (callid, "sdp", {"type": "offer", "sdp": "v=0 o"})
    await ask(bob_laptop, "call_signal", callid=callid, kind="sdp", data={"type": "answer", "sdp": "v=0 a"})
    assert (await signal(alice))["data"]["type"] == "answer"
    for i in range(5):
        await ask(bob_laptop, "call_signal", callid=callid, kind="ice", data={"candidate": f"c{i}"})
    assert [(await signal(alice))["data"]["candidate"] for _ in range(5)] == [f"c{i}" for i in range(5)]
    refused = await ask(bob_phone, "call_signal", callid=callid, kind="ice", data={"candidate": "x"})
    assert (refused["ok"], refused["error"]) == (False, "FORBIDDEN")
    # the callee hangs up from node c
    assert (await ask(bob_laptop, "call_hangup", callid=callid))["ok"]
    for dev in (alice, alice_tab, bob_phone, bob_laptop):
        await status(dev, S.COMPLETE)
    out, inc = await record(alice), await record(bob_laptop)
    assert (out["status"], out["call"]["status"], out["call"]["answered"]) == (Status.CALLOUTGOING, S.COMPLETE, True)
    assert (inc["status"], inc["mid"]) == (Status.CALLINCOMING, out["mid"])
    again = await ask(bob_phone, "call_hangup", callid=callid)
    assert (again["ok"], again["error"]) == (False, "NOTFOUND")
    for n in (b, c):  # every node forgot the call
        await until(lambda n=n: not n.hub.calls.directory.calls)


@pytest.mark.parametrize("who,expected", [("caller", S.CANCEL), ("callee", S.BUSY)])
async def test_hung_up_while_ringing_from_either_side_on_another_node(nodes: Nodes, who: str, expected: int) -> None:
    a, b, c = await nodes(3)
    alice = await a.device("alice", "a1")
    alice_tab = await c.device("alice", "a2")
    bob = await b.device("bob", "phone")
    await online_everywhere([a, b, c], alice, alice_tab, bob)
    callid = (await ask(alice, "call", to="bob"))["callid"]
    await status(bob, S.INCOMING)
    await until(lambda: c.hub.calls.directory.owner(callid) == a.hub.bus.node)
    hanging = alice_tab if who == "caller" else bob  # both on nodes that do not hold the call
    assert (await ask(hanging, "call_hangup", callid=callid))["ok"]
    for dev in (alice, alice_tab, bob):
        await status(dev, expected)
    rec = await record(bob)
    assert rec["call"]["status"] == expected and rec["call"]["answered"] is False


async def test_ring_timeout_ends_the_call_on_every_node(nodes: Nodes) -> None:
    a, b = await nodes(2, call_ring_timeout=0.5)
    alice = await a.device("alice")
    bob = await b.device("bob")
    await online_everywhere([a, b], alice, bob)
    callid = (await ask(alice, "call", to="bob"))["callid"]
    await status(bob, S.INCOMING)
    assert (await status(bob, S.NOANSWER))["callid"] == callid
    await status(alice, S.NOANSWER)
    assert (await record(bob))["status"] == Status.CALLMISSED


async def test_busy_and_invalidstate_when_the_call_is_held_by_another_node(nodes: Nodes) -> None:
    a, b = await nodes(2)
    alice = await a.device("alice", "a1")
    alice_tab = await b.device("alice", "a2")
    bob = await a.device("bob")
    carol = await b.device("carol")
    await online_everywhere([a, b], alice, alice_tab, bob, carol)
    callid = (await ask(alice, "call", to="bob"))["callid"]
    await status(bob, S.INCOMING)
    await until(lambda: b.hub.calls.directory.busy(uid(bob)))
    # carol, on node b, calls bob who is in a call held by node a
    busy = await ask(carol, "call", to="bob")
    assert busy["status"] == S.BUSY
    missed = await record(bob)
    assert missed["peer"] == "carol" and missed["status"] == Status.CALLMISSED
    # alice may not place a second call from her other device, on node b
    assert (await ask(alice_tab, "call", to="carol"))["status"] == S.INVALIDSTATE
    await ask(alice, "call_hangup", callid=callid)
    await status(bob, S.CANCEL)
    await until(lambda: not b.hub.calls.directory.busy(uid(bob)))
    assert (await ask(carol, "call", to="bob"))["status"] == S.INPROGRESS


async def test_the_answering_device_leaving_ends_the_call_after_grace(nodes: Nodes) -> None:
    a, b = await nodes(2, call_grace=0.3)
    alice = await a.device("alice")
    bob_phone = await b.device("bob", "phone")
    bob_laptop = await b.device("bob", "laptop")
    await online_everywhere([a, b], alice, bob_phone, bob_laptop)
    callid = (await ask(alice, "call", to="bob"))["callid"]
    await status(bob_laptop, S.INCOMING)
    await ask(bob_laptop, "call_answer", callid=callid)
    await status(alice, S.ANSWER)
    await bob_laptop.session.close(1000, "bye")
    ended = await status(alice, S.COMPLETE)
    assert ended["callid"] == callid
    assert (await status(bob_phone, S.COMPLETE))["elsewhere"] is True
    rec = await record(alice)
    assert rec["call"]["status"] == S.COMPLETE and rec["call"]["answered"] is True


async def test_the_answering_devices_node_dying_ends_the_call(nodes: Nodes) -> None:
    a, b, c = await nodes(3, call_grace=0.3)
    alice = await a.device("alice")
    bob_phone = await b.device("bob", "phone")
    bob_laptop = await c.device("bob", "laptop")
    await online_everywhere([a, b, c], alice, bob_phone, bob_laptop)
    callid = (await ask(alice, "call", to="bob"))["callid"]
    await status(bob_laptop, S.INCOMING)
    await ask(bob_laptop, "call_answer", callid=callid)
    await status(alice, S.ANSWER)
    await crash(c)
    # node a notices node c's silence (bus_node_timeout), counts the endpoint gone, then grace
    assert (await status(alice, S.COMPLETE))["callid"] == callid
    assert (await status(bob_phone, S.COMPLETE))["elsewhere"] is True
    assert (await record(alice))["call"]["status"] == S.COMPLETE


async def test_a_returning_endpoint_on_another_node_keeps_the_call(nodes: Nodes) -> None:
    a, b, c = await nodes(3, call_grace=3.0)
    alice = await a.device("alice")
    token = await b.token("bob", "laptop")
    bob = await b.connect(token)
    await online_everywhere([a, b, c], alice, bob)
    callid = (await ask(alice, "call", to="bob"))["callid"]
    await status(bob, S.INCOMING)
    await ask(bob, "call_answer", callid=callid)
    await status(alice, S.ANSWER)
    await until(lambda: c.hub.calls.directory.owner(callid) == a.hub.bus.node)
    await bob.session.close(1000, "moving")
    await until(lambda: bool(a.hub.calls.machine.calls[callid].gone))
    moved = await c.connect(token)  # the same device comes back on node c within grace
    resumed = await status(moved, S.ANSWER)
    assert resumed["callid"] == callid and "elsewhere" not in resumed
    await until(lambda: not a.hub.calls.machine.calls[callid].gone)
    await ask(alice, "call_signal", callid=callid, kind="ice", data={"candidate": "after"})
    assert (await signal(moved))["data"] == {"candidate": "after"}
    await ask(moved, "call_hangup", callid=callid)
    await status(alice, S.COMPLETE)


@pytest.mark.parametrize("answered,expected", [(True, S.COMPLETE), (False, S.UNREACHABLE)])
async def test_the_node_holding_the_call_dying_ends_it_for_the_other_side(nodes: Nodes, answered: bool,
                                                                         expected: int) -> None:
    a, b, c = await nodes(3)
    alice = await a.device("alice", "a1")
    alice_tab = await c.device("alice", "a2")
    bob = await b.device("bob")
    await online_everywhere([a, b, c], alice, alice_tab, bob)
    callid = (await ask(alice, "call", to="bob"))["callid"]
    await status(bob, S.INCOMING)
    if answered:
        await ask(bob, "call_answer", callid=callid)
        await status(alice_tab, S.ANSWER)
    await until(lambda: all(n.hub.calls.directory.owner(callid) == a.hub.bus.node
                            and n.hub.calls.directory.calls[callid].call.state == ("answered" if answered else "ringing")
                            for n in (b, c)))
    await crash(a)
    # within bus_node_timeout (and a heartbeat) the others end it for their own connections
    ended = await status(bob, expected)
    assert ended["callid"] == callid and "elsewhere" not in ended
    assert (await status(alice_tab, expected))["elsewhere"] is True
    rec = await record(bob)  # recorded once, by whichever survivor stored it first
    assert rec["call"]["status"] == expected and rec["call"]["answered"] is answered
    got = await ask(bob, "call_hangup", callid=callid)
    assert (got["ok"], got["error"]) == (False, "NOTFOUND")
    await until(lambda: bob.session.hub.calls.directory.calls == {})
    count = await b.scalar("SELECT count(*) FROM messages WHERE cid = ?", f"~call-{callid}")
    assert count == 1


async def test_a_node_that_stops_hands_its_calls_over_and_they_go_on(nodes: Nodes) -> None:
    a, b, c = await nodes(3, call_grace=10.0)
    token = await a.token("alice", "a1")
    alice = await a.connect(token)
    bob = await b.device("bob")
    await online_everywhere([a, b, c], alice, bob)
    callid = (await ask(alice, "call", to="bob"))["callid"]
    await status(bob, S.INCOMING)
    await ask(bob, "call_answer", callid=callid)
    await status(alice, S.ANSWER)
    await a.hub.stop()  # a clean stop (SIGTERM): alice's connection closes, the call moves to bob's node
    assert callid in b.hub.calls.machine.calls
    await until(lambda: c.hub.calls.directory.owner(callid) == b.hub.bus.node)
    moved = await c.connect(token)  # alice reconnects, to node c
    resumed = await status(moved, S.ANSWER)
    assert resumed["callid"] == callid and "elsewhere" not in resumed
    await ask(bob, "call_signal", callid=callid, kind="ice", data={"candidate": "after the move"})
    assert (await signal(moved))["data"] == {"candidate": "after the move"}
    await ask(moved, "call_hangup", callid=callid)
    await status(bob, S.COMPLETE)
    rec = await record(bob)
    assert rec["call"]["status"] == S.COMPLETE and rec["call"]["answered"] is True


async def test_a_ringing_call_handed_over_still_times_out(nodes: Nodes) -> None:
    a, b = await nodes(2, call_ring_timeout=2.0, call_grace=60.0)
    alice = await a.device("alice")
    bob = await b.device("bob")
    await online_everywhere([a, b], alice, bob)
    callid = (await ask(alice, "call", to="bob"))["callid"]
    await status(bob, S.INCOMING)
    await a.hub.stop()
    assert b.hub.calls.machine.calls[callid].state == "ringing"
    # its ring timer went on at node b (the caller's grace, 60 s, is far longer)
    ended = await take(bob, lambda fr: fr["t"] == "call" and fr["status"] >= S.COMPLETE)
    assert (ended["callid"], ended["status"]) == (callid, S.NOANSWER)
    assert (await record(bob))["call"]["status"] == S.NOANSWER
