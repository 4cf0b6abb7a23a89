"""Stores: the source of truth. `open_store` picks one from the settings."""

from __future__ import annotations

from ..config import Settings
from .base import App, FileMeta, Group, Member, OutMessage, SendResult, Store, TokenInfo, Touched, User
from .sqlite import SQLiteStore


POSTGRES_SCHEMES = ("postgresql://", "postgres://")
"""The database URLs the PostgreSQL store takes."""


def open_store(settings: Settings) -> Store:
    """The store the settings name: SQLite under data_dir unless database_url says otherwise."""
    url = settings.database_url
    if not url or url.startswith("sqlite:"):
        path = url.removeprefix("sqlite:///") if url else str(settings.data_path / "hubbub.db")
        return SQLiteStore(path, settings.sqlite_synchronous, settings.max_batch,
                           busy_timeout=settings.sqlite_busy_timeout, lock_wait=settings.sqlite_lock_wait,
                           wal_size_limit=settings.wal_size_limit, cache_bytes=settings.writer_cache_bytes,
                           commit_window=settings.commit_window)
    if url.startswith(POSTGRES_SCHEMES):
        from .postgres import PostgresStore  # asyncpg is an optional dependency
        return PostgresStore(url, settings.max_batch, settings.pg_pool_size, tail_bytes=settings.writer_cache_bytes)
    raise ValueError(f"unsupported database_url {url!r}: use sqlite:///path/to/file.db (or leave it empty for "
                     "SQLite in the data folder) or postgresql://user@host:port/database")


__all__ = ["App", "FileMeta", "Group", "Member", "OutMessage", "POSTGRES_SCHEMES", "SendResult", "Store", "TokenInfo",
           "Touched", "User", "SQLiteStore", "open_store"]
