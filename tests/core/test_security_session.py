"""Issue 6 (session side) without sockets: each test names the item it guards and fails without its fix."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from hubbub.core.session import Session
from hubbub.protocol.constants import Close

from .conftest import Harness

pytestmark = pytest.mark.timeout(30)


class GatedTransport:
    """A socket whose writes wait for `gate`: a client that has not read yet."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.frames: list[dict[str, Any]] = []
        self.sizes: list[int] = []
        self.closed: tuple[int, str] | None = None
        self.writing = 0

    async def send(self, text: str) -> None:
        self.writing += 1
        try:
            await self.gate.wait()
        finally:
            self.writing -= 1
        self.sizes.append(len(text.encode()))
        self.frames.append(json.loads(text))

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


async def offline_backlog(h: Harness, count: int, size: int) -> str:
    """`count` messages of `size` bytes from alice wait for bob, who is offline; bob's token."""
    bob_token = await h.token("bob")
    alice = await h.device("alice")
    for i in range(count):
        res = await alice.request("send", cid=f"b{i}", to="bob", message=f"{i:04d}" + "x" * (size - 4))
        assert res["ok"], res
    return bob_token


# -- item 2: a backlog bigger than send_buffer_bytes ---------------------------------------------

@pytest.mark.settings(send_buffer_bytes=100_000, max_events_frame_bytes=20_000)
async def test_item02_backlog_larger_than_send_buffer_is_delivered_in_byte_capped_frames(harness: Harness) -> None:
    bob_token = await offline_backlog(harness, 40, 5_000)  # 200 KB, twice the send buffer
    stuck = GatedTransport()
    bob = Session(harness.hub, stuck)
    await bob.feed(json.dumps({"t": "auth", "v": 1, "token": bob_token, "appid": harness.appid}))
    stuck.gate.set()  # a client that reads normally and acks what it applied
    applied = 0
    for _ in range(200):
        await asyncio.sleep(0.02)
        seqs = [e["seq"] for fr in stuck.frames if fr["t"] == "events" for e in fr["events"]]
        if seqs and seqs[-1] > applied:
            applied = seqs[-1]
            await bob.feed(json.dumps({"t": "ack", "seq": applied}))
        if sum(1 for fr in stuck.frames if fr["t"] == "events" for _ in fr["events"]) >= 40:
            break
    assert stuck.closed is None and bob.state == "open"
    msgs = [e["message"][:4] for fr in stuck.frames if fr["t"] == "events" for e in fr["events"]]
    assert msgs == [f"{i:04d}" for i in range(40)]
    sizes = [size for size, fr in zip(stuck.sizes, stuck.frames) if fr["t"] == "events"]
    assert len(sizes) > 1 and max(sizes) <= 20_000  # capped in bytes, several events per frame
    assert any(len(fr["events"]) > 1 for fr in stuck.frames if fr["t"] == "events")
    await bob.close(Close.NORMAL, "done")


@pytest.mark.settings(max_events_frame_bytes=1_000)
async def test_item02_an_event_larger_than_the_frame_cap_still_goes_alone(harness: Harness) -> None:
    bob_token = await offline_backlog(harness, 3, 5_000)
    bob = await harness.connect(bob_token)
    events = await bob.wait_events(3)
    assert [e["message"][:4] for e in events] == ["0000", "0001", "0002"]


@pytest.mark.settings(window_bytes=30_000, window=1000)
async def test_item02_in_flight_bytes_wait_for_an_ack(harness: Harness) -> None:
    bob_token = await offline_backlog(harness, 20, 5_000)  # 100 KB waiting
    bob = await harness.connect(bob_token)
    await asyncio.sleep(0.3)  # everything the budget allows has gone out; bob does not ack
    held = []
    while not bob.transport.inbox.empty():
        fr = bob.transport.inbox.get_nowait()
        if fr["t"] == "events":
            held.extend(fr["events"])
    assert held, "nothing was sent"
    in_flight = sum(len(json.dumps(e)) for e in held)
    assert in_flight < 30_000 + 6_000 and len(held) < 20  # the budget, overshot by one event at most
    bob.applied = held[-1]["seq"]
    bob.events.extend(held)
    await bob.feed({"t": "ack", "seq": bob.applied})  # credit comes back with the ack
    while len(bob.events) < 20:
        await bob.wait_events(len(bob.events) + 1)  # and with each ack after it
    events = bob.events
    assert [e["message"][:4] for e in events] == [f"{i:04d}" for i in range(20)]


@pytest.mark.settings(send_buffer_bytes=10_000)
async def test_item02_only_frames_behind_a_blocked_writer_count_toward_the_send_buffer(harness: Harness) -> None:
    """A page bigger than send_buffer_bytes handed to an idle writer is not a client that does not read."""
    bob_token = await offline_backlog(harness, 4, 5_000)  # one page of 20 KB
    bob = await harness.connect(bob_token)
    events = await bob.wait_events(4)
    assert len(events) == 4 and bob.transport.closed is None


async def test_item02_an_ack_that_arrives_while_a_close_drains_is_stored(harness: Harness) -> None:
    alice = await harness.device("alice")
    bob_token = await harness.token("bob")
    stuck = GatedTransport()
    bob = Session(harness.hub, stuck)
    await bob.feed(json.dumps({"t": "auth", "v": 1, "token": bob_token, "appid": harness.appid}))
    await alice.request("send", cid="c1", to="bob", message="the last one")
    for _ in range(100):  # the events frame is being written: the client has not read it yet
        await asyncio.sleep(0.01)
        if stuck.writing and bob.sent_upto:
            break
    assert bob.sent_upto > bob.acked
    closing = asyncio.ensure_future(bob.close(Close.RATELIMIT, "closing"))
    await asyncio.sleep(0.05)
    stuck.gate.set()  # the client reads the frame and acks it while the server closes
    for _ in range(100):
        await asyncio.sleep(0.01)
        if any(fr["t"] == "events" for fr in stuck.frames):
            break
    seq = [fr for fr in stuck.frames if fr["t"] == "events"][-1]["events"][-1]["seq"]
    await bob.feed(json.dumps({"t": "ack", "seq": seq}))
    await closing
    assert stuck.closed is not None and stuck.closed[0] == Close.RATELIMIT
    for _ in range(100):
        await asyncio.sleep(0.01)
        if await harness.hub.store.cursor(bob.ident.uid, bob.ident.device) == seq:  # type: ignore[union-attr]
            break
    assert await harness.hub.store.cursor(bob.ident.uid, bob.ident.device) == seq  # type: ignore[union-attr]
