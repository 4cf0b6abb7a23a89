"""Draining a node on SIGTERM: its clients move to other nodes without a stampede, nothing is lost.

A draining node has already stopped accepting (its listening sockets are closed, /readyz answers
503 "draining"). It then closes its connections with 4004 (reconnect now, to any node), spread
evenly at `drain_close_rate` a second but always within the first half of `drain_timeout`, so
the other nodes take the reconnects as a stream rather than all at once. Each close lets the
connection's sends in flight be answered (a send answered SENT is committed; one not answered is
resent by the client with its cid, and the store deduplicates it) and its last events be
acknowledged, within `close_grace`. What remains of the window is for the store to commit its last
batch and close.

`close_offsets` and `DrainBudget` are plain arithmetic (tested without I/O); `drain_sessions`
runs the plan over a hub.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Callable

from ..protocol.constants import Close

log = logging.getLogger("hubbub.drain")

REASON = "node draining: reconnect now"
STOP_RESERVE = 0.25
"""Part of drain_timeout kept, after the closes, for the last commit and the store to close."""


@dataclass(frozen=True)
class DrainBudget:
    """How a drain window of `timeout` seconds is spent."""

    timeout: float
    close_grace: float

    @property
    def spread(self) -> float:
        """Longest time over which the closes are spread: half the window, less what the last
        close's grace needs, so the closes are over by three quarters of it at the latest."""
        return max(0.0, min(self.timeout / 2, self.timeout * (1 - STOP_RESERVE) - self.close_grace))

    @property
    def closes_done(self) -> float:
        """Seconds after the start by which every close must be over (stragglers are cut)."""
        return self.timeout * (1 - STOP_RESERVE)


def close_offsets(count: int, rate: float, spread: float) -> list[float]:
    """Seconds after the drain starts at which to close each of `count` connections: one every
    1/rate seconds, squeezed into `spread` seconds when that would take longer. The first closes at 0."""
    if count <= 0:
        return []
    span = min((count - 1) / rate, spread)
    step = span / (count - 1) if count > 1 else 0.0
    return [i * step for i in range(count)]


async def drain_sessions(hub: Any, budget: DrainBudget, rate: float,
                         clock: Callable[[], float] | None = None) -> int:
    """Close every connection of `hub` with RECONNECT on the plan above; return how many were closed.

    Connections that authenticate after the plan was made (accepted just before the listener
    closed) are refused by the hub itself (`hub.draining`); any still open at the end are closed
    together."""
    loop = asyncio.get_running_loop()
    clock = clock or loop.time
    start = clock()
    sessions = [s for conns in list(hub.sessions.values()) for s in list(conns.values())]
    offsets = close_offsets(len(sessions), rate, budget.spread)
    closing: list[asyncio.Task[None]] = []
    for session, at in zip(sessions, offsets):
        wait = start + at - clock()
        if wait > 0:
            await asyncio.sleep(wait)
        closing.append(asyncio.ensure_future(session.close(Close.RECONNECT, REASON)))
    rest = [s for conns in list(hub.sessions.values()) for s in list(conns.values()) if s not in sessions]
    closing += [asyncio.ensure_future(s.close(Close.RECONNECT, REASON)) for s in rest]
    if closing:
        left = max(0.0, start + budget.closes_done - clock())
        done, pending = await asyncio.wait(closing, timeout=left)
        for task in pending:  # a close that outlived its grace: the socket goes with the runner
            task.cancel()
        for s in [*sessions, *rest]:
            await s.closed()  # no-op for those closed; the hub forgets the others
        if pending:
            log.warning("drain: %d connections did not close in time", len(pending))
    log.info("drain: %d connections told to reconnect in %.2f s", len(closing), clock() - start)
    return len(closing)
