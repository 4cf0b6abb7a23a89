"""Group commit: callers of one loop turn share a transaction; a failing operation undoes only itself."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from hubbub.store.batch import BatchWriter


def connector(path: Path):
    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS t(k INTEGER PRIMARY KEY, v TEXT)")
        return conn
    return connect


def insert(conn: sqlite3.Connection, k: int) -> int:
    conn.execute("INSERT INTO t(k, v) VALUES(?, 'x')", (k,))
    return k


async def test_concurrent_operations_share_commits(tmp_path: Path) -> None:
    writer = BatchWriter(connector(tmp_path / "db"), max_batch=100)
    writer.start()
    try:
        results = await asyncio.gather(*[writer.run(insert, k) for k in range(500)])
    finally:
        writer.close()
    assert results == list(range(500))
    assert writer.operations == 500 and writer.batches < 500
    rows = sqlite3.connect(tmp_path / "db").execute("SELECT count(*) FROM t").fetchone()[0]
    assert rows == 500


async def test_a_failing_operation_undoes_only_itself(tmp_path: Path) -> None:
    writer = BatchWriter(connector(tmp_path / "db"), max_batch=100)
    writer.start()
    try:
        await writer.run(insert, 7)
        outcomes = await asyncio.gather(*[writer.run(insert, k) for k in (1, 7, 2, 3)], return_exceptions=True)
    finally:
        writer.close()
    assert outcomes[0] == 1 and outcomes[2] == 2 and outcomes[3] == 3
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    keys = [r[0] for r in sqlite3.connect(tmp_path / "db").execute("SELECT k FROM t ORDER BY k")]
    assert keys == [1, 2, 3, 7]


def test_a_database_that_cannot_open_fails_at_start(tmp_path: Path) -> None:
    def broken() -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")
    writer = BatchWriter(broken)
    with pytest.raises(sqlite3.OperationalError):
        writer.start()


async def test_checkpoints_run_off_the_loop_and_close_empties_the_wal(tmp_path: Path) -> None:
    writer = BatchWriter(connector(tmp_path / "db"), checkpoint_interval=0.05)
    writer.start()
    await asyncio.gather(*[writer.run(insert, k) for k in range(2000)])
    wal = tmp_path / "db-wal"
    assert wal.stat().st_size > 0
    await asyncio.sleep(0.2)  # a passive checkpoint copies the WAL into the database meanwhile
    reader = sqlite3.connect(tmp_path / "db")
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 2000
    reader.close()
    writer.close()
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed in full, then removed by the last close


async def test_operations_within_the_commit_window_share_the_next_commit(tmp_path: Path) -> None:
    """Steady traffic: a write that comes shortly after a commit waits for the window, and the ones
    behind it in that time join its transaction instead of committing one by one."""
    writer = BatchWriter(connector(tmp_path / "db"), commit_window=0.5)
    writer.start()
    try:
        await writer.run(insert, 0)  # after a pause: committed at once (the window starts here)
        assert writer.batches == 1
        first = asyncio.ensure_future(writer.run(insert, 1))
        await asyncio.sleep(0.05)  # a later loop turn, still inside the window
        assert not first.done()  # it waits for the window...
        second = asyncio.ensure_future(writer.run(insert, 2))
        assert await asyncio.gather(first, second) == [1, 2]
        assert writer.batches == 2  # ...and the one that came meanwhile shares its commit
    finally:
        writer.close()


async def test_a_write_after_a_pause_does_not_wait_for_the_window(tmp_path: Path) -> None:
    writer = BatchWriter(connector(tmp_path / "db"), commit_window=0.1)
    writer.start()
    try:
        await writer.run(insert, 0)
        await asyncio.sleep(0.2)  # longer than the window: the next write goes in the next loop turn
        fut = asyncio.ensure_future(writer.run(insert, 1))
        for _ in range(20):  # a few loop turns (microseconds), far less than the window
            if fut.done():
                break
            await asyncio.sleep(0)
        assert fut.done() and fut.result() == 1
    finally:
        writer.close()


async def test_close_commits_what_waits_for_the_window(tmp_path: Path) -> None:
    writer = BatchWriter(connector(tmp_path / "db"), commit_window=10.0)
    writer.start()
    await writer.run(insert, 0)
    waiting = asyncio.ensure_future(writer.run(insert, 1))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    writer.close()  # the store stops: what waits is committed now, and the window's timer is dropped
    assert await asyncio.wait_for(waiting, 5) == 1
    rows = sqlite3.connect(tmp_path / "db").execute("SELECT count(*) FROM t").fetchone()[0]
    assert rows == 2


async def test_the_wal_restarts_under_steady_writes(tmp_path: Path) -> None:
    """A commit every couple of milliseconds and never a pause: a checkpoint past `restart_frames`
    ends with the commits held, so SQLite writes the WAL from its start again and the file stays far
    smaller than what was written (it grew by every commit's pages, without end, while a commit
    landed during each checkpoint)."""
    def blob(conn: sqlite3.Connection, k: int) -> None:
        conn.execute("INSERT INTO t(k, v) VALUES(?, ?)", (k, "x" * 8000))  # pages of their own each commit
    writer = BatchWriter(connector(tmp_path / "db"), checkpoint_interval=0.05, commit_window=0.002,
                         restart_frames=64)
    writer.start()
    try:
        k, end = 0, asyncio.get_running_loop().time() + 1.5
        while asyncio.get_running_loop().time() < end:  # no pause anywhere near IDLE_TRUNCATE
            await asyncio.gather(*[writer.run(blob, k + i) for i in range(4)])
            k += 4
        written = k * 8000
        wal = (tmp_path / "db-wal").stat().st_size
        assert writer.batches > 200  # steady: hundreds of commits, each during or between checkpoints
        assert wal < written / 10, (wal, written)  # 1/20 with the restarts, 1/4 to 3/4 without
    finally:
        writer.close()


async def test_a_held_checkpoint_pass_delays_commits_without_blocking_the_loop(tmp_path: Path) -> None:
    """The last resort against a WAL that never restarts: while the checkpoint thread's pass runs, the
    loop keeps serving and a commit waits for it; then the commit goes on and restarts the WAL."""
    writer = BatchWriter(connector(tmp_path / "db"), checkpoint_interval=60)  # no checkpoint of its own
    writer.start()
    conn = sqlite3.connect(tmp_path / "db", isolation_level=None, check_same_thread=False)
    in_pass, go_on = threading.Event(), threading.Event()

    class Slow:  # the thread's connection, its pass held open until the test says so
        def execute(self, sql: str) -> Any:
            in_pass.set()
            go_on.wait(10)
            return conn.execute(sql)
    done: asyncio.Future[int] | None = None
    try:
        await asyncio.gather(*[writer.run(insert, k) for k in range(1, 200)])
        frames = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
        assert frames > 0
        done = asyncio.ensure_future(asyncio.to_thread(writer._held_checkpoint, Slow(), frames))  # type: ignore[arg-type]
        await asyncio.to_thread(in_pass.wait, 10)  # held: the loop is between transactions
        write = asyncio.ensure_future(writer.run(insert, 500))
        for _ in range(20):
            await asyncio.sleep(0.005)  # the loop turns meanwhile
        assert not write.done()  # the commit waits for the pass...
        go_on.set()
        await done  # ...which copied every frame
        assert await write == 500  # ...then it commits, and restarts the WAL
        assert conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1] < frames
    finally:
        go_on.set()
        if done is not None:
            await asyncio.gather(done, return_exceptions=True)  # the thread is done with `conn`
        writer.close()
        conn.close()
