"""Issue 6, the store on its own: ids never reused in a database made by an earlier release."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

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
