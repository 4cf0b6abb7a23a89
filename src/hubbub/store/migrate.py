"""Bring a database's schema up to date with alembic (migrations in hubbub/migrations/versions).

Both stores run this when they open, and `hubbub db upgrade` runs it on its own. A database
already at the newest revision is recognised with one query, without loading alembic, so starting
a node stays fast. Each upgrade is one transaction: SQLite takes the write lock (BEGIN IMMEDIATE),
PostgreSQL an advisory lock, so nodes starting together upgrade once, one after the other.
"""

from __future__ import annotations

import logging
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any

HEAD = "0004"
"""The newest revision; tests check it is alembic's head."""

SQLITE_PAGE_SIZE = 1024
"""Bytes per page of a new SQLite database (a file keeps the size it was made with).

A commit writes every page it touched to the WAL, and a checkpoint copies and fsyncs them: each
user log, conversation and sender index a message touches is a page whatever it holds, so the page
size sets the bytes per message. At 4,096 the process wrote about 21 KB per paced message (its
WAL and the checkpoints' copies of it: 140 MB/s at 6,600 messages a second), and while a checkpoint
synced that much the loop's commits stalled (4-17 ms) and its p99 more than doubled. At 1,024:
9 KB a message, the same CPU, p99 at half full speed about 0.4x, full speed the same, a
1,000-member fan-out about 1.1x the CPU (a big commit's bytes in more frames);
docs/architecture.md, *The page size*."""

log = logging.getLogger("hubbub.store")

_PG_LOCK = 0x6875_6262  # advisory lock key for upgrades ("hubb")


def _config(connection: Any) -> Any:
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("hubbub") / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade_on(connection: Any, revision: str = "head") -> None:
    """Upgrade, and say in one line of Hubbub's log what ran: alembic's own INFO lines (its plugins,
    its dialect, each step) were a dozen lines before the server's first on a fresh data folder."""
    chatter = logging.getLogger("alembic")
    level = chatter.level
    chatter.setLevel(logging.WARNING)  # before the import: importing alembic logs its plugins
    try:
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(_config(connection), revision)
        after = MigrationContext.configure(connection).get_current_revision()
    finally:
        chatter.setLevel(level)
    if after != before:
        log.info("database schema upgraded from revision %s to %s", before or "none (a new database)", after)


def script_head() -> str:
    """The head revision of the migration scripts (what HEAD must say)."""
    from alembic.script import ScriptDirectory
    head = ScriptDirectory.from_config(_config(None)).get_current_head()
    assert head is not None
    return head


def sqlite_revision(path: str | Path) -> str | None:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except (sqlite3.Error, TypeError):
        return None
    finally:
        conn.close()


def upgrade_sqlite(path: str | Path, busy_ms: int = 30_000, revision: str = "head") -> None:
    """Migrate the SQLite file at path to HEAD (creating it if new), waiting busy_ms for another writer
    (to an earlier `revision` only in tests of the migrations themselves)."""
    if sqlite_revision(path) == HEAD:
        return
    from sqlalchemy import create_engine, event
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions as written, DDL included
        dbapi_conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        dbapi_conn.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # only a file with nothing written yet takes it

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with engine.begin() as conn:
            _upgrade_on(conn, revision)
    finally:
        engine.dispose()


async def postgres_revision(dsn: str) -> str | None:
    import asyncpg
    conn = await asyncpg.connect(dsn)
    try:
        if await conn.fetchval("SELECT to_regclass('alembic_version')") is None:
            return None
        return await conn.fetchval("SELECT version_num FROM alembic_version")
    finally:
        await conn.close()


async def upgrade_postgres(dsn: str) -> None:
    """Migrate the PostgreSQL database (and schema, per the URL's search_path) to HEAD."""
    if await postgres_revision(dsn) == HEAD:
        return  # no DDL, no locks: tables that other nodes are writing stay untouched
    import asyncpg
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool
    engine = create_async_engine("postgresql+asyncpg://", async_creator=lambda: asyncpg.connect(dsn),
                                 poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
            await conn.run_sync(_upgrade_on)
    finally:
        await engine.dispose()
