"""The SQLite store's tail of its commits (store/tail.py): what the pushers read without a query is
always what the database says."""

from __future__ import annotations

from pathlib import Path

from hubbub.store.base import OutMessage
from hubbub.store.sqlite import SQLiteStore


def _send(app: int, sender: int, to: int, cid: str, text: str, deadline: int = 2**60) -> OutMessage:
    return OutMessage(app, sender, f"u{sender}", cid, to, f"u{to}", 0, text, "", 3, 60, 0, None, False, 0, deadline)


def _from_db(store: SQLiteStore, uid: int, after: int, limit: int, now: int, max_bytes: int
             ) -> tuple[list[str], list[int]]:
    store._tail.clear()
    return store.events_after_now(uid, after, limit, now, max_bytes)


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
        hits = store._tail.hits
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
        assert store._tail.bytes == 0 and store._tail.after(2, 0, 10, 0) is None
        assert store.events_after_now(b, 0, 10, 0, 1 << 20)[0][0].startswith('{"seq":1,')
    finally:
        await store.close()
