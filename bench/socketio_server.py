"""The python-socketio peer for bench_messages.py: the same 1:1 relay as Hubbub's workload, on the
same uvicorn (uvloop, httptools), with Socket.IO acknowledgements and no persistence.

    python bench/socketio_server.py     prints "listening on http://127.0.0.1:PORT" when ready

A client connects with auth {"token": NAME}; `send` {"to", "cid", "message"} is acknowledged with
{"ok": true, "cid", "status": 1} and relayed to `to` as an `events` event.
"""

from __future__ import annotations

import asyncio
from typing import Any

import socketio
import uvicorn

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")
peers: dict[str, str] = {}
names: dict[str, str] = {}
seqs: dict[str, int] = {}


@sio.event
async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any]) -> None:
    peers[auth["token"]] = sid
    names[sid] = auth["token"]
    seqs[sid] = 0


@sio.event
async def disconnect(sid: str, *args: Any) -> None:
    peers.pop(names.pop(sid, ""), None)
    seqs.pop(sid, None)


@sio.on("send")
async def send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    peer = peers.get(data["to"])
    if peer is not None:
        seqs[peer] += 1
        await sio.emit("events", {"events": [{"seq": seqs[peer], "k": "msg", "message": data["message"]}]}, to=peer)
    return {"ok": True, "cid": data["cid"], "status": 1}


async def main() -> None:
    server = uvicorn.Server(uvicorn.Config(socketio.ASGIApp(sio), host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off", access_log=False))
    serving = asyncio.ensure_future(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    print(f"listening on http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}", flush=True)
    await serving


if __name__ == "__main__":
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
