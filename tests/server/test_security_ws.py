"""Issue 6 (session side) through real WebSockets on loopback: each test names the item it guards."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

from hubbub.client import Client
from hubbub.protocol.constants import Close, Status

from ..client.test_client import collect, fast

pytestmark = pytest.mark.timeout(60)


async def raw(server: Any, token: str, **auth: Any) -> tuple[Any, dict[str, Any]]:
    ws = await websockets.connect(server.ws_url, max_size=None)
    await ws.send(json.dumps({"t": "auth", "v": 1, "token": token, "appid": server.appid, **auth}))
    return ws, json.loads(await ws.recv())


async def closed_with(ws: Any) -> Any:
    """Read until the server closes; the close frame it sent (None when the socket just dropped)."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    return closed.value.rcvd


async def test_item02_backlog_larger_than_send_buffer_reaches_an_offline_user(server: Any) -> None:
    """150 messages of 30 KB (4.5 MB, more than send_buffer_bytes) wait for bob; he gets them all."""
    bob_token = server.token("bob")
    text = "x" * 30_000
    assert 150 * len(text) > server.settings.send_buffer_bytes
    async with fast(server, server.token("alice")) as alice:
        answers = await asyncio.gather(*(alice.send("bob", f"{i:03d}" + text[3:]) for i in range(150)))
    assert all(a["status"] == Status.SENT for a in answers)
    ws, welcome = await raw(server, bob_token)  # a client that acks each frame it read, like the SDK
    assert welcome["t"] == "welcome"
    got: list[str] = []
    while len(got) < 150:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["t"] == "events":
            got.extend(e["message"][:3] for e in frame["events"] if e["k"] == "msg")
            await ws.send(json.dumps({"t": "ack", "seq": frame["events"][-1]["seq"]}))
    assert got == [f"{i:03d}" for i in range(150)]
    await ws.send(json.dumps({"t": "ping", "r": 1}))  # still connected: not dropped as a slow reader
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["r"] == 1
    await ws.close()
