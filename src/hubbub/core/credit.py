"""A budget for work in flight, in items and in bytes.

A connection may pipeline sends: they are committed concurrently (and enqueued in arrival order), and
each holds its frame in memory until it is answered. Counting them alone would let one connection hold
`window` frames of `max_frame_bytes` each (64 MB with the defaults), so the budget counts bytes too.
When it is spent, the receive loop waits: the client's further frames stay in the kernel's buffers
and TCP pushes back. One item always fits when nothing is in flight, whatever its size.
"""

from __future__ import annotations

import asyncio


class Credit:
    """At most `items` and `nbytes` in flight; `acquire` waits until the next one fits."""

    __slots__ = ("items", "nbytes", "_items", "_bytes", "_waiter")

    def __init__(self, items: int, nbytes: int) -> None:
        self.items = items
        self.nbytes = nbytes
        self._items = 0
        self._bytes = 0
        self._waiter: asyncio.Future[None] | None = None

    @property
    def in_flight(self) -> tuple[int, int]:
        """(items, bytes) held now."""
        return self._items, self._bytes

    def fits(self, size: int) -> bool:
        return self._items == 0 or (self._items < self.items and self._bytes + size <= self.nbytes)

    async def acquire(self, size: int) -> None:
        """Wait until `size` more bytes fit, then hold them. One caller at a time (a receive loop)."""
        while not self.fits(size):
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        self._items += 1
        self._bytes += size

    def release(self, size: int) -> None:
        self._items -= 1
        self._bytes -= size
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
