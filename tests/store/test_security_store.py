"""Issue 6, the store on its own: ids never reused in a database made by an earlier release."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from pathlib import Path

from hubbub.store.base import OutMessage
from hubbub.store.sqlite import SQLiteStore

OLD_USERS = """CREATE TABLE users(
  uid INTEGER PRIMARY KEY, app_id INTEGER NOT NULL, address TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '', picture TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1,
  lastseen INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, UNIQUE(app_id, address))"""


async def test_item01_old_database_upgraded_never_reuses_a_uid(tmp_path: Path) -> None:
    """uids without AUTOINCREMENT: the store rebuilds the table and starts past every uid still named."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(OLD_USERS)
    conn.execute("INSERT INTO users(uid, app_id, address, created) VALUES(5, 1, 'alice', 0)")
    # uid 7 was deleted but its events are still there (as an earlier release left them)
    conn.execute("CREATE TABLE events(uid INTEGER NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, mid INTEGER,"
                 " state INTEGER, deadline INTEGER, PRIMARY KEY(uid, seq)) WITHOUT ROWID")
    conn.execute("INSERT INTO events(uid, seq, body) VALUES(7, 1, '{}')")
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    await store.open()
    try:
        alice = await store.user(1, "alice")
        assert alice is not None and alice.uid == 5
        bob, created = await store.upsert_user(1, "bob", None, None, 0)
        assert created and bob.uid == 8
        await store.delete_user(bob.uid)
        carol, _ = await store.upsert_user(2, "carol", None, None, 0)
        assert carol.uid == 9
    finally:
        await store.close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_item16_data_dir_0700_and_files_0600(tmp_path: Path) -> None:
    """Messages and token hashes are nobody else's business: the folder and every file are the owner's."""
    old_umask = os.umask(0o022)
    try:
        store = SQLiteStore(tmp_path / "data" / "hubbub.db")
        await store.open()
        try:
            await store.upsert_user(1, "alice", None, None, 0)
            assert _mode(tmp_path / "data") == 0o700
            for name in ("hubbub.db", "hubbub.db-wal", "hubbub.db-shm"):
                assert _mode(tmp_path / "data" / name) == 0o600, name
        finally:
            await store.close()
        # a database file left readable by an earlier release is tightened when opened
        os.chmod(tmp_path / "data" / "hubbub.db", 0o644)
        store = SQLiteStore(tmp_path / "data" / "hubbub.db")
        await store.open()
        await store.close()
        assert _mode(tmp_path / "data" / "hubbub.db") == 0o600
    finally:
        os.umask(old_umask)


def _send(app: int, sender: int, to: int, cid: str, text: str) -> OutMessage:
    return OutMessage(app, sender, f"u{sender}", cid, to, f"u{to}", 0, text, "", 3, 60, 0, None, False, 0, 2**60)


async def test_item18_writer_caches_bounded_in_bytes(tmp_path: Path) -> None:
    """Heads and cursors of 300 users fit in 20 kB, and a head dropped from the cache is read back right."""
    limit = 20_000
    store = SQLiteStore(tmp_path / "db", cache_bytes=limit)
    await store.open()
    try:
        uids = [(await store.upsert_user(1, f"u{i}", None, None, 0))[0].uid for i in range(300)]
        for i, uid in enumerate(uids):
            await store.send(_send(1, uid, uids[(i + 1) % len(uids)], f"c{i}", "hi"))
            await store.ack([(uid, "phone", 1, f"u{uid}")], 0)
        assert 0 < store.cache_bytes <= limit
        assert len(store._heads) < len(uids)  # some were dropped
        for i, uid in enumerate(uids):
            stored = store.db.execute("SELECT count(*) FROM events WHERE uid=?", (uid,)).fetchone()[0]
            _result, touched = await store.send(_send(1, uid, uids[(i + 1) % len(uids)], f"d{i}", "again"))
            assert touched[uid] == stored + 1, "the next seq follows the stored head, cached or not"
        assert store.cache_bytes <= limit
        rows = store.db.execute("SELECT uid, count(*), max(seq) FROM events GROUP BY uid").fetchall()
        assert len(rows) == len(uids) and all(count == top for _uid, count, top in rows), "gap-free logs"
    finally:
        await store.close()


def _wal(path: Path) -> int:
    wal = Path(str(path) + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def _burst(store: SQLiteStore, a: int, b: int, n: int, prefix: str) -> None:
    await asyncio.gather(*[store.send(_send(1, a, b, f"{prefix}{i}", "x" * 20_000)) for i in range(n)])


async def test_item17_wal_emptied_once_idle(tmp_path: Path) -> None:
    path = tmp_path / "db"
    store = SQLiteStore(path)
    await store.open()
    try:
        a, b = [(await store.upsert_user(1, n, None, None, 0))[0].uid for n in ("a", "b")]
        await _burst(store, a, b, 200, "c")
        assert _wal(path) > 2_000_000
        for _ in range(100):  # idle from now on
            if _wal(path) == 0:
                break
            await asyncio.sleep(0.1)
        assert _wal(path) == 0, "an idle server truncates the WAL"
    finally:
        await store.close()


async def test_item17_wal_cut_to_wal_size_limit_under_load(tmp_path: Path) -> None:
    """Never idle: after each full checkpoint the next write restarts the WAL and cuts it to the limit."""
    path = tmp_path / "db"
    limit = 512 * 1024
    store = SQLiteStore(path, wal_size_limit=limit)
    await store.open()
    try:
        a, b = [(await store.upsert_user(1, n, None, None, 0))[0].uid for n in ("a", "b")]
        await _burst(store, a, b, 200, "c")
        assert _wal(path) > 2_000_000
        for i in range(30):  # a write every 0.1 s: never idle for a checkpoint interval
            await store.send(_send(1, a, b, f"s{i}", "small"))
            await asyncio.sleep(0.1)
        assert _wal(path) <= limit
    finally:
        await store.close()
