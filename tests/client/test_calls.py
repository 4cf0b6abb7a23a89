"""Calls through the real server on loopback with the Python client: every status, several devices,
call records once in every device's log."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from typing import Any

import pytest

from hubbub.client import Client, RequestError
from hubbub.protocol.constants import CallStatus as S
from hubbub.protocol.constants import Status

from .test_client import fast

pytestmark = pytest.mark.timeout(30)


async def until(c: Client, k: str, pred: Any = lambda e: True, timeout: float = 15.0) -> dict[str, Any]:
    """The next event of kind k that satisfies pred (others are skipped)."""
    async def get() -> dict[str, Any]:
        async for ev in c.events():
            if ev["k"] == k and pred(ev):
                return ev
        raise AssertionError("event stream ended")
    return await asyncio.wait_for(get(), timeout)


async def status(c: Client, st: int, timeout: float = 15.0) -> dict[str, Any]:
    return await until(c, "call", lambda e: e["status"] == st, timeout)


async def records(c: Client, n: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    """The next n call-record messages of this device's log; and no second copy arrives."""
    out: list[dict[str, Any]] = []
    while len(out) < n:
        out.append(await until(c, "msg", lambda e: "call" in e, timeout))
    return out


async def test_a_call_answered_and_ended(server: Any) -> None:
    async with fast(server, server.token("alice")) as a, fast(server, server.token("bob")) as b:
        placed = await a.call("bob", video=True)
        assert placed["status"] == S.INPROGRESS and placed["callid"] > 0
        callid = placed["callid"]
        incoming = await status(b, S.INCOMING)
        assert (incoming["callid"], incoming["peer"], incoming["dir"], incoming["video"]) == (callid, "alice", "in", True)
        await status(a, S.RINGING)
        await b.answer(callid)
        assert (await status(a, S.ANSWER))["callid"] == callid
        await status(b, S.ANSWER)
        # WebRTC negotiation is relayed between the two endpoints
        await a.call_signal(callid, "sdp", {"type": "offer", "sdp": "v=0 offer"})
        got = await until(b, "call_signal")
        assert got == {"k": "call_signal", "callid": callid, "kind": "sdp", "data": {"type": "offer", "sdp": "v=0 offer"}}
        await b.call_signal(callid, "ice", {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"})
        assert (await until(a, "call_signal"))["kind"] == "ice"
        await a.hangup(callid)
        await status(b, S.COMPLETE)
        await status(a, S.COMPLETE)
        (out,) = await records(a, 1)
        (inc,) = await records(b, 1)
        assert out["dir"] == "out" and out["status"] == Status.CALLOUTGOING and out["peer"] == "bob"
        assert inc["dir"] == "in" and inc["status"] == Status.CALLINCOMING and inc["peer"] == "alice"
        assert out["call"] == inc["call"] and out["call"]["video"] is True and out["call"]["answered"] is True
        assert out["call"]["status"] == S.COMPLETE and out["mid"] == inc["mid"]
        assert out["cid"] == f"~call-{callid}"  # the server's cid namespace: no client cid can take it
        # history shows the record with its call status
        hist = await b.request("history", peer="alice")
        assert [(m["status"], m["call"]["callid"]) for m in hist["messages"]] == [(Status.CALLINCOMING, callid)]
        with pytest.raises(RequestError) as exc:  # hanging up an ended call is a clear answer
            await a.hangup(callid)
        assert exc.value.code == "NOTFOUND"


@pytest.mark.parametrize("case,expected", [
    ("invalid", S.INVALIDDEST), ("blocked", S.BLOCKED), ("offline", S.OFFLINE), ("self", S.NOTALLOWED)])
async def test_refused_calls(server: Any, case: str, expected: int) -> None:
    bob_token = server.token("bob")
    async with fast(server, server.token("alice")) as a:
        if case == "blocked":
            async with fast(server, bob_token) as b:
                await b.request("block", address="alice", on=True)
                assert (await a.call("bob"))["status"] == expected
            return
        to = {"invalid": "nobody", "offline": "bob", "self": "alice"}[case]
        assert (await a.call(to, video=False))["status"] == expected
        if case == "offline":  # bob was called: he finds a missed call when he comes online
            (rec,) = await records(a, 1)
            assert rec["status"] == Status.CALLOUTGOING and rec["call"]["status"] == S.OFFLINE
            async with fast(server, bob_token) as b:
                (missed,) = await records(b, 1)
                assert missed["status"] == Status.CALLMISSED and missed["call"]["video"] is False


async def test_rejected_is_busy_for_the_caller(server: Any) -> None:
    async with fast(server, server.token("alice")) as a, fast(server, server.token("bob")) as b:
        callid = (await a.call("bob"))["callid"]
        await status(b, S.INCOMING)
        await b.reject(callid)
        await status(a, S.BUSY)
        await status(b, S.BUSY)
        (rec,) = await records(b, 1)
        assert rec["status"] == Status.CALLMISSED and rec["call"]["answered"] is False


async def test_busy_when_the_callee_is_in_another_call(server: Any) -> None:
    async with fast(server, server.token("alice")) as a, fast(server, server.token("bob")) as b, \
            fast(server, server.token("carol")) as c:
        first = (await a.call("bob"))["callid"]
        await status(b, S.INCOMING)
        assert (await c.call("bob"))["status"] == S.BUSY
        (missed,) = await records(b, 1)
        assert missed["peer"] == "carol" and missed["status"] == Status.CALLMISSED
        await a.hangup(first)
        await status(b, S.CANCEL)


@pytest.mark.settings(call_ring_timeout=0.4)
async def test_no_answer_after_the_ring_timeout(server: Any) -> None:
    async with fast(server, server.token("alice")) as a, fast(server, server.token("bob")) as b:
        callid = (await a.call("bob"))["callid"]
        await status(b, S.INCOMING)
        assert (await status(a, S.NOANSWER))["callid"] == callid
        await status(b, S.NOANSWER)
        (missed,) = await records(b, 1)
        assert missed["status"] == Status.CALLMISSED and missed["call"]["status"] == S.NOANSWER


async def test_two_devices_ring_one_answers_the_other_stops(server: Any) -> None:
    async with fast(server, server.token("alice", "a-phone")) as a, \
            fast(server, server.token("alice", "a-laptop")) as a2, \
            fast(server, server.token("bob", "b-phone")) as b1, \
            fast(server, server.token("bob", "b-laptop")) as b2:
        callid = (await a.call("bob"))["callid"]
        r1, r2 = await status(b1, S.INCOMING), await status(b2, S.INCOMING)
        assert r1["callid"] == r2["callid"] == callid and "elsewhere" not in r1 and "elsewhere" not in r2
        assert (await status(a2, S.RINGING))["elsewhere"] is True  # the caller's other device follows
        await b1.answer(callid)
        assert "elsewhere" not in await status(b1, S.ANSWER)
        assert (await status(b2, S.ANSWER))["elsewhere"] is True  # answered elsewhere: stop ringing
        assert (await status(a2, S.ANSWER))["elsewhere"] is True
        with pytest.raises(RequestError) as exc:
            await b2.answer(callid)
        assert exc.value.code == "INVALIDSTATE"
        with pytest.raises(RequestError) as exc:  # media goes only to the answering device
            await b2.call_signal(callid, "ice", {"candidate": ""})
        assert exc.value.code == "FORBIDDEN"
        await b1.hangup(callid)
        for dev in (a, a2, b1, b2):
            await status(dev, S.COMPLETE)
        for dev in (a, a2, b1, b2):
            (rec,) = await records(dev, 1)
            assert rec["call"]["callid"] == callid
        # exactly once: nothing more in any device's log
        for dev in (a, a2, b1, b2):
            with pytest.raises(asyncio.TimeoutError):
                await records(dev, 1, timeout=0.3)


@pytest.mark.settings(call_grace=0.5)
async def test_the_answering_device_disappearing_ends_the_call(server: Any) -> None:
    async with fast(server, server.token("alice")) as a:
        b = fast(server, server.token("bob"))
        await b.connect()
        callid = (await a.call("bob"))["callid"]
        await status(b, S.INCOMING)
        await b.answer(callid)
        await status(a, S.ANSWER)
        await b.close()  # the connection is gone and does not come back
        ended = await status(a, S.COMPLETE, timeout=3.0)
        assert ended["callid"] == callid


@pytest.mark.settings(call_grace=3.0)
async def test_the_answering_device_reconnecting_keeps_the_call(server: Any) -> None:
    bob_token = server.token("bob")
    async with fast(server, server.token("alice")) as a:
        b = fast(server, bob_token)
        await b.connect()
        callid = (await a.call("bob"))["callid"]
        await status(b, S.INCOMING)
        await b.answer(callid)
        await status(a, S.ANSWER)
        await b.close()
        async with fast(server, bob_token) as b_again:  # same device, new connection (a new leader tab)
            resumed = await status(b_again, S.ANSWER)
            assert resumed["callid"] == callid and "elsewhere" not in resumed
            await b_again.call_signal(callid, "ice", {"candidate": "x"})
            assert (await until(a, "call_signal"))["data"] == {"candidate": "x"}
            await b_again.hangup(callid)
            await status(a, S.COMPLETE)


@pytest.mark.settings(ice_servers="stun:stun.example.org:3478 turn:turn.example.org:3478?transport=udp",
                      turn_secret="s3cret", turn_ttl=600)
async def test_ice_servers_with_coturn_rest_credentials(server: Any) -> None:
    async with fast(server, server.token("alice")) as a:
        stun, turn = a.welcome["ice"]
        assert stun == {"urls": ["stun:stun.example.org:3478"]}
        assert turn["urls"] == ["turn:turn.example.org:3478?transport=udp"]
        expiry, user = turn["username"].split(":")
        assert user == "alice"
        assert 590 <= int(expiry) - a.welcome["ts"] // 1000 <= 610
        mac = hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()
        assert turn["credential"] == base64.b64encode(mac).decode()


async def test_bad_call_frames_get_clear_errors(server: Any) -> None:
    async with fast(server, server.token("alice")) as a:
        with pytest.raises(RequestError) as exc:
            await a.request("call_signal", callid=5, kind="video", data={})
        assert exc.value.code == "BADREQUEST"
        with pytest.raises(RequestError) as exc:
            await a.answer(12345)
        assert exc.value.code == "NOTFOUND"
        with pytest.raises(RequestError) as exc:
            await a.request("call", to="")
        assert exc.value.code == "BADREQUEST"
