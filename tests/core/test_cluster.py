"""The roster protocol of core/cluster.py without sockets: a fake bus records what a node says."""

from __future__ import annotations

from typing import Any

from hubbub.core.cluster import Cluster


class RecordingBus:
    node = "me"

    def __init__(self) -> None:
        self.said: list[list[Any]] = []

    def control(self, message: list[Any]) -> None:
        self.said.append(message)


def make(local: list[tuple[int, str, str]] | None = None) -> tuple[Cluster, RecordingBus]:
    bus = RecordingBus()
    c = Cluster(bus, heartbeat=1.0, timeout=5.0, local=lambda: list(local or []),  # type: ignore[arg-type]
                kicked=lambda uid, key: None, revoked=lambda uid, devices: None)
    return c, bus


def test_a_forgotten_node_that_speaks_again_is_asked_for_its_connections() -> None:
    c, bus = make()
    c.on_control("n1", ["joins", [[7, "d", "d"]]])
    assert c.roster.online(7)
    # n1 stalls past the timeout: forgotten with its connections, which are still open
    c.roster.seen["n1"] -= 60
    c.roster.prune(c.roster.seen["n1"] + 61)
    assert not c.roster.online(7)
    c.on_control("n1", ["alive"])
    assert bus.said == [["hello", "n1"]], "ask that node alone"
    c.on_control("n1", ["joins", [[7, "d", "d"]]])
    assert c.roster.online(7)
    c.on_control("n1", ["alive"])
    assert bus.said == [["hello", "n1"]], "asked once"


def test_hello_naming_another_node_is_not_answered() -> None:
    c, bus = make([(3, "k", "dev")])
    c.on_control("n1", ["hello", "n2"])
    assert bus.said == []
    c.on_control("n1", ["hello", "me"])
    c.on_control("n2", ["hello"])
    assert bus.said == [["joins", [[3, "k", "dev"]]], ["joins", [[3, "k", "dev"]]]]


def test_a_node_that_missed_messages_is_forgotten_and_asked_again() -> None:
    c, bus = make()
    c.on_control("n1", ["joins", [[7, "d", "d"], [8, "d", "d"]]])
    c.on_control("n2", ["joins", [[9, "d", "d"]]])
    c.on_control("n1", ["missed"])  # its leaves may have been lost: what it said is stale
    assert not c.roster.online(7) and not c.roster.online(8) and c.roster.online(9)
    assert bus.said == [["hello", "n1"]]
