"""Bare WebSocket servers, the baselines: each accepts a WebSocket on /ws, answers the first text
frame (the auth) with one welcome frame, and holds the connection. Library defaults otherwise.

    python bench/bare_servers.py NAME     prints "listening on http://127.0.0.1:PORT" when ready

Names: aiohttp (compression off), aiohttp-deflate (aiohttp's default: accepts permessage-deflate),
picows, uvicorn-wsproto, uvicorn-websockets, uvicorn-sansio, websockets.
"""

from __future__ import annotations

import asyncio
import sys

WELCOME = '{"t":"welcome","after":0}'
NAMES = ("aiohttp", "aiohttp-deflate", "picows", "uvicorn-wsproto", "uvicorn-websockets", "uvicorn-sansio",
         "websockets")


def ready(port: int) -> None:
    print(f"listening on http://127.0.0.1:{port}", flush=True)


async def aiohttp_server(compress: bool) -> None:
    from aiohttp import web

    async def ws(request: web.Request) -> web.WebSocketResponse:
        w = web.WebSocketResponse(compress=compress)
        await w.prepare(request)
        await w.receive()
        await w.send_str(WELCOME)
        async for _m in w:
            pass
        return w

    app = web.Application()
    app.router.add_get("/ws", ws)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await site.start()
    ready(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    await asyncio.Future()


async def picows_server() -> None:
    from picows import WSListener, WSMsgType, ws_create_server

    class Listener(WSListener):  # type: ignore[misc]
        authed = False

        def on_ws_frame(self, transport, frame) -> None:  # type: ignore[no-untyped-def]
            if frame.msg_type == WSMsgType.TEXT and not self.authed:
                self.authed = True
                transport.send(WSMsgType.TEXT, WELCOME.encode())
            elif frame.msg_type == WSMsgType.CLOSE:
                transport.send_close(frame.get_close_code())
                transport.disconnect()

    server = await ws_create_server(lambda _request: Listener(), "127.0.0.1", 0, backlog=4096)
    ready(server.sockets[0].getsockname()[1])
    await asyncio.Future()


async def uvicorn_server(impl: str) -> None:
    import uvicorn

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "websocket":
            return
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        await send({"type": "websocket.send", "text": WELCOME})
        while (await receive())["type"] != "websocket.disconnect":
            pass

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, ws=impl, lifespan="off",
                                           log_level="warning", backlog=4096))
    serving = asyncio.ensure_future(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    ready(server.servers[0].sockets[0].getsockname()[1])
    await serving


async def websockets_server() -> None:
    from websockets.asyncio.server import serve

    async def handler(ws):  # type: ignore[no-untyped-def]
        await ws.recv()
        await ws.send(WELCOME)
        async for _m in ws:
            pass

    async with serve(handler, "127.0.0.1", 0) as server:
        ready(list(server.sockets)[0].getsockname()[1])
        await asyncio.Future()


def run(name: str) -> None:
    servers = {
        "aiohttp": lambda: aiohttp_server(False),
        "aiohttp-deflate": lambda: aiohttp_server(True),
        "picows": picows_server,
        "uvicorn-wsproto": lambda: uvicorn_server("wsproto"),
        "uvicorn-websockets": lambda: uvicorn_server("websockets"),
        "uvicorn-sansio": lambda: uvicorn_server("websockets-sansio"),
        "websockets": websockets_server,
    }
    if name not in servers:
        sys.exit(f"unknown server {name!r}; one of {', '.join(NAMES)}")
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(servers[name]())


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "aiohttp")
