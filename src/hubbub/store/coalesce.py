"""Point reads that arrive while one is in flight go to the database together, as one statement.

A busy node looks up a recipient before every send; on PostgreSQL each look-up is a round trip that
costs the process more CPU than the rest of the send's reading. `Coalescer` runs the first request
at once, alone (an idle node waits for nothing), and the requests that queue meanwhile with one
`many` call when it is back: under load one statement answers many sends. What each request gets
is what its own query would have returned from a snapshot taken no earlier than its arrival.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Coalescer(Generic[K, V]):
    """`await get(key)`: one(key) alone, or many(keys) (answers in order) for those queued meanwhile."""

    def __init__(self, one: Callable[[K], Awaitable[V]], many: Callable[[list[K]], Awaitable[list[V]]]) -> None:
        self._one, self._many = one, many
        self._queue: list[tuple[K, asyncio.Future[V]]] = []
        self._task: asyncio.Task[None] | None = None
        self.statements = 0
        self.requests = 0

    def get(self, key: K) -> "asyncio.Future[V]":
        fut: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._queue.append((key, fut))
        self.requests += 1
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return fut

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                self.statements += 1
                try:
                    if len(batch) == 1:
                        values = [await self._one(batch[0][0])]
                    else:
                        values = await self._many([key for key, _ in batch])
                except Exception as exc:
                    for _key, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for (_key, fut), value in zip(batch, values):
                    if not fut.done():
                        fut.set_result(value)
        finally:
            self._task = None
