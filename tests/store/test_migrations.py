"""Schema migrations (alembic): databases made by earlier schemas upgrade with their data, on both stores."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from hubbub.cli.main import main
from hubbub.store.base import OutMessage
from hubbub.store.migrate import HEAD, SQLITE_PAGE_SIZE, script_head, sqlite_revision, upgrade_postgres, upgrade_sqlite
from hubbub.store.postgres import PostgresStore
from hubbub.store.sqlite import SQLiteStore

FIXTURES = Path(__file__).parent / "fixtures"


def test_head_names_the_newest_migration() -> None:
    assert script_head() == HEAD


def _old_database(path: Path, schema: str) -> None:
    """A database as an earlier release left it: an app, alice and bob, one message alice -> bob, bob's ack."""
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / schema).read_text())
    conn.executescript("""
        INSERT INTO apps(id, name, token_hash, created) VALUES(1, 'test', x'01', 0);
        INSERT INTO users(uid, app_id, address, created) VALUES(1, 1, 'alice', 0), (2, 1, 'bob', 0);
        INSERT INTO tokens(token_hash, uid, appid, device, expires, created) VALUES(x'0a', 2, 'app', 'd1', 9e15, 0);
        INSERT INTO devices(uid, device, cursor) VALUES(2, 'd1', 1);
        INSERT INTO messages(mid, app_id, sender, from_addr, cid, to_uid, to_addr, gid, ts, expiry, flag, type,
                             message, title, file, fwd) VALUES(1, 1, 1, 'alice', 'c1', 2, 'bob', 0, 5, 3600, 0, 0,
                             'from before', '', NULL, 0);
        INSERT INTO events(uid, seq, body, mid, state, deadline) VALUES
          (1, 1, '{"k":"msg","dir":"out","mid":1,"cid":"c1"}', NULL, NULL, NULL),
          (2, 1, '{"k":"msg","dir":"in","mid":1}', 1, 1, 9000000000000);
        INSERT INTO users(uid, app_id, address, created) VALUES(3, 1, 'gone', 0);
        INSERT INTO events(uid, seq, body) VALUES(3, 1, '{}');  -- left behind by a deletion of that release
        DELETE FROM users WHERE uid=3;
    """)
    conn.commit()
    conn.close()


def _send(cid: str) -> OutMessage:
    return OutMessage(1, 1, "alice", cid, 2, "bob", 0, "after", "", 0, 3600, 0, None, False, 10, 10**13)


@pytest.mark.parametrize("schema", ["sqlite_schema_before_migrations.sql", "sqlite_schema_first_release.sql"])
async def test_sqlite_database_of_an_earlier_schema_upgrades_and_keeps_its_data(
        tmp_path: Path, schema: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.db"
    _old_database(path, schema)
    assert sqlite_revision(path) is None
    made_with = _page_size(path)

    assert await asyncio.to_thread(main, ["db", "upgrade", "--database-url", f"sqlite:///{path}"]) == 0
    assert f"revision {HEAD}" in capsys.readouterr().out
    assert sqlite_revision(path) == HEAD
    assert made_with != SQLITE_PAGE_SIZE and _page_size(path) == made_with, "a file keeps its page size"

    store = SQLiteStore(path)
    await store.open()
    try:
        bob = await store.user(1, "bob")
        assert bob is not None and bob.uid == 2
        assert await store.cursor(2, "d1") == 1
        history, _ = await store.history(1, 2, 1, 0, None, 10)
        assert [m["message"] for m in history] == ["from before"]
        dup = await store.sent(1, 1, "c1")
        assert dup is not None and dup.mid == 1
        result, touched = await store.send(_send("c2"))  # the logs go on where they were
        assert touched == {1: 2, 2: 2} and result.mid == 2
        items, _ = await store.events_after(2, 0, 10, 0, 10**6)
        assert [json.loads(i)["seq"] for i in items] == [1, 2]
        carol, _ = await store.upsert_user(1, "carol", None, None, 0)
        assert carol.uid > 3, "a deleted user's uid is not given again"
    finally:
        await store.close()


def _page_size(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()


async def test_a_new_sqlite_database_is_made_at_the_newest_revision_with_small_pages(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "new.db")  # the store creates the file (0600) before SQLite writes to it
    await store.open()
    await store.close()
    assert sqlite_revision(tmp_path / "new.db") == HEAD
    assert _page_size(tmp_path / "new.db") == SQLITE_PAGE_SIZE == 1024


def test_an_upgrade_logs_one_line_of_its_own_and_none_of_alembics(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A fresh data folder's first start says which revisions ran in one line, not alembic's dozen."""
    alembic_level = logging.getLogger("alembic").level
    with caplog.at_level(logging.INFO):
        upgrade_sqlite(tmp_path / "new.db")
        upgrade_sqlite(tmp_path / "new.db")  # already at the head: nothing to say
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("hubbub.store", f"database schema upgraded from revision none (a new database) to {HEAD}")]
    assert logging.getLogger("alembic").level == alembic_level
    caplog.clear()
    with caplog.at_level(logging.INFO):
        upgrade_sqlite(tmp_path / "old.db", revision="0003")
        upgrade_sqlite(tmp_path / "old.db")
    assert [r.getMessage() for r in caplog.records] == [
        "database schema upgraded from revision none (a new database) to 0003",
        f"database schema upgraded from revision 0003 to {HEAD}"]


def test_db_upgrade_refuses_an_unknown_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--database-url", "mysql://localhost/x"]) == 2
    assert "unsupported database_url" in capsys.readouterr().err


async def test_postgres_upgrades_once_when_nodes_start_together_and_again_is_a_no_op(pg_url: str) -> None:
    await asyncio.gather(*[upgrade_postgres(pg_url) for _ in range(3)])
    store = PostgresStore(pg_url)
    await store.open()
    try:
        app = await store.create_app("test", b"h", 0)
        alice, _ = await store.upsert_user(app.id, "alice", None, None, 0)
        bob, _ = await store.upsert_user(app.id, "bob", None, None, 0)
        await store.send(OutMessage(app.id, alice.uid, "alice", "c1", bob.uid, "bob", 0, "kept", "", 0, 3600, 0,
                                    None, False, 1, 10**13))
    finally:
        await store.close()
    assert await asyncio.to_thread(main, ["db", "upgrade", "--database-url", pg_url]) == 0
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT version_num FROM alembic_version") == HEAD
        assert await conn.fetchval("SELECT message FROM messages WHERE cid='c1'") == "kept"
        assert await conn.fetchval("SELECT seq FROM heads WHERE uid=$1", bob.uid) == 1
    finally:
        await conn.close()


def _events(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT uid, seq, body, mid, state, deadline FROM events ORDER BY uid, seq").fetchall()


async def test_sqlite_event_logs_move_into_the_journal_with_every_row_and_their_order(tmp_path: Path) -> None:
    """0004: the events table clustered by (uid, seq) becomes a rowid table, each log an index on it;
    every row keeps its fields, (uid, seq) stays unique, and the stores read the logs as before."""
    path = tmp_path / "r3.db"
    upgrade_sqlite(path, revision="0003")
    conn = sqlite3.connect(path)
    assert "WITHOUT ROWID" in conn.execute("SELECT sql FROM sqlite_master WHERE name='events'").fetchone()[0]
    conn.executescript("""
        INSERT INTO apps(id, name, token_hash, created) VALUES(1, 'test', x'01', 0);
        INSERT INTO users(uid, app_id, address, created) VALUES(1, 1, 'alice', 0), (2, 1, 'bob', 0);
    """)
    rows = [(uid, seq, f'{{"n":{uid * 100 + seq}}}', uid * 100 + seq if uid == 2 else None,
             (seq % 4 if uid == 2 else None), (9 * 10**12 + seq if uid == 2 else None))
            for uid in (2, 1) for seq in range(1, 301)]
    conn.executemany("INSERT INTO events(uid, seq, body, mid, state, deadline) VALUES(?,?,?,?,?,?)", rows)
    conn.commit()
    before = _events(conn)
    conn.close()

    upgrade_sqlite(path)
    conn = sqlite3.connect(path)
    try:
        assert sqlite_revision(path) == HEAD
        assert "WITHOUT ROWID" not in conn.execute("SELECT sql FROM sqlite_master WHERE name='events'").fetchone()[0]
        assert _events(conn) == before
        indexes = {r[1]: r[2] for r in conn.execute("PRAGMA index_list(events)")}
        assert indexes.get("events_log") == 1 and {"events_mid", "events_due"} <= indexes.keys()
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO events(uid, seq, body) VALUES(1, 300, '{}')")
        plan = " ".join(r[3] for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT seq, body FROM events WHERE uid=2 AND seq>10 ORDER BY seq LIMIT 5"))
        assert "events_log" in plan and "TEMP B-TREE" not in plan, plan
    finally:
        conn.close()

    store = SQLiteStore(path)
    await store.open()
    try:
        due = await store.due(10**13, 3)  # bob's unacknowledged (state 0) rows, oldest deadline first
        assert due == [(9 * 10**12 + s, 2, s) for s in (4, 8, 12)]
        items, _ = await store.events_after(2, 298, 10, 0, 10**6)
        assert [json.loads(i)["seq"] for i in items] == [299, 300]
    finally:
        await store.close()
