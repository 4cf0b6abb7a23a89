"""Running the server: aiohttp serves the WebSocket endpoint and hands every HTTP request to the
Starlette app (server/asgi.py); in the foreground, or (for tests and the demo) in a thread."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import threading
from typing import Any, Callable

from aiohttp import web

from ..config import Settings
from . import asgi
from .app import create_app
from .control import remove_control_file, write_control_file
from .drain import DrainBudget, drain_sessions
from .ws import HUB, heartbeat, websocket_endpoint

log = logging.getLogger("hubbub.server")

SHUTDOWN_TIMEOUT = 5.0
"""Seconds the open requests get to finish when the server stops."""


def web_app(settings: Settings) -> tuple[web.Application, Any]:
    """The aiohttp application and the Starlette app it serves HTTP with (which owns the hub)."""
    http = create_app(settings)
    hub = http.state.hub
    app = web.Application(handler_args={"max_field_size": 16384})
    app[HUB] = hub
    app.router.add_get("/ws", websocket_endpoint)
    app.router.add_route("*", "/{path:.*}", asgi.handler(http))
    app.cleanup_ctx.append(asgi.lifespan(http))
    app.cleanup_ctx.append(heartbeat)  # pings for the node's connections, one sweep for all (ws.py)

    async def close_sessions(_app: web.Application) -> None:
        await hub.close_sessions()
    app.on_shutdown.append(close_sessions)
    return app, http


class Server:
    """One server on `settings.host:port`; `bound_port` tells the port (0 picks a free one).

    `reuse_port`: listen with SO_REUSEPORT beside the other workers of `hubbub serve --workers`
    (server/workers.py); `control_file`: write data_dir/server.json (a worker leaves it to its parent).
    SIGTERM (and SIGINT) drains the node (server/drain.py); a second one stops it at once.
    """

    def __init__(self, settings: Settings, on_ready: Callable[[int], None] | None = None, *,
                 reuse_port: bool = False, control_file: bool = True) -> None:
        self.settings = settings
        self.app, self.http = web_app(settings)
        self.on_ready = on_ready
        self.reuse_port = reuse_port
        self.control_file = control_file
        self.bound_port = 0
        self.should_exit = False
        self.drain_requested = False
        self._sites: list[web.BaseSite] = []

    async def serve(self) -> None:
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.settings.host, self.settings.port, backlog=2048,
                               reuse_port=self.reuse_port or None)
            try:
                await site.start()
            except OSError as exc:
                raise OSError(f"could not serve on {self.settings.host}:{self.settings.port}: "
                              f"{exc.strerror or exc}") from None
            self._sites.append(site)
            self.bound_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            if self.control_file:  # tell the CLI where to send its writes (see control.py)
                write_control_file(self.settings.data_path, local_url(self.settings.host, self.bound_port),
                                   self.http.state.operator_token)
            log.info("listening on %s:%d", self.settings.host, self.bound_port)
            if self.on_ready:
                self.on_ready(self.bound_port)
            draining: asyncio.Task[None] | None = None
            try:
                while not self.should_exit and not (draining and draining.done()):
                    if self.drain_requested and draining is None:
                        draining = asyncio.ensure_future(self.drain())
                    await asyncio.sleep(0.05)
            finally:
                if draining is not None and not draining.done():  # a second signal: stop now
                    draining.cancel()
                    await asyncio.gather(draining, return_exceptions=True)
                if self.control_file:
                    remove_control_file(self.settings.data_path)
        finally:
            await runner.cleanup()
            log.info("stopped")

    async def drain(self) -> None:
        """Stop accepting, fail /readyz, move the clients elsewhere (server/drain.py); the caller then
        stops the runner, which stops the hub: its last batch commits and the store closes."""
        hub = self.http.state.hub
        hub.start_draining()
        for site in self._sites:  # the listening sockets close; open connections stay
            await site.stop()
        s = self.settings
        log.info("draining: %d connections, drain_timeout %g s", hub.connection_count(), s.drain_timeout)
        await drain_sessions(hub, DrainBudget(s.drain_timeout, s.close_grace), s.drain_close_rate)
        log.info("drained: stopping")

    def run(self, signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> None:
        """Serve until one of `signals` (then drain, within drain_timeout), on uvloop when installed."""
        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in signals:
                loop.add_signal_handler(sig, self._signalled)
            await self.serve()
        try:
            import uvloop
            uvloop.run(main())
        except ImportError:
            asyncio.run(main())

    def _signalled(self) -> None:
        if self.drain_requested:  # the second signal: stop now
            self.should_exit = True
            return
        self.drain_requested = True
        # the drain stays within drain_timeout; should the loop itself hang, the process still ends
        timer = threading.Timer(self.settings.drain_timeout, _overdue, (self.settings.drain_timeout,))
        timer.daemon = True
        timer.start()


def _overdue(timeout: float) -> None:
    log.error("drain did not finish within drain_timeout (%g s): exiting now", timeout)
    os._exit(1)


def local_url(host: str, port: int) -> str:
    """The URL this machine reaches a server listening on host:port at."""
    host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{host}:{port}"


def serve(settings: Settings, on_ready: Callable[[int], None] | None = None, *, reuse_port: bool = False,
          control_file: bool = True, signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> None:
    """Run until interrupted (see Server)."""
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        from pythonjsonlogger.json import JsonFormatter
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
    tune_gc(settings.gc_threshold)
    Server(settings, on_ready, reuse_port=reuse_port, control_file=control_file).run(signals)


def tune_gc(young: int) -> None:
    """Collect the youngest generation every `young` allocations instead of Python's 700 (the older
    two keep their ratios). At 700 a server holding 1,000 busy connections spent about a sixth of its
    CPU in the collector, and each full collection (one every 70,000 allocations) paused the loop for
    up to 100 ms; see docs/architecture.md, Fan-out."""
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)


class ThreadedServer:
    """A server in a background thread with its own loop: `with ThreadedServer(s) as url: ...`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.server = Server(settings, self._ready)
        self._started = threading.Event()
        self._failed: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _ready(self, port: int) -> None:
        self._started.set()

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            self.loop.run_until_complete(self.server.serve())
        except BaseException as exc:  # surfaced by __enter__
            self._failed = exc
            self._started.set()
        finally:
            self.loop.close()

    def call(self, coro: "asyncio.Future | object", timeout: float = 30) -> object:
        """Run a coroutine on the server's loop from another thread and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    @property
    def app(self) -> Any:
        """The Starlette app: `app.state.hub`, `app.state.admin`."""
        return self.server.http

    def __enter__(self) -> str:
        self.thread.start()
        if not self._started.wait(30):
            raise RuntimeError("server did not start")
        if self._failed is not None:
            raise RuntimeError(f"server did not start: {self._failed}") from self._failed
        return f"http://{self.settings.host}:{self.server.bound_port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
