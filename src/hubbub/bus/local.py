"""The in-process bus: one node, so a wake-up or a signal is a direct call."""

from __future__ import annotations

from ..store.base import Touched
from .base import SignalHandler, WakeHandler


class LocalBus:
    def __init__(self) -> None:
        self._on_wake: WakeHandler | None = None
        self._on_signal: SignalHandler | None = None

    async def start(self, on_wake: WakeHandler, on_signal: SignalHandler) -> None:
        self._on_wake, self._on_signal = on_wake, on_signal

    async def close(self) -> None:
        self._on_wake = self._on_signal = None

    def wake(self, touched: Touched) -> None:
        if self._on_wake and touched:
            self._on_wake(touched)

    def signal(self, uid: int, frame: str) -> None:
        if self._on_signal:
            self._on_signal(uid, frame)
