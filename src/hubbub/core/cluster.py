"""This node's part in knowing who is connected elsewhere: it speaks the roster protocol on the bus.

It announces this node's connections (`join`, `leave`), a heartbeat (`alive`), a goodbye when the
node stops (`bye`), asks for everyone's connections when it starts or got the bus back (`hello`,
answered with `joins`), and passes on `kick`s (a newer connection of a device, landed on another
node, replaces the one held here), `revoke`s (tokens revoked through another node) and `draining`
(SIGTERM: not an heir for the others' calls). The state itself is a `Roster` (no I/O).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Iterable

from ..bus.base import Bus
from .roster import Roster

log = logging.getLogger("hubbub.cluster")


class Cluster:
    def __init__(self, bus: Bus, heartbeat: float, timeout: float,
                 local: Callable[[], Iterable[tuple[int, str, str]]], kicked: Callable[[int, str], None],
                 revoked: Callable[[int, list[str]], None]) -> None:
        self.bus = bus
        self.roster = Roster(timeout)
        self._heartbeat = heartbeat
        self._local = local      # (uid, key, device) of every connection on this node
        self._kicked = kicked    # close this node's connection (uid, key): replaced elsewhere
        self._revoked = revoked  # sign out this node's connections of (uid, devices): tokens revoked
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._beat())
        self.bus.control(["hello"])

    def stop(self) -> None:
        if self._task:
            self._task.cancel()
        self.bus.control(["bye"])

    # -- this node's connections ----------------------------------------------------------------

    def drain(self) -> None:
        """This node drains: the others stop choosing it to take over their calls."""
        self.bus.control(["draining"])

    def joined(self, uid: int, key: str, device: str) -> None:
        self.bus.control(["join", uid, key, device])

    def left(self, uid: int, key: str) -> None:
        self.bus.control(["leave", uid, key])

    def replace(self, uid: int, key: str, node: str) -> None:
        """Connection `key` of uid moved here from `node`: that node signs its connection out."""
        self.roster.leave(node, uid, key)
        self.bus.control(["kick", uid, key, node])

    def revoke(self, uid: int, devices: list[str]) -> None:
        """Tokens of these devices were revoked: every other node signs out its connections of them."""
        self.bus.control(["revoke", uid, devices])

    # -- from the bus ---------------------------------------------------------------------------

    def on_control(self, node: str, msg: list[Any]) -> None:
        try:
            self._handle(node, msg)
        except (IndexError, TypeError, ValueError):
            log.warning("control message not understood from %s: %.80r", node, msg)

    def _handle(self, node: str, msg: list[Any]) -> None:
        now = time.monotonic()
        kind = msg[0]
        r = self.roster
        if node not in r.seen and kind in ("alive", "join", "leave", "kick"):
            # A node we had forgotten (it stalled longer than the timeout: a pause, a starved
            # process) or never heard (we lost the bus) speaks again: its connections, forgotten
            # with it, are still open. Ask that node alone for them.
            self.bus.control(["hello", node])
        if kind == "join":
            r.join(node, int(msg[1]), str(msg[2]), str(msg[3]), now)
        elif kind == "leave":
            r.leave(node, int(msg[1]), str(msg[2]))
        elif kind == "joins":
            r.heard(node, now)
            for uid, key, device in msg[1]:
                r.join(node, int(uid), str(key), str(device), now)
        elif kind == "hello":
            r.heard(node, now)
            if len(msg) < 2 or msg[1] == self.bus.node:  # everyone, or this node alone
                self.bus.control(["joins", [list(c) for c in self._local()]])
        elif kind == "alive":
            r.heard(node, now)
        elif kind == "draining":
            r.heard(node, now)
            r.draining.add(node)
        elif kind == "missed":
            # that node dropped messages (it lost Redis): its joins and leaves too, maybe
            r.forget(node)
            r.heard(node, now)
            self.bus.control(["hello", node])
        elif kind == "bye":
            r.seen[node] = float("-inf")
            r.prune(now)
        elif kind == "revoke":
            self._revoked(int(msg[1]), [str(d) for d in msg[2]])
        elif kind == "kick":
            r.heard(node, now)
            if msg[3] == self.bus.node:
                self._kicked(int(msg[1]), str(msg[2]))

    def on_resync(self) -> None:
        """The bus is back after a loss: forget what may be stale and ask everyone again."""
        self.roster.forget_all()
        self.bus.control(["hello"])
        self.bus.control(["joins", [list(c) for c in self._local()]])

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat)
            self.bus.control(["alive"])
            self.roster.prune(time.monotonic())
