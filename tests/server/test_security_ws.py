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


async def test_item12_deeply_nested_json_is_badframe_not_a_dropped_socket(server: Any) -> None:
    ws, welcome = await raw(server, server.token("alice"))
    assert welcome["t"] == "welcome"
    await ws.send('{"t":"ping","r":5,"x":' + "[" * 20000 + "]" * 20000 + "}")
    res = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert res["r"] == 5 and res["error"] == "BADFRAME"
    await ws.send(json.dumps({"t": "ping", "r": 6}))  # the connection lives on
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["r"] == 6
    await ws.close()


@pytest.mark.settings(max_connections=3)
async def test_item13_max_connections_edge_on_real_sockets(server: Any) -> None:
    held = [await websockets.connect(server.ws_url) for _ in range(2)]
    authed, _ = await raw(server, server.token("alice"))
    over = await websockets.connect(server.ws_url)  # the fourth: accepted, told why, closed
    rcvd = await closed_with(over)
    assert rcvd is not None and rcvd.code == Close.TRY_AGAIN and "max_connections" in rcvd.reason
    await held[0].close()
    await asyncio.sleep(0.1)
    again, welcome = await raw(server, server.token("bob"))  # a place came free
    assert welcome["t"] == "welcome"
    for ws in (held[1], authed, again):
        await ws.close()


@pytest.mark.settings(max_pending_auth=2, pending_auth_wait=0)
async def test_item13_max_pending_auth_edge_on_real_sockets(server: Any) -> None:
    token = server.token("alice")
    waiting = [await websockets.connect(server.ws_url) for _ in range(2)]
    over = await websockets.connect(server.ws_url)
    rcvd = await closed_with(over)
    assert rcvd is not None and rcvd.code == Close.TRY_AGAIN and "max_pending_auth" in rcvd.reason
    await waiting[0].send(json.dumps({"t": "auth", "v": 1, "token": token, "appid": server.appid}))
    assert json.loads(await waiting[0].recv())["t"] == "welcome"
    ws, welcome = await raw(server, server.token("bob"))  # one wait fewer: room for one more
    assert welcome["t"] == "welcome"
    for w in (*waiting, ws):
        await w.close()


@pytest.mark.settings(max_pending_auth=2, pending_auth_wait=30)
async def test_past_max_pending_auth_the_handshake_waits_for_a_place(server: Any) -> None:
    """A reconnect storm is served, not refused: the third connection's handshake waits until a
    place to authenticate comes free, then it authenticates as any other."""
    waiting = [await websockets.connect(server.ws_url) for _ in range(2)]
    third = asyncio.ensure_future(raw(server, server.token("bob")))
    await asyncio.sleep(0.3)
    assert not third.done() and server.hub.admission.waiting == 1  # its handshake has no answer yet
    await waiting[0].send(json.dumps({"t": "auth", "v": 1, "token": server.token("alice"), "appid": server.appid}))
    assert json.loads(await waiting[0].recv())["t"] == "welcome"
    ws, welcome = await asyncio.wait_for(third, 10)  # alice's place went to it
    assert welcome["t"] == "welcome"
    assert (server.hub.admission.pending, server.hub.admission.waiting) == (1, 0)
    for w in (*waiting, ws):
        await w.close()


@pytest.mark.settings(max_pending_auth=1, pending_auth_wait=0.3)
async def test_a_wait_past_pending_auth_wait_is_refused_1013(server: Any) -> None:
    held = await websockets.connect(server.ws_url)
    over = await websockets.connect(server.ws_url, open_timeout=10)  # answered once the wait is over
    rcvd = await closed_with(over)
    assert rcvd is not None and rcvd.code == Close.TRY_AGAIN and "max_pending_auth" in rcvd.reason
    assert (server.hub.admission.connections, server.hub.admission.waiting) == (1, 0)
    await held.close()


async def test_item20_non_ascii_close_reason_reaches_the_peer(server: Any) -> None:
    ws = await websockets.connect(server.ws_url)
    await ws.send(json.dumps({"t": "ü" * 100}))  # an unknown frame type as the first frame
    rcvd = await closed_with(ws)
    assert rcvd is not None and rcvd.code == Close.PROTOCOL  # a close frame, not a dropped socket (1006)
    assert "ü" not in rcvd.reason and len(rcvd.reason.encode()) <= 123


async def test_item05_expired_token_closes_a_live_socket_4001(server: Any) -> None:
    from hubbub.core.tokens import token_hash
    token = server.token("alice")

    async def expire_soon() -> None:
        server.hub.store.db.execute("UPDATE tokens SET expires=? WHERE token_hash=?",
                                    (server.hub.now() + 400, token_hash(token)))
    server.call(expire_soon())
    ws, welcome = await raw(server, token)  # valid now, expired in a moment
    assert welcome["t"] == "welcome"
    frames: list[dict[str, Any]] = []
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
    assert {"t": "error", "code": "AUTHFAIL", "reason": "token expired"} in frames
    assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.AUTHFAIL


async def test_item02_an_ack_sent_while_the_server_closes_moves_the_cursor(server: Any) -> None:
    """Through a real socket: the server signs bob out while he holds an event; his ack still counts."""
    bob_token = server.token("bob")
    ws, welcome = await raw(server, bob_token)
    async with fast(server, server.token("alice")) as alice:
        await alice.send("bob", "the last one")
    frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert frame["t"] == "events"
    seq = frame["events"][-1]["seq"]
    hub = server.hub
    revoking = asyncio.get_running_loop().run_in_executor(
        None, server.call, hub.revoke(welcome["uid"], [welcome["device"]]))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["t"] == "signout"
    await ws.send(json.dumps({"t": "ack", "seq": seq}))  # after the server began to close
    rcvd = await closed_with(ws)
    await revoking
    assert rcvd is not None and rcvd.code == Close.SIGNOUT

    async def cursor() -> int:
        await asyncio.sleep(0.2)  # the ack folds into the next write
        return await hub.store.cursor(welcome["uid"], welcome["device"])
    assert server.call(cursor()) == seq
