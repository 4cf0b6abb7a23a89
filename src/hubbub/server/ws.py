"""The WebSocket endpoint: a thin pump between an aiohttp WebSocket and a Session.

aiohttp holds an idle WebSocket in less memory than any other Python server measured (see
docs/architecture.md); compression is off unless `ws_compression` turns it on. Dead peers are found
by one sweep over the node's connections (`heartbeat`), not by aiohttp's heartbeat, which keeps a
timer per connection.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from typing import Any, AsyncIterator

from aiohttp import WSMsgType, web
from multidict import istr  # aiohttp's own dependency, for its header names

from ..core.hub import Hub
from ..core.session import Session

log = logging.getLogger("hubbub.ws")

HUB = web.AppKey("hub", Hub)
NODE_HEADER = istr("X-Hubbub-Node")
"""The handshake answer names the node's bus id (the same as /metrics' hubbub_node_info). An istr,
as aiohttp's own header names: a plain str key costs each response a lower-cased copy (62 bytes
per connection, kept as long as it lives)."""
PING_INTERVAL = 20.0
"""Seconds of silence before a ping; a peer that does not answer within half of it is dropped."""
PING_STEPS = 4
"""The heartbeat sweep looks at every connection each PING_INTERVAL / PING_STEPS seconds: a ping
goes after 20 to 25 s of silence, and a peer silent for two more steps (10 s) after it is dropped."""


_HEAD1, _HEAD2, _HEAD3 = struct.Struct("!BB").pack, struct.Struct("!BBH").pack, struct.Struct("!BBQ").pack
_TEXT = 0x81  # FIN, text opcode
_PING = b"\x89\x00"  # FIN, ping opcode, no payload (a server's frames are not masked)


class _AiohttpTransport:
    __slots__ = ("ws", "silent")

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.silent = 0  # heartbeat sweeps since the peer last sent anything (a small int: no allocation)

    async def send(self, text: str) -> None:
        await self.ws.send_str(text)

    def write_now(self, texts: list[str]) -> bool:
        """Frame these texts and hand them to the socket in one write, when it takes them without
        waiting: no compression, not paused by flow control, not closing. aiohttp writes one frame
        per call (a system call each); a session's frames of one loop turn (an answer, the events
        behind it) go in one here. Otherwise write nothing: the session falls back to `send`."""
        writer = getattr(self.ws, "_writer", None)  # aiohttp's own; absent or changed: the plain path
        if (writer is None or getattr(writer, "compress", True) or getattr(writer, "_closing", True)
                or getattr(getattr(writer, "protocol", None), "writing_paused", True)):
            return False
        transport = self._socket()
        if transport is None:
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

    def _socket(self) -> asyncio.Transport | None:
        """The socket under aiohttp's writer, unless it is closing (or aiohttp's internals changed)."""
        transport = getattr(getattr(self.ws, "_writer", None), "transport", None)  # aiohttp's own
        return None if transport is None or transport.is_closing() else transport

    def ping(self) -> None:
        """Send a ping now: two bytes straight to the socket (a control frame goes between whole
        frames, which aiohttp writes in one call each; never compressed)."""
        transport = self._socket()
        if transport is not None:
            transport.write(_PING)
        elif not self.ws.closed:  # aiohttp's internals changed: its own ping, in a task
            asyncio.ensure_future(self.ws.ping()).add_done_callback(_quiet)

    def drop(self) -> None:
        """The peer stopped answering: cut the socket (no close handshake with a dead peer); the
        receive loop then ends and the session closes."""
        transport = self._socket()
        if transport is not None:
            transport.abort()


def _quiet(task: "asyncio.Future[Any]") -> None:
    if not task.cancelled():
        task.exception()


def sweep(hub: Hub) -> None:
    """One heartbeat step over every authenticated connection of the node: count a step of silence,
    ping after PING_INTERVAL of it, drop a peer that said nothing for PING_INTERVAL / 2 after the
    ping. (A connection still authenticating is bounded by `auth_timeout` instead.)"""
    ping_at = PING_STEPS + 1  # a full PING_INTERVAL has passed since the last frame (steps start mid-way)
    drop_at = ping_at + PING_STEPS // 2
    for session in list(hub.all_sessions()):
        transport = session.transport
        if type(transport) is not _AiohttpTransport:
            continue
        transport.silent = silent = transport.silent + 1
        if silent == ping_at:
            transport.ping()
        elif silent >= drop_at:
            transport.drop()


async def heartbeat(app: web.Application) -> AsyncIterator[None]:
    """Run `sweep` every PING_INTERVAL / PING_STEPS seconds while the application runs (one timer
    for the node; aiohttp's own heartbeat kept a timer per connection and re-armed it per frame)."""
    async def run() -> None:
        while True:
            await asyncio.sleep(PING_INTERVAL / PING_STEPS)
            try:
                sweep(app[HUB])
            except Exception:
                log.exception("heartbeat sweep failed")
    task = asyncio.ensure_future(run())
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


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
    # aiohttp refuses a frame of max_msg_size bytes itself (its check is >=): one more lets the largest pass;
    # pings and pongs come to us (autoping off): any frame from the peer shows it alive (see `sweep`)
    ws = web.WebSocketResponse(compress=s.ws_compression == "deflate", max_msg_size=s.max_frame_bytes + 1,
                               autoping=False)
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
    transport = _AiohttpTransport(ws)
    session = Session(hub, transport, reserved)
    try:
        # receive() rather than `async for`: no frame stays referenced (the auth frame, say) while
        # the connection idles, and no __anext__ coroutine waits in between
        while await _take(session, transport, await ws.receive()):
            pass
    finally:
        await session.closed()
    return ws


async def _take(session: Session, transport: _AiohttpTransport, message: Any) -> bool:
    """Hand one message from the socket to the session; False once the connection is over."""
    transport.silent = 0
    kind = message.type
    if kind is WSMsgType.TEXT:
        await session.feed(message.data)
        return True
    if kind is WSMsgType.PING:
        try:
            await transport.ws.pong(message.data)
        except (ConnectionError, RuntimeError):  # the socket is closing: the connection is over
            return False
        return True
    if kind is WSMsgType.PONG:
        return True
    if kind is WSMsgType.BINARY:
        await session.binary()
    return False  # closed, closing, or ERROR: too big (closed with 1009) or broken
