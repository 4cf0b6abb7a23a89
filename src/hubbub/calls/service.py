"""The call machine wired to the hub: look-ups before a call, timers, frames over the bus, records.

Signalling is ephemeral: every frame goes through the bus's signal path to the connections of a
user (all of them, or the one connection that is a call's endpoint) and is never stored. Only a
call's outcome is stored, as a call-record message in both users' logs.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import TYPE_CHECKING, Any

from ..protocol import frames as f
from ..protocol.errors import ProtocolError
from ..store.base import CallRecord, TokenInfo
from . import ice
from .machine import CallError, Calls, Effect, Emit, Party, Record, StartTimer, StopTimer, Target

if TYPE_CHECKING:
    from ..core.hub import Hub

log = logging.getLogger("hubbub.calls")

ONLY, EXCEPT = "@", "!"
"""A signal frame for one connection of a user travels as "@<key>\\n<frame>", one for all connections
but one as "!<key>\\n<frame>"; plain frames (starting with "{") go to every connection. Any bus that
carries strings carries these."""


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
        self.machine = Calls(hub.settings.call_ring_timeout, hub.settings.call_grace)
        self._timers: dict[tuple[int, str], asyncio.TimerHandle] = {}

    def ice_servers(self, ident: TokenInfo) -> list[dict[str, Any]]:
        return ice.ice_servers(self.hub.settings, ident.address, self.hub.now() // 1000)

    # -- requests (from Session handlers) -------------------------------------------------------

    async def place(self, ident: TokenInfo, key: str, fr: f.CallPlace) -> dict[str, Any]:
        found = await self.hub.store.recipient(ident.app_id, fr.to, ident.uid)
        if found is None:
            target = Target(None)
        else:
            uid, blocked = found
            keys = tuple(self.hub.sessions.get(uid, {}))
            target = Target(Party(uid, fr.to, ident.app_id), blocked, keys)
        callid = self._new_id()
        status, fx = self.machine.place(callid, Party(ident.uid, ident.address, ident.app_id), key, target,
                                        fr.video, self.hub.now())
        self._run(fx)
        return {"callid": callid, "status": int(status)}

    async def answer(self, ident: TokenInfo, key: str, fr: f.CallAnswer) -> dict[str, Any]:
        self._run(self._checked(self.machine.answer, fr.callid, ident.uid, key, self.hub.now()))
        return {"callid": fr.callid}

    async def hangup(self, ident: TokenInfo, key: str, fr: f.CallHangup) -> dict[str, Any]:
        self._run(self._checked(self.machine.hangup, fr.callid, ident.uid, key, self.hub.now()))
        return {"callid": fr.callid}

    async def signal(self, ident: TokenInfo, key: str, fr: f.CallSignal) -> dict[str, Any]:
        self._run(self._checked(self.machine.relay, fr.callid, ident.uid, key, fr.kind, fr.data))
        return {"callid": fr.callid}

    # -- connections coming and going (from the hub) ----------------------------------------------

    def attached(self, ident: TokenInfo, key: str) -> None:
        self._run(self.machine.back(ident.uid, key, self.hub.now()))

    def detached(self, ident: TokenInfo, key: str) -> None:
        self._run(self.machine.gone(ident.uid, key, self.hub.now()))

    def stop(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()

    # -- inside ---------------------------------------------------------------------------------

    def _new_id(self) -> int:
        """Random, so ids are not reused across restarts (calls live in memory) nor guessable."""
        while True:
            callid = secrets.randbelow(2**53 - 1) + 1
            if callid not in self.machine.calls:
                return callid

    @staticmethod
    def _checked(fn: Any, *args: Any) -> list[Effect]:
        try:
            return fn(*args)  # type: ignore[no-any-return]
        except CallError as exc:
            raise ProtocolError(exc.code, exc.reason) from None

    def _run(self, effects: list[Effect]) -> None:
        for fx in effects:
            if isinstance(fx, Emit):
                self._emit(fx)
            elif isinstance(fx, StartTimer):
                self._stop_timer(fx.callid, fx.name)
                self._timers[(fx.callid, fx.name)] = asyncio.get_running_loop().call_later(
                    fx.seconds, self._fire, fx.callid, fx.name)
            elif isinstance(fx, StopTimer):
                self._stop_timer(fx.callid, fx.name)
            elif isinstance(fx, Record):
                self.hub.spawn(self._record(fx))

    def _emit(self, fx: Emit) -> None:
        text = f.encode(fx.frame).decode()
        if fx.key is not None:
            text = address(fx.key, text)
        elif fx.skip is not None:
            text = address(fx.skip, text, exclude=True)
        self.hub.bus.signal(fx.uid, text)

    def _stop_timer(self, callid: int, name: str) -> None:
        handle = self._timers.pop((callid, name), None)
        if handle is not None:
            handle.cancel()

    def _fire(self, callid: int, name: str) -> None:
        self._timers.pop((callid, name), None)
        self._run(self.machine.timeout(callid, name, self.hub.now()))

    async def _record(self, fx: Record) -> None:
        c = fx.call
        rec = CallRecord(c.caller.app_id, c.callid, c.caller.uid, c.caller.address, c.callee.uid, c.callee.address,
                         c.video, fx.status, bool(c.answered), fx.duration, self.hub.now())
        try:
            self.hub.notify(await self.hub.store.call_record(rec))
        except Exception:
            log.exception("storing the record of call %s failed", c.callid)
