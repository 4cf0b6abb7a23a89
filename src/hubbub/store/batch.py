"""Group commit for SQLite: one writer thread runs many operations in one transaction.

Callers on the event loop `await writer.run(op, *args)`; the writer takes every operation waiting
(up to `max_batch`), runs them in one transaction, commits once, and then resolves every caller.
Nothing is reported done before its commit. If one operation raises, the batch is rolled back and
its operations run again one transaction each, so a failure never undoes another caller's work.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from typing import Any, Callable, TypeVar

T = TypeVar("T")
Op = Callable[..., Any]

_STOP = object()


class BatchWriter:
    """Runs write operations on one connection in a dedicated thread, committing them in batches."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], max_batch: int = 512,
                 on_commit: Callable[[], None] | None = None,
                 on_rollback: Callable[[], None] | None = None) -> None:
        self._connect = connect
        self._max_batch = max_batch
        self._on_commit = on_commit
        self._on_rollback = on_rollback
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="hubbub-sqlite-writer", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.batches = 0
        self.operations = 0

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()
        if self._error:
            raise self._error

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    async def run(self, op: Callable[..., T], *args: Any) -> T:
        """Run op(conn, *args) in the next batch; return its result once committed."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()
        self._queue.put((op, args, fut, loop))
        return await fut

    def _loop(self) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        stop = False
        while not stop:
            first = self._queue.get()
            if first is _STOP:
                break
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self._run_batch(conn, batch)
        conn.close()

    def _run_batch(self, conn: sqlite3.Connection, batch: list[Any]) -> None:
        try:
            results = self._transaction(conn, batch)
        except _OpFailed:
            # one operation failed: the batch is rolled back and each runs again in a transaction of
            # its own, so the failure stays its own (the common path pays for no savepoints)
            results = []
            for item in batch:
                try:
                    results.extend(self._transaction(conn, [item]))
                except _OpFailed as failed:
                    results.append((failed.error, False))
                except Exception as exc:
                    results.append((exc, False))
        except Exception as exc:  # the database itself failed: nothing of the batch is committed
            results = [(exc, False)] * len(batch)
        self.batches += 1
        self.operations += len(batch)
        self._settle_all(batch, results)

    def _transaction(self, conn: sqlite3.Connection, batch: list[Any]) -> list[tuple[Any, bool]]:
        """Run the operations and commit; on any error roll back and raise."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            results = []
            for op, args, _fut, _loop in batch:
                try:
                    results.append((op(conn, *args), True))
                except Exception as exc:
                    raise _OpFailed(exc) from exc
            conn.execute("COMMIT")
        except BaseException:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            if self._on_rollback:
                self._on_rollback()
            raise
        if self._on_commit:
            self._on_commit()
        return results

    def _settle_all(self, batch: list[Any], results: list[tuple[Any, bool]]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, bool]]] = {}
        for (value, ok), (_op, _args, fut, loop) in zip(results, batch):
            by_loop.setdefault(loop, []).append((fut, value, ok))
        for loop, settled in by_loop.items():  # one wake-up of each loop per batch
            try:
                loop.call_soon_threadsafe(_settle, settled)
            except RuntimeError:  # that loop is closed; nobody waits any more
                pass


class _OpFailed(Exception):
    def __init__(self, error: Exception) -> None:
        self.error = error


def _settle(settled: list[tuple[asyncio.Future[Any], Any, bool]]) -> None:
    for fut, value, ok in settled:
        if fut.done():
            continue
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)
