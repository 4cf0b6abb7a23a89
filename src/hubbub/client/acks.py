"""When a client acknowledges events, without I/O: one rule for `hubbub.client` and the benchmarks.

An ack is cumulative (it says "everything up to seq"), so one per event would be waste: a client
acknowledges once `ACK_EVERY` events wait unacknowledged, else `ACK_DELAY` seconds after the first
of them. The browser SDK keeps the same numbers (sdk/crosstab/session.js). The owner keeps the timer
and sends the frame; this only counts.
"""

from __future__ import annotations

ACK_EVERY = 100
"""Events applied but not acknowledged that make an ack go at once."""
ACK_DELAY = 0.05
"""Seconds an ack waits otherwise, counted from the first event it will cover."""


class AckPolicy:
    """The newest seq acknowledged, and when the next ack is due."""

    __slots__ = ("acked", "every", "delay")

    def __init__(self, acked: int = 0, every: int = ACK_EVERY, delay: float = ACK_DELAY) -> None:
        self.acked = acked
        self.every = every
        self.delay = delay

    def due_now(self, applied: int) -> bool:
        """With events up to `applied` applied: whether the ack goes now (else within `delay`)."""
        return applied - self.acked >= self.every

    def waiting(self, applied: int) -> bool:
        """Whether events up to `applied` hold some not acknowledged yet."""
        return applied > self.acked

    def take(self, applied: int) -> int | None:
        """The seq to acknowledge now, counted as acknowledged, or None when nothing waits."""
        if not self.waiting(applied):
            return None
        self.acked = applied
        return applied

    def known(self, seq: int) -> None:
        """The server already has everything up to seq (a resume from `after`): nothing to ack there."""
        self.acked = max(self.acked, seq)
