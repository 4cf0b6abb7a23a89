"""Shared fixtures: a real server on loopback (in a thread, its own loop, a real SQLite file)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from hubbub.config import Settings
from hubbub.server.run import ThreadedServer

REQUIRE_SERVICES = os.environ.get("HUBBUB_REQUIRE_SERVICES") == "1"
PG_SERVER = os.environ.get("HUBBUB_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
"""The PostgreSQL server the tests use; each test session makes a database of its own on it and drops it."""


def need_service(reason: str) -> None:
    """Skip with `reason`, or fail when HUBBUB_REQUIRE_SERVICES=1 (as CI sets)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def _pg_execute(url: str, sql: str) -> None:
    """Run one statement, on a loop of its own in a thread: the caller's thread may run a loop already
    (the sync Playwright API keeps one running while the browser tests' `chromium` fixture is open)."""
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(url, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """The URL of a database made for this test session (dropped after), or None without a server."""
    name = "hubbub_t_" + secrets.token_hex(6)
    try:
        _pg_execute(PG_SERVER, f"CREATE DATABASE {name}")
    except (OSError, ImportError, asyncio.TimeoutError) as exc:
        print(f"PostgreSQL at {PG_SERVER} unavailable: {exc}")
        yield None
        return
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + "/" + name
    finally:
        _pg_execute(PG_SERVER, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_database: str | None) -> Iterator[str]:
    """A database URL whose tables live in a schema of this test's own (dropped after)."""
    if pg_database is None:
        need_service(f"PostgreSQL at {PG_SERVER}")
    assert pg_database is not None
    schema = "t_" + secrets.token_hex(6)
    _pg_execute(pg_database, f"CREATE SCHEMA {schema}")
    try:
        yield f"{pg_database}?search_path={schema}"
    finally:
        _pg_execute(pg_database, f"DROP SCHEMA {schema} CASCADE")


REDIS_SERVER = os.environ.get("HUBBUB_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    """The Redis the tests share; callers use a key prefix of their own (`bus_prefix`)."""
    import redis
    try:
        redis.Redis.from_url(REDIS_SERVER, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        need_service(f"Redis at {REDIS_SERVER}: {exc}")
    return REDIS_SERVER


@pytest.fixture
def bus_prefix() -> str:
    return f"hubbub-test-{secrets.token_hex(6)}:"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store in turn: a SQLite file of this test's own, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hubbub.db'}"
    only = request.node.get_closest_marker("sqlite_only")
    if only:
        pytest.skip(f"SQLite only: {only.args[0]}")
    return request.getfixturevalue("pg_url")


@dataclass
class RunningServer:
    """A server under test, and ways to make apps, users and tokens in it."""

    threaded: ThreadedServer
    url: str
    settings: Settings
    app_token: str = ""
    app_name: str = "test"
    appid: str = "com.example.test"
    _tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    @property
    def admin(self) -> Any:
        return self.threaded.app.state.admin  # type: ignore[attr-defined]

    @property
    def operator_token(self) -> str:
        """The server's operator secret (for /stats and the CLI's control requests)."""
        return self.threaded.app.state.operator_token  # type: ignore[attr-defined]

    @property
    def hub(self) -> Any:
        return self.threaded.app.state.hub  # type: ignore[attr-defined]

    def call(self, coro: Any) -> Any:
        return self.threaded.call(coro)

    def token(self, address: str, device: str = "dev1", appid: str | None = None, expiry: int | None = None,
              name: str | None = None) -> str:
        """A user access token for address on device (the user is created on first use)."""
        async def issue() -> str:
            app = await self.admin.app_named(self.app_name)
            user = await self.admin.add_user(app, address, name)
            return await self.admin.issue_token(user, appid or self.appid, device, expiry)
        return self.call(issue())


def start_server(tmp_path: Path, **overrides: Any) -> tuple[ThreadedServer, RunningServer]:
    settings = Settings.load(env={}, host="127.0.0.1", port=0, data_dir=str(tmp_path / "data"),
                             log_level="warning", **overrides)
    threaded = ThreadedServer(settings)
    url = threaded.__enter__()
    running = RunningServer(threaded, url, settings)

    async def make_app() -> str:
        _app, token = await running.admin.create_app(running.app_name)
        return token
    running.app_token = running.call(make_app())
    return threaded, running


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    """A running server; `@pytest.mark.settings(name=value)` overrides settings for one test."""
    marker = request.node.get_closest_marker("settings")
    overrides = marker.kwargs if marker else {}
    threaded, running = start_server(tmp_path, **overrides)
    try:
        yield running
    finally:
        threaded.__exit__(None, None, None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "settings(**kw): server settings for the `server` fixture")
    config.addinivalue_line("markers", "sqlite_only(why): a store test of SQLite's own behaviour (its file lock)")
