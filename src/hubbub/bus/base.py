"""The bus: how nodes tell each other "user U has events up to seq N" and route ephemeral frames.

It is a wake-up hint and a router, never the record: a node that misses a wake-up still catches up
from the store. The in-process bus serves one node; a Redis bus implements the same interface.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

from ..store.base import Touched

WakeHandler = Callable[[Touched], None]
SignalHandler = Callable[[int, str], None]
ControlHandler = Callable[[str, list[Any]], None]
"""(sending node, message) of a control message from another node (see core/roster.py)."""
ResyncHandler = Callable[[], None]
"""The bus was lost and is back: wake-ups and control messages may have been missed meanwhile."""


class Bus(Protocol):
    node: str
    """This node's id on the bus."""

    async def start(self, on_wake: WakeHandler, on_signal: SignalHandler, on_control: ControlHandler | None = None,
                    on_resync: ResyncHandler | None = None) -> None:
        """Begin delivering wake-ups and signals from every node (this one included) to the handlers."""

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise unless the bus is reachable (for /readyz)."""

    def wake(self, touched: Touched) -> None:
        """Tell every node that these users' logs grew to these seqs."""

    def signal(self, uid: int, frame: str) -> None:
        """Send an ephemeral frame to the online devices of uid, wherever they are connected."""

    def control(self, message: list[Any]) -> None:
        """Send a control message (a JSON list) to every other node."""
