"""Arrival order for the sends of one device, while their checks run concurrently.

A send is checked (recipient, group, block) with store reads before it is committed. On SQLite
those reads never suspend, so sends reach the store's queue in the order they arrived; on
PostgreSQL they do, and a later send's check could finish first. Each send takes a ticket when it
arrives and waits, just before it enters the store's queue, for the send before it to have entered
(or to have failed its checks). The wait costs nothing when the predecessor is already through.
"""

from __future__ import annotations

import asyncio
from typing import Hashable


class Ticket:
    __slots__ = ("_order", "_key", "_prev", "done")

    def __init__(self, order: "SendOrder", key: Hashable, prev: asyncio.Future[None] | None) -> None:
        self._order = order
        self._key = key
        self._prev = prev
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def turn(self) -> None:
        """Wait until every earlier send of this key has entered the store's queue or failed."""
        if self._prev is not None and not self._prev.done():
            await self._prev

    def release(self) -> None:
        """This send has entered the store's queue (call right before awaiting it) or will not."""
        if not self.done.done():
            self.done.set_result(None)
            self._order._finished(self._key, self.done)


class SendOrder:
    def __init__(self) -> None:
        self._tails: dict[Hashable, asyncio.Future[None]] = {}

    def ticket(self, key: Hashable) -> Ticket:
        """Take a place in key's line; call in arrival order, before anything suspends."""
        ticket = Ticket(self, key, self._tails.get(key))
        self._tails[key] = ticket.done
        return ticket

    def _finished(self, key: Hashable, done: asyncio.Future[None]) -> None:
        if self._tails.get(key) is done:
            del self._tails[key]
