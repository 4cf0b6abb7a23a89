"""Draining a node (SIGTERM): the plan's arithmetic, then a real server on loopback: its clients get
4004 and come back at once, /readyz says "draining", new connections are refused, sends in flight
are answered before the close."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from hubbub.client import Client
from hubbub.protocol.constants import Close
from hubbub.server.drain import DrainBudget, close_offsets, drain_sessions

from ..conftest import RunningServer


# -- the plan, without I/O --------------------------------------------------------------------------


def test_closes_are_spaced_at_the_rate() -> None:
    assert close_offsets(0, 100, 10) == []
    assert close_offsets(1, 100, 10) == [0.0]
    offsets = close_offsets(5, 2.0, 100)  # 2 a second: one every half second
    assert offsets == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0])


def test_closes_are_squeezed_into_the_spread() -> None:
    offsets = close_offsets(10_001, 500, 10.0)  # 20 s at the rate: squeezed into 10 s
    assert offsets[0] == 0 and offsets[-1] == pytest.approx(10.0)
    steps = {round(b - a, 9) for a, b in zip(offsets, offsets[1:])}
    assert steps == {0.001}  # evenly spread, in order


def test_the_budget_leaves_room_for_the_last_close_and_the_store() -> None:
    b = DrainBudget(timeout=20.0, close_grace=1.0)
    assert b.spread == 10.0  # half the window
    assert b.closes_done == 15.0
    assert b.spread + b.close_grace <= b.closes_done < b.timeout
    tight = DrainBudget(timeout=2.0, close_grace=1.0)  # the grace eats into the spread
    assert tight.spread == pytest.approx(0.5) and tight.spread + tight.close_grace <= tight.closes_done
    assert DrainBudget(timeout=1.0, close_grace=60.0).spread == 0.0  # never negative


async def until(check, timeout: float) -> None:  # type: ignore[no-untyped-def]
    async def wait() -> None:
        while not check():
            await asyncio.sleep(0.02)
    await asyncio.wait_for(wait(), timeout)


# -- a real server ----------------------------------------------------------------------------------


async def _close_code(ws: websockets.ClientConnection) -> int | None:
    try:
        async for _ in ws:
            pass
    except websockets.ConnectionClosed:
        pass
    return ws.close_code


def test_drain_tells_clients_to_reconnect_and_refuses_new_ones(server: RunningServer) -> None:
    tokens = [server.token(f"u{i}") for i in range(6)]

    async def run() -> None:
        socks = []
        for t in tokens:
            ws = await websockets.connect(server.ws_url)
            await ws.send(json.dumps({"t": "auth", "v": 1, "token": t, "appid": server.appid}))
            assert json.loads(await ws.recv())["t"] == "welcome"
            socks.append(ws)
        # the drain as SIGTERM runs it (the listener closes, so nothing connects again here)
        drain = asyncio.wrap_future(asyncio.run_coroutine_threadsafe(server.threaded.server.drain(),
                                                                     server.threaded.loop))
        codes = await asyncio.wait_for(asyncio.gather(*[_close_code(ws) for ws in socks]), 60)
        await asyncio.wait_for(drain, 60)
        assert codes == [Close.RECONNECT] * 6

    asyncio.run(run())
    assert server.hub.draining and server.hub.connection_count() == 0
    with pytest.raises(httpx.ConnectError):  # the listener is closed: nothing connects any more
        httpx.get(server.url + "/readyz")


def test_a_draining_node_says_so_on_open_connections(server: RunningServer) -> None:
    """A load balancer's kept-alive health check sees 503 "draining"; a WebSocket upgrade on a
    connection opened before is refused with 503 too."""
    with httpx.Client() as http:
        assert http.get(server.url + "/readyz").status_code == 200  # the connection stays open
        server.hub.draining = True
        ready = http.get(server.url + "/readyz")
        assert ready.status_code == 503 and ready.json()["failed"]["node"] == "draining"
        upgrade = http.get(server.url + "/ws", headers={"Connection": "Upgrade", "Upgrade": "websocket",
                                                       "Sec-WebSocket-Version": "13",
                                                       "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
        assert upgrade.status_code == 503 and upgrade.json()["error"] == "DRAINING"
        assert "hubbub_draining 1.0" in http.get(server.url + "/metrics").text


@pytest.mark.settings(drain_timeout=30.0)
def test_client_reconnects_at_once_and_sends_in_flight_are_answered_once(server: RunningServer) -> None:
    """The sessions are closed with 4004 (the node keeps listening here, so the client comes back to
    it): a client whose backoff would wait 30 s is back at once, and a stream of sends straddling
    the close is stored once each."""
    alice, bob = server.token("alice"), server.token("bob")
    budget = DrainBudget(timeout=4.0, close_grace=1.0)

    async def run() -> None:
        async with Client(server.ws_url, alice, server.appid, backoff_min=30.0, backoff_max=60.0) as a, \
                Client(server.ws_url, bob, server.appid, backoff_min=30.0, backoff_max=60.0) as b:
            sends = [asyncio.ensure_future(a.send("bob", f"m{i}")) for i in range(200)]
            await asyncio.sleep(0)
            drain = asyncio.run_coroutine_threadsafe(drain_sessions(server.hub, budget, rate=1000.0),
                                                     server.threaded.loop)
            assert await asyncio.wrap_future(drain) == 2
            # a backoff would wait 15 s at least: both are back well before
            await until(lambda: a.reconnects == 1 and b.reconnects == 1 and a.connected and b.connected, 10)
            answers = await asyncio.wait_for(asyncio.gather(*sends), 10)
            assert {r["status"] for r in answers} == {1}
            got: list[str] = []
            async for ev in b.events():
                if ev.get("k") == "msg":
                    got.append(ev["message"])
                if len(got) == 200:
                    break
            assert got == [f"m{i}" for i in range(200)]  # once each, in order

    asyncio.run(asyncio.wait_for(run(), 60))


@pytest.mark.settings(max_pending_auth=1, pending_auth_wait=30.0)
def test_a_handshake_waiting_for_a_place_is_sent_elsewhere_when_the_node_drains(server: RunningServer) -> None:
    async def run() -> None:
        holder = await websockets.connect(server.ws_url)  # takes the one place to authenticate
        waiter = asyncio.ensure_future(websockets.connect(server.ws_url))
        await until(lambda: server.hub.admission.waiting == 1, 10)
        server.hub.draining = True
        holder_auth = {"t": "auth", "v": 1, "token": server.token("alice"), "appid": server.appid}
        await holder.send(json.dumps(holder_auth))  # its place goes to the waiter, which finds the node draining
        with pytest.raises(websockets.InvalidStatus) as refused:
            await asyncio.wait_for(waiter, 10)
        assert refused.value.response.status_code == 503
        assert (server.hub.admission.waiting, server.hub.admission.pending) == (0, 0)
        await holder.close()

    asyncio.run(run())
