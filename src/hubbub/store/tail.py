"""The newest events this process committed to each log, so a device's push reads memory, not the database.

After a commit every online device of a touched user reads the events past its `sent_upto`; when it
was caught up, those are exactly the rows the commit appended (for a group message to 1,000 online
members, 1,000 reads of rows still in memory, all sharing one body). Both stores keep them here.
A shared store cannot keep a whole log in memory (another node appends to it too), but an event never
changes once committed, except its delivery state. So a node keeps, per user, the run of
consecutive seqs it last committed itself; a push that starts inside that run reads it from here,
and anything else (a gap another node wrote, an evicted user) from the database.

The state is the one exception: a cached incoming message says PENDING whatever happened since.
That changes what a device sees only once the message is past its deadline (it may have expired,
or been delivered and then be due a `skip` no longer), so a cached item within `SKEW_MS` of its
deadline is not served from here: the read goes to the database. Sans-I/O, bounded in bytes.
"""

from __future__ import annotations

import sys
from typing import Iterable

ITEM_OVERHEAD = 120
"""Bytes an item costs beyond its body's (the tuple, its ints, the list slot); a body counts what
Python holds for it (sys.getsizeof), so text outside ASCII counts its real size."""
SKEW_MS = 5_000
"""How close to its deadline (ms) a cached message stops being served: a margin for the clock of
the node that expires it."""
PER_USER = 512
"""Events kept per user: a push reads at most 500 at once, and a device further behind reads the
database anyway."""

Row = tuple[int, str, int | None, int | None]
"""(seq, body, state, deadline) as the events table has them."""


class EventTail:
    """uid -> the newest run of consecutive events this process committed to that user's log."""

    __slots__ = ("max_bytes", "per_user", "bytes", "_logs", "hits", "misses")

    def __init__(self, max_bytes: int, per_user: int = PER_USER) -> None:
        self.max_bytes = max_bytes
        self.per_user = per_user
        self.bytes = 0
        self._logs: dict[int, tuple[int, list[Row]]] = {}  # uid -> (bytes, rows); oldest write first
        self.hits = 0
        self.misses = 0

    def committed(self, rows: Iterable[tuple[int, int, str, int | None, int | None]]) -> None:
        """(uid, seq, body, state, deadline) just committed, each user's in seq order."""
        if self.max_bytes <= 0:
            return
        for uid, seq, body, state, deadline in rows:
            self._put(uid, seq, body, state, deadline)
        self._evict()

    def add(self, uid: int, seq: int, body: str, state: int | None, deadline: int | None) -> None:
        """One row appended (in a transaction that `clear()` undoes if it rolls back)."""
        if self.max_bytes > 0:
            self._put(uid, seq, body, state, deadline)
            self._evict()

    def _put(self, uid: int, seq: int, body: str, state: int | None, deadline: int | None) -> None:
        size, log = self._logs.pop(uid, (0, []))
        if log and log[-1][0] != seq - 1:  # another node wrote in between: start a new run
            self.bytes -= size
            size, log = 0, []
        cost = sys.getsizeof(body) + ITEM_OVERHEAD
        log.append((seq, body, state, deadline))
        size += cost
        self.bytes += cost
        if len(log) > self.per_user:
            gone = sys.getsizeof(log[0][1]) + ITEM_OVERHEAD
            self.bytes -= gone
            size -= gone
            del log[0]
        self._logs[uid] = (size, log)  # now the newest write

    def _evict(self) -> None:
        """Past the budget, the users written least recently go first."""
        while self.bytes > self.max_bytes and self._logs:
            oldest = next(iter(self._logs))
            self.bytes -= self._logs.pop(oldest)[0]

    def after(self, uid: int, after: int, limit: int, now: int) -> list[Row] | None:
        """Up to `limit` rows from seq after+1 on, or None when this process cannot answer for them."""
        entry = self._logs.get(uid)
        if entry is None or not entry[1] or not entry[1][0][0] <= after + 1 <= entry[1][-1][0]:
            self.misses += 1
            return None
        log = entry[1]
        start = after + 1 - log[0][0]
        out: list[Row] = []
        for row in log[start:start + limit]:
            if row[3] is not None and row[3] - SKEW_MS < now:
                break  # near or past its deadline: its state decides what the device gets
            out.append(row)
        if not out:
            self.misses += 1
            return None
        self.hits += 1
        return out

    def forget(self, uid: int) -> None:
        """Drop a user's run (its log was deleted)."""
        size, _ = self._logs.pop(uid, (0, []))
        self.bytes -= size

    def clear(self) -> None:
        """Drop everything (a transaction that appended some of it rolled back)."""
        self._logs.clear()
        self.bytes = 0
