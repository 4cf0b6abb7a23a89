"""Dead peers are found by one heartbeat sweep over the node's connections (server/ws.py), not by a
timer per connection: a silent connection is pinged, a peer that answers stays, one that stops
answering is dropped, and a peer's own ping is answered. Through real sockets, with the interval
shortened so the test takes a second or two."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
from typing import Any, Iterator

import pytest

from hubbub.server import ws as ws_layer

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def fast_pings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A 0.4 s ping interval (sweeps every 0.1 s); listed before `server` so the server starts with it."""
    monkeypatch.setattr(ws_layer, "PING_INTERVAL", 0.4)
    yield


class RawPeer:
    """A WebSocket client by hand, so the test decides whether pings are answered."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.answer_pings = True
        self.pings = 0
        self.pongs = 0
        self.texts: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, server: Any, token: str) -> "RawPeer":
        host, port = server.url.split("//")[1].split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        peer = cls(reader, writer)
        peer.send(0x1, json.dumps({"t": "auth", "v": 1, "token": token, "appid": server.appid}).encode())
        return peer

    def send(self, op: int, payload: bytes) -> None:
        n = len(payload)
        head = struct.pack("!BB", 0x80 | op, 0x80 | n) if n < 126 else struct.pack("!BBH", 0x80 | op, 0xFE, n)
        self.writer.write(head + b"\0\0\0\0" + payload)  # a zero mask: the payload goes as is

    async def run(self) -> None:
        """Read frames until the server closes the connection (or drops it)."""
        try:
            while True:
                b0, b1 = await self.reader.readexactly(2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", await self.reader.readexactly(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
                payload = await self.reader.readexactly(n)
                op = b0 & 0x0F
                if op == 0x1:
                    self.texts.append(json.loads(payload))
                elif op == 0x9:
                    self.pings += 1
                    if self.answer_pings:
                        self.send(0xA, payload)
                elif op == 0xA:
                    self.pongs += 1
                elif op == 0x8:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return


async def _until(check: Any, timeout: float = 15) -> None:
    async def wait() -> None:
        while not check():
            await asyncio.sleep(0.05)
    await asyncio.wait_for(wait(), timeout)


async def test_a_silent_peer_is_pinged_and_stays_while_it_answers(fast_pings: None, server: Any) -> None:
    peer = await RawPeer.open(server, server.token("alice"))
    reading = asyncio.ensure_future(peer.run())
    await _until(lambda: peer.pings >= 3)  # pinged again and again while silent: each pong keeps it
    assert not reading.done()
    assert server.call(asyncio.sleep(0, server.hub.connection_count())) == 1
    assert peer.texts[0]["t"] == "welcome"
    peer.writer.close()
    await reading


async def test_a_peer_that_stops_answering_pings_is_dropped(fast_pings: None, server: Any) -> None:
    peer = await RawPeer.open(server, server.token("alice"))
    peer.answer_pings = False
    reading = asyncio.ensure_future(peer.run())
    await asyncio.wait_for(reading, 15)  # the server cut the connection
    assert peer.pings >= 1 and peer.texts[0]["t"] == "welcome"
    await _until(lambda: server.call(asyncio.sleep(0, server.hub.connection_count())) == 0)


async def test_frames_from_the_peer_count_as_life_and_its_pings_are_answered(fast_pings: None, server: Any) -> None:
    peer = await RawPeer.open(server, server.token("alice"))
    peer.answer_pings = False
    reading = asyncio.ensure_future(peer.run())
    for i in range(12):  # 1.2 s, three ping intervals: never silent long enough to be pinged
        peer.send(0x9, b"hi")
        await asyncio.sleep(0.1)
    await _until(lambda: peer.pongs == 12)
    assert not reading.done() and peer.pings == 0
    peer.writer.close()
    await reading
