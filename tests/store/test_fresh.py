"""The rows a commit appended, served to pushers without a query: always what the database says."""

from __future__ import annotations

from pathlib import Path

from hubbub.store.base import OutMessage
from hubbub.store.fresh import ROW_BYTES, FreshRows
from hubbub.store.sqlite import SQLiteStore


def _send(app: int, sender: int, to: int, cid: str, text: str, deadline: int = 2**60) -> OutMessage:
    return OutMessage(app, sender, f"u{sender}", cid, to, f"u{to}", 0, text, "", 3, 60, 0, None, False, 0, deadline)


def _from_db(store: SQLiteStore, uid: int, after: int, limit: int, now: int, max_bytes: int
             ) -> tuple[list[str], list[int]]:
    store._fresh.clear()
    return store.events_after_now(uid, after, limit, now, max_bytes)


def test_runs_of_consecutive_rows_per_user() -> None:
    fresh = FreshRows(10_000, per_user=3)
    for seq in range(1, 6):
        fresh.add(7, seq, '{"k":"msg"}', 0, None)
    assert [r[0] for r in fresh.rows[7]] == [3, 4, 5], "at most per_user, the newest"
    assert fresh.after(7, 1, 10, 0) is None, "seq 2 is gone: the database answers"
    assert [r[0] for r in fresh.after(7, 2, 10, 0) or []] == [3, 4, 5]
    assert [r[0] for r in fresh.after(7, 3, 1, 0) or []] == [4], "limit"
    assert fresh.after(7, 5, 10, 0) is None, "nothing newer here"
    fresh.add(7, 9, '{"k":"msg"}', 0, None)  # not the next seq (written elsewhere meanwhile): a new run
    assert [r[0] for r in fresh.rows[7]] == [9]
    assert fresh.bytes == len('{"k":"msg"}') + ROW_BYTES


def test_a_row_past_its_deadline_is_read_from_the_database() -> None:
    fresh = FreshRows(10_000)
    fresh.add(1, 1, '{"k":"msg"}', 0, 1000)
    assert fresh.after(1, 0, 10, 999) is not None
    assert fresh.after(1, 0, 10, 1001) is None, "its state may have changed how it is shown"


def test_bounded_in_bytes() -> None:
    fresh = FreshRows(2_000)
    for uid in range(100):
        fresh.add(uid, 1, "x" * 100, None, None)
        assert fresh.bytes <= 2_000
    assert len(fresh.rows) < 100


async def test_cached_reads_equal_database_reads(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db")
    await store.open()
    try:
        a = (await store.upsert_user(1, "a", None, None, 0))[0].uid
        b = (await store.upsert_user(1, "b", None, None, 0))[0].uid
        for i in range(5):
            await store.send(_send(1, a, b, f"c{i}", f"hello {i}", deadline=5_000 if i == 3 else 2**60))
        await store.ack([(b, "phone", 2, "b")], 0)  # b's message 1 and 2 DELIVERED: statuses in a's log
        for uid in (a, b):
            for after in range(0, 8):
                for now in (0, 10_000):  # before and after message 3's deadline
                    cached = store.events_after_now(uid, after, 500, now, 1 << 20)
                    assert cached == _from_db(store, uid, after, 500, now, 1 << 20), (uid, after, now)
                    await store.send(_send(1, b, a, f"x{uid}{after}{now}", "refill"))  # the cache fills again
        hits = store._fresh.hits
        assert hits > 0, "the cache answered some of them"
    finally:
        await store.close()


async def test_a_rolled_back_batch_leaves_nothing_cached(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db")
    await store.open()
    try:
        a = (await store.upsert_user(1, "a", None, None, 0))[0].uid
        b = (await store.upsert_user(1, "b", None, None, 0))[0].uid
        await store.send(_send(1, a, b, "c1", "kept"))
        store._forget()  # what a rollback does
        assert store._fresh.rows == {}
        assert store.events_after_now(b, 0, 10, 0, 1 << 20)[0][0].startswith('{"seq":1,')
    finally:
        await store.close()
