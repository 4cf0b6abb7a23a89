"""Running the server with uvicorn, in the foreground or (for tests and the demo) in a thread."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Callable

import uvicorn

from ..config import Settings
from .app import create_app
from .control import remove_control_file, write_control_file


def uvicorn_config(settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level,
        ws_max_size=settings.max_frame_bytes, ws_ping_interval=20.0, ws_ping_timeout=20.0,
        lifespan="on", access_log=False,
        # JSON logs: uvicorn's loggers go to the root logger and its JSON handler (see serve)
        log_config=None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        server_header=False, timeout_graceful_shutdown=5,
    )


class Server(uvicorn.Server):
    """uvicorn's server, telling us the port it bound (port 0 picks a free one)."""

    def __init__(self, settings: Settings, on_ready: Callable[[int], None] | None = None) -> None:
        super().__init__(uvicorn_config(settings))
        self.settings = settings
        self.on_ready = on_ready
        self.bound_port = 0

    async def startup(self, sockets: list | None = None) -> None:  # type: ignore[override]
        await super().startup(sockets)
        for server in self.servers:
            for sock in server.sockets:
                self.bound_port = sock.getsockname()[1]
                break
        if self.started:  # tell the CLI where to send its writes (see control.py)
            host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(self.settings.host, self.settings.host)
            host = f"[{host}]" if ":" in host and not host.startswith("[") else host
            write_control_file(self.settings.data_path, f"http://{host}:{self.bound_port}",
                               self.config.app.state.operator_token)
        if self.on_ready:
            self.on_ready(self.bound_port)


    async def shutdown(self, sockets: list | None = None) -> None:  # type: ignore[override]
        remove_control_file(self.settings.data_path)
        await super().shutdown(sockets)


def serve(settings: Settings, on_ready: Callable[[int], None] | None = None) -> None:
    """Run until interrupted."""
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        from pythonjsonlogger.json import JsonFormatter
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
    Server(settings, on_ready).run()


class ThreadedServer:
    """A server in a background thread with its own loop: `with ThreadedServer(s) as url: ...`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.server = Server(settings, self._ready)
        self._started = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _ready(self, port: int) -> None:
        self._started.set()

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.server.serve())
        self.loop.close()

    def call(self, coro: "asyncio.Future | object", timeout: float = 30) -> object:
        """Run a coroutine on the server's loop from another thread and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    @property
    def app(self) -> "object":
        return self.server.config.app

    def __enter__(self) -> str:
        self.thread.start()
        if not self._started.wait(30):
            raise RuntimeError("server did not start")
        return f"http://{self.settings.host}:{self.server.bound_port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
