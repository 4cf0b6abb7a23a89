"""One-to-one call signalling as a state machine: events in, effects out.

No sockets, no clock, no store: the caller (`hubbub.calls.service`) feeds it what happened (a call
placed, answered, hung up, a relay, a timer that fired, a connection gone or back) with `now`, and
carries out the effects it returns (frames to connections, timers, call records). So every rule
below runs in tests as plain function calls.

A connection is named by (uid, key), the key being the session's key (the device, or device#tab).
Before an answer every connection of the callee rings; the one that answers becomes the call's
callee endpoint, the connection that placed it is the caller endpoint. Every connection of both
users learns every status of the call; those that are not an endpoint get it with `elsewhere`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from ..protocol.constants import CallStatus

RINGING, ANSWERED, ENDED = "ringing", "answered", "ended"
RING, GRACE = "ring", "grace"  # the names of a call's timers

Conn = tuple[int, str]


@dataclass(frozen=True, slots=True)
class Party:
    """One side of a call: user id and address."""

    uid: int
    address: str
    app_id: int = 0


@dataclass(slots=True)
class Call:
    callid: int
    caller: Party
    caller_key: str
    callee: Party
    video: bool
    placed: int
    state: str = RINGING
    callee_key: str = ""           # the answering connection, once answered
    answered: int = 0              # ms, when answered
    gone: set[Conn] = field(default_factory=set)  # endpoints whose connection is away

    def endpoints(self) -> list[Conn]:
        ends = [(self.caller.uid, self.caller_key)]
        if self.callee_key:
            ends.append((self.callee.uid, self.callee_key))
        return ends

    def side(self, uid: int) -> Party | None:
        return self.caller if uid == self.caller.uid else self.callee if uid == self.callee.uid else None

    def other(self, uid: int) -> Party:
        return self.callee if uid == self.caller.uid else self.caller


# -- effects ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Emit:
    """Send `frame` to one connection of uid (key) or to all of them (key None), except `skip`."""

    uid: int
    frame: dict[str, Any]
    key: str | None = None
    skip: str | None = None


@dataclass(frozen=True, slots=True)
class StartTimer:
    callid: int
    name: str
    seconds: float


@dataclass(frozen=True, slots=True)
class StopTimer:
    callid: int
    name: str


@dataclass(frozen=True, slots=True)
class Share:
    """The call changed (placed, answered, ended): tell the other nodes what it is now (see directory.py)."""

    call: Call


@dataclass(frozen=True, slots=True)
class Record:
    """The call is over: store its call-record message in both users' logs."""

    call: Call
    status: int
    duration: int  # seconds answered, 0 if never answered


Effect = Union[Emit, StartTimer, StopTimer, Share, Record]


@dataclass(frozen=True, slots=True)
class Target:
    """What the hub found out about a callee before the call is placed."""

    party: Party | None       # None: no such active user in the app
    blocked: bool = False     # the callee blocked the caller
    online: tuple[str, ...] = ()  # keys of the callee's connections, on any node
    caller_busy: bool = False     # the caller is in a call held by another node
    callee_busy: bool = False     # the callee is in a call held by another node


class CallError(Exception):
    """A request that does not fit the call's state; `code` is a protocol error code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Calls:
    """Every live call of this node, and the rules between them (see module docstring)."""

    def __init__(self, ring_timeout: float, grace: float) -> None:
        self.ring_timeout = ring_timeout
        self.grace = grace
        self.calls: dict[int, Call] = {}
        self.by_user: dict[int, int] = {}  # uid -> callid of its live call (one at a time)

    # -- requests from connections ---------------------------------------------------------------

    def place(self, callid: int, caller: Party, key: str, target: Target, video: bool,
              now: int) -> tuple[int, list[Effect]]:
        """A connection places a call. Returns the status for the caller and the effects.

        Refusals that never reach the callee (invalid, blocked, to oneself, the caller already in
        a call) leave no record; a call that reached a valid callee (offline, busy included) does.
        """
        callee = target.party
        if callee is None:
            return CallStatus.INVALIDDEST, []
        if callee.uid == caller.uid:
            return CallStatus.NOTALLOWED, []
        if target.blocked:
            return CallStatus.BLOCKED, []
        if caller.uid in self.by_user or target.caller_busy:
            return CallStatus.INVALIDSTATE, []
        call = Call(callid, caller, key, callee, video, now)
        if not target.online:
            return CallStatus.OFFLINE, self._records(call, CallStatus.OFFLINE, now)
        if callee.uid in self.by_user or target.callee_busy:
            return CallStatus.BUSY, self._records(call, CallStatus.BUSY, now)
        self.calls[callid] = call
        self.by_user[caller.uid] = self.by_user[callee.uid] = callid
        fx: list[Effect] = [Emit(callee.uid, self._frame(call, callee.uid, CallStatus.INCOMING, now))]
        fx += self._status(call, CallStatus.INPROGRESS, now, to_callee=False)
        fx += self._status(call, CallStatus.RINGING, now, to_callee=False)
        fx.append(StartTimer(callid, RING, self.ring_timeout))
        fx.append(Share(call))
        return CallStatus.INPROGRESS, fx

    def answer(self, callid: int, uid: int, key: str, now: int) -> list[Effect]:
        call = self._live(callid, uid)
        if uid != call.callee.uid:
            raise CallError("FORBIDDEN", "only the callee answers a call")
        if call.state == ANSWERED:
            if call.callee_key == key:
                return []  # a repeat of this connection's own answer
            raise CallError("INVALIDSTATE", "the call was answered elsewhere")
        call.state, call.callee_key, call.answered = ANSWERED, key, now
        fx: list[Effect] = [StopTimer(callid, RING)]
        fx += self._status(call, CallStatus.ANSWER, now)
        fx.append(Share(call))
        return fx

    def hangup(self, callid: int, uid: int, key: str, now: int) -> list[Effect]:
        """End, decline or cancel: any connection of either user may (it is the user's call)."""
        call = self._live(callid, uid)
        if call.state == ANSWERED:
            return self._end(call, CallStatus.COMPLETE, now)
        if uid == call.caller.uid:
            return self._end(call, CallStatus.CANCEL, now)
        return self._end(call, CallStatus.BUSY, now)  # declined: the caller hears "busy"

    def relay(self, callid: int, uid: int, key: str, kind: str, data: Any) -> list[Effect]:
        """SDP, ICE or a mute notice from one endpoint to the other; only between the two endpoints."""
        call = self._live(callid, uid)
        if call.state != ANSWERED:
            raise CallError("INVALIDSTATE", "media is negotiated once the call is answered")
        if (uid, key) not in call.endpoints():
            raise CallError("FORBIDDEN", "this connection is not an endpoint of the call")
        peer = call.other(uid)
        peer_key = call.callee_key if peer is call.callee else call.caller_key
        return [Emit(peer.uid, {"t": "call_signal", "callid": callid, "kind": kind, "data": data}, key=peer_key)]

    # -- a call moving between nodes (its owner stops) -----------------------------------------

    def release(self, callid: int) -> Call | None:
        """Let go of a call, with no effect: another node takes it over (`adopt` there)."""
        call = self.calls.pop(callid, None)
        if call is not None:
            for uid in (call.caller.uid, call.callee.uid):
                if self.by_user.get(uid) == callid:
                    del self.by_user[uid]
        return call

    def adopt(self, call: Call, now: int) -> list[Effect]:
        """Take over a call another node let go of: its timers go on from where they were (the ring
        timer for what is left of `ring_timeout`, grace afresh for endpoints that are away)."""
        self.calls[call.callid] = call
        self.by_user[call.caller.uid] = self.by_user[call.callee.uid] = call.callid
        fx: list[Effect] = []
        if call.state == RINGING:
            fx.append(StartTimer(call.callid, RING, max(0.0, self.ring_timeout - (now - call.placed) / 1000)))
        if call.gone:
            fx.append(StartTimer(call.callid, GRACE, self.grace))
        fx.append(Share(call))
        return fx

    # -- what happens around the calls ----------------------------------------------------------

    def timeout(self, callid: int, name: str, now: int) -> list[Effect]:
        call = self.calls.get(callid)
        if call is None:
            return []
        if name == RING and call.state == RINGING:
            return self._end(call, CallStatus.NOANSWER, now)
        if name == GRACE and call.gone:
            return self._end(call, CallStatus.COMPLETE if call.state == ANSWERED else CallStatus.CANCEL, now)
        return []

    def gone(self, uid: int, key: str, now: int) -> list[Effect]:
        """A connection went away. An endpoint gets `grace` seconds to come back (a new leader tab)."""
        callid = self.by_user.get(uid)
        call = self.calls.get(callid) if callid is not None else None
        if call is None or (uid, key) not in call.endpoints():
            return []
        call.gone.add((uid, key))
        return [StartTimer(call.callid, GRACE, self.grace)]

    def back(self, uid: int, key: str, now: int) -> list[Effect]:
        """A connection (re)joined: it learns the live call of its user; a returning endpoint resumes it."""
        callid = self.by_user.get(uid)
        call = self.calls.get(callid) if callid is not None else None
        if call is None:
            return []
        fx: list[Effect] = []
        if (uid, key) in call.gone:
            call.gone.discard((uid, key))
            if not call.gone:
                fx.append(StopTimer(call.callid, GRACE))
        if call.state == RINGING and uid == call.callee.uid:
            status = CallStatus.INCOMING
        else:
            status = CallStatus.ANSWER if call.state == ANSWERED else CallStatus.RINGING
        fx.append(Emit(uid, self._frame(call, uid, status, now, key), key=key))
        return fx

    # -- inside ---------------------------------------------------------------------------------

    def _live(self, callid: int, uid: int) -> Call:
        call = self.calls.get(callid)
        if call is None or call.side(uid) is None:
            raise CallError("NOTFOUND", "no such call (it may have ended)")
        return call

    @staticmethod
    def _frame(call: Call, uid: int, status: int, now: int, key: str | None = None) -> dict[str, Any]:
        out = uid == call.caller.uid
        frame: dict[str, Any] = {"t": "call", "callid": call.callid, "status": int(status),
                                 "peer": call.other(uid).address, "dir": "out" if out else "in",
                                 "video": call.video, "ts": now}
        if key is not None and (uid, key) not in call.endpoints() and not (not out and call.state == RINGING):
            frame["elsewhere"] = True
        return frame

    @classmethod
    def _status(cls, call: Call, status: int, now: int, to_callee: bool = True) -> list[Effect]:
        """One status to every connection of both users: endpoints plain, the others with `elsewhere`."""
        fx: list[Effect] = []
        parties = [call.caller, call.callee] if to_callee else [call.caller]
        for party in parties:
            mine = call.caller_key if party is call.caller else call.callee_key
            plain = cls._frame(call, party.uid, status, now)
            if mine:
                fx.append(Emit(party.uid, plain, key=mine))
                fx.append(Emit(party.uid, {**plain, "elsewhere": True}, skip=mine))
            else:  # the callee before an answer: every connection rings, none is elsewhere
                fx.append(Emit(party.uid, plain))
        return fx

    @classmethod
    def abandon(cls, call: Call, now: int) -> list[Effect]:
        """The node holding `call` is gone (its state with it): the end as the other nodes tell it.

        An answered call ends COMPLETE (its duration up to now), a ringing one UNREACHABLE. No timers:
        they were the dead node's."""
        status = CallStatus.COMPLETE if call.state == ANSWERED else CallStatus.UNREACHABLE
        call.state = ENDED
        return cls._status(call, status, now) + cls._records(call, status, now)

    def _end(self, call: Call, status: int, now: int) -> list[Effect]:
        fx: list[Effect] = [StopTimer(call.callid, RING), StopTimer(call.callid, GRACE)]
        fx += self._status(call, status, now)
        fx += self._records(call, status, now)
        call.state = ENDED
        fx.append(Share(call))
        self.calls.pop(call.callid, None)
        for uid in (call.caller.uid, call.callee.uid):
            if self.by_user.get(uid) == call.callid:
                del self.by_user[uid]
        return fx

    @staticmethod
    def _records(call: Call, status: int, now: int) -> list[Effect]:
        duration = round((now - call.answered) / 1000) if call.answered else 0
        return [Record(call, int(status), duration)]


# -- a call as it travels between nodes ---------------------------------------------------------

def to_wire(call: Call) -> list[Any]:
    """A JSON list of everything another node needs to route to, show and end the call."""
    c = call
    return [c.callid, c.caller.uid, c.caller.address, c.caller.app_id, c.caller_key, c.callee.uid,
            c.callee.address, c.callee.app_id, c.callee_key, c.video, c.placed, c.state, c.answered]


def from_wire(data: list[Any]) -> Call:
    (callid, a_uid, a_addr, a_app, a_key, b_uid, b_addr, b_app, b_key, video, placed, state, answered) = data
    return Call(int(callid), Party(int(a_uid), str(a_addr), int(a_app)), str(a_key),
                Party(int(b_uid), str(b_addr), int(b_app)), bool(video), int(placed), str(state), str(b_key),
                int(answered))
