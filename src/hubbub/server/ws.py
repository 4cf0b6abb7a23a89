"""The WebSocket endpoint: a thin pump between a Starlette WebSocket and a Session."""

from __future__ import annotations

from starlette.websockets import WebSocket, WebSocketDisconnect

from ..core.hub import Hub
from ..core.session import Session


class _StarletteTransport:
    __slots__ = ("ws",)

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws

    async def send(self, text: str) -> None:
        await self.ws.send_text(text)

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code, reason)


def origin_allowed(allowed: frozenset[str] | None, origin: str | None) -> bool:
    """Whether a page of `origin` may open /ws (no Origin header: not a browser, allowed)."""
    return allowed is None or origin is None or origin.rstrip("/").lower() in allowed


async def websocket_endpoint(ws: WebSocket) -> None:
    hub: Hub = ws.app.state.hub
    if not origin_allowed(hub.settings.allowed_origins, ws.headers.get("origin")):
        # Closing before accepting answers the handshake with HTTP 403.
        await ws.close(code=1008, reason="origin not allowed")
        return
    await ws.accept()
    session = Session(hub, _StarletteTransport(ws))
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is not None:
                await session.feed(text)
            else:
                await session.binary()
                break
    except WebSocketDisconnect:
        pass
    except RuntimeError:  # receive after the session closed the socket
        pass
    finally:
        await session.closed()
