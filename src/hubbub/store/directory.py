"""Who a send's address names, and whom that user blocked: the look-up every send makes, from memory.

A send resolves its recipient's address to an active user and checks that user's blocks. On
SQLite each such read on the loop began a read transaction after the last commit, which drops the
reading connection's page cache, so one look-up cost about 15 us, 5 % of a paced message. This
cache answers it from memory. It is sound only where one process writes the database: the SQLite
node (the CLI writes through the running server), whose own write operations forget what they
change (`forget_address`, `forget_blocks`, `clear`) in the transaction that changes it, so no read
after the commit finds the old answer. A rollback clears it with the writer's other caches.
The same blocked sets answer the store's `is_blocked` (typing and presence subscriptions).
PostgreSQL has many writers (every node), so its store asks the database each time. Sans-I/O,
bounded in bytes (what it holds is estimated as `BoundedCache` does).
"""

from __future__ import annotations

from typing import Callable, Iterable

from .cache import BoundedCache

Loader = Callable[[], Iterable[int]]


class Directory:
    """(app_id, address) -> uid of an active user, and uid -> the uids it blocked."""

    def __init__(self, max_bytes: int) -> None:
        self._uids: BoundedCache[tuple[int, str], int] = BoundedCache(max_bytes // 2)
        self._blocked: BoundedCache[int, frozenset[int]] = BoundedCache(max_bytes - max_bytes // 2)

    @property
    def bytes(self) -> int:
        return self._uids.bytes + self._blocked.bytes

    def uid(self, app_id: int, address: str, load: Callable[[], int | None]) -> int | None:
        """The active user at this address; `load()` asks the database when it is not known here.
        An address with no active user is not remembered (a send to it is refused anyway)."""
        key = (app_id, address)
        uid = self._uids.get(key)
        if uid is None:
            uid = load()
            if uid is not None:
                self._uids[key] = uid
        return uid

    def blocked(self, uid: int, other: int, load: Loader) -> bool:
        """Whether uid blocked `other`; `load()` lists whom uid blocked when that is not known here."""
        blocked = self._blocked.get(uid)
        if blocked is None:
            blocked = self._blocked[uid] = frozenset(load())
        return other in blocked

    def forget_address(self, app_id: int, address: str) -> None:
        """A user was added or changed (active or not)."""
        self._uids.pop((app_id, address))

    def forget_blocks(self, uid: int) -> None:
        """uid blocked or unblocked someone."""
        self._blocked.pop(uid)

    def clear(self) -> None:
        """A user was deleted (its address and the blocks naming it go), or a transaction rolled back."""
        self._uids.clear()
        self._blocked.clear()
