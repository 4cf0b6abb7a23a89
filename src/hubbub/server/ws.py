"""The WebSocket endpoint: a thin pump between an aiohttp WebSocket and a Session.

aiohttp holds an idle WebSocket in less memory than any other Python server measured (see
docs/architecture.md); compression is off unless `ws_compression` turns it on.
"""

from __future__ import annotations

import struct

from aiohttp import WSMsgType, web

from ..core.hub import Hub
from ..core.session import Session

HUB = web.AppKey("hub", Hub)
NODE_HEADER = "X-Hubbub-Node"
"""The handshake answer names the node's bus id (the same as /metrics' hubbub_node_info)."""
PING_INTERVAL = 20.0
"""Seconds of silence before a ping; a peer that does not answer within half of it is dropped."""


_HEAD1, _HEAD2, _HEAD3 = struct.Struct("!BB").pack, struct.Struct("!BBH").pack, struct.Struct("!BBQ").pack
_TEXT = 0x81  # FIN, text opcode


class _AiohttpTransport:
    __slots__ = ("ws",)

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send(self, text: str) -> None:
        await self.ws.send_str(text)

    def write_now(self, texts: list[str]) -> bool:
        """Frame these texts and hand them to the socket in one write, when it takes them without
        waiting: no compression, not paused by flow control, not closing. aiohttp writes one frame
        per call (a system call each); a session's frames of one loop turn (an answer, the events
        behind it) go in one here. Otherwise write nothing: the session falls back to `send`."""
        writer = getattr(self.ws, "_writer", None)  # aiohttp's own; absent or changed: the plain path
        if (writer is None or getattr(writer, "compress", 1) or getattr(writer, "_closing", True)
                or getattr(getattr(writer, "protocol", None), "writing_paused", True)):
            return False
        transport = getattr(writer, "transport", None)
        if transport is None or transport.is_closing():
            return False
        parts = []
        for text in texts:
            data = text.encode()
            n = len(data)
            parts.append(_HEAD1(_TEXT, n) if n < 126 else _HEAD2(_TEXT, 126, n) if n < 65536 else _HEAD3(_TEXT, 127, n))
            parts.append(data)
        transport.write(b"".join(parts))
        return True

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code=code, message=reason.encode())


def origin_allowed(allowed: frozenset[str] | None, origin: str | None) -> bool:
    """Whether a page of `origin` may open /ws (no Origin header: not a browser, allowed)."""
    return allowed is None or origin is None or origin.rstrip("/").lower() in allowed


def _draining() -> web.Response:
    return web.json_response({"error": "DRAINING", "reason": "node draining: connect to another node"},
                             status=503, headers={"Retry-After": "0"})


async def websocket_endpoint(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    s = hub.settings
    if not origin_allowed(s.allowed_origins, request.headers.get("Origin")):
        return web.json_response({"error": "FORBIDDEN", "reason": "origin not allowed"}, status=403)
    if hub.draining:  # a request on a connection opened before the node stopped listening
        return _draining()
    # aiohttp refuses a frame of max_msg_size bytes itself (its check is >=): one more lets the largest pass
    ws = web.WebSocketResponse(compress=s.ws_compression == "deflate", max_msg_size=s.max_frame_bytes + 1,
                               heartbeat=PING_INTERVAL)
    ws.headers[NODE_HEADER] = hub.bus.node  # which node (process) holds this connection, for operators and tests
    # past max_pending_auth the handshake waits for a place (core/admission.py), up to pending_auth_wait
    reserved = await hub.admission.wait()
    if hub.draining:  # the node began to drain while it waited: send it elsewhere at once
        if reserved:
            hub.admission.release(pending=True)
        return _draining()
    try:
        await ws.prepare(request)
    except BaseException:
        if reserved:
            hub.admission.release(pending=True)
        raise
    session = Session(hub, _AiohttpTransport(ws), reserved)
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
