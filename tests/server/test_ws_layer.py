"""The WebSocket layer: compression only when the setting asks for it, and nothing running for an
idle connection (its memory is what docs/architecture.md measures)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

from hubbub.protocol.constants import Status

from .test_integration import raw


async def _extensions(server: Any) -> str:
    """What the server answers a browser-like offer of permessage-deflate with."""
    ws = await websockets.connect(server.ws_url)  # the websockets client offers permessage-deflate
    try:
        return ws.response.headers.get("Sec-WebSocket-Extensions", "")
    finally:
        await ws.close()


async def test_compression_is_off_by_default(server: Any) -> None:
    assert server.settings.ws_compression == "off"
    assert await _extensions(server) == ""


@pytest.mark.settings(ws_compression="deflate")
async def test_compression_deflate_is_negotiated_and_frames_still_arrive(server: Any) -> None:
    assert "permessage-deflate" in await _extensions(server)
    ws, welcome = await raw(server, server.token("alice"))
    assert welcome["t"] == "welcome" and "permessage-deflate" in ws.response.headers["Sec-WebSocket-Extensions"]
    server.token("bob")
    await ws.send(json.dumps({"t": "send", "r": 1, "cid": "c1", "to": "bob", "message": "hi " * 200}))
    assert json.loads(await ws.recv())["status"] == Status.SENT
    await ws.close()


async def test_an_idle_session_runs_no_task_and_holds_no_queue(server: Any) -> None:
    bob_token = server.token("bob")
    alice, _ = await raw(server, server.token("alice"))
    bob, _ = await raw(server, bob_token)
    await alice.send(json.dumps({"t": "send", "r": 1, "cid": "c1", "to": "bob", "message": "hello"}))
    events = json.loads(await bob.recv())
    while events["t"] != "events":
        events = json.loads(await bob.recv())
    await bob.send(json.dumps({"t": "ack", "seq": events["events"][-1]["seq"]}))
    await asyncio.sleep(0.3)

    def idle_state() -> dict[str, tuple[Any, ...]]:
        return {s.ident.address: (s._writer_task, s._pusher_task, s._tasks, s._inflight, s._out)
                for conns in server.hub.sessions.values() for s in conns.values()}
    states = server.call(asyncio.sleep(0, idle_state()))
    assert states["bob"] == (None, None, (), None, None)  # bob acknowledged all he got
    assert states["alice"][:3] == (None, None, ()) and states["alice"][4] is None  # alice did not ack
    # and the pusher comes back when there is something to send
    await alice.send(json.dumps({"t": "send", "r": 2, "cid": "c2", "to": "bob", "message": "again"}))
    frame = json.loads(await bob.recv())
    while frame["t"] != "events":
        frame = json.loads(await bob.recv())
    assert "again" in json.dumps(frame)
    await alice.close()
    await bob.close()


async def test_frames_of_one_turn_leave_in_one_write_and_arrive_whole(server: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The session hands a loop turn's frames to the socket in one write (no compression, socket not
    paused): every length form of the frame header (under 126 bytes, 16-bit, 64-bit) arrives intact."""
    from hubbub.server import ws as ws_layer
    writes: list[int] = []
    real = ws_layer._AiohttpTransport.write_now

    def counting(self: Any, texts: list[str]) -> bool:
        done = real(self, texts)
        if done:
            writes.append(len(texts))
        return done
    monkeypatch.setattr(ws_layer._AiohttpTransport, "write_now", counting)
    server.token("bob")
    alice, _ = await raw(server, server.token("alice"))
    texts = ["x" * 100, "y" * 30_000, "z" * 30_000, "w" * 30_000]  # bob is offline: his backlog is one big frame
    for i, text in enumerate(texts):
        await alice.send(json.dumps({"t": "send", "r": i, "cid": f"c{i}", "to": "bob", "message": text}))
    answers = []
    while len(answers) < len(texts):
        frame = json.loads(await alice.recv())
        if frame["t"] == "res":
            answers.append(frame)
    assert all(a["status"] == Status.SENT for a in answers)
    bob, _ = await raw(server, server.token("bob"))
    got: list[str] = []
    while len(got) < len(texts):
        frame = json.loads(await bob.recv())
        if frame["t"] == "events":
            got += [e["message"] for e in frame["events"] if e["k"] == "msg"]
    assert got == texts
    assert writes and sum(writes) > 0, "frames went through the one-write path"
    await alice.close()
    await bob.close()
