"""The HTTP application (ASGI): backend API, stats, SDK and demo pages; served beside /ws (server/run.py)."""

from __future__ import annotations

import contextlib
import logging
from importlib import resources
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route

from ..bus import open_bus
from ..config import Settings
from ..core.admin import Admin
from ..core.hub import Hub
from ..files.blobs import LocalBlobStore
from ..files.service import Files
from ..files.signing import Signer, load_secret
from ..store import open_store
from . import backend, control, openapi
from . import metrics as ops
from .files import files_mount

log = logging.getLogger("hubbub.server")

PACKAGE = resources.files("hubbub")


def _package_file(folder: str, name: str, media_type: str | None = None) -> Response:
    path = PACKAGE / folder / name
    if "/" in name or name.startswith(".") or not path.is_file():
        return JSONResponse({"error": "NOTFOUND", "reason": f"no file {name!r}"}, status_code=404)
    return FileResponse(str(path), media_type=media_type, headers={"Cache-Control": "no-cache"})


# The SDK is public code that apps load from their own pages, on other origins, with
# <script crossorigin="anonymous">: allow any origin to read it (no credentials are involved).
SDK_CORS = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}


async def sdk_file(request: Request) -> Response:
    name = request.path_params["name"]
    media = "text/javascript" if name.endswith(".js") else "application/typescript" if name.endswith(".ts") else None
    response = _package_file("sdk", name, media)
    response.headers.update(SDK_CORS)
    return response


async def web_file(request: Request) -> Response:
    return _package_file("web", request.path_params["name"])


async def example_page(request: Request) -> Response:
    return _package_file("web", "example.html", "text/html")


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def index(request: Request) -> Response:
    return Response(
        "<!doctype html><meta charset=utf-8><title>Hubbub</title><h1>Hubbub</h1><ul>"
        "<li><a href=/example>example page (cross-tab sessions)</a>"
        "<li><a href=/docs>backend API (OpenAPI)</a>"
        "<li><a href=/sdk/mesibo.js>/sdk/mesibo.js</a> and <a href=/sdk/mesibo.d.ts>mesibo.d.ts</a></ul>",
        media_type="text/html")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "NOTFOUND", 405: "BADMETHOD"}.get(exc.status_code, "BADREQUEST")
    return JSONResponse({"error": code, "reason": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def server_error(request: Request, exc: Exception) -> Response:
    """Every HTTP failure is JSON, a bug included (the traceback goes to the log, not the client)."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": "INTERNAL", "reason": "internal error"}, status_code=500)


def create_app(settings: Settings) -> Starlette:
    """Build the application; the hub starts and stops with the app's lifespan."""
    store = open_store(settings)
    files = Files(settings, store, LocalBlobStore(settings.files_path), Signer(load_secret(settings.file_key_path)))
    hub = Hub(settings, store, open_bus(settings), files)
    metrics = ops.Metrics(hub)
    store.observe_commits(metrics.committed)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        files.start()
        try:
            yield
        finally:
            await files.stop()
            await hub.stop()

    app = Starlette(routes=[
        Route("/", index),
        Route("/health", health),
        Route("/healthz", ops.healthz),
        Route("/readyz", ops.readyz),
        Route("/metrics", ops.metrics),
        Route("/stats", control.stats),
        Route("/control", control.control, methods=["POST"]),
        Route("/backend", backend.endpoint, methods=["POST"]),
        Route("/openapi.json", openapi.spec),
        Route("/docs", openapi.docs_page),
        Mount("/docs/static", app=openapi.static_files()),
        Route("/sdk/{name}", sdk_file),
        Route("/web/{name}", web_file),
        Route("/example", example_page),
        files_mount(),
    ], lifespan=lifespan, exception_handlers={HTTPException: http_error, Exception: server_error})
    app.state.hub = hub
    app.state.admin = Admin(hub)
    app.state.settings = settings
    app.state.files = files
    app.state.metrics = metrics
    app.state.operator_token = control.operator_token(settings.operator_token)
    return app
