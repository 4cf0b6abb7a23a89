"""Serve an ASGI HTTP application from aiohttp: the WebSocket endpoint is aiohttp's own (for its
memory per idle connection, see docs/architecture.md) while the HTTP routes stay a Starlette app.

Only what the Starlette app needs: HTTP requests with streamed bodies and streamed responses; its
lifespan is entered by the aiohttp application's cleanup context (`lifespan`).
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Callable

from aiohttp import web

ASGIApp = Callable[..., Any]


def handler(app: ASGIApp) -> Callable[[web.Request], Any]:
    """An aiohttp handler that runs `app` for one HTTP request."""

    async def handle(request: web.Request) -> web.StreamResponse:
        transport = request.transport
        peer = transport.get_extra_info("peername") if transport else None
        sock = transport.get_extra_info("sockname") if transport else None
        path = request.path
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": f"{request.version.major}.{request.version.minor}",
            "method": request.method, "scheme": request.scheme, "path": path,
            "raw_path": request.raw_path.split("?", 1)[0].encode(), "root_path": "",
            "query_string": request.query_string.encode(),
            "headers": [(k.lower(), v) for k, v in request.raw_headers],
            "client": tuple(peer[:2]) if peer else None, "server": tuple(sock[:2]) if sock else None,
        }
        response: web.StreamResponse | None = None
        finished = asyncio.get_running_loop().create_future()
        body_done = False

        async def receive() -> dict[str, Any]:
            nonlocal body_done
            if body_done:  # after the body only a disconnect can come: wait for the end of the request
                await asyncio.shield(finished)
                return {"type": "http.disconnect"}
            chunk = await request.content.readany()
            body_done = not chunk
            return {"type": "http.request", "body": chunk, "more_body": bool(chunk)}

        async def send(message: dict[str, Any]) -> None:
            nonlocal response
            if message["type"] == "http.response.start":
                response = web.StreamResponse(status=message["status"])
                for name, value in message.get("headers", []):
                    key = name.decode("latin-1")
                    if key.lower() != "content-length" or request.method == "HEAD":
                        response.headers.add(key, value.decode("latin-1"))
                    else:
                        response.content_length = int(value)
                await response.prepare(request)
            elif message["type"] == "http.response.body" and response is not None:
                body = message.get("body", b"")
                if body:
                    await response.write(body)
                if not message.get("more_body", False):
                    await response.write_eof()

        try:
            await app(scope, receive, send)
        finally:
            finished.set_result(None)
        if response is None:
            raise web.HTTPInternalServerError(text='{"error":"INTERNAL","reason":"no response"}',
                                              content_type="application/json")
        return response

    return handle


def lifespan(starlette_app: Any) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context entering the Starlette app's lifespan (the hub starts and stops with it)."""

    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        async with starlette_app.router.lifespan_context(starlette_app):
            yield
    return ctx
