"""OpenAPI description of the backend API and the /docs page (placeholder)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.staticfiles import StaticFiles


async def spec(request: Request) -> Response:
    return JSONResponse({"openapi": "3.1.0", "info": {"title": "Hubbub backend API", "version": "1"}, "paths": {}})


async def docs_page(request: Request) -> Response:
    return Response("<!doctype html><title>Hubbub API</title>", media_type="text/html")


def static_files() -> StaticFiles:
    import swagger_ui_bundle
    return StaticFiles(directory=swagger_ui_bundle.swagger_ui_path)
