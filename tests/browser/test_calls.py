"""Calls end to end: real server, headless Chromium with fake camera and microphone, the example page.

Each user is a browser context; each user's tabs share one connection through their leader. Calls are
placed and answered by tabs that are not the leader, so their signalling crosses the tabs' channel.
Media flow is checked with RTCPeerConnection stats (bytes sent and received on both sides).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from hubbub.protocol.constants import CallStatus as S
from hubbub.protocol.constants import Status

from .conftest import Harness, Tab, wait_for

pytestmark = pytest.mark.timeout(120)

# A Notification stand-in that counts what this tab shows (permission granted).
COUNT_NOTES = """
window.__notes = [];
window.Notification = function (title, o) { window.__notes.push({ title: title, tag: o && o.tag }); };
window.Notification.permission = 'granted';
window.Notification.requestPermission = function () { return Promise.resolve('granted'); };
"""


def calls(t: Tab) -> list[dict[str, Any]]:
    return t.js("() => hubbubExample.calls")


def statuses(t: Tab) -> list[int]:
    return [c["status"] for c in calls(t) if c["on"] == "status"]


def rang(t: Tab) -> bool:
    return any(c["on"] == "call" for c in calls(t))


def has_status(t: Tab, st: int) -> bool:
    return st in statuses(t)


def stats(t: Tab) -> dict[str, Any] | None:
    return t.js("async () => { const c = mesibo.getActiveCall(); return c ? await c.stats() : null; }")


def flowing(t: Tab) -> bool:
    s = stats(t)
    return bool(s and s["bytesReceived"] > 0 and s["bytesSent"] > 0)


def call_records(t: Tab) -> list[dict[str, Any]]:
    return t.js("() => hubbubExample.shown.filter(s => s.call && s.how !== 'stored')")


def crash(t: Tab) -> None:
    try:
        t.page.goto("chrome://crash", timeout=3000)
    except Exception:
        pass


def follower(tabs: list[Tab]) -> Tab:
    return next(t for t in tabs if not t.leader())


def connect_call(hub: Harness, n_callee_tabs: int = 3) -> tuple[Tab, list[Tab], list[Tab], Tab]:
    """A tab of alice that is not her leader calls bob (n tabs); a tab of bob that is not his leader
    answers; media flows both ways. Returns (calling tab, alice's tabs, bob's tabs, answering tab)."""
    alice = hub.open(hub.context(), "alice", 2)
    caller = follower(alice)
    bob = hub.open(hub.context((COUNT_NOTES,)), "bob", n_callee_tabs)
    for t in bob:
        t.js("() => mesibo.enableNotifications(true)")
    caller.js("() => placeCall('bob', true)")
    for t in bob:
        wait_for(lambda t=t: rang(t), 10, "every tab of bob rings")
    wait_for(lambda: has_status(caller, S.RINGING), 15, "alice hears ringing")
    answering = follower(bob)
    answering.js("() => mesibo.answer(true)")
    wait_for(lambda: has_status(caller, S.CONNECTED), 15, "alice connected")
    wait_for(lambda: has_status(answering, S.CONNECTED), 15, "bob's answering tab connected")
    for t in bob:
        if t is not answering:
            wait_for(lambda t=t: has_status(t, S.CANCEL), 15, "the other tabs stop ringing")
    wait_for(lambda: flowing(caller), 15, "media reaches alice")
    wait_for(lambda: flowing(answering), 15, "media reaches bob's answering tab")
    assert [calls(t) for t in alice if t is not caller] == [[]], "the caller's other tab is not rung"
    return caller, alice, bob, answering


@pytest.mark.parametrize("side", ["caller", "callee"])
def test_rings_in_every_tab_answered_in_one_media_both_ways_hangup_everywhere(hub: Harness, side: str) -> None:
    alice, alice_tabs, bob, answering = connect_call(hub)
    others = [t for t in bob if t is not answering]
    assert sum(len(t.js("() => window.__notes")) for t in bob) == 1, "one desktop notification, not one per tab"
    for t in others:  # stopped ringing with a terminal status and never got media
        assert statuses(t) == [S.CANCEL]
        assert t.js("() => mesibo.getActiveCall()") is None
    (alice if side == "caller" else answering).js("() => mesibo.hangup(0)")
    wait_for(lambda: has_status(alice, S.COMPLETE), 15, "alice sees the end")
    wait_for(lambda: has_status(answering, S.COMPLETE), 15, "bob sees the end")
    for t in [*alice_tabs, *bob]:
        wait_for(lambda t=t: len(call_records(t)) >= 1, 10, "a call record in every tab")
    time.sleep(0.5)
    for t in alice_tabs:
        (out,) = call_records(t)
        assert out["out"] and out["call"]["video"] and out["call"]["status"] == Status.CALLOUTGOING
    for t in bob:
        (rec,) = call_records(t)
        assert not rec["out"] and rec["call"]["status"] == Status.CALLINCOMING and not rec["call"]["missed"]
    for t in others:
        assert statuses(t) == [S.CANCEL], "the end does not reach tabs that stopped ringing twice"
    assert statuses(alice).count(S.COMPLETE) == 1 and statuses(answering).count(S.COMPLETE) == 1
    for t in [*alice_tabs, *bob]:
        assert not t.errors, t.errors


@pytest.mark.settings(call_ring_timeout=1.5)
def test_statuses_busy_noanswer_offline_rejected_blocked_invalid(hub: Harness) -> None:
    (alice,) = hub.open(hub.context(), "alice", 1)
    (bob,) = hub.open(hub.context(), "bob", 1)
    (dave,) = hub.open(hub.context(), "dave", 1)
    hub.token("carol")  # a user who is never online

    def call(peer: str) -> None:
        alice.js("(p) => { hubbubExample.calls.length = 0; placeCall(p, false); }", peer)

    call("nobody")
    wait_for(lambda: statuses(alice) == [S.INVALIDDEST], 15, "INVALIDDEST")
    call("carol")
    wait_for(lambda: statuses(alice) == [S.OFFLINE], 15, "OFFLINE")
    call("bob")  # bob declines
    wait_for(lambda: rang(bob), 15, "bob rings")
    bob.js("() => mesibo.hangup(0)")
    wait_for(lambda: has_status(alice, S.BUSY), 15, "a declined call is BUSY for the caller")
    bob.js("() => { hubbubExample.calls.length = 0; }")
    call("bob")  # nobody answers
    wait_for(lambda: has_status(alice, S.NOANSWER), 15, "NOANSWER after the ring timeout")
    wait_for(lambda: has_status(bob, S.NOANSWER), 15, "the callee stops ringing")
    dave.js("() => placeCall('bob', false)")  # bob is now in a call with dave
    wait_for(lambda: len([c for c in calls(bob) if c["on"] == "call"]) == 2, 15, "bob rings for dave")
    call("bob")
    wait_for(lambda: statuses(alice) == [S.BUSY], 15, "BUSY while the callee is in a call")
    dave.js("() => mesibo.hangup(0)")
    wait_for(lambda: has_status(dave, S.CANCEL), 15, "dave cancels")
    server = hub.server
    bob_uid = server.call(server.hub.store.user(server.call(server.admin.app_named(server.app_name)).id, "bob")).uid
    alice_uid = server.call(server.hub.store.user(server.call(server.admin.app_named(server.app_name)).id, "alice")).uid
    server.call(server.hub.store.block(bob_uid, alice_uid, True))
    call("bob")
    wait_for(lambda: statuses(alice) == [S.BLOCKED], 15, "BLOCKED")
    # the messenger calls hangup(0) twice after each terminal status: no error, no extra status
    assert not alice.errors and not bob.errors


def test_two_devices_both_ring_one_answers_the_other_stops(hub: Harness) -> None:
    (alice,) = hub.open(hub.context(), "alice", 1)
    (laptop,) = hub.open(hub.context(), "bob", 1)
    second = hub.server.token("bob", "phone-browser")
    page = hub.context().new_page()
    page.goto(f"{hub.server.url}/example?token={second}&appid={hub.server.appid}")
    phone = Tab(page)
    wait_for(phone.online, 15, "bob's second device online")
    alice.js("() => placeCall('bob', true)")
    wait_for(lambda: rang(laptop) and rang(phone), 10, "both devices ring")
    phone.js("() => mesibo.answer(true)")
    wait_for(lambda: has_status(laptop, S.CANCEL), 15, "the other device stops ringing")
    wait_for(lambda: flowing(alice) and flowing(phone), 20, "media between alice and bob's phone")
    assert laptop.js("() => mesibo.getActiveCall()") is None
    alice.js("() => mesibo.hangup(0)")
    wait_for(lambda: has_status(phone, S.COMPLETE), 15, "the answering device sees the end")
    for t in (alice, laptop, phone):
        wait_for(lambda t=t: len(call_records(t)) == 1, 10, "one call record on every device")


def test_callee_leader_crash_during_a_call_another_tab_owns(hub: Harness) -> None:
    alice, _alice_tabs, bob, answering = connect_call(hub, 2)
    leader = next(t for t in bob if t.leader())
    crash(leader)
    wait_for(lambda: answering.leader(), 15, "the answering tab takes the connection over")
    before = stats(alice)["bytesReceived"]
    time.sleep(hub.server.settings.call_grace + 1.0)  # past the server's grace: the call must still be on
    assert not any(s >= S.COMPLETE for s in statuses(alice)), statuses(alice)
    assert stats(alice)["bytesReceived"] > before, "media still flows"
    assert flowing(answering)
    alice.js("() => mesibo.hangup(0)")  # signalling reaches the owner through its new connection
    wait_for(lambda: has_status(answering, S.COMPLETE), 10, "the owner learns the end")


@pytest.mark.settings(call_grace=60.0)
def test_answering_tab_crash_ends_the_call_for_the_caller(hub: Harness) -> None:
    # the server would wait a minute for the connection: the end comes from the tab that notices the crash
    alice, _alice_tabs, bob, answering = connect_call(hub, 2)
    crash(answering)
    wait_for(lambda: has_status(alice, S.COMPLETE), 15, "the caller sees the end within seconds")
    survivor = next(t for t in bob if t is not answering)
    wait_for(lambda: len(call_records(survivor)) == 1, 10, "the record reaches the surviving tab")
