"""Shared fixtures: a real server on loopback (in a thread, its own loop, a real SQLite file)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from hubbub.config import Settings
from hubbub.server.run import ThreadedServer

REQUIRE_SERVICES = os.environ.get("HUBBUB_REQUIRE_SERVICES") == "1"


def need_service(reason: str) -> None:
    """Skip with `reason`, or fail when HUBBUB_REQUIRE_SERVICES=1 (as CI sets)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


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
