"""The issue's guarantees against a real server on loopback, through real WebSockets."""

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


async def raw(server: Any, token: str, appid: str | None = None) -> tuple[Any, dict[str, Any]]:
    ws = await websockets.connect(server.ws_url, max_size=None)
    await ws.send(json.dumps({"t": "auth", "v": 1, "token": token, "appid": appid or server.appid}))
    return ws, json.loads(await ws.recv())


async def test_offline_user_gets_the_message_when_it_connects(server: Any) -> None:
    bob_token = server.token("bob")
    async with fast(server, server.token("alice")) as alice:
        assert (await alice.send("bob", "while you were out"))["status"] == Status.SENT
    async with fast(server, bob_token) as bob:
        [msg] = await collect(bob, 1)
        assert msg["from"] == "alice" and msg["message"] == "while you were out"


async def test_three_devices_online_and_a_fourth_later_see_everything_once_in_order(server: Any) -> None:
    bob_tokens = [server.token("bob", f"dev{i}") for i in range(4)]
    alice_token = server.token("alice")
    async with fast(server, bob_tokens[0]) as b0, fast(server, bob_tokens[1]) as b1, \
            fast(server, bob_tokens[2]) as b2, fast(server, alice_token) as alice:
        bobs = [b0, b1, b2]
        expected = []
        for i in range(60):
            if i % 4 == 3:  # bob writes from one of his devices; the others must see it too
                await bobs[i % 3].send("alice", f"m{i}")
            else:
                await alice.send("bob", f"m{i}")
            expected.append(f"m{i}")
        got = await asyncio.gather(*[collect(b, 60) for b in bobs])
        for events in got:
            assert [e["message"] for e in events] == expected
            seqs = [e["seq"] for e in events]
            assert seqs == sorted(set(seqs))
    async with fast(server, bob_tokens[3]) as late:
        events = await collect(late, 60)
        assert [e["message"] for e in events] == expected


async def test_cut_between_send_and_ack_then_resend_gives_one_message(server: Any) -> None:
    alice_token, bob_token = server.token("alice"), server.token("bob")
    ws, welcome = await raw(server, alice_token)
    assert welcome["t"] == "welcome"
    await ws.send(json.dumps({"t": "send", "r": 1, "cid": "cut-1", "to": "bob", "message": "only once"}))
    ws.transport.abort()  # gone before the answer could be read
    ws2, _ = await raw(server, alice_token)
    await ws2.send(json.dumps({"t": "send", "r": 2, "cid": "cut-1", "to": "bob", "message": "only once"}))
    while True:
        frame = json.loads(await ws2.recv())
        if frame["t"] == "res":
            break
    assert frame["status"] == Status.SENT
    await ws2.close()
    async with fast(server, bob_token) as bob:
        [msg] = await collect(bob, 1)
        await asyncio.sleep(0.3)
        history = await bob.request("history", peer="alice")
    assert msg["message"] == "only once" and len(history["messages"]) == 1


async def test_expiry_zero_and_expired_messages(server: Any) -> None:
    bob_token = server.token("bob")
    async with fast(server, server.token("alice")) as alice:
        assert (await alice.send("bob", "now", expiry=0))["status"] == Status.USEROFFLINE
        stale = await alice.send("bob", "stale", expiry=1)
        await asyncio.sleep(2.2)  # past the deadline; the sweep (every second) expires it
        async with fast(server, bob_token) as bob:
            fresh = await alice.send("bob", "fresh")
            [msg] = await collect(bob, 1)
            assert msg["mid"] == fresh["mid"]
        statuses = {(e["mid"], e["status"]) for e in await collect(alice, 2, k="status")}
    assert (stale["mid"], Status.EXPIRED) in statuses
    assert (fresh["mid"], Status.DELIVERED) in statuses


async def test_ninth_device_is_refused_with_a_reason(server: Any) -> None:
    sockets = [(await raw(server, server.token("alice", f"d{i}")))[0] for i in range(8)]
    ws, frame = await raw(server, server.token("alice", "d8"))
    assert frame["code"] == "TOOMANYDEVICES" and "max_devices" in frame["reason"]
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.TOOMANYDEVICES
    for s in sockets:
        await s.close()


async def test_token_for_appid_x_fails_on_appid_y(server: Any) -> None:
    token = server.token("alice", appid="com.example.x")
    ws, frame = await raw(server, token, appid="com.example.y")
    assert frame == {"t": "error", "code": "AUTHFAIL", "reason": "token was issued for another appid"}
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.AUTHFAIL


async def test_a_user_cannot_read_others_send_as_them_or_post_to_foreign_groups(server: Any) -> None:
    async with fast(server, server.token("alice")) as alice, fast(server, server.token("bob")) as bob, \
            fast(server, server.token("eve")) as eve:
        secret = await alice.send("bob", "for bob only")
        await collect(bob, 1)
        # eve's history with either of them is her own conversation: empty
        assert (await eve.request("history", peer="bob"))["messages"] == []
        assert (await eve.request("history", peer="alice"))["messages"] == []
        # a `from` field is not part of a send: the server always uses the authenticated user
        raw_ws, _ = await raw(server, server.token("eve", "second"))
        await raw_ws.send(json.dumps({"t": "send", "r": 1, "cid": "spoof", "to": "bob", "from": "alice",
                                      "message": "it's alice, honest"}))
        while json.loads(await raw_ws.recv())["t"] != "res":
            pass
        await raw_ws.close()
        [spoof] = await collect(bob, 1)
        assert spoof["from"] == "eve"
        # a group eve is not in: no posting, no history, no members list
        gid = (await alice.request("group_create", name="private", members=["bob"]))["gid"]
        assert (await eve.send("", "let me in", gid=gid))["status"] == Status.NOTMEMBER
        for t in ("history", "group_get"):
            with pytest.raises(Exception) as info:
                await eve.request(t, gid=gid)
            assert getattr(info.value, "code", "") in ("FORBIDDEN", "NOTFOUND")
        # nor can she mark alice's message read or recall it
        assert (await eve.request("read", mids=[secret["mid"]]))["count"] == 0
        with pytest.raises(Exception) as info:
            await eve.request("recall", mid=secret["mid"])
        assert getattr(info.value, "code", "") in ("FORBIDDEN", "NOTFOUND")


@pytest.mark.settings(max_frame_bytes=4096)
async def test_frame_size_limit_edge(server: Any) -> None:
    ws, welcome = await raw(server, server.token("alice"))
    assert welcome["limits"]["max_frame_bytes"] == 4096
    server.token("bob")
    head = '{"t":"send","r":1,"cid":"big","to":"bob","message":"'
    fits = head + "x" * (4096 - len(head) - 2) + '"}'
    assert len(fits.encode()) == 4096
    await ws.send(fits)
    assert json.loads(await ws.recv())["status"] == Status.SENT
    await ws.send(fits.replace('"big"', '"big2"') + " ")  # one byte over
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.TOO_BIG


async def test_binary_frame_closes_with_a_reason(server: Any) -> None:
    ws, _ = await raw(server, server.token("alice"))
    await ws.send(b"\x00\x01")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.PROTOCOL
    assert "binary" in closed.value.rcvd.reason


@pytest.mark.settings(rate_limit=50.0, rate_burst=20, rate_strikes=30)
async def test_flood_is_refused_then_closed_and_the_server_lives_on(server: Any) -> None:
    token = server.token("alice")
    ws, _ = await raw(server, token)
    for i in range(200):
        await ws.send(json.dumps({"t": "ping", "r": i}))
    codes = []
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            frame = json.loads(await ws.recv())
            codes.append(frame.get("error"))
    assert "RATELIMIT" in codes and codes[0] is None
    assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.RATELIMIT
    async with Client(server.ws_url, token, server.appid) as again:  # the server is fine
        assert await again.ping() > 0
