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


# -- item 4: expiry past rows held by connected devices; a full window held too long --------------

async def read_until_status(d: Any, mid: int, status: int, timeout: float) -> None:
    """Apply (and ack) d's events until a status event (mid, status) arrives."""
    def seen() -> bool:
        return any(e["k"] == "status" and e["mid"] == mid and e["status"] == status for e in d.events)

    async def run() -> None:
        while True:
            await d.feed({"t": "ack", "seq": d.applied})
            if seen():
                return
            await d.next_of("events", timeout=timeout)
    await asyncio.wait_for(run(), timeout)


@pytest.mark.settings(expiry_sweep_interval=0.05)
async def test_item04_expiry_pages_past_overdue_rows_held_by_a_connected_device(harness: Harness) -> None:
    from hubbub.protocol.constants import Status
    alice = await harness.device("alice")
    bob = await harness.device("bob")
    carol_token = await harness.token("carol")  # offline: her message must expire
    for i in range(1000):  # the 1000 oldest overdue rows: pushed to bob, who never acks
        await alice.feed({"t": "send", "r": i, "cid": f"h{i}", "to": "bob", "message": "held", "expiry": 3})
    for _ in range(1000):
        assert (await alice.next_of("res"))["ok"]
    carol = await alice.request("send", cid="c", to="carol", message="gone by now", expiry=3)
    while len(bob.events) < 1000:
        await bob.wait_events(1000, timeout=5, ack=False)
    assert harness.hub.in_flight(bob.session.ident.uid, bob.events[-1]["seq"])  # type: ignore[union-attr]
    await read_until_status(alice, carol["mid"], Status.EXPIRED, timeout=8)
    assert bob.transport.closed is None  # bob still holds his messages, left alone
    assert carol_token


@pytest.mark.settings(window=3, window_timeout=0.3, close_grace=0.1)
async def test_item04_a_device_holding_a_full_window_past_window_timeout_is_closed(harness: Harness) -> None:
    alice = await harness.device("alice")
    bob = await harness.device("bob")
    slow = await harness.device("carol")
    for i in range(3):
        await alice.request("send", cid=f"w{i}", to="bob", message=str(i))
    for i in range(2):
        await alice.request("send", cid=f"v{i}", to="carol", message=str(i))
    await bob.wait_events(3, ack=False)   # a full window, never acknowledged
    await slow.wait_events(2, ack=False)  # one short of a full window: no deadline
    await asyncio.sleep(0.8)
    assert bob.transport.closed is not None and bob.transport.closed[0] == Close.RATELIMIT
    assert "window_timeout" in bob.transport.closed[1]
    assert slow.transport.closed is None and slow.session.state == "open"


@pytest.mark.settings(window=3, window_timeout=0.3)
async def test_item04_acks_in_time_keep_a_busy_device_connected(harness: Harness) -> None:
    alice = await harness.device("alice")
    bob = await harness.device("bob")
    for i in range(12):  # a full window each time, acked well within the timeout
        await alice.feed({"t": "send", "cid": f"k{i}", "to": "bob", "message": str(i)})
        await bob.wait_events(i + 1)
        await alice.wait_events(i + 1)
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.4)  # and a window that is not full is held as long as the client likes
    assert bob.transport.closed is None and alice.transport.closed is None


# -- item 5: a token that expires closes its live connection ---------------------------------------

async def test_item05_a_live_connection_is_closed_4001_when_its_token_expires(harness: Harness) -> None:
    from hubbub.core.tokens import token_hash
    token = await harness.token("alice")
    bob = await harness.device("bob")
    soon = harness.hub.now() + 400
    await harness.scalar("UPDATE tokens SET expires=? WHERE token_hash=?", soon, token_hash(token))
    alice = await harness.connect(token)
    assert (await alice.request("ping"))["ok"]
    error = await alice.next_of("error", timeout=2)
    assert error["code"] == "AUTHFAIL" and "expired" in error["reason"]
    await asyncio.sleep(0.05)
    assert alice.transport.closed is not None and alice.transport.closed[0] == Close.AUTHFAIL
    await alice.feed({"t": "send", "r": 1, "cid": "late", "to": "bob", "message": "after expiry"})
    await asyncio.sleep(0.1)
    assert bob.transport.inbox.empty()  # nothing got through


# -- item 11: lost wake-up while a resume stores the cursor -----------------------------------------

async def test_item11_a_message_committed_while_a_resume_acks_is_pushed(harness: Harness) -> None:
    bob_token = await harness.token("bob")
    alice = await harness.device("alice")
    for i in range(2):
        await alice.request("send", cid=f"r{i}", to="bob", message=str(i))
    stored_ack = harness.hub.ack

    async def ack_while_a_message_commits(ident: Any, seq: int) -> None:
        await stored_ack(ident, seq)
        await alice.request("send", cid="during", to="bob", message="during the resume")
    harness.hub.ack = ack_while_a_message_commits  # type: ignore[method-assign]
    bob = await harness.connect(bob_token, after=2)  # beyond his stored cursor (0): the resume acks
    [msg] = await bob.wait_events(1, timeout=2)
    assert msg["message"] == "during the resume"


async def test_item11_a_session_closed_during_the_resume_ack_starts_no_pusher(harness: Harness) -> None:
    from .conftest import Device
    bob_token = await harness.token("bob")
    alice = await harness.device("alice")
    await alice.request("send", cid="r0", to="bob", message="0")
    bob = Device(harness.hub)
    stored_ack = harness.hub.ack

    async def ack_then_the_socket_goes(ident: Any, seq: int) -> None:
        await stored_ack(ident, seq)
        await bob.session.closed()
    harness.hub.ack = ack_then_the_socket_goes  # type: ignore[method-assign]
    await bob.feed({"t": "auth", "v": 1, "token": bob_token, "appid": harness.appid, "after": 1})
    await asyncio.sleep(0.05)
    assert bob.session.state == "closed"
    assert all(t.done() for t in bob.session._tasks), bob.session._tasks
    assert harness.hub.sessions.get(bob.session.ident.uid) is None  # type: ignore[union-attr]


# -- item 12 (/ws): deeply nested JSON ----------------------------------------------------------------

def nested(depth: int, r: Any = None) -> str:
    head = '{"t":"ping",' + (f'"r":{json.dumps(r)},' if r is not None else "")
    return head + '"x":' + "[" * depth + "]" * depth + "}"


async def test_item12_deeply_nested_frame_is_badframe_and_the_connection_lives(harness: Harness) -> None:
    alice = await harness.device("alice")
    await alice.feed(nested(5000, r=7))
    res = await alice.next_of("res")
    assert res["r"] == 7 and res["ok"] is False and res["error"] == "BADFRAME" and "nested" in res["reason"]
    await alice.feed(nested(5000))
    assert (await alice.next_of("error"))["code"] == "BADFRAME"
    assert (await alice.request("ping"))["ok"] and alice.transport.closed is None


async def test_item12_deeply_nested_first_frame_closes_4000_with_badframe(harness: Harness) -> None:
    d = await harness.connect("x", expect="error")
    assert d.error["code"] == "NOTAUTH" or d.error  # a normal bad auth, for contrast
    from .conftest import Device
    d2 = Device(harness.hub)
    await d2.feed(nested(5000))
    err = await d2.next_of("error")
    assert err["code"] == "BADFRAME"
    await asyncio.sleep(0.05)
    assert d2.transport.closed is not None and d2.transport.closed[0] == Close.PROTOCOL


# -- item 13: limits on connections ------------------------------------------------------------------

@pytest.mark.settings(max_connections=3)
async def test_item13_max_connections_edge(harness: Harness) -> None:
    from .conftest import Device
    three = [await harness.device(f"u{i}") for i in range(2)] + [Device(harness.hub)]  # one not yet authed
    fourth = Device(harness.hub)
    await asyncio.sleep(0.05)
    assert all(d.transport.closed is None for d in three)
    assert fourth.transport.closed is not None and fourth.transport.closed[0] == Close.TRY_AGAIN
    assert "max_connections" in fourth.transport.closed[1]
    await three[0].session.closed()
    fifth = await harness.device("u9")  # room again
    assert fifth.transport.closed is None


@pytest.mark.settings(max_pending_auth=2)
async def test_item13_max_pending_auth_edge(harness: Harness) -> None:
    from .conftest import Device
    waiting = [Device(harness.hub), Device(harness.hub)]
    third = Device(harness.hub)
    await asyncio.sleep(0.05)
    assert third.transport.closed is not None and third.transport.closed[0] == Close.TRY_AGAIN
    assert "max_pending_auth" in third.transport.closed[1]
    token = await harness.token("alice")
    await waiting[0].feed({"t": "auth", "v": 1, "token": token, "appid": harness.appid})
    assert (await waiting[0].next())["t"] == "welcome"  # authenticated: no longer waiting
    fourth = Device(harness.hub)
    await asyncio.sleep(0.05)
    assert fourth.transport.closed is None
    await fourth.feed({"t": "auth", "v": 1, "token": "nope", "appid": harness.appid})
    await asyncio.sleep(0.05)  # a failed auth frees its place too
    assert Device(harness.hub).transport.closed is None


# -- item 14: a recalled message stays recalled ---------------------------------------------------------

async def test_item14_editing_a_recalled_message_is_refused(harness: Harness) -> None:
    alice = await harness.device("alice")
    bob = await harness.device("bob")
    sent = await alice.request("send", cid="x", to="bob", message="oops")
    assert (await alice.request("recall", mid=sent["mid"]))["ok"]
    res = await alice.request("edit", mid=sent["mid"], message="the text is back")
    assert res["ok"] is False and res["error"] == "FORBIDDEN" and "recalled" in res["reason"]
    events = await bob.wait_events(2)
    assert [e.get("op") for e in events] == [None, "recall"]
    [msg] = (await bob.request("history", peer="alice"))["messages"]
    assert msg["message"] == "" and msg.get("recalled") and not msg.get("edited")


# -- item 15: a tab must say where it resumes ---------------------------------------------------------

async def test_item15_a_tab_connection_without_after_is_refused(harness: Harness) -> None:
    from .conftest import Device
    token = await harness.token("alice")
    d = Device(harness.hub)
    await d.feed({"t": "auth", "v": 1, "r": 1, "token": token, "appid": harness.appid, "tab": "t1"})
    res = await d.next()
    assert res["ok"] is False and res["error"] == "BADREQUEST" and "after" in res["reason"]
    await asyncio.sleep(0.05)
    assert d.transport.closed is not None and d.transport.closed[0] == Close.PROTOCOL
    ok = Device(harness.hub)
    await ok.feed({"t": "auth", "v": 1, "token": token, "appid": harness.appid, "tab": "t1", "after": 0})
    assert (await ok.next())["t"] == "welcome"
    fresh = Device(harness.hub)  # a tab that holds nothing asks for the device's cursor by name
    await fresh.feed({"t": "auth", "v": 1, "token": token, "appid": harness.appid, "tab": "t2", "after": "cursor"})
    assert (await fresh.next())["t"] == "welcome"


# -- item 20: close reasons --------------------------------------------------------------------------

async def test_item20_close_reason_is_cut_by_utf8_bytes(harness: Harness) -> None:
    alice = await harness.device("alice")
    await alice.session.close(Close.PROTOCOL, "é" * 100)  # 200 bytes
    assert alice.transport.closed is not None
    reason = alice.transport.closed[1]
    assert 0 < len(reason.encode()) <= 123 and reason == "é" * len(reason)


@pytest.mark.settings(max_devices=1)
async def test_item20_close_reasons_do_not_echo_user_strings(harness: Harness) -> None:
    from .conftest import Device
    address = "ä" * 80
    await harness.device(address, "d1")
    second = await harness.connect(await harness.token(address, "d2"), expect="error")
    await asyncio.sleep(0.05)
    assert second.transport.closed is not None and second.transport.closed[0] == Close.TOOMANYDEVICES
    assert "ä" not in second.transport.closed[1]
    d = Device(harness.hub)
    await d.feed(json.dumps({"t": "ü" * 100}))
    await asyncio.sleep(0.05)
    assert d.transport.closed is not None and d.transport.closed[0] == Close.PROTOCOL
    assert "ü" not in d.transport.closed[1]


# -- item 21: a frame dropped for rate is not parsed ------------------------------------------------------

@pytest.mark.settings(rate_limit=0.5, rate_burst=2, rate_strikes=100)
async def test_item21_a_frame_dropped_for_rate_is_not_parsed(harness: Harness) -> None:
    alice = await harness.device("alice")  # auth takes one of the burst
    assert (await alice.request("ping"))["ok"]  # and this the other
    # a full parse of this would fail; the limiter answers from the head of the frame alone
    await alice.feed('{"t":"ping","r":77,"x":' + "[" * 20000 + " not even json")
    res = await alice.next_of("res")
    assert res["r"] == 77 and res["error"] == "RATELIMIT"


@pytest.mark.settings(sends_in_flight_bytes=10_000)
async def test_sends_in_flight_are_bounded_in_bytes(harness: Harness) -> None:
    """Pipelined sends are held until answered: at most sends_in_flight_bytes of them, then the
    connection's further frames wait; all are answered in the end."""
    alice = await harness.device("alice")
    await harness.token("bob")
    gate = asyncio.Event()
    inside = [0, 0]  # now, most
    real = harness.hub.send

    async def slow(*a: Any, **kw: Any) -> Any:
        inside[0] += 1
        inside[1] = max(inside)
        await gate.wait()
        try:
            return await real(*a, **kw)
        finally:
            inside[0] -= 1
    harness.hub.send = slow  # type: ignore[method-assign]
    text = "x" * 3000  # a frame of about 3.1 KB: three fit in 10,000 bytes, a fourth does not

    async def receive_loop() -> None:  # as the I/O layer feeds frames: one after the other
        for i in range(10):
            await alice.feed({"t": "send", "r": 100 + i, "cid": f"big{i}", "to": "bob", "message": text})
    feeding = asyncio.ensure_future(receive_loop())
    for _ in range(200):
        if inside[0] == 3:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    assert inside[1] == 3, f"{inside[1]} sends held at once"
    assert alice.session._sends is not None and alice.session._sends.in_flight[1] <= 10_000
    gate.set()
    await asyncio.wait_for(feeding, 10)
    answers = set()
    while len(answers) < 10:
        res = await alice.next_of("res")
        assert res["ok"], res
        answers.add(res["r"])
    assert answers == set(range(100, 110))


@pytest.mark.settings(sends_in_flight_bytes=1024, max_message_bytes=60_000, max_frame_bytes=65_536)
async def test_one_send_larger_than_the_budget_still_goes(harness: Harness) -> None:
    alice = await harness.device("alice")
    await harness.token("bob")
    res = await alice.request("send", cid="huge", to="bob", message="y" * 50_000)
    assert res["ok"] and res["status"] >= 1
