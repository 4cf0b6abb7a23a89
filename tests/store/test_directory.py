"""The recipient directory of the SQLite store: sends look their recipient up in memory, and every
change the store writes is seen by the next look-up."""

from __future__ import annotations

from pathlib import Path

from hubbub.store.directory import Directory
from hubbub.store.sqlite import SQLiteStore


def test_directory_asks_once_and_forgets_what_it_is_told() -> None:
    d = Directory(10_000)
    asked: list[str] = []

    def load(value: int | None) -> int | None:
        asked.append("uid")
        return value

    assert d.uid(1, "bob", lambda: load(7)) == 7
    assert d.uid(1, "bob", lambda: load(99)) == 7 and asked == ["uid"]
    assert d.uid(1, "nobody", lambda: load(None)) is None
    assert d.uid(1, "nobody", lambda: load(None)) is None and asked == ["uid"] * 3, "a miss is not remembered"
    d.forget_address(1, "bob")
    assert d.uid(1, "bob", lambda: load(8)) == 8
    assert d.blocked(8, 3, lambda: [3, 4]) and not d.blocked(8, 5, lambda: [])
    d.forget_blocks(8)
    assert not d.blocked(8, 3, lambda: [])
    d.clear()
    assert d.bytes == 0


def test_directory_stays_within_its_bytes() -> None:
    d = Directory(4_000)
    for i in range(1_000):
        d.uid(1, f"user-{i}", lambda i=i: i + 1)  # type: ignore[misc]
        d.blocked(i + 1, 0, lambda: range(10))
    assert 0 < d.bytes <= 4_000


async def test_sqlite_recipient_look_ups_come_from_memory_and_follow_every_change(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db")
    await store.open()
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    try:
        alice, _ = await store.upsert_user(1, "alice", None, None, 0)
        bob, _ = await store.upsert_user(1, "bob", None, None, 0)
        assert await store.recipient(1, "bob", alice.uid) == (bob.uid, False)
        statements.clear()
        assert await store.recipient(1, "bob", alice.uid) == (bob.uid, False)
        assert statements == [], "a known recipient costs no query"

        await store.block(bob.uid, alice.uid, True)
        assert await store.recipient(1, "bob", alice.uid) == (bob.uid, True)
        assert await store.is_blocked(bob.uid, alice.uid) and not await store.is_blocked(alice.uid, bob.uid)
        await store.block(bob.uid, alice.uid, False)
        assert await store.recipient(1, "bob", alice.uid) == (bob.uid, False)
        assert not await store.is_blocked(bob.uid, alice.uid)

        await store.upsert_user(1, "bob", None, False, 0)
        assert await store.recipient(1, "bob", alice.uid) is None, "a deactivated user is not a recipient"
        await store.upsert_user(1, "bob", None, True, 0)
        assert await store.recipient(1, "bob", alice.uid) == (bob.uid, False)
        assert await store.recipient(2, "bob", alice.uid) is None, "another app's bob is not this one"

        await store.block(bob.uid, alice.uid, True)
        await store.recipient(1, "bob", alice.uid)
        await store.delete_user(bob.uid)
        assert await store.recipient(1, "bob", alice.uid) is None
        again, created = await store.upsert_user(1, "bob", None, None, 0)
        assert created and again.uid != bob.uid
        assert await store.recipient(1, "bob", alice.uid) == (again.uid, False), \
            "the new bob, with none of the old one's blocks"
    finally:
        await store.close()


async def test_sqlite_recipients_count_toward_writer_cache_bytes(tmp_path: Path) -> None:
    limit = 20_000
    store = SQLiteStore(tmp_path / "db", cache_bytes=limit)
    await store.open()
    try:
        uids = [(await store.upsert_user(1, f"u{i}", None, None, 0))[0].uid for i in range(500)]
        for i, uid in enumerate(uids):
            assert await store.recipient(1, f"u{i}", uids[0]) == (uid, False)
        assert 0 < store._directory.bytes <= limit // 8
        assert store.cache_bytes <= limit
        for i, uid in enumerate(uids):  # the ones dropped are read again
            assert await store.recipient(1, f"u{i}", uids[0]) == (uid, False)
    finally:
        await store.close()
