"""Group commit for SQLite: many operations, one transaction, run on the event loop's thread.

Callers `await writer.run(op, *args)`. Operations queued during one turn of the loop run together in
one transaction with one commit, then every caller is resolved; nothing is reported done before its
commit. A commit waits until `commit_window` after the one before it: under steady traffic each
message would otherwise commit alone, and a commit's cost is the pages it writes (one per user log
it touches, whatever it holds), so sharing it is most of what a paced message can save; after a
pause nothing waits. If one operation raises, the batch is rolled back and its operations run again one
transaction each, so a failure never undoes another caller's work.

Why on the loop's thread: a statement takes microseconds, while handing work to a writer thread
costs a GIL hand-off per statement, and with the loop busy each of those waited for the loop to let
go of the GIL. Measured with bench/bench_messages.py at 2,000 messages/s over 20 pairs: p50/p99
latency 10.9/28.6 ms with a writer thread, 5.1/12.6 ms on the loop. Checkpoints (which copy the WAL
into the database and fsync it) run in a thread of their own, off the loop.

Another process may hold the write lock (the CLI, an operator's shell, a backup). The loop's
connection waits for it only `busy_timeout` seconds; past that a thread waits for the lock (up to
`lock_wait`), while the loop goes on serving and queues further writes behind it. A write that
still finds the lock taken fails with `StoreBusy` and changes nothing.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from typing import Any, Callable, TypeVar

from ..protocol.errors import ProtocolError

T = TypeVar("T")

IDLE_TRUNCATE = 1.0
"""Seconds without a write after which the checkpoint thread empties the WAL file."""
RESTART_FRAMES = 1000
"""WAL frames (pages) past which a WAL that did not restart since the last checkpoint gets a pass
with the commits held back.

SQLite writes the WAL from its start again only at a transaction that begins when every frame has
been copied into the database. A passive checkpoint copies the frames that were there when it
began, beside the writer; under steady traffic a commit (one every `commit_window`) landed during
nearly every one, so the WAL never restarted and grew for as long as the traffic lasted: 60 MB a
second at 2,000 messages a second. So a checkpoint passes again while commits landed during its
last pass (`CATCH_UP_PASSES`; each copies what the one before left, so one soon ends between two
commits), which restarts the WAL most of the time. When it still grew past this many frames with
no restart since the checkpoint before (a commit began during the last pass), the thread asks the
loop to hold its commits between two transactions, copies the rest, and lets the loop go on: the
loop is never blocked, a commit due meanwhile waits for that short pass, and the next one restarts
the WAL. Holding on every checkpoint instead was measurable in a 1,000-member fan-out (a commit
waited for a pass over a 4 MB commit's pages)."""
CATCH_UP_PASSES = 8
"""Passive checkpoints, at most, after the first while commits keep landing during them."""


class StoreBusy(ProtocolError):
    """Another process held the database's write lock longer than `sqlite_lock_wait`."""

    def __init__(self) -> None:
        super().__init__("BUSY", "the database is locked by another process; nothing was changed, try again")


def _is_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
        or "locked" in str(exc))


class BatchWriter:
    """Runs write operations on one connection, committing each loop turn's operations together."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], max_batch: int = 512,
                 on_rollback: Callable[[], None] | None = None,
                 checkpoint_interval: float = 0.5, busy_timeout: float = 0.05, lock_wait: float = 30.0,
                 wal_size_limit: int = -1, commit_window: float = 0.0,
                 prepare: Callable[[sqlite3.Connection], None] | None = None,
                 restart_frames: int = RESTART_FRAMES) -> None:
        self._connect = connect
        self._prepare = prepare  # run on the loop's connection once it is open (the store's temp tables)
        self._max_batch = max_batch
        self._on_rollback = on_rollback
        self._interval = checkpoint_interval
        self._restart_frames = restart_frames
        self._busy_ms = int(busy_timeout * 1000)
        self._wait_ms = max(1, int(lock_wait * 1000))
        self._wal_limit = wal_size_limit
        self._pending: list[Any] = []
        self._window = commit_window
        self._last_flush = float("-inf")  # loop time of the last commit's start
        self._flush_at: asyncio.TimerHandle | None = None  # set while a commit waits for its window
        self._conn: sqlite3.Connection | None = None
        # while a thread waits for another process's lock on _conn, the loop leaves _conn alone
        self._waiter: threading.Thread | None = None
        self._wait_error: BaseException | None = None
        self._closing = False
        self._stop_checkpoints = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop that commits (set by start)
        self._held = False  # the checkpoint thread is finishing a pass: commits wait for it
        self._checkpointer = threading.Thread(target=self._checkpoints, name="hubbub-sqlite-checkpoint",
                                              daemon=True)
        self.batches = 0
        self.operations = 0
        self.observe: Callable[[int, float], None] | None = None  # (operations, seconds) after each commit

    def start(self) -> None:
        self._conn = self._connect()
        self._conn.execute("PRAGMA wal_autocheckpoint=0")  # the checkpoint thread does it, off the loop
        self._conn.execute(f"PRAGMA busy_timeout={self._busy_ms}")
        # when a write restarts the WAL after a full checkpoint, the file is cut to this size
        self._conn.execute(f"PRAGMA journal_size_limit={self._wal_limit}")
        if self._prepare is not None:
            self._prepare(self._conn)
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:  # started outside a loop: checkpoints never hold commits
            self._loop = None
        self._checkpointer.start()

    def close(self) -> None:
        self._closing = True  # from now on a busy lock is waited for here: shutting down may take that long
        self._held = False  # what is queued commits now, checkpoint or not
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
        if self._conn is not None:
            if self._waiter is not None:
                self._waiter.join()
                self._waiter = None
                if self._wait_error is None:
                    self._conn.execute("ROLLBACK")  # the lock the waiter took; the flush below takes it again
            if self._pending:
                self._conn.execute(f"PRAGMA busy_timeout={self._wait_ms}")
                self._flush()
        self._stop_checkpoints.set()
        if self._checkpointer.is_alive():
            self._checkpointer.join()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def run(self, op: Callable[..., T], *args: Any) -> T:
        """Run op(conn, *args) in this turn's batch; return its result once committed."""
        if self._conn is None:
            raise RuntimeError("the store's writer is not started")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()
        self._pending.append((op, args, fut))
        if len(self._pending) == 1:
            at = self._last_flush + self._window
            if at > loop.time():
                self._flush_at = loop.call_at(at, self._flush)
            else:
                loop.call_soon(self._flush)
        return await fut

    def _checkpoints(self) -> None:
        """Copy the WAL into the database while writes go on; once idle for an interval, empty the file.

        A passive checkpoint never waits and never shrinks the file, so a burst would leave a large
        WAL behind for good; a truncating one waits for readers and holds the write lock meanwhile,
        so it runs only when no write came in for `IDLE_TRUNCATE` seconds.
        """
        conn = self._connect()
        conn.execute(f"PRAGMA busy_timeout={self._wait_ms}")
        conn.execute(f"PRAGMA journal_size_limit={self._wal_limit}")
        try:
            seen, since, frames = -1, time.monotonic(), 0
            while not self._stop_checkpoints.wait(self._interval):
                try:
                    if self.operations != seen:
                        seen, since = self.operations, time.monotonic()
                    if frames > 0 and time.monotonic() - since >= IDLE_TRUNCATE:
                        frames = _checkpoint(conn, "TRUNCATE")
                    else:
                        last, frames = frames, _checkpoint(conn)
                        stuck = frames >= last > self._restart_frames  # grown with no restart since
                        frames = _catch_up(conn, frames)
                        if stuck:
                            frames = self._held_checkpoint(conn, frames)
                except sqlite3.OperationalError:  # another process holds a lock past lock_wait: next time
                    frames = 1
            _checkpoint(conn, "TRUNCATE")
        finally:
            conn.close()

    def _held_checkpoint(self, conn: sqlite3.Connection, frames: int) -> int:
        """In the checkpoint thread: copy the rest of the WAL while the loop holds its commits, so
        that the next commit restarts the WAL (see RESTART_FRAMES); return the frames it holds."""
        held = threading.Event()
        if not self._on_loop(self._hold, held):
            return frames
        try:
            if not held.wait(self._interval) or self._stop_checkpoints.is_set():
                return frames  # the loop did not get to it in time, or the writer is closing: next time
            return _checkpoint(conn)
        finally:
            self._on_loop(self._release)  # after _hold whatever happened (the loop runs them in order)

    def _on_loop(self, fn: Callable[..., None], *args: Any) -> bool:
        """From the checkpoint thread: have the loop call fn(*args); False if there is no loop any more."""
        if self._loop is None:
            return False
        try:
            self._loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is closed: the writer is closing too
            return False
        return True

    def _hold(self, held: threading.Event) -> None:
        """On the loop, between two transactions: commits wait until `_release`."""
        if not self._closing:
            self._held = True
            held.set()

    def _release(self) -> None:
        if self._held:
            self._held = False
            if self._pending and self._flush_at is None:
                self._flush()

    def _flush(self) -> None:
        self._flush_at = None
        if self._conn is None:  # closed meanwhile: close() committed what was queued
            return
        if self._held:  # the checkpoint thread is finishing a pass: `_release` flushes
            return
        try:
            self._last_flush = asyncio.get_running_loop().time()
        except RuntimeError:  # close() outside the loop: no window to keep any more
            pass
        while self._pending and self._waiter is None:
            batch, self._pending = self._pending[:self._max_batch], self._pending[self._max_batch:]
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                if _is_busy(exc) and not self._closing:
                    self._pending = batch + self._pending
                    self._wait_for_lock(asyncio.get_running_loop())
                    return
                resolve(batch, [(StoreBusy() if _is_busy(exc) else exc, False)] * len(batch))
                continue
            self._run_batch(self._conn, batch)

    def _wait_for_lock(self, loop: asyncio.AbstractEventLoop) -> None:
        """Another process holds the write lock: wait for it in a thread, then go on on the loop."""
        conn = self._conn
        assert conn is not None

        def wait() -> None:
            self._wait_error = None
            try:
                conn.execute(f"PRAGMA busy_timeout={self._wait_ms}")
                try:
                    conn.execute("BEGIN IMMEDIATE")
                finally:
                    conn.execute(f"PRAGMA busy_timeout={self._busy_ms}")
            except sqlite3.Error as exc:
                self._wait_error = exc
            if not self._closing:
                loop.call_soon_threadsafe(self._locked)

        self._waiter = threading.Thread(target=wait, name="hubbub-sqlite-lock-wait", daemon=True)
        self._waiter.start()

    def _locked(self) -> None:
        """Back on the loop: the waiter holds the lock (an open transaction), or gave up."""
        if self._closing or self._waiter is None:
            return  # close() took over
        self._waiter.join()
        self._waiter = None
        batch, self._pending = self._pending[:self._max_batch], self._pending[self._max_batch:]
        if self._wait_error is not None:
            error = StoreBusy() if _is_busy(self._wait_error) else self._wait_error
            resolve(batch, [(error, False)] * len(batch))
        else:
            self._run_batch(self._conn, batch)  # type: ignore[arg-type]
        self._flush()

    def _run_batch(self, conn: sqlite3.Connection, batch: list[Any]) -> None:
        """Run a batch whose transaction has begun."""
        started = time.monotonic()
        try:
            results = self._transaction(conn, batch, begun=True)
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
                    results.append((StoreBusy() if _is_busy(exc) else exc, False))
        except Exception as exc:  # the database itself failed: nothing of the batch is committed
            results = [(exc, False)] * len(batch)
        self.batches += 1
        self.operations += len(batch)
        if self.observe:
            self.observe(len(batch), time.monotonic() - started)
        resolve(batch, results)

    def _transaction(self, conn: sqlite3.Connection, batch: list[Any],
                     begun: bool = False) -> list[tuple[Any, bool]]:
        """Run the operations and commit (beginning the transaction unless `begun`); on any error roll
        back and raise."""
        if not begun:
            conn.execute("BEGIN IMMEDIATE")
        try:
            results = []
            for op, args, _fut in batch:
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
        return results


def _checkpoint(conn: sqlite3.Connection, mode: str = "PASSIVE") -> int:
    """Checkpoint the WAL in `mode`; return the frames the WAL held when it began."""
    return int(conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()[1])


def _catch_up(conn: sqlite3.Connection, frames: int) -> int:
    """Passive checkpoints again, while commits landed during the last one (up to CATCH_UP_PASSES):
    each copies only what the one before left, so one soon ends between two commits, and a WAL
    copied in full restarts at the next commit without holding anything. Returns the frames the
    WAL holds."""
    for _ in range(CATCH_UP_PASSES):
        again = _checkpoint(conn)
        if again <= frames:  # no commit since the last pass (or the WAL restarted meanwhile)
            return again
        frames = again
    return frames


def resolve(batch: list[Any], results: list[tuple[Any, bool]]) -> None:
    """Hand each queued (op, args, future) its (value, ok) outcome, after the commit."""
    for (value, ok), (_op, _args, fut) in zip(results, batch):
        if fut.done():
            continue
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)


class _OpFailed(Exception):
    def __init__(self, error: Exception) -> None:
        self.error = error
