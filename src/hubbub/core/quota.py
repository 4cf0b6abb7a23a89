"""Token buckets keyed by user (quotas) or by connection (frame rate), refilled over time; they may run into debt.

A user spends from its bucket for what it makes the server do (bytes written to logs, group admin
operations). An operation goes through when the bucket holds its cost, or when the bucket is full
(so an operation larger than the whole budget is not refused forever: it goes into debt, and the
user waits until time pays it back). So the long-run rate is exactly the refill rate.
Sans-I/O: the clock is injected.
"""

from __future__ import annotations

import time
from typing import Callable, Hashable


class Buckets:
    """Token buckets of `capacity` refilled at `capacity / interval` per second, one per key."""

    __slots__ = ("capacity", "rate", "clock", "_state", "_prune_at")

    def __init__(self, capacity: float, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(capacity)
        self.rate = self.capacity / interval
        self.clock = clock
        self._state: dict[Hashable, tuple[float, float]] = {}  # key -> (tokens, stamp)
        self._prune_at = 1024

    def level(self, key: Hashable) -> float:
        """Tokens of `key` now (a key never charged has a full bucket)."""
        return self._level(key, self.clock())

    def _level(self, key: Hashable, now: float) -> float:
        tokens, stamp = self._state.get(key, (self.capacity, 0.0))
        if tokens >= self.capacity:
            return self.capacity
        return min(self.capacity, tokens + (now - stamp) * self.rate)

    def take(self, key: Hashable, cost: float) -> bool:
        """Charge `cost` if the bucket holds it (or is full); False, nothing charged, otherwise."""
        now = self.clock()  # once: every frame of every connection comes through here
        tokens = self._level(key, now)
        if tokens < min(cost, self.capacity):
            return False
        self._state[key] = (tokens - cost, now)
        if len(self._state) >= self._prune_at:
            self._prune()
        return True

    def charge(self, key: Hashable, cost: float) -> None:
        """Charge `cost` unconditionally (negative refunds), e.g. once the real cost is known."""
        now = self.clock()
        self._state[key] = (min(self.capacity, self._level(key, now) - cost), now)

    def adopt(self, key: Hashable, tokens: float) -> None:
        """Set the level of `key` from elsewhere (the bucket all nodes share, see shared_quota.py)."""
        self._state[key] = (min(self.capacity, tokens), self.clock())

    def forget(self, key: Hashable) -> None:
        """Drop `key` (its owner is gone)."""
        self._state.pop(key, None)

    def _prune(self) -> None:
        """Forget full buckets (the same as never seen), so memory follows active users only."""
        now = self.clock()
        for key in [k for k in self._state if self._level(k, now) >= self.capacity]:
            del self._state[key]
        self._prune_at = max(1024, 2 * len(self._state))
