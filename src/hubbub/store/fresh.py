"""The rows just appended to each log, kept so that a caught-up device's pusher reads them without a query.

After a commit every online device of a touched user reads the events past its `sent_upto`; when it
was caught up, those are exactly the rows the commit appended. For a group message to 1,000 online
members that is 1,000 look-ups of rows still in memory, all sharing one body.

A hit is always right: a log's rows never change their seq or body, and the one column that may
change after the append (a message's delivery state) changes how an event is shown only once its
deadline has passed, so a row past its deadline is never served from here. Bounded in bytes: past
`max_bytes` the whole cache is dropped (reads then go to the database until it fills again).
"""

from __future__ import annotations

Row = tuple[int, str, "int | None", "int | None"]
"""(seq, body, state, deadline), as `frame_items` reads them."""

ROW_BYTES = 120
"""A row's memory besides its body's (tuple, ints, list slot, and the body counted once per row)."""


class FreshRows:
    """Per user, the newest run of consecutive rows appended (at most `per_user`)."""

    __slots__ = ("rows", "bytes", "max_bytes", "per_user", "hits", "misses")

    def __init__(self, max_bytes: int, per_user: int = 16) -> None:
        self.rows: dict[int, list[Row]] = {}
        self.bytes = 0
        self.max_bytes = max_bytes
        self.per_user = per_user
        self.hits = self.misses = 0

    def add(self, uid: int, seq: int, body: str, state: int | None, deadline: int | None) -> None:
        if self.max_bytes <= 0:
            return
        row = (seq, body, state, deadline)
        size = len(body) + ROW_BYTES
        rows = self.rows.get(uid)
        if rows is not None and rows[-1][0] == seq - 1:
            if len(rows) >= self.per_user:
                self.bytes -= len(rows[0][1]) + ROW_BYTES
                del rows[0]
            rows.append(row)
        else:
            if rows is not None:
                self.bytes -= sum(len(r[1]) + ROW_BYTES for r in rows)
            self.rows[uid] = [row]
        self.bytes += size
        if self.bytes > self.max_bytes:
            self.clear()

    def after(self, uid: int, after: int, limit: int, now: int) -> list[Row] | None:
        """Up to `limit` rows from seq `after` + 1 on, if they are here and none is past its
        deadline; else None (read the database)."""
        rows = self.rows.get(uid)
        if rows is None or not rows[0][0] <= after + 1 <= rows[-1][0]:
            self.misses += 1
            return None
        start = after + 1 - rows[0][0]
        out = rows[start:start + limit]
        for r in out:
            if r[3] is not None and r[3] < now:
                self.misses += 1
                return None
        self.hits += 1
        return out

    def clear(self) -> None:
        self.rows.clear()
        self.bytes = 0
