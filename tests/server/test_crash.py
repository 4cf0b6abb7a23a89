"""Durability: SIGKILL the server during a stream of sends; every message answered SENT survives."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import websockets

from hubbub.server.process import ServerProcess, hubbub_cli

APPID = "com.example.crash"


async def auth(url: str, token: str) -> websockets.ClientConnection:
    ws = await websockets.connect(url)
    await ws.send(json.dumps({"t": "auth", "v": 1, "token": token, "appid": APPID}))
    assert json.loads(await ws.recv())["t"] == "welcome"
    return ws


async def stream_until_killed(url: str, token: str, server: ServerProcess) -> set[str]:
    """Send as fast as answers come back; SIGKILL the server mid-stream. Returns the cids answered SENT."""
    ws = await auth(url, token)
    sent: set[str] = set()

    async def reader() -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame["t"] == "res" and frame.get("status") == 1:
                    sent.add(frame["cid"])
                    if len(sent) == 300:
                        os.kill(server.pid, signal.SIGKILL)
        except websockets.ConnectionClosed:
            pass

    task = asyncio.ensure_future(reader())
    try:
        for i in range(100_000):
            await ws.send(json.dumps({"t": "send", "r": i, "cid": f"c{i}", "to": "bob", "message": f"m{i}"}))
            if i % 50 == 49:
                await asyncio.sleep(0.001)  # let answers flow, so the kill lands mid-stream
    except websockets.ConnectionClosed:
        pass
    await asyncio.wait_for(task, 30)
    return sent


async def drain(url: str, token: str) -> list[str]:
    ws = await auth(url, token)
    got: list[str] = []
    try:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 2.0))
            if frame["t"] == "events":
                for e in frame["events"]:
                    if e["k"] == "msg":
                        got.append(e["message"])
                await ws.send(json.dumps({"t": "ack", "seq": frame["events"][-1]["seq"]}))
    except asyncio.TimeoutError:
        pass
    await ws.close()
    return got


def test_sigkill_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    hubbub_cli("app", "create", "crash", "--data-dir", str(data))
    alice = hubbub_cli("user", "add", "alice", "--app", "crash", "--appid", APPID, "--data-dir", str(data))
    bob = hubbub_cli("user", "add", "bob", "--app", "crash", "--appid", APPID, "--data-dir", str(data))

    server = ServerProcess(data).start()
    try:
        sent = asyncio.run(stream_until_killed(server.ws_url, alice, server))
    finally:
        status = server.kill()
    assert status == -signal.SIGKILL
    assert len(sent) >= 300

    with ServerProcess(data) as server:
        got = asyncio.run(drain(server.ws_url, bob))
    delivered = {f"c{m[1:]}" for m in got}
    assert not sent - delivered, f"{len(sent - delivered)} messages answered SENT were lost"
    assert len(got) == len(set(got)), "a message was delivered twice"
    order = [int(m[1:]) for m in got]
    assert order == sorted(order), "messages from one connection arrive in the order sent"
