"""The hub and its sessions driven without sockets: an in-memory transport and a real store (each in turn)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from hubbub.bus.local import LocalBus
from hubbub.config import Settings
from hubbub.core.admin import Admin
from hubbub.core.hub import Hub
from hubbub.core.session import Session
from hubbub.store import open_store


DEADLINE = 15.0
"""Seconds a test waits for a frame before it fails: it only bounds a failure (a loaded machine, the
PostgreSQL parametrisation), so it is generous; a test that expects silence passes its own wait."""


class MemoryTransport:
    """Records what the session sends; the test reads frames from `inbox`."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.closed: tuple[int, str] | None = None

    async def send(self, text: str) -> None:
        self.inbox.put_nowait(json.loads(text))

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


class Device:
    """A session plus its transport, with helpers that speak the protocol."""

    def __init__(self, hub: Hub) -> None:
        self.transport = MemoryTransport()
        self.session = Session(hub, self.transport)
        self.applied = 0
        self.events: list[dict[str, Any]] = []
        self._r = 0

    async def feed(self, frame: dict[str, Any] | str) -> None:
        await self.session.feed(frame if isinstance(frame, str) else json.dumps(frame))

    async def next(self, timeout: float = DEADLINE) -> dict[str, Any]:
        return await asyncio.wait_for(self.transport.inbox.get(), timeout)

    async def next_of(self, t: str, timeout: float = DEADLINE) -> dict[str, Any]:
        """The next frame of type t; events met on the way are applied."""
        while True:
            frame = await self.next(timeout)
            if frame["t"] == "events":
                self._apply(frame)
            if frame["t"] == t:
                return frame

    def _apply(self, frame: dict[str, Any]) -> None:
        for e in frame["events"]:
            assert e["seq"] <= self.applied + 1, f"gap: got {e['seq']} after {self.applied}"
            if e["seq"] == self.applied + 1:
                self.applied = e["seq"]
                self.events.append(e)

    async def request(self, t: str, **fields: Any) -> dict[str, Any]:
        self._r += 1
        r = self._r
        await self.feed({"t": t, "r": r, **fields})
        while True:
            frame = await self.next_of("res")
            if frame["r"] == r:
                return frame

    async def wait_events(self, n: int, timeout: float = DEADLINE, ack: bool = True) -> list[dict[str, Any]]:
        """Apply events until `n` are held; ack them."""
        async def run() -> None:
            while len(self.events) < n:
                await self.next_of("events")
        await asyncio.wait_for(run(), timeout)
        if ack:
            await self.feed({"t": "ack", "seq": self.applied})
        return self.events

    def messages(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["k"] == "msg"]


class Harness:
    async def scalar(self, sql: str, *args: Any) -> Any:
        """Run SQL on the store's database, whichever it is (`?` placeholders); its first value, if any."""
        store = self.hub.store
        if hasattr(store, "pool"):
            n = iter(range(1, len(args) + 1))
            return await store.pool.fetchval("".join(f"${next(n)}" if ch == "?" else ch for ch in sql), *args)
        row = store.db.execute(sql, args).fetchone()
        return row[0] if row else None

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.admin = Admin(hub)
        self.app: Any = None
        self.appid = "com.example.test"

    async def token(self, address: str, device: str = "d1", appid: str | None = None,
                    expiry: int | None = None) -> str:
        user = await self.admin.add_user(self.app, address)
        return await self.admin.issue_token(user, appid or self.appid, device, expiry)

    async def connect(self, token: str, appid: str | None = None, after: int | None = None,
                      expect: str = "welcome") -> Device:
        d = Device(self.hub)
        frame: dict[str, Any] = {"t": "auth", "v": 1, "token": token, "appid": appid or self.appid}
        if after is not None:
            frame["after"] = after
        await d.feed(frame)
        first = await d.next()
        assert first["t"] == expect, first
        if expect == "welcome":
            d.applied = first["after"]
        else:
            d.error = first  # type: ignore[attr-defined]
        return d

    async def device(self, address: str, device: str = "d1") -> Device:
        return await self.connect(await self.token(address, device))


@pytest.fixture
async def harness(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """A hub on each store in turn (SQLite, PostgreSQL)."""
    marker = request.node.get_closest_marker("settings")
    settings = Settings.load(env={}, data_dir=str(tmp_path), database_url=database_url,
                             **(marker.kwargs if marker else {}))
    hub = Hub(settings, open_store(settings), LocalBus())
    await hub.start()
    h = Harness(hub)
    h.app, _ = await h.admin.create_app("test")
    try:
        yield h
    finally:
        await hub.stop()
