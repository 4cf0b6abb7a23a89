"""The call machine wired to the hub: look-ups before a call, timers, frames over the bus, records.

Signalling is ephemeral: every frame goes through the bus's signal path to the connections of a
user (all of them, or the one connection that is a call's endpoint) and is never stored. Only a
call's outcome is stored, as a call-record message in both users' logs.

Across nodes (docs/calls.md): a call lives on the node where it was placed, its owner. The owner
describes the call to every node (`call.up`, `call.end`, kept in a `Directory`); a request about a
call held elsewhere (answer, hang up, relay) goes to its owner as `call.op` and comes back as
`call.res`; a connection of a user in a call held elsewhere that comes or goes is told to the owner
(`call.conn`). The owner ends a call whose remote endpoint's node fell silent (after `call_grace`),
and the other nodes end, for their own connections, the calls of an owner that fell silent.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any

from ..protocol import frames as f
from ..protocol.errors import ProtocolError
from ..store.base import EVENT_BYTES, CallRecord, TokenInfo
from . import ice
from .directory import Directory
from .machine import (ENDED, CallError, Calls, Effect, Emit, Party, Record, Share, StartTimer, StopTimer, Target,
                      from_wire, to_wire)

if TYPE_CHECKING:
    from ..core.hub import Hub

log = logging.getLogger("hubbub.calls")

ONLY, EXCEPT = "@", "!"
"""A signal frame for one connection of a user travels as "@<key>\\n<frame>", one for all connections
but one as "!<key>\\n<frame>"; plain frames (starting with "{") go to every connection. Any bus that
carries strings carries these."""


RECORD_BYTES = 2 * EVENT_BYTES
"""What one call may write to the logs (its record in both), for the caller's write quota."""


def address(key: str, frame: str, exclude: bool = False) -> str:
    return f"{EXCEPT if exclude else ONLY}{key}\n{frame}"


def unaddress(text: str) -> tuple[str, str | None, str]:
    """(ONLY / EXCEPT / "", the connection key, the frame) of a signal frame."""
    if text[:1] in (ONLY, EXCEPT):
        key, _, frame = text[1:].partition("\n")
        return text[0], key, frame
    return "", None, text


class CallService:
    """Calls of this node's users: requests from sessions in, effects carried out."""

    def __init__(self, hub: "Hub") -> None:
        ice.check(hub.settings)
        self.hub = hub
        s = hub.settings
        self.machine = Calls(s.call_ring_timeout, s.call_grace)
        self.directory = Directory(s.bus_node_timeout)
        self.reply_timeout = max(5.0, 2 * s.bus_node_timeout)
        """How long a request waits for the owner of a call held elsewhere."""
        self._timers: dict[tuple[int, str], asyncio.TimerHandle] = {}
        self._replies: dict[str, asyncio.Future[tuple[str, str]]] = {}
        self._watcher: asyncio.Task[None] | None = None
        self._trust_roster_at = 0.0  # monotonic; before it the roster may be incomplete (after a resync)
        self._stopped = False

    def ice_servers(self, ident: TokenInfo) -> list[dict[str, Any]]:
        return ice.ice_servers(self.hub.settings, ident.address, self.hub.now() // 1000)

    # -- requests (from Session handlers) -------------------------------------------------------

    async def place(self, ident: TokenInfo, key: str, fr: f.CallPlace) -> dict[str, Any]:
        # a call may write its record into both logs (at once when the callee is offline or busy):
        # charged to the caller's user_write_bytes like a send, or calls would write past it
        await self.hub._spend(ident.uid, RECORD_BYTES)
        found = await self.hub.store.recipient(ident.app_id, fr.to, ident.uid)
        d = self.directory
        if found is None:
            target = Target(None)
        else:
            uid, blocked = found
            keys = tuple(self.hub.sessions.get(uid, {})) + tuple(self.hub.cluster.roster.remote.get(uid, {}))
            target = Target(Party(uid, fr.to, ident.app_id), blocked, keys, d.busy(ident.uid), d.busy(uid))
        callid = self._new_id()
        status, fx = self.machine.place(callid, Party(ident.uid, ident.address, ident.app_id), key, target,
                                        fr.video, self.hub.now())
        self._run(fx)
        return {"callid": callid, "status": int(status)}

    async def answer(self, ident: TokenInfo, key: str, fr: f.CallAnswer) -> dict[str, Any]:
        await self._request("answer", fr.callid, ident.uid, key)
        return {"callid": fr.callid}

    async def hangup(self, ident: TokenInfo, key: str, fr: f.CallHangup) -> dict[str, Any]:
        await self._request("hangup", fr.callid, ident.uid, key)
        return {"callid": fr.callid}

    async def signal(self, ident: TokenInfo, key: str, fr: f.CallSignal) -> dict[str, Any]:
        await self._request("signal", fr.callid, ident.uid, key, fr.kind, fr.data)
        return {"callid": fr.callid}

    async def _request(self, op: str, callid: int, uid: int, key: str, kind: str = "", data: Any = None) -> None:
        """Carry out `op` here if this node holds the call (or nobody does), else on its owner."""
        owner = self.directory.owner(callid)
        if callid in self.machine.calls or owner is None:
            try:
                self._run(self._apply(op, callid, uid, key, kind, data))
            except CallError as exc:
                raise ProtocolError(exc.code, exc.reason) from None
            return
        reqid = secrets.token_hex(8)
        reply: asyncio.Future[tuple[str, str]] = asyncio.get_running_loop().create_future()
        self._replies[reqid] = reply
        self.hub.bus.control(["call.op", owner, self.hub.bus.node, reqid, op, callid, uid, key, kind, data])
        try:
            code, reason = await asyncio.wait_for(reply, self.reply_timeout)
        except asyncio.TimeoutError:
            raise ProtocolError("NOTFOUND", "the node holding this call did not answer (it may have stopped)") from None
        finally:
            self._replies.pop(reqid, None)
        if code:
            raise ProtocolError(code, reason)

    def _apply(self, op: str, callid: int, uid: int, key: str, kind: str, data: Any) -> list[Effect]:
        now = self.hub.now()
        if op == "answer":
            return self.machine.answer(callid, uid, key, now)
        if op == "hangup":
            return self.machine.hangup(callid, uid, key, now)
        if op == "signal":
            return self.machine.relay(callid, uid, key, kind, data)
        raise CallError("BADREQUEST", f"unknown call operation {op!r}")

    # -- connections coming and going (from the hub) ----------------------------------------------

    def attached(self, ident: TokenInfo, key: str) -> None:
        self._run(self.machine.back(ident.uid, key, self.hub.now()))
        self._tell_owner(ident.uid, key, "back")

    def detached(self, ident: TokenInfo, key: str) -> None:
        self._run(self.machine.gone(ident.uid, key, self.hub.now()))
        self._tell_owner(ident.uid, key, "gone")

    def _tell_owner(self, uid: int, key: str, what: str) -> None:
        remote = self.directory.of_user(uid)
        if remote is not None:
            self.hub.bus.control(["call.conn", remote.owner, what, uid, key])

    # -- other nodes (from the bus) ---------------------------------------------------------------

    def on_control(self, node: str, msg: list[Any]) -> None:
        """The call messages among the control messages of other nodes (see module docstring)."""
        try:
            self._control(node, msg)
        except (IndexError, TypeError, ValueError, KeyError):
            log.warning("call message not understood from %s: %.80r", node, msg)

    def _control(self, node: str, msg: list[Any]) -> None:
        kind, me = msg[0], self.hub.bus.node
        if kind == "call.up":
            self.directory.put(node, from_wire(msg[1]), time.monotonic())
        elif kind == "call.end":
            self.directory.drop(int(msg[1]))
        elif kind == "hello":  # a node that starts (or got the bus back) learns this node's calls
            self._describe_all()
        elif kind == "bye":
            self.directory.silenced(node)
        elif kind == "call.adopt":  # a stopping node hands a call to msg[1]
            call = from_wire(msg[2])
            if msg[1] == me:
                self.directory.drop(call.callid)
                call.gone = {(int(u), str(k)) for u, k in msg[3]}
                self._run(self.machine.adopt(call, self.hub.now()))
            else:
                self.directory.put(str(msg[1]), call, time.monotonic())
        elif kind == "call.op" and msg[1] == me:
            _, _, requester, reqid, op, callid, uid, key, what, data = msg
            code = reason = ""
            try:
                fx = self._apply(str(op), int(callid), int(uid), str(key), str(what), data)
            except CallError as exc:
                fx, code, reason = [], exc.code, exc.reason
            self._run(fx)
            self.hub.bus.control(["call.res", requester, reqid, code, reason])
        elif kind == "call.res" and msg[1] == me:
            reply = self._replies.get(str(msg[2]))
            if reply is not None and not reply.done():
                reply.set_result((str(msg[3]), str(msg[4])))
        elif kind == "call.conn" and msg[1] == me:
            uid, key, now = int(msg[3]), str(msg[4]), self.hub.now()
            self._run(self.machine.back(uid, key, now) if msg[2] == "back" else self.machine.gone(uid, key, now))

    def resynced(self) -> None:
        """The bus is back after a loss: the roster is rebuilt, so wait before trusting its silences."""
        self._trust_roster_at = time.monotonic() + self.directory.timeout
        self._describe_all()

    def _describe_all(self) -> None:
        for call in self.machine.calls.values():
            self.hub.bus.control(["call.up", to_wire(call)])

    def check(self, now: float) -> None:
        """Every heartbeat: end, for this node's connections, the calls of owners fallen silent; count
        as gone the endpoints of this node's calls whose node fell silent (they end after grace)."""
        if now < self._trust_roster_at:
            return
        roster = self.hub.cluster.roster
        for remote in self.directory.orphans(set(roster.seen), now):
            log.warning("call %s ends: its node %s fell silent", remote.call.callid, remote.owner)
            self._run(Calls.abandon(remote.call, self.hub.now()), local=True)
        for call in list(self.machine.calls.values()):
            for uid, key in call.endpoints():
                if (uid, key) in call.gone or key in self.hub.sessions.get(uid, {}) or roster.holder(uid, key):
                    continue
                self._run(self.machine.gone(uid, key, self.hub.now()))

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.hub.settings.bus_heartbeat)
            try:
                self.check(time.monotonic())
            except Exception:
                log.exception("checking calls across nodes failed")

    def start(self) -> None:
        self._watcher = asyncio.ensure_future(self._watch())

    def stop(self, hand_over: bool = True) -> None:
        """Stop; with `hand_over`, pass every live call to another node first (see `_hand_over`)."""
        if hand_over and not self._stopped:
            self._hand_over()
        self._stopped = True
        if self._watcher is not None:
            self._watcher.cancel()
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for reply in self._replies.values():
            if not reply.done():
                reply.set_result(("NOTFOUND", "the server is stopping"))

    def _hand_over(self) -> None:
        """This node stops: each live call goes on at another node (`call.adopt`, heard by every node so
        their copies name the new owner before this node's `bye`), preferably one holding an endpoint
        of the call. With no other node the calls end here, recorded like any other end (answered:
        COMPLETE, ringing: UNREACHABLE)."""
        roster = self.hub.cluster.roster
        others = sorted(roster.seen)
        for callid in list(self.machine.calls):
            call = self.machine.release(callid)
            assert call is not None
            holders = [h for h in (roster.holder(uid, key) for uid, key in call.endpoints()) if h]
            # a node that drains too (the workers of one server stop together) only as a last resort:
            # it hands the call on when it stops, if it still can
            heir = next((h for h in [*holders, *others] if h not in roster.draining),
                        next(iter([*holders, *others]), None))
            if heir is None:
                self._run(Calls.abandon(call, self.hub.now()), local=True)
                continue
            self.hub.bus.control(["call.adopt", heir, to_wire(call), [list(c) for c in call.gone]])
            self.directory.put(heir, call, time.monotonic())  # this node's connections leaving are told to it

    # -- inside ---------------------------------------------------------------------------------

    def _new_id(self) -> int:
        """Random, so ids are not reused across restarts (calls live in memory) nor guessable."""
        while True:
            callid = secrets.randbelow(2**53 - 1) + 1
            if callid not in self.machine.calls and callid not in self.directory.calls:
                return callid

    def _run(self, effects: list[Effect], local: bool = False) -> None:
        """Carry out effects; `local`: frames to this node's connections only (a dead owner's calls,
        which every node ends for its own connections)."""
        if self._stopped:
            return
        for fx in effects:
            if isinstance(fx, Emit):
                self._emit(fx, local)
            elif isinstance(fx, StartTimer):
                self._stop_timer(fx.callid, fx.name)
                self._timers[(fx.callid, fx.name)] = asyncio.get_running_loop().call_later(
                    fx.seconds, self._fire, fx.callid, fx.name)
            elif isinstance(fx, StopTimer):
                self._stop_timer(fx.callid, fx.name)
            elif isinstance(fx, Share):
                c = fx.call
                self.hub.bus.control(["call.end", c.callid] if c.state == ENDED else ["call.up", to_wire(c)])
            elif isinstance(fx, Record):
                self.hub.spawn(self._record(fx))

    def _emit(self, fx: Emit, local: bool = False) -> None:
        text = f.encode(fx.frame).decode()
        if fx.key is not None:
            text = address(fx.key, text)
        elif fx.skip is not None:
            text = address(fx.skip, text, exclude=True)
        if local:
            self.hub.deliver_signal(fx.uid, text)
        else:
            self.hub.bus.signal(fx.uid, text)

    def _stop_timer(self, callid: int, name: str) -> None:
        handle = self._timers.pop((callid, name), None)
        if handle is not None:
            handle.cancel()

    def _fire(self, callid: int, name: str) -> None:
        self._timers.pop((callid, name), None)
        self._run(self.machine.timeout(callid, name, self.hub.now()))

    async def _record(self, fx: Record) -> None:
        """Stored once per call (the store ignores a second record of a call id): so every node that
        ends a dead owner's call may write it."""
        c = fx.call
        rec = CallRecord(c.caller.app_id, c.callid, c.caller.uid, c.caller.address, c.callee.uid, c.callee.address,
                         c.video, fx.status, bool(c.answered), fx.duration, self.hub.now())
        try:
            self.hub.notify(await self.hub.store.call_record(rec))
        except Exception:
            log.exception("storing the record of call %s failed", c.callid)
