"""Admission of connections: how many a node holds, how many may be authenticating at once, and a
short queue for those that arrive while every place to authenticate is taken.

Why a queue and not only a refusal: after a network blip every client reconnects at once. Refusing
all past `max_pending_auth` (close 1013) sends each of them back through its backoff and through
TCP's accept queue, which overflows, and the kernel's SYN retransmissions double their timeouts; a
storm of 10,000 clients took a minute while the server was mostly idle. A connection past the
limit now waits before its handshake, at most `pending_auth_wait` seconds, for a place that a
connection authenticating (or giving up) hands to it, first come first served. Only then is it
refused. The waiters hold a socket each, so they count toward `max_connections`.
"""

from __future__ import annotations

import asyncio
import collections

from ..config import Settings


class Admission:
    """Counts of a node's connections, with the waiters for a place to authenticate."""

    __slots__ = ("settings", "connections", "pending", "waiting", "_places")

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connections = 0  # sessions of this node, authenticated or not, and the waiters
        self.pending = 0      # places taken by connections still to authenticate
        self.waiting = 0      # connections in `wait`
        self._places: collections.deque[asyncio.Future[None]] = collections.deque()  # theirs, oldest first

    def admit(self, reserved: bool = False) -> str | None:
        """Count a new connection in, or say why the node has no room for it (`max_connections`,
        `max_pending_auth`): a flood of sockets costs a refusal each, not the server's memory.
        `reserved`: `wait` already counted it and handed it a place."""
        if reserved:
            return None
        s = self.settings
        if self.connections >= s.max_connections:
            return f"server full: {self.connections} connections (max_connections); try again later"
        if self.pending >= s.max_pending_auth:
            return f"{self.pending} connections waiting to authenticate (max_pending_auth); try again later"
        self.connections += 1
        self.pending += 1
        return None

    async def wait(self) -> bool:
        """Before the handshake: while every place to authenticate is taken, wait up to
        `pending_auth_wait` seconds for one. True: a place was handed over (the connection is
        counted, pass `reserved=True` to `admit`, or `release(True)` if it never gets there);
        False: no wait was needed, or it timed out (`admit` decides, and may refuse)."""
        s = self.settings
        if (s.pending_auth_wait <= 0 or self.connections >= s.max_connections
                or (self.pending < s.max_pending_auth and not self.waiting)):
            return False
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._places.append(place)
        self.connections += 1
        self.waiting += 1
        try:
            await asyncio.wait_for(place, s.pending_auth_wait)
            return True
        except asyncio.TimeoutError:
            self.connections -= 1
            return False
        except BaseException:
            self.connections -= 1
            if place.done() and not place.cancelled():
                self._free()  # handed over as the waiter went: the place goes on
            raise
        finally:
            self.waiting -= 1
            if not place.done():
                place.cancel()

    def authenticated(self) -> None:
        """An admitted connection finished authenticating: its place goes to a waiter, if any."""
        self._free()

    def release(self, pending: bool) -> None:
        """An admitted connection is gone (`pending`: before it authenticated)."""
        self.connections -= 1
        if pending:
            self._free()

    def _free(self) -> None:
        while self._places:
            place = self._places.popleft()
            if not place.done():
                place.set_result(None)  # the place changes hands: `pending` stays as it is
                return
        self.pending -= 1
