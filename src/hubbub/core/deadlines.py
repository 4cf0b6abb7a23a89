"""Token expiry for every connection of a node: one timer, not one per connection.

A connection lives only as long as its token (it is closed 4001 when the token expires). A timer
per connection cost about 600 bytes each (a TimerHandle, its arguments, its slot in the loop's
heap) for an event that almost never comes; here the node keeps one timer, set for the earliest
expiry it was told of. When it fires it scans the node's connections, ends those whose token
expired and sets itself for the earliest left. Sans-I/O apart from the loop's timer.
"""

from __future__ import annotations

import asyncio
from typing import Callable, Iterable, Protocol

MAX_WAIT = 86400.0
"""A timer is never set further ahead than a day: expiries are wall-clock times, loop timers are
monotonic, so a far timer would drift with clock changes; a day-old one scans and sets itself again."""


class Expiring(Protocol):
    """A connection whose token may expire (core/session.py's Session)."""

    def token_expires(self) -> int | None: ...   # ms since the epoch; None: nothing to watch
    def token_expired(self) -> None: ...


class TokenDeadlines:
    """Ends the connections whose token expired, with one timer for all of them.

    `watch(expires)` is told each new connection's expiry; the timer moves earlier if it must. A
    scan walks every connection (`connections()`), so scans are at least `min_gap` seconds apart:
    a token is closed at its expiry, or up to `min_gap` later when many expire close together.
    """

    def __init__(self, connections: Callable[[], Iterable[Expiring]], now: Callable[[], int],
                 min_gap: float = 1.0) -> None:
        self._connections = connections
        self._now = now  # ms, wall clock (the tokens' `expires`)
        self._min_gap = min_gap
        self._at: int | None = None  # the expiry the timer is set for
        self._timer: asyncio.TimerHandle | None = None
        self._scanned = float("-inf")  # loop time of the last scan

    def watch(self, expires: int) -> None:
        """A connection's token expires at `expires` (ms)."""
        if self._at is None or expires < self._at:
            self._arm(expires)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._at = None

    def _arm(self, at: int) -> None:
        loop = asyncio.get_running_loop()
        if self._timer is not None:
            self._timer.cancel()
        wait = min(max(0.0, (at - self._now()) / 1000), MAX_WAIT)
        wait = max(wait, self._scanned + self._min_gap - loop.time())
        self._at = at
        self._timer = loop.call_later(wait, self.scan)

    def scan(self) -> None:
        """End every connection whose token expired; set the timer for the earliest left."""
        self._timer = self._at = None
        self._scanned = asyncio.get_running_loop().time()
        now = self._now()
        earliest: int | None = None
        for c in list(self._connections()):
            expires = c.token_expires()
            if expires is None:
                continue
            if expires <= now:
                c.token_expired()
            elif earliest is None or expires < earliest:
                earliest = expires
        if earliest is not None:
            self._arm(earliest)
