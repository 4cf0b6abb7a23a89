"""The in-process bus: one node, so a wake-up or a signal is a direct call."""

from __future__ import annotations

from ..store.base import Touched
from typing import Any

from .base import ControlHandler, ResyncHandler, SignalHandler, WakeHandler


class LocalBus:
    node = "local"

    def __init__(self) -> None:
        self._on_wake: WakeHandler | None = None
        self._on_signal: SignalHandler | None = None

    async def start(self, on_wake: WakeHandler, on_signal: SignalHandler, on_control: ControlHandler | None = None,
                    on_resync: ResyncHandler | None = None) -> None:
        self._on_wake, self._on_signal = on_wake, on_signal

    async def close(self) -> None:
        self._on_wake = self._on_signal = None

    def wake(self, touched: Touched) -> None:
        if self._on_wake and touched:
            self._on_wake(touched)

    def signal(self, uid: int, frame: str) -> None:
        if self._on_signal:
            self._on_signal(uid, frame)

    async def ping(self) -> None:
        """Always reachable: it is this process."""

    def control(self, message: list[Any]) -> None:
        """There are no other nodes."""
