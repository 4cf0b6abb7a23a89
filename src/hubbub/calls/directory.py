"""The calls other nodes hold, as they last described them: a copy each node keeps, fed by the bus.

A call lives on the node where it was placed (its owner, see docs/calls.md). The owner tells every
node when the call is placed, answered and ended (`call.up`, `call.end`), and tells a node that says
`hello` about all of its calls. From this copy a node knows, without a round trip, where to send a
request about a call it does not hold, whether a user is in a call elsewhere (busy), and which calls
to end for its own connections when their owner falls silent. No I/O here: the clock is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .machine import Call


@dataclass(slots=True)
class Remote:
    owner: str    # the node holding the call
    call: Call    # as the owner last described it
    since: float  # when that description arrived


@dataclass
class Directory:
    timeout: float
    """Seconds an owner may stay silent (no heartbeat) before its calls count as ended."""
    calls: dict[int, Remote] = field(default_factory=dict)
    by_user: dict[int, int] = field(default_factory=dict)  # uid -> callid of its call held elsewhere

    def put(self, owner: str, call: Call, now: float) -> None:
        self.drop(call.callid)
        self.calls[call.callid] = Remote(owner, call, now)
        self.by_user[call.caller.uid] = self.by_user[call.callee.uid] = call.callid

    def drop(self, callid: int) -> Remote | None:
        remote = self.calls.pop(callid, None)
        if remote is not None:
            for uid in (remote.call.caller.uid, remote.call.callee.uid):
                if self.by_user.get(uid) == callid:
                    del self.by_user[uid]
        return remote

    def silenced(self, node: str) -> None:
        """`node` said goodbye: its calls are orphans at the next check, not `timeout` later."""
        for r in self.calls.values():
            if r.owner == node:
                r.since = float("-inf")

    def owner(self, callid: int) -> str | None:
        remote = self.calls.get(callid)
        return remote.owner if remote else None

    def of_user(self, uid: int) -> Remote | None:
        callid = self.by_user.get(uid)
        return self.calls.get(callid) if callid is not None else None

    def busy(self, uid: int) -> bool:
        return uid in self.by_user

    def orphans(self, alive: set[str], now: float) -> list[Remote]:
        """Drop and return the calls whose owner is not among the `alive` nodes and whose last word
        is older than `timeout` (so a call announced by a node not heard of yet is not dropped)."""
        dead = [r for r in self.calls.values() if r.owner not in alive and now - r.since > self.timeout]
        for r in dead:
            self.drop(r.call.callid)
        return dead
