"""The call state machine fed events by hand: no sockets, no clock, no store."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hubbub.calls.directory import Directory
from hubbub.calls.machine import (GRACE, RING, CallError, Calls, Emit, Party, Record, Share, StartTimer, StopTimer,
                                  Target, from_wire, to_wire)
from hubbub.protocol.constants import CallStatus as S

ALICE, BOB, CAROL = Party(1, "alice"), Party(2, "bob"), Party(3, "carol")


def frames(fx: list[Any], uid: int) -> list[tuple[str | None, str | None, dict[str, Any]]]:
    return [(e.key, e.skip, e.frame) for e in fx if isinstance(e, Emit) and e.uid == uid]


def records(fx: list[Any]) -> list[Record]:
    return [e for e in fx if isinstance(e, Record)]


def ring(m: Calls, callid: int = 7, online: tuple[str, ...] = ("phone", "web")) -> list[Any]:
    status, fx = m.place(callid, ALICE, "a1", Target(BOB, online=online), True, 1000)
    assert status == S.INPROGRESS
    return fx


def test_place_rings_every_callee_connection_and_tells_the_caller() -> None:
    m = Calls(30, 5)
    fx = ring(m)
    (key, skip, incoming), = frames(fx, BOB.uid)
    assert key is None and skip is None  # every connection of bob
    assert incoming == {"t": "call", "callid": 7, "status": S.INCOMING, "peer": "alice", "dir": "in",
                        "video": True, "ts": 1000}
    to_alice = frames(fx, ALICE.uid)
    assert [(k, s, fr["status"], fr.get("elsewhere")) for k, s, fr in to_alice] == [
        ("a1", None, S.INPROGRESS, None), (None, "a1", S.INPROGRESS, True),
        ("a1", None, S.RINGING, None), (None, "a1", S.RINGING, True)]
    assert StartTimer(7, RING, 30) in fx
    assert not records(fx)


@pytest.mark.parametrize("target,status,recorded", [
    (Target(None), S.INVALIDDEST, False),
    (Target(BOB, blocked=True, online=("p",)), S.BLOCKED, False),
    (Target(ALICE, online=("a2",)), S.NOTALLOWED, False),
    (Target(BOB, online=()), S.OFFLINE, True),
])
def test_refusals(target: Target, status: int, recorded: bool) -> None:
    m = Calls(30, 5)
    got, fx = m.place(9, ALICE, "a1", target, False, 1000)
    assert got == status
    assert not frames(fx, BOB.uid)
    assert [(r.status, r.duration) for r in records(fx)] == ([(status, 0)] if recorded else [])
    assert not m.calls and not m.by_user


def test_busy_when_the_callee_is_in_a_call_and_the_caller_may_not_hold_two() -> None:
    m = Calls(30, 5)
    ring(m)
    status, fx = m.place(8, CAROL, "c1", Target(BOB, online=("p",)), True, 1100)
    assert status == S.BUSY and [r.status for r in records(fx)] == [S.BUSY]
    status, fx = m.place(9, ALICE, "a1", Target(CAROL, online=("c1",)), True, 1100)
    assert status == S.INVALIDSTATE and not fx


def test_answer_on_one_connection_stops_the_others_and_pins_the_endpoint() -> None:
    m = Calls(30, 5)
    ring(m)
    fx = m.answer(7, BOB.uid, "web", 2000)
    assert StopTimer(7, RING) in fx
    to_bob = frames(fx, BOB.uid)
    assert [(k, s, fr["status"], fr.get("elsewhere")) for k, s, fr in to_bob] == [
        ("web", None, S.ANSWER, None), (None, "web", S.ANSWER, True)]
    assert ("a1", None) in [(k, s) for k, s, fr in frames(fx, ALICE.uid) if fr["status"] == S.ANSWER]
    assert m.answer(7, BOB.uid, "web", 2001) == []  # a repeat is harmless
    with pytest.raises(CallError) as exc:
        m.answer(7, BOB.uid, "phone", 2002)
    assert exc.value.code == "INVALIDSTATE"
    with pytest.raises(CallError):
        m.answer(7, ALICE.uid, "a1", 2002)  # the caller does not answer


def test_relay_only_between_the_two_endpoints() -> None:
    m = Calls(30, 5)
    ring(m)
    with pytest.raises(CallError) as exc:
        m.relay(7, ALICE.uid, "a1", "sdp", {"type": "offer"})
    assert exc.value.code == "INVALIDSTATE"
    m.answer(7, BOB.uid, "web", 2000)
    fx = m.relay(7, ALICE.uid, "a1", "sdp", {"type": "offer", "sdp": "v=0"})
    assert fx == [Emit(BOB.uid, {"t": "call_signal", "callid": 7, "kind": "sdp",
                                 "data": {"type": "offer", "sdp": "v=0"}}, key="web")]
    fx = m.relay(7, BOB.uid, "web", "ice", {"candidate": "c"})
    assert fx[0].uid == ALICE.uid and fx[0].key == "a1"
    with pytest.raises(CallError) as exc:
        m.relay(7, BOB.uid, "phone", "ice", {})
    assert exc.value.code == "FORBIDDEN"
    with pytest.raises(CallError):
        m.relay(7, CAROL.uid, "c1", "ice", {})


@pytest.mark.parametrize("who,answered,status", [
    (ALICE, False, S.CANCEL), (BOB, False, S.BUSY), (ALICE, True, S.COMPLETE), (BOB, True, S.COMPLETE)])
def test_hangup(who: Party, answered: bool, status: int) -> None:
    m = Calls(30, 5)
    ring(m)
    if answered:
        m.answer(7, BOB.uid, "web", 2000)
    fx = m.hangup(7, who.uid, "a1" if who is ALICE else "web", 14_600)
    (rec,) = records(fx)
    assert (rec.status, rec.duration) == (status, 13 if answered else 0)
    assert {fr["status"] for _k, _s, fr in frames(fx, ALICE.uid) + frames(fx, BOB.uid)} == {status}
    assert not m.calls and not m.by_user
    with pytest.raises(CallError) as exc:
        m.hangup(7, who.uid, "a1", 15_000)
    assert exc.value.code == "NOTFOUND"


def test_ring_timeout_is_noanswer_with_a_missed_record() -> None:
    m = Calls(30, 5)
    ring(m)
    fx = m.timeout(7, RING, 31_000)
    assert [r.status for r in records(fx)] == [S.NOANSWER]
    assert m.timeout(7, RING, 31_001) == []  # a late timer of an ended call


def test_an_endpoint_gone_ends_the_call_after_grace_unless_it_comes_back() -> None:
    m = Calls(30, 5)
    ring(m)
    m.answer(7, BOB.uid, "web", 2000)
    assert m.gone(BOB.uid, "phone", 3000) == []  # not an endpoint
    assert m.gone(BOB.uid, "web", 3000) == [StartTimer(7, GRACE, 5)]
    fx = m.back(BOB.uid, "web", 3500)  # a new leader tab took the connection over
    assert StopTimer(7, GRACE) in fx
    assert frames(fx, BOB.uid)[0][2]["status"] == S.ANSWER and "elsewhere" not in frames(fx, BOB.uid)[0][2]
    assert m.timeout(7, GRACE, 8000) == []
    m.gone(BOB.uid, "web", 9000)
    fx = m.timeout(7, GRACE, 14_000)
    assert [(r.status, r.duration) for r in records(fx)] == [(S.COMPLETE, 12)]


def test_the_caller_gone_while_ringing_cancels() -> None:
    m = Calls(30, 5)
    ring(m)
    m.gone(ALICE.uid, "a1", 1500)
    fx = m.timeout(7, GRACE, 6500)
    assert [r.status for r in records(fx)] == [S.CANCEL]
    assert {fr["status"] for _k, _s, fr in frames(fx, BOB.uid)} == {S.CANCEL}


def test_a_connection_that_joins_learns_the_live_call() -> None:
    m = Calls(30, 5)
    ring(m)
    (_k, _s, fr), = frames(m.back(BOB.uid, "laptop", 1200), BOB.uid)
    assert fr["status"] == S.INCOMING and "elsewhere" not in fr  # a device that comes online rings too
    (_k, _s, fr), = frames(m.back(ALICE.uid, "a2", 1200), ALICE.uid)
    assert fr["status"] == S.RINGING and fr["elsewhere"] is True
    assert m.back(CAROL.uid, "c1", 1200) == []


def test_ice_settings_are_checked_and_credentials_expire_with_the_ttl() -> None:
    from hubbub.calls import ice
    from hubbub.config import Settings
    with pytest.raises(ValueError, match="not a stun:/turn: URL"):
        ice.check(Settings(ice_servers="stun:ok:3478 https://no"))
    assert ice.ice_servers(Settings(), "alice", 1000) == []  # none set: host candidates only
    fixed = ice.ice_servers(Settings(ice_servers="turns:t:5349", turn_username="u", turn_credential="p"), "a", 0)
    assert fixed == [{"urls": ["turns:t:5349"], "username": "u", "credential": "p"}]
    user, _ = ice.turn_credential("k", "bob", 1000, 60)
    assert user == "1060:bob"


# -- across nodes --------------------------------------------------------------------------------

def test_busy_and_invalidstate_for_users_in_a_call_held_by_another_node() -> None:
    m = Calls(30, 5)
    status, fx = m.place(8, CAROL, "c1", Target(BOB, online=("p",), callee_busy=True), True, 1100)
    assert status == S.BUSY and [r.status for r in records(fx)] == [S.BUSY] and not m.calls
    status, fx = m.place(9, CAROL, "c1", Target(BOB, online=("p",), caller_busy=True), True, 1100)
    assert status == S.INVALIDSTATE and fx == []


def test_every_change_of_a_live_call_is_shared_and_its_end_too() -> None:
    m = Calls(30, 5)
    shared = [e.call.state for e in ring(m) if isinstance(e, Share)]
    assert shared == ["ringing"]
    assert [e.call.callee_key for e in m.answer(7, BOB.uid, "web", 2000) if isinstance(e, Share)] == ["web"]
    assert [e.call.state for e in m.hangup(7, ALICE.uid, "a1", 3000) if isinstance(e, Share)] == ["ended"]
    _, fx = m.place(9, ALICE, "a1", Target(BOB, online=()), True, 4000)  # never live: nothing to share
    assert not [e for e in fx if isinstance(e, Share)]


def test_a_call_travels_between_nodes_whole() -> None:
    m = Calls(30, 5)
    ring(m)
    m.answer(7, BOB.uid, "web", 2000)
    call = m.calls[7]
    again = from_wire(json.loads(json.dumps(to_wire(call))))
    assert (again.callid, again.caller, again.caller_key, again.callee, again.callee_key, again.video,
            again.placed, again.state, again.answered) == (7, ALICE, "a1", BOB, "web", True, 1000, "answered", 2000)


@pytest.mark.parametrize("answered,status", [(True, S.COMPLETE), (False, S.UNREACHABLE)])
def test_abandon_ends_a_call_whose_node_died(answered: bool, status: int) -> None:
    m = Calls(30, 5)
    ring(m)
    if answered:
        m.answer(7, BOB.uid, "web", 2000)
    copy = from_wire(to_wire(m.calls[7]))  # what another node knows of it
    fx = Calls.abandon(copy, 12_400)
    assert not [e for e in fx if isinstance(e, (StartTimer, StopTimer, Share))]
    assert [(r.status, r.duration) for r in records(fx)] == [(status, 10 if answered else 0)]
    to_bob = [(k, s, fr["status"], fr.get("elsewhere")) for k, s, fr in frames(fx, BOB.uid)]
    if answered:
        assert to_bob == [("web", None, status, None), (None, "web", status, True)]
    else:
        assert to_bob == [(None, None, status, None)]
    assert copy.state == "ended"


def test_directory_routes_knows_who_is_busy_and_forgets_silent_owners() -> None:
    m = Calls(30, 5)
    ring(m)
    d = Directory(timeout=2.0)
    d.put("n1", from_wire(to_wire(m.calls[7])), now=100.0)
    assert d.owner(7) == "n1" and d.owner(8) is None
    assert d.busy(ALICE.uid) and d.busy(BOB.uid) and not d.busy(CAROL.uid)
    assert d.of_user(BOB.uid).call.callid == 7  # type: ignore[union-attr]
    assert d.orphans({"n1"}, 200.0) == []       # its owner is alive
    assert d.orphans(set(), 101.0) == []        # silent, but described less than `timeout` ago
    (gone,) = d.orphans(set(), 102.5)
    assert gone.owner == "n1" and d.calls == {} and d.by_user == {}
    d.put("n1", from_wire(to_wire(m.calls[7])), now=300.0)
    assert d.drop(7) is not None and not d.busy(ALICE.uid) and d.drop(7) is None


def test_directory_a_user_in_a_new_call_is_not_freed_by_the_old_ones_end() -> None:
    d = Directory(timeout=2.0)
    m = Calls(30, 5)
    ring(m)
    d.put("n1", from_wire(to_wire(m.calls[7])), now=1.0)
    m.hangup(7, ALICE.uid, "a1", 1500)
    _, _ = m.place(8, ALICE, "a1", Target(CAROL, online=("c1",)), True, 1600)
    d.put("n2", from_wire(to_wire(m.calls[8])), now=2.0)  # alice's next call, on another node
    d.drop(7)  # the old call's end arrives late
    assert d.owner(8) == "n2" and d.busy(ALICE.uid) and not d.busy(BOB.uid)


def test_a_call_released_here_and_adopted_there_keeps_its_timers() -> None:
    here, there = Calls(30, 5), Calls(30, 5)
    ring(here)
    call = here.release(7)
    assert call is not None and not here.calls and not here.by_user and here.release(7) is None
    moved = from_wire(to_wire(call))
    fx = there.adopt(moved, 11_000)  # rang 10 s of 30
    assert StartTimer(7, RING, 20.0) in fx and [e.call for e in fx if isinstance(e, Share)] == [moved]
    assert there.by_user == {ALICE.uid: 7, BOB.uid: 7}
    there.answer(7, BOB.uid, "web", 12_000)
    moved2 = from_wire(to_wire(there.release(7)))  # type: ignore[arg-type]
    moved2.gone = {(BOB.uid, "web")}
    fx = Calls(30, 5).adopt(moved2, 13_000)
    assert StartTimer(7, GRACE, 5) in fx and not [e for e in fx if isinstance(e, StartTimer) and e.name == RING]


def test_directory_a_goodbye_makes_orphans_at_once() -> None:
    m = Calls(30, 5)
    ring(m)
    d = Directory(timeout=2.0)
    d.put("n1", from_wire(to_wire(m.calls[7])), now=100.0)
    assert d.orphans(set(), 100.5) == []
    d.silenced("n1")
    assert [r.call.callid for r in d.orphans(set(), 100.5)] == [7]
