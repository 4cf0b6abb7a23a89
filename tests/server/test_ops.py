"""Operating a node: /healthz, /readyz (store and bus answer), /metrics (Prometheus text, no addresses)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from ..conftest import RunningServer, start_server


def test_healthz_readyz_and_metrics(server: RunningServer) -> None:
    token = server.token("alice-private-address")
    assert httpx.get(server.url + "/healthz").json() == {"ok": True}
    ready = httpx.get(server.url + "/readyz")
    assert ready.status_code == 200 and ready.json() == {"ok": True}
    server.call(server.hub.store.set_lastseen(1, 1))  # a commit: the histograms see it
    text = httpx.get(server.url + "/metrics").text
    for name in ("hubbub_connections", "hubbub_users_online", "hubbub_deliveries_total", "hubbub_send_queue_bytes",
                 "hubbub_bus_lag_seconds", "hubbub_commit_seconds_bucket", "hubbub_commit_batch_size_count"):
        assert name in text, name
    assert "alice" not in text and token not in text


class Proxy:
    """A TCP proxy to PostgreSQL in a thread of its own: cut() drops every connection and refuses new ones."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def _run(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    async def _pipe(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        try:
            while data := await r.read(65536):
                w.write(data)
                await w.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            w.close()

    async def _client(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        ur, uw = await asyncio.open_connection(*self.target)
        self.writers |= {w, uw}
        await asyncio.gather(self._pipe(r, uw), self._pipe(ur, w))

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in self.writers:
            w.close()
        self.writers.clear()
        await self.server.wait_closed()

    def start(self) -> None:
        self._run(self._start())

    def cut(self) -> None:
        self._run(self._cut())


def _until(check, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def test_readyz_fails_while_the_store_is_unreachable_and_recovers(tmp_path: Path, pg_url: str) -> None:
    parts = urlsplit(pg_url)
    proxy = Proxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    proxy.start()
    via_proxy = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    threaded, running = start_server(tmp_path, database_url=via_proxy)
    try:
        assert httpx.get(running.url + "/readyz").status_code == 200
        proxy.cut()
        _until(lambda: httpx.get(running.url + "/readyz", timeout=10).status_code == 503)
        res = httpx.get(running.url + "/readyz", timeout=10)
        assert "store" in res.json()["failed"] and "bus" not in res.json()["failed"]
        assert httpx.get(running.url + "/healthz").status_code == 200  # alive, just not ready
        proxy.start()  # same port
        _until(lambda: httpx.get(running.url + "/readyz", timeout=10).status_code == 200)
    finally:
        threaded.__exit__(None, None, None)
