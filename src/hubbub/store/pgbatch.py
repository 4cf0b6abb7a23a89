"""Group commit for PostgreSQL: the operations queued while the previous batch commits share one transaction.

Callers `await writer.run(op, *args)`; `op(batch, *args)` is a coroutine run inside the transaction.
Operations do not append to event logs themselves: they hand their appends to the `Batch`, which
writes them all at the end with one statement, advancing every touched user's head row in uid
order. Every transaction that writes a log takes head locks last and in one order, so two nodes'
batches can never wait on each other's heads (no deadlock between them), and the round trips per
batch do not grow with the number of events.

One writer connection per process keeps the commit order equal to the enqueue order (the hub relies
on it: a connection's sends reach the peer in the order sent). If one operation raises, the batch is
rolled back and its operations run again one transaction each. A deadlock or serialisation failure
(other row locks, rare) reruns the whole batch. So does a connection lost before COMMIT was sent (a
database restart or failover, a terminated backend), on a new connection after a short wait: nothing
of it was committed. Lost during COMMIT the outcome is unknown and the batch fails as before.
Nothing is resolved before its commit.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, TypeVar

import asyncpg

from .base import Touched
from .batch import resolve

T = TypeVar("T")
log = logging.getLogger("hubbub.store")

RETRIES = 5
_RETRY = (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError)
# the connection is gone (terminated, the server restarting, the network): a new one may work
LOST = (asyncpg.exceptions.PostgresConnectionError, asyncpg.exceptions.AdminShutdownError,
         asyncpg.exceptions.CrashShutdownError, asyncpg.exceptions.CannotConnectNowError, OSError,
         asyncpg.exceptions.InternalClientError)  # a connection cut while asyncpg prepared a statement
LOST_WAIT = 0.1  # seconds before the first new connection; doubles for each next one (5 tries, ~3 s)

# One statement: advance every touched head by its count, locking head rows in uid order, and insert
# the events at the seqs just reserved (an event's seq is its user's new head less `back`, the number
# of that user's events queued after it); returns the new heads.
_WRITE = ("WITH adv AS (INSERT INTO heads(uid, seq) SELECT u, n FROM unnest($1::bigint[], $2::bigint[]) AS t(u, n) "
          "ORDER BY u ON CONFLICT(uid) DO UPDATE SET seq = heads.seq + excluded.seq RETURNING uid, seq), "
          "ins AS (INSERT INTO events(uid, seq, body, mid, state, deadline) "
          "SELECT e.u, a.seq - e.back, e.b, e.m, e.s, e.d FROM unnest($3::bigint[], $4::bigint[], $5::text[], "
          "$6::bigint[], $7::int[], $8::bigint[]) AS e(u, back, b, m, s, d) JOIN adv a ON a.uid = e.u) "
          "SELECT uid, seq FROM adv")


class Batch:
    """One transaction's connection and the log appends its operations asked for."""

    __slots__ = ("conn", "appends", "heads", "uids", "written", "premade")

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.appends: list[tuple[int, str, int | None, int | None, int | None]] = []
        self.heads: Touched = {}
        self.written: list[tuple[int, int, str, int | None, int | None]] = []  # (uid, seq, body, state, deadline)
        self.premade: dict[Any, Any] = {}  # what the writer's `prepare` made for the operations, in bulk
        self.uids: set[int] = set()  # the users the running operation appended to

    def append(self, uid: int, body: str, mid: int | None = None, state: int | None = None,
               deadline: int | None = None) -> None:
        """Queue an event for uid's log; its seq is given when the batch writes its appends."""
        self.appends.append((uid, body, mid, state, deadline))
        self.uids.add(uid)

    def drop(self, uid: int) -> None:
        """Forget queued appends to uid (its log is being deleted in this transaction)."""
        self.appends = [a for a in self.appends if a[0] != uid]
        self.uids.discard(uid)

    async def write_appends(self) -> None:
        if not self.appends:
            return
        counts: dict[int, int] = {}
        for a in self.appends:
            counts[a[0]] = counts.get(a[0], 0) + 1
        uids = sorted(counts)
        left = dict(counts)
        cols: tuple[list[Any], ...] = ([], [], [], [], [], [])
        for uid, body, mid, state, deadline in self.appends:
            left[uid] -= 1
            for col, value in zip(cols, (uid, left[uid], body, mid, state, deadline)):
                col.append(value)
        heads = dict(await self.conn.fetch(_WRITE, uids, [counts[u] for u in uids], *cols))
        self.heads = heads
        self.written = [(uid, heads[uid] - back, body, state, deadline)
                        for uid, back, body, _mid, state, deadline in zip(*cols)]


class PgBatchWriter:
    """Runs write operations on one connection, committing the operations queued meanwhile together."""

    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Connection]], max_batch: int = 512,
                 observe: Callable[[int, float], None] | None = None,
                 committed: Callable[[list[tuple[int, int, str, int | None, int | None]]], None] | None = None,
                 prepare: Callable[[Batch, list[tuple[Any, tuple[Any, ...]]]], Awaitable[None]] | None = None) -> None:
        self._connect = connect
        # prepare(batch, [(op, args)...]) runs first in each transaction: a statement for many operations
        # (a batch's messages inserted at once) whose results the operations find in batch.premade
        self._prepare = prepare
        self._committed = committed  # told the (uid, seq, body, state, deadline) of each commit's events
        self._max_batch = max_batch
        self.observe = observe
        self._pending: list[Any] = []
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.operations = 0

    async def start(self) -> None:
        self._conn = await self._connect()

    async def close(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def run(self, op: Callable[..., Awaitable[T]], *args: Any) -> asyncio.Future[tuple[T, Touched]]:
        """Queue op(batch, *args) now (so the order of calls is the order of commits); resolve after commit."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[tuple[T, Touched]] = loop.create_future()
        self._pending.append((op, args, fut))
        if self._task is None:
            self._task = loop.create_task(self._drain())
        return fut

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[:self._max_batch], self._pending[self._max_batch:]
                await self._run_batch(batch)
        finally:
            self._task = None

    async def _drop_conn(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()

    async def _conn_ready(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self._conn = await self._connect()
        return self._conn

    async def _run_batch(self, batch: list[Any]) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        results: list[tuple[Any, bool]]
        try:
            results = await self._transaction(batch)
        except _OpFailed:
            results = []
            for item in batch:
                try:
                    results.extend(await self._transaction([item]))
                except _OpFailed as failed:
                    results.append((failed.error, False))
                except Exception as exc:
                    results.append((exc, False))
        except Exception as exc:  # the database failed: nothing of the batch is known to be committed
            log.warning("store write failed: %s", exc)
            results = [(exc, False)] * len(batch)
        self.batches += 1
        self.operations += len(batch)
        if self.observe:
            self.observe(len(batch), loop.time() - started)
        resolve(batch, results)

    async def _transaction(self, batch: list[Any]) -> list[tuple[Any, bool]]:
        """Run the operations and commit, rerunning on deadlock or on a connection lost before COMMIT;
        on an operation's error raise _OpFailed."""
        for attempt in range(RETRIES):
            committing = False
            try:
                conn = await self._conn_ready()
                tr = conn.transaction()
                await tr.start()
                try:
                    tx = Batch(conn)
                    if self._prepare is not None:
                        try:
                            await self._prepare(tx, [(op, args) for op, args, _fut in batch])
                        except (*_RETRY, *LOST):
                            raise
                        except Exception as exc:  # one operation's data, probably: each runs alone
                            raise _OpFailed(exc) from exc
                    values, touches = [], []
                    for op, args, _fut in batch:
                        tx.uids = set()
                        try:
                            values.append(await op(tx, *args))
                            touches.append(tx.uids)
                        except (*_RETRY, *LOST):
                            raise
                        except Exception as exc:
                            raise _OpFailed(exc) from exc
                    await tx.write_appends()
                except BaseException:
                    if not conn.is_closed():
                        try:
                            await tr.rollback()
                        except Exception:
                            pass
                    raise
                committing = True
                await tr.commit()
            except _RETRY:
                if attempt == RETRIES - 1:
                    raise
                continue
            except LOST as exc:
                await self._drop_conn()
                # asyncpg's InternalClientError refuses an operation before sending it: no COMMIT went out
                if (committing and not isinstance(exc, asyncpg.exceptions.InternalClientError)) \
                        or attempt == RETRIES - 1:
                    raise
                log.warning("store connection lost (%s); running the batch again on a new one", exc)
                await asyncio.sleep(LOST_WAIT * 2 ** attempt)
                continue
            if self._committed is not None and tx.written:
                self._committed(tx.written)
            # each operation reports the heads (after the whole batch) of the users it appended to
            return [((value, {u: tx.heads[u] for u in uids if u in tx.heads}), True) for value, uids in zip(values, touches)]
        raise AssertionError("unreachable")


class _OpFailed(Exception):
    def __init__(self, error: Exception) -> None:
        self.error = error
