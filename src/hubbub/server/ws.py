"""The WebSocket endpoint: a thin pump between an aiohttp WebSocket and a Session.

aiohttp holds an idle WebSocket in less memory than any other Python server measured (see
docs/architecture.md); compression is off unless `ws_compression` turns it on.
"""

from __future__ import annotations

from aiohttp import WSMsgType, web

from ..core.hub import Hub
from ..core.session import Session

HUB = web.AppKey("hub", Hub)
NODE_HEADER = "X-Hubbub-Node"
"""The handshake answer names the node's bus id (the same as /metrics' hubbub_node_info)."""
PING_INTERVAL = 20.0
"""Seconds of silence before a ping; a peer that does not answer within half of it is dropped."""


class _AiohttpTransport:
    __slots__ = ("ws",)

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send(self, text: str) -> None:
        await self.ws.send_str(text)

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code=code, message=reason.encode())


def origin_allowed(allowed: frozenset[str] | None, origin: str | None) -> bool:
    """Whether a page of `origin` may open /ws (no Origin header: not a browser, allowed)."""
    return allowed is None or origin is None or origin.rstrip("/").lower() in allowed


async def websocket_endpoint(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    s = hub.settings
    if not origin_allowed(s.allowed_origins, request.headers.get("Origin")):
        return web.json_response({"error": "FORBIDDEN", "reason": "origin not allowed"}, status=403)
    if hub.draining:  # a request on a connection opened before the node stopped listening
        return web.json_response({"error": "DRAINING", "reason": "node draining: connect to another node"},
                                 status=503, headers={"Retry-After": "0"})
    # aiohttp refuses a frame of max_msg_size bytes itself (its check is >=): one more lets the largest pass
    ws = web.WebSocketResponse(compress=s.ws_compression == "deflate", max_msg_size=s.max_frame_bytes + 1,
                               heartbeat=PING_INTERVAL)
    ws.headers[NODE_HEADER] = hub.bus.node  # which node (process) holds this connection, for operators and tests
    await ws.prepare(request)
    session = Session(hub, _AiohttpTransport(ws))
    try:
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                await session.feed(message.data)
            elif message.type is WSMsgType.BINARY:
                await session.binary()
                break
            else:  # ERROR: too big (closed with 1009) or broken
                break
    finally:
        await session.closed()
    return ws
