"""A node that stops says `leave` for its remaining connections before its `bye`. Before, the leaves
came after the goodbye, from a node the others had just forgotten: each of them asked it `hello`,
and its answer (sent before its bus closed) put the stopped node back among the living for
bus_node_timeout, where a stopping neighbour could pick it as heir for its calls."""

from __future__ import annotations

from typing import Any

from hubbub.protocol.constants import CallStatus as S

from ..waiting import until
from .test_calls_nodes import ask, status
from .test_nodes import Nodes, nodes  # noqa: F401  (the fixture)


async def test_a_stopping_node_says_its_leaves_before_its_goodbye(nodes: Nodes) -> None:  # noqa: F811
    a, b = await nodes(2)
    alice = await a.device("alice")
    assert alice.session.ident is not None
    uid, gone = alice.session.ident.uid, a.hub.bus.node
    await until(lambda: b.hub.cluster.roster.holder(uid, alice.session.key) == gone, what="b knows alice")
    heard: list[str] = []
    asked: list[list[Any]] = []
    on_control, control = b.hub.cluster.on_control, b.hub.bus.control

    def hear(node: str, msg: list[Any]) -> None:
        if node == gone:
            heard.append(msg[0])
        on_control(node, msg)

    def say(msg: list[Any]) -> None:
        asked.append(msg)
        control(msg)
    b.hub.cluster.on_control = hear  # type: ignore[method-assign]
    b.hub.bus.control = say  # type: ignore[method-assign]
    await a.hub.stop()
    await until(lambda: "bye" in heard and "leave" in heard, what="a's leave and goodbye at b")
    assert heard.index("leave") < heard.index("bye"), heard
    assert ["hello", gone] not in asked
    assert b.hub.cluster.roster.holder(uid, alice.session.key) is None


async def test_a_stopping_node_hands_its_calls_to_a_node_that_is_not_draining(nodes: Nodes) -> None:  # noqa: F811
    """The workers of `serve --workers` drain together: a node that stops must not hand its calls to
    one that is stopping too (its calls would end with it), when another node stays."""
    a, b, c = await nodes(3)
    alice = await a.device("alice")
    bob = await a.device("bob")
    callid = (await ask(alice, "call", to="bob"))["callid"]
    await status(bob, S.INCOMING)
    first, second = sorted([b, c], key=lambda h: h.hub.bus.node)  # the heir chosen by name, before
    first.hub.start_draining()
    await until(lambda: first.hub.bus.node in a.hub.cluster.roster.draining, what="a hears of the drain")
    await a.hub.stop()
    await until(lambda: callid in second.hub.calls.machine.calls, what="the call at the node that stays")
    assert callid not in first.hub.calls.machine.calls
