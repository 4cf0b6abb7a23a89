"""The embedded store: SQLite in WAL mode, one writer thread with group commit, reads on the loop.

Reads are short indexed look-ups that SQLite answers from its page cache in microseconds, so they
run on the event loop's thread on their own connection (the store gathers no ANALYZE statistics, so
the queries steer the planner to their indexes: see `history`). One read is not short: the chat list
(`conversations`) reads the reader's whole log, tens of milliseconds per 10,000 events. Writes go
through `BatchWriter`, which commits each loop turn's operations in one transaction.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any, Callable

import msgspec

from ..private import private_file
from ..protocol.constants import Status
from .base import App, CallRecord, FileMeta, Group, Member, OutMessage, SendResult, TokenInfo, Touched, User
from .batch import BatchWriter
from . import exclusive
from .cache import BoundedCache
from .directory import Directory
from .tail import EventTail
from .migrate import upgrade_sqlite
from .shared import (CONVERSATIONS_SQL, EXPIRED, Delivered, delivered_events, HISTORY_COLUMNS, PENDING, READ, USER_SELECT, call_cid, call_events, call_info, event,
                     frame_items, group_recipients, history_page, json_or_none, message_events, read_events, update_events, user_row)

_json = msgspec.json.Encoder()

HEAD = "SELECT coalesce(max(seq), 0) FROM events WHERE uid=?"
_INSERT = "INSERT INTO events(uid, seq, body, mid, state, deadline) VALUES(?,?,?,?,?,?)"
_RETURNING = sqlite3.sqlite_version_info >= (3, 35, 0)  # UPDATE ... RETURNING  # one step down the primary key
_CONVERSATIONS = CONVERSATIONS_SQL.replace("LEFT JOIN events d ", "LEFT JOIN events d INDEXED BY events_mid ")
"""Each row's delivery state through the (mid, uid) index, not every event of the user (see history)."""
assert _CONVERSATIONS != CONVERSATIONS_SQL

ACKED_TABLE = "CREATE TEMP TABLE IF NOT EXISTS acked(uid INTEGER NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL)"
"""The ranges (lo, hi] of each user's log that an ack batch covers, on the writer's connection only."""
ACKS_IN_ONE_STATEMENT = 8
"""From this many cursor moves on, an ack batch marks its events with one statement over `acked`
(a 1,000-member group's acks: 9 ms for 1,000 instead of 20-24 ms a statement each); below, a
statement per move is cheaper than filling the table (26 against 58 us for one)."""
_DELIVER_EACH = "UPDATE events SET state=1 WHERE uid=? AND seq>? AND seq<=? AND state=0 RETURNING seq, mid"
_DELIVER_ALL = ("UPDATE events SET state=1 WHERE state=0 AND rowid IN (SELECT e.rowid FROM temp.acked a "
                "JOIN events e ON e.uid=a.uid AND e.seq>a.lo AND e.seq<=a.hi) RETURNING uid, seq, mid")


def _deliver(c: sqlite3.Connection, moves: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Mark the PENDING events within each (uid, old, new] DELIVERED; return them as (uid, seq, mid),
    in the order of the moves (a user's first), each user's by seq. Ranges may overlap (two devices
    of one user): an event is marked, and returned, once."""
    rows: list[tuple[int, int, int]] = []
    if not _RETURNING:  # SQLite before 3.35
        for uid, old, new in moves:
            due = c.execute("SELECT seq, mid FROM events WHERE uid=? AND seq>? AND seq<=? AND state=0",
                            (uid, old, new)).fetchall()
            c.executemany("UPDATE events SET state=1 WHERE uid=? AND seq=?", [(uid, d[0]) for d in due])
            rows.extend((uid, seq, mid) for seq, mid in due)
    elif len(moves) < ACKS_IN_ONE_STATEMENT:
        for uid, old, new in moves:
            rows.extend((uid, seq, mid) for seq, mid in c.execute(_DELIVER_EACH, (uid, old, new)))
    else:
        c.executemany("INSERT INTO temp.acked(uid, lo, hi) VALUES(?,?,?)", moves)
        rows = c.execute(_DELIVER_ALL).fetchall()
        c.execute("DELETE FROM temp.acked")
    first: dict[int, int] = {}
    for i, (uid, _old, _new) in enumerate(moves):
        first.setdefault(uid, i)
    rows.sort(key=lambda r: (first[r[0]], r[1]))
    return rows


def _prepare_writer(conn: sqlite3.Connection) -> None:
    """The writer's connection keeps its temporary tables in memory; `acked` is made once."""
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute(ACKED_TABLE)


# the schema lives in the migrations (hubbub/migrations/versions); `open` brings a file up to date


class _Log:
    """Appends events inside one write operation and remembers the heads it moved."""

    __slots__ = ("conn", "heads", "touched", "tail")

    def __init__(self, conn: sqlite3.Connection, heads: BoundedCache[int, int], tail: EventTail) -> None:
        self.conn = conn
        self.heads = heads
        self.touched: Touched = {}
        self.tail = tail

    def head(self, uid: int) -> int:
        seq = self.touched.get(uid)
        if seq is None:
            seq = self.heads.get(uid)
        if seq is None:
            seq = self.conn.execute(HEAD, (uid,)).fetchone()[0]
        return seq

    def _next(self, uid: int, body: str, state: int | None, deadline: int | None) -> int:
        """Take the next seq of uid's log for this event (its row is inserted by the caller): the
        head moves and the pushers' tail has the row. Before the insert is fine: a failed one rolls
        the batch back, and a rollback clears both (`SQLiteStore._forget`)."""
        seq = self.head(uid) + 1
        self.touched[uid] = seq
        self.tail.add(uid, seq, body, state, deadline)
        return seq

    def append(self, uid: int, body: str, mid: int | None = None, deadline: int | None = None) -> int:
        """Append an event; with `mid`, an incoming message whose delivery is tracked until `deadline`."""
        state = None if mid is None else PENDING
        seq = self._next(uid, body, state, deadline)
        self.conn.execute(_INSERT, (uid, seq, body, mid, state, deadline))
        return seq

    def append_all(self, items: list[tuple[int, str]]) -> None:
        """Append untracked events (uid, body), in order, with one statement (an ack batch's receipts)."""
        self.conn.executemany(_INSERT, [(uid, self._next(uid, body, None, None), body, None, None, None)
                                        for uid, body in items])

    def append_to_each(self, uids: list[int], body: str, mid: int, deadline: int) -> None:
        """Append the same incoming message to each user's log: one statement for all the rows
        (a group's fan-out; a statement per row was a third of a 1,000-member send's commit)."""
        self.conn.executemany(_INSERT, [(uid, self._next(uid, body, PENDING, deadline), body, mid, PENDING, deadline)
                                        for uid in uids])


class SQLiteStore:
    """Store on one SQLite file (see module docstring)."""

    def __init__(self, path: str | Path, synchronous: str = "NORMAL", max_batch: int = 512, *,
                 busy_timeout: float = 0.05, lock_wait: float = 30.0, wal_size_limit: int = 64 * 1024 * 1024,
                 cache_bytes: int = 16 * 1024 * 1024, commit_window: float = 0.0) -> None:
        self.path = Path(path)
        self.synchronous = synchronous.upper()
        if self.synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"sqlite_synchronous must be NORMAL, FULL, EXTRA or OFF, not {synchronous!r}")
        self._busy_ms = int(busy_timeout * 1000)
        self._wait_ms = max(1, int(lock_wait * 1000))
        # caches of the writer, dropped whenever a transaction rolls back, bounded together in bytes:
        # 5/16 each for heads and cursors, an eighth for the recipients that sends look up
        # (directory.py), the rest (a quarter) for the rows each commit appended, read by the pushers
        # right after (tail.py)
        heads_bytes, directory_bytes = cache_bytes * 5 // 16, cache_bytes // 8
        self._heads: BoundedCache[int, int] = BoundedCache(heads_bytes)
        self._cursors: BoundedCache[tuple[int, str], int] = BoundedCache(heads_bytes)
        self._directory = Directory(directory_bytes)
        self._tail = EventTail(cache_bytes - 2 * heads_bytes - directory_bytes)
        self._writer = BatchWriter(self._connect, max_batch, on_rollback=self._forget, busy_timeout=busy_timeout,
                                   lock_wait=lock_wait, wal_size_limit=wal_size_limit, commit_window=commit_window,
                                   prepare=_prepare_writer)
        self._lock: int | None = None  # this process's hold on the database (exclusive.py)
        self._db: sqlite3.Connection | None = None
        self._tokens_db: sqlite3.Connection | None = None  # token look-ups at auth: see open()

    @property
    def cache_bytes(self) -> int:
        """Estimated memory of the writer's caches (bounded by `writer_cache_bytes`)."""
        return self._heads.bytes + self._cursors.bytes + self._directory.bytes + self._tail.bytes

    def _forget(self) -> None:
        self._heads.clear()
        self._cursors.clear()
        self._directory.clear()
        self._tail.clear()

    # -- set-up ---------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=self._wait_ms / 1000)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute(f"PRAGMA busy_timeout={self._wait_ms}")  # the loop's connections shorten it
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute("PRAGMA mmap_size=268435456")
        return conn

    async def open(self) -> None:
        private_file(self.path)  # before SQLite creates it, so the -wal and -shm files are 0600 too
        self._lock = await exclusive.hold(self.path, self._wait_ms / 1000)  # StoreInUse: another process has it
        try:
            await self._open()
        except BaseException:
            await self.close()
            raise

    async def _open(self) -> None:
        upgrade_sqlite(self.path, self._wait_ms)
        self._db = self._connect()
        # reads on the loop: WAL readers wait for no writer, so a lock here is rare and must not freeze the loop
        self._db.execute(f"PRAGMA busy_timeout={self._busy_ms}")
        # Token look-ups (one per connection, at auth) on a connection of their own that reads with
        # pread into a small cache instead of the mmap: a token is found by its hash, so look-ups land
        # uniformly on the tokens table, and through the mmap each one mapped the 64 KiB around its
        # page (the kernel's fault-around) for the life of the process: the first 1,000 auths on a
        # database of 15,000 users made the whole 3 MB file resident (3 KiB of RSS per connection,
        # docs/architecture.md). A few preads per auth cost microseconds and keep nothing.
        self._tokens_db = self._connect()
        self._tokens_db.execute(f"PRAGMA busy_timeout={self._busy_ms}")
        self._tokens_db.execute("PRAGMA mmap_size=0")
        self._tokens_db.execute("PRAGMA cache_size=16")
        self._writer.start()

    async def close(self) -> None:
        self._writer.close()
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._tokens_db is not None:
            self._tokens_db.close()
            self._tokens_db = None
        if self._lock is not None:
            exclusive.release(self._lock)
            self._lock = None

    def observe_commits(self, observe: Callable[[int, float], None]) -> None:
        """Call observe(operations, seconds) after each commit (metrics)."""
        self._writer.observe = observe

    async def ping(self) -> None:
        """Raise unless the database answers (for /readyz)."""
        self.db.execute("SELECT 1").fetchone()

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "store is not open"
        return self._db

    def _q(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        return self.db.execute(sql, args).fetchall()

    def _q1(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        return self.db.execute(sql, args).fetchone()

    async def _write(self, fn: Callable[..., Any], *args: Any) -> tuple[Any, Touched]:
        """Run fn(log, *args) in the next batch; return (its result, the heads it moved)."""
        return await self._writer.run(self._in_tx, fn, args)

    def _in_tx(self, conn: sqlite3.Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, Touched]:
        log = _Log(conn, self._heads, self._tail)
        result = fn(log, *args)
        # cached now, before the commit: a rollback of the batch clears the cache (`_forget`)
        self._heads.update(log.touched)
        return result, log.touched

    # -- apps, users, tokens --------------------------------------------------------------------

    async def create_app(self, name: str, token_hash: bytes, now: int) -> App:
        def op(log: _Log) -> App:
            cur = log.conn.execute("INSERT INTO apps(name, token_hash, created) VALUES(?,?,?)", (name, token_hash, now))
            return App(cur.lastrowid or 0, name, now)
        app, _ = await self._write(op)
        return app

    async def list_apps(self) -> list[App]:
        return [App(*r) for r in self._q("SELECT id, name, created FROM apps ORDER BY id")]

    async def app_by_token(self, token_hash: bytes) -> App | None:
        r = self._q1("SELECT id, name, created FROM apps WHERE token_hash=?", (token_hash,))
        return App(*r) if r else None

    async def app_by_name(self, name: str) -> App | None:
        r = self._q1("SELECT id, name, created FROM apps WHERE name=?", (name,))
        return App(*r) if r else None

    _USER = USER_SELECT
    _user = staticmethod(user_row)

    async def upsert_user(self, app_id: int, address: str, name: str | None, active: bool | None,
                          now: int) -> tuple[User, bool]:
        def op(log: _Log) -> bool:
            self._directory.forget_address(app_id, address)
            cur = log.conn.execute(
                "INSERT INTO users(app_id, address, name, active, created) VALUES(?,?,?,?,?) "
                "ON CONFLICT(app_id, address) DO NOTHING",
                (app_id, address, name or "", 1 if active is None else int(active), now))
            created = cur.rowcount == 1
            if not created:
                if name is not None:
                    log.conn.execute("UPDATE users SET name=? WHERE app_id=? AND address=?", (name, app_id, address))
                if active is not None:
                    log.conn.execute("UPDATE users SET active=? WHERE app_id=? AND address=?", (int(active), app_id, address))
            return created
        created, _ = await self._write(op)
        user = await self.user(app_id, address)
        assert user is not None
        return user, created

    async def user(self, app_id: int, address: str) -> User | None:
        r = self._q1(self._USER + " WHERE app_id=? AND address=?", (app_id, address))
        return self._user(r) if r else None

    async def user_by_uid(self, uid: int) -> User | None:
        r = self._q1(self._USER + " WHERE uid=?", (uid,))
        return self._user(r) if r else None

    async def users(self, app_id: int, pattern: str, offset: int, limit: int) -> list[User]:
        # GLOB: case-sensitive like addresses; `*` is the wildcard, `?` and `[` stand for themselves
        glob = "".join("[" + ch + "]" if ch in "?[" else ch for ch in pattern) or "*"
        rows = self._q(self._USER + " WHERE app_id=? AND address GLOB ? ORDER BY uid LIMIT ? OFFSET ?",
                       (app_id, glob, limit, offset))
        return [self._user(r) for r in rows]

    async def delete_user(self, uid: int) -> Touched:
        def op(log: _Log) -> None:
            c = log.conn
            gids = [r[0] for r in c.execute("SELECT gid FROM members WHERE uid=?", (uid,))]
            addr = c.execute("SELECT address FROM users WHERE uid=?", (uid,)).fetchone()
            # its picture, uploads and the files of its messages start their grace period
            now = int(time.time() * 1000)
            c.execute("UPDATE files SET released=? WHERE id=(SELECT picture FROM users WHERE uid=?)", (now, uid))
            c.execute("DELETE FROM uploads WHERE uid=?", (uid,))
            for (mid,) in c.execute("SELECT mid FROM messages WHERE sender=?", (uid,)).fetchall():
                self._detach_files(c, mid, now)
            for table, col in (("tokens", "uid"), ("devices", "uid"), ("events", "uid"),
                               ("hidden", "uid"), ("members", "uid"), ("subs", "uid"), ("subs", "target"),
                               ("blocks", "uid"), ("blocks", "blocked"), ("users", "uid")):
                c.execute(f"DELETE FROM {table} WHERE {col}=?", (uid,))
            # the messages it sent go with it: no history, edit, recall or cid of theirs outlives them
            c.execute("DELETE FROM hidden WHERE mid IN (SELECT mid FROM messages WHERE sender=?)", (uid,))
            c.execute("DELETE FROM messages WHERE sender=?", (uid,))
            self._directory.clear()
            self._heads.pop(uid, None)
            for key in [k for k in self._cursors if k[0] == uid]:
                del self._cursors[key]
            if addr:
                for gid in gids:
                    self._group_event(log, gid, "members", now=0, added=[], removed=[addr[0]])
        _, touched = await self._write(op)
        return touched

    async def add_token(self, token_hash: bytes, uid: int, appid: str, device: str, expires: int, now: int) -> bool:
        """Add a device's token, revoking the earlier ones of that device; return whether there were any."""
        def op(log: _Log) -> bool:
            replaced = log.conn.execute("UPDATE tokens SET revoked=1 WHERE uid=? AND device=? AND revoked=0",
                                        (uid, device)).rowcount > 0
            log.conn.execute("INSERT INTO tokens(token_hash, uid, appid, device, expires, created) VALUES(?,?,?,?,?,?)",
                             (token_hash, uid, appid, device, expires, now))
            # a new device starts at the user's head: it gets what comes next, and history on request
            log.conn.execute("INSERT INTO devices(uid, device, cursor) VALUES(?,?,?) ON CONFLICT DO NOTHING",
                             (uid, device, log.head(uid)))
            self._cursors.pop((uid, device), None)
            return replaced
        replaced, _ = await self._write(op)
        return bool(replaced)

    async def token(self, token_hash: bytes) -> TokenInfo | None:
        assert self._tokens_db is not None, "store is not open"
        r = self._tokens_db.execute("SELECT t.uid, u.app_id, u.address, t.appid, t.device, t.expires, t.revoked, "
                                    "u.active FROM tokens t JOIN users u ON u.uid=t.uid WHERE t.token_hash=?",
                                    (token_hash,)).fetchone()
        return TokenInfo(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), bool(r[7])) if r else None

    async def revoke_tokens(self, uid: int, device: str | None) -> list[str]:
        def op(log: _Log) -> list[str]:
            where, args = ("uid=? AND revoked=0", (uid,)) if device is None else \
                ("uid=? AND device=? AND revoked=0", (uid, device))
            devices = [r[0] for r in log.conn.execute(f"SELECT DISTINCT device FROM tokens WHERE {where}", args)]
            log.conn.execute(f"UPDATE tokens SET revoked=1 WHERE {where}", args)
            return devices
        devices, _ = await self._write(op)
        return devices

    # -- the event log --------------------------------------------------------------------------

    async def head(self, uid: int) -> int:
        return self._q1(HEAD, (uid,))[0]

    async def cursor(self, uid: int, device: str) -> int:
        r = self._q1("SELECT cursor FROM devices WHERE uid=? AND device=?", (uid, device))
        return r[0] if r else 0

    async def events_after(self, uid: int, after: int, limit: int, now: int,
                           max_bytes: int) -> tuple[list[str], list[int]]:
        return self.events_after_now(uid, after, limit, now, max_bytes)

    def events_after_now(self, uid: int, after: int, limit: int, now: int,
                         max_bytes: int) -> tuple[list[str], list[int]]:
        """`events_after` without a coroutine: reads on the loop never suspend, so a session's pusher
        can be a plain callback (see Session._kick).

        Frame items for the events after `after`, and the seqs of messages that expired unseen.

        At most `limit` items whose UTF-8 bytes (plus a separator each) add up to `max_bytes`, and
        always at least one; rows past that are never read. An incoming message past its deadline
        and not yet delivered is replaced by a `skip` placeholder so the stream stays gap-free; the
        caller expires it.
        """
        fresh = self._tail.after(uid, after, limit, now)
        if fresh is not None:
            return frame_items(fresh, now, max_bytes)
        rows = self.db.execute("SELECT seq, body, state, deadline FROM events WHERE uid=? AND seq>? ORDER BY seq "
                               "LIMIT ?", (uid, after, limit))
        try:
            return frame_items(rows, now, max_bytes)
        finally:
            rows.close()

    async def ack(self, acks: list[tuple[int, str, int, str]], now: int) -> Touched:
        """Store device cursors (uid, device, seq, address); the first ack of a message is its DELIVERED."""
        def op(log: _Log) -> None:
            c = log.conn
            moves: list[tuple[int, int, int]] = []  # (uid, old cursor, new cursor)
            cursors: list[tuple[int, str, int]] = []
            addresses: dict[int, str] = {}
            for uid, device, seq, address in acks:
                old = self._cursors.get((uid, device))
                if old is None:
                    row = c.execute("SELECT cursor FROM devices WHERE uid=? AND device=?", (uid, device)).fetchone()
                    old = row[0] if row else 0
                new = min(seq, log.head(uid))
                if new <= old:
                    continue
                self._cursors[(uid, device)] = new
                cursors.append((uid, device, new))
                moves.append((uid, old, new))
                addresses.setdefault(uid, address)
            delivered: list[Delivered] = []
            messages: dict[int, tuple[int, str, int] | None] = {}  # a group message's sender, once per batch
            for uid, _seq, mid in _deliver(c, moves):
                if mid not in messages:  # None too: a message deleted with its sender is looked for once
                    messages[mid] = c.execute("SELECT sender, cid, gid FROM messages WHERE mid=?", (mid,)).fetchone()
                m = messages[mid]
                if m is not None:
                    delivered.append((mid, m[0], m[1], m[2], addresses[uid]))
            # one statement each for the batch's cursors and its receipts (a 1,000-member group's acks)
            c.executemany("INSERT INTO devices(uid, device, cursor) VALUES(?,?,?) "
                          "ON CONFLICT(uid, device) DO UPDATE SET cursor=excluded.cursor", cursors)
            log.append_all(delivered_events(delivered, now))
        _, touched = await self._write(op)
        return touched

    async def due(self, now: int, limit: int, after: tuple[int, int, int] = (0, 0, 0)) -> list[tuple[int, int, int]]:
        """(deadline, uid, seq) of incoming messages past their deadline that no device acknowledged,
        oldest first, starting past `after` (the last row of the previous page)."""
        return [(r[0], r[1], r[2]) for r in self._q(
            "SELECT deadline, uid, seq FROM events WHERE state=0 AND deadline<? AND (deadline, uid, seq) > (?,?,?) "
            "ORDER BY deadline, uid, seq LIMIT ?", (now, *after, limit))]

    async def expire(self, items: list[tuple[int, int]], now: int) -> Touched:
        """Expire these (uid, seq) messages if still unacknowledged past their deadline; senders get EXPIRED."""
        def op(log: _Log) -> None:
            c = log.conn
            for uid, seq in items:
                row = c.execute("SELECT mid FROM events WHERE uid=? AND seq=? AND state=0 AND deadline<?",
                                (uid, seq, now)).fetchone()
                if row is None:
                    continue
                c.execute("UPDATE events SET state=3 WHERE uid=? AND seq=?", (uid, seq))
                m = c.execute("SELECT sender, cid, gid FROM messages WHERE mid=?", (row[0],)).fetchone()
                addr = c.execute("SELECT address FROM users WHERE uid=?", (uid,)).fetchone()
                if m and addr:
                    log.append(m[0], event(k="status", ts=now, mid=row[0], cid=m[1], peer=addr[0], gid=m[2],
                                            status=int(Status.EXPIRED)))
        _, touched = await self._write(op)
        return touched

    # -- messages -------------------------------------------------------------------------------

    async def sent(self, app_id: int, sender: int, cid: str) -> SendResult | None:
        r = self._q1("SELECT mid, ts FROM messages WHERE app_id=? AND sender=? AND cid=?", (app_id, sender, cid))
        return SendResult(r[0], cid, int(Status.SENT), r[1], dup=True) if r else None

    async def send(self, msg: OutMessage) -> tuple[SendResult, Touched]:
        def op(log: _Log) -> SendResult:
            c = log.conn
            file = _json.encode(msg.file).decode() if msg.file else None
            cur = c.execute(
                "INSERT INTO messages(app_id, sender, from_addr, cid, to_uid, to_addr, gid, ts, expiry, flag, type, "
                "message, title, file, fwd) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                (msg.app_id, msg.sender, msg.sender_address, msg.cid, msg.to, msg.to_address, msg.gid, msg.ts,
                 msg.expiry, msg.flag, msg.type, msg.message, msg.title, file, int(msg.fwd)))
            if cur.rowcount != 1:  # a resend of a cid already committed
                r = c.execute("SELECT mid, ts FROM messages WHERE app_id=? AND sender=? AND cid=?",
                              (msg.app_id, msg.sender, msg.cid)).fetchone()
                return SendResult(r[0], msg.cid, int(Status.SENT), r[1], dup=True)
            mid = cur.lastrowid or 0
            if msg.file and msg.file.get("id"):
                c.execute("INSERT INTO attachments(file_id, mid) VALUES(?,?) ON CONFLICT DO NOTHING",
                          (msg.file["id"], mid))
            out, incoming = message_events(msg, mid)
            log.append(msg.sender, out)
            if msg.gid:
                rows = c.execute("SELECT uid, flags FROM members WHERE gid=?", (msg.gid,)).fetchall()
                gflag = c.execute("SELECT flag FROM groups WHERE gid=?", (msg.gid,)).fetchone()[0]
                blockers = {r[0] for r in c.execute("SELECT b.uid FROM members m JOIN blocks b ON b.uid=m.uid "
                                                    "AND b.blocked=? WHERE m.gid=?", (msg.sender, msg.gid))}
                recipients = group_recipients(msg, gflag, rows, blockers)
            else:
                recipients = [msg.to]
            log.append_to_each(recipients, incoming, mid, msg.deadline)
            return SendResult(mid, msg.cid, int(Status.SENT), msg.ts)
        return await self._write(op)

    async def call_record(self, rec: CallRecord) -> Touched:
        """A call's outcome as a message from caller to callee, in both logs, stored once per call.

        It is not tracked for delivery (no receipts, never expires): the record is history, not mail.
        """
        def op(log: _Log) -> None:
            c = log.conn
            cur = c.execute(
                "INSERT INTO messages(app_id, sender, from_addr, cid, to_uid, to_addr, gid, ts, expiry, flag, type, "
                "message, title, file, fwd, callinfo) VALUES(?,?,?,?,?,?,0,?,0,0,0,'','',NULL,0,?) "
                "ON CONFLICT DO NOTHING",
                (rec.app_id, rec.caller, rec.caller_address, call_cid(rec), rec.callee, rec.callee_address,
                 rec.ts, json_or_none(call_info(rec))))
            if cur.rowcount != 1:
                return  # this call was recorded already
            out, incoming = call_events(rec, cur.lastrowid or 0)
            log.append(rec.caller, out)
            log.append(rec.callee, incoming)
        _, touched = await self._write(op)
        return touched

    async def read(self, uid: int, address: str, mids: list[int], now: int) -> tuple[int, Touched]:
        def op(log: _Log) -> int:
            c = log.conn
            count = 0
            for mid in mids:
                row = c.execute("SELECT d.seq, d.state, m.sender, m.cid, m.gid, m.flag, m.from_addr FROM events d "
                                "JOIN messages m ON m.mid=d.mid WHERE d.mid=? AND d.uid=?", (mid, uid)).fetchone()
                if row is None or row[1] in (READ, EXPIRED):
                    continue
                seq, state, sender, cid, gid, flag, from_addr = row
                c.execute("UPDATE events SET state=2 WHERE uid=? AND seq=?", (uid, seq))
                count += 1
                for owner, body in read_events(uid, address, mid, state, sender, cid, gid, flag, from_addr, now):
                    log.append(owner, body)
            return count
        return await self._write(op)

    async def update(self, app_id: int, uid: int, mid: int, op_name: str, text: str | None, now: int) -> Touched:
        """edit / recall (own messages, to everyone who has it) or delete (for this user's devices)."""
        def op(log: _Log) -> None:
            c = log.conn
            m = c.execute("SELECT sender, from_addr, to_uid, to_addr, gid, recalled FROM messages "
                          "WHERE mid=? AND app_id=?", (mid, app_id)).fetchone()
            if m is None:
                raise LookupError("no such message")
            sender, from_addr, to_uid, to_addr, gid, recalled = m
            parties = {sender} | {r[0] for r in c.execute("SELECT uid FROM events WHERE mid=?", (mid,))}
            if uid not in parties:
                raise LookupError("no such message")
            if op_name == "delete":
                c.execute("INSERT INTO hidden(uid, mid) VALUES(?,?) ON CONFLICT DO NOTHING", (uid, mid))
                hidden = {r[0] for r in c.execute("SELECT uid FROM hidden WHERE mid=?", (mid,))}
                if parties <= hidden:  # deleted by everyone who had it: its file may go after the grace period
                    self._detach_files(c, mid, now)
                peer = to_addr if uid == sender else (from_addr if not gid else "")
                log.append(uid, event(k="update", ts=now, mid=mid, op="delete", peer=peer, gid=gid))
                return
            if uid != sender:
                raise PermissionError("only the sender may edit or recall a message")
            if recalled and op_name == "edit":  # an edit would bring back the text the recall wiped
                raise PermissionError("a recalled message cannot be edited")
            if op_name == "edit":
                c.execute("UPDATE messages SET message=?, edited=1 WHERE mid=?", (text or "", mid))
            else:
                c.execute("UPDATE messages SET message='', title='', file=NULL, recalled=1 WHERE mid=?", (mid,))
                self._detach_files(c, mid, now)
            for party, body in update_events(op_name, parties, sender, from_addr, to_addr, gid, mid, text, now):
                log.append(party, body)
        _, touched = await self._write(op)
        return touched

    @staticmethod
    def _detach_files(c: sqlite3.Connection, mid: int, now: int) -> None:
        """The message no longer carries its files: their grace period starts unless another holds them."""
        ids = [r[0] for r in c.execute("SELECT file_id FROM attachments WHERE mid=?", (mid,))]
        c.execute("DELETE FROM attachments WHERE mid=?", (mid,))
        c.executemany("UPDATE files SET released=? WHERE id=?", [(now, i) for i in ids])

    async def history(self, app_id: int, uid: int, peer: int, gid: int, before: int | None,
                      limit: int) -> tuple[list[dict[str, Any]], bool]:
        """A conversation's messages as its reader has them: its own sends, and what reached it (a 1:1
        message is addressed to the reader; a group's only when it is in the reader's own log: not what
        the group carried before the reader joined, nor what a member without RECV never got)."""
        bound = before if before is not None else 2**62
        # The store gathers no ANALYZE statistics, so the indexes are steered: named (INDEXED BY), kept
        # out (a unary +) or made usable (gid<>0 for the partial group index). Without that the planner
        # read every message of the app and, for each row, every event of the user
        # (tests/store/test_sqlite_reads.py).
        cols = (f"SELECT {HISTORY_COLUMNS} FROM messages m "
                "LEFT JOIN events d INDEXED BY events_mid "
                "ON d.mid=m.mid AND d.uid=CASE WHEN m.sender=? THEN m.to_uid ELSE ? END ")
        if gid:
            # (an incoming message that expired unseen is not shown, so it takes no place in the page)
            rows = self._q(cols + "WHERE m.gid<>0 AND m.gid=? AND +m.app_id=? AND m.mid<? "
                           f"AND (m.sender=? OR (d.uid IS NOT NULL AND d.state IS NOT {EXPIRED})) "
                           "AND m.mid NOT IN (SELECT mid FROM hidden WHERE uid=?) "
                           "ORDER BY m.mid DESC LIMIT ?", (uid, uid, gid, app_id, bound, uid, uid, limit + 1))
        else:
            # each direction's newest page through the (sender, to_uid, mid) index, then merged
            # (an incoming message that expired unseen is not shown, so it takes no place in the page)
            side = ("SELECT mid FROM (SELECT mid FROM messages WHERE gid=0 AND sender=? AND to_uid=? AND mid<? "
                    "AND +app_id=? AND mid NOT IN (SELECT mid FROM hidden WHERE uid=?) {} ORDER BY mid DESC LIMIT ?)")
            mine = side.format("")
            theirs = side.format("AND NOT EXISTS (SELECT 1 FROM events e INDEXED BY events_mid "
                                 f"WHERE e.mid=messages.mid AND e.uid=? AND e.state={EXPIRED})")
            rows = self._q(cols + f"WHERE m.mid IN ({mine} UNION ALL {theirs}) ORDER BY m.mid DESC LIMIT ?",
                           (uid, uid, uid, peer, bound, app_id, uid, limit + 1,
                            peer, uid, bound, app_id, uid, uid, limit + 1, limit + 1))
        return history_page(rows, uid, limit)

    async def conversations(self, app_id: int, uid: int, before: int | None,
                            limit: int) -> tuple[list[dict[str, Any]], bool]:
        """The latest message of each of uid's conversations older than mid `before`, newest first."""
        rows = self.db.execute(_CONVERSATIONS, {"uid": uid, "app": app_id, "limit": limit + 1,
                                                   "before": before if before is not None else 2**62}).fetchall()
        return history_page(rows, uid, limit)

    async def recipient(self, app_id: int, address: str, sender: int) -> tuple[int, bool] | None:
        """(uid, whether it blocked the sender) of an active user, from memory once known (directory.py)."""
        def load_uid() -> int | None:
            r = self._q1("SELECT uid FROM users WHERE app_id=? AND address=? AND active=1", (app_id, address))
            return r[0] if r else None
        uid = self._directory.uid(app_id, address, load_uid)
        return None if uid is None else (uid, self._blocked(uid, sender))

    async def is_blocked(self, by: int, uid: int) -> bool:
        return self._blocked(by, uid)

    def _blocked(self, by: int, uid: int) -> bool:
        """Whether `by` blocked `uid`, from the directory (which reads whom `by` blocked once)."""
        return self._directory.blocked(by, uid, lambda: [r[0] for r in self._q(
            "SELECT blocked FROM blocks WHERE uid=?", (by,))])

    async def blockers(self, uids: list[int], of: int) -> list[int]:
        """Those of `uids` who blocked `of`."""
        return [r[0] for r in self._q("SELECT b.uid FROM json_each(?) j JOIN blocks b ON b.uid=j.value AND b.blocked=?",
                                      (_json.encode(uids).decode(), of))]

    # -- profiles -------------------------------------------------------------------------------

    async def set_profile(self, uid: int, fields: dict[str, Any], now: int) -> Touched:
        def op(log: _Log) -> None:
            c = log.conn
            cols = {k: v for k, v in fields.items() if k in ("name", "status", "picture") and v is not None}
            if "picture" in cols:
                c.execute("UPDATE files SET released=? WHERE id=(SELECT picture FROM users WHERE uid=?)", (now, uid))
            if cols:
                c.execute(f"UPDATE users SET {', '.join(f'{k}=?' for k in cols)} WHERE uid=?", (*cols.values(), uid))
            u = c.execute("SELECT address, name, status, picture FROM users WHERE uid=?", (uid,)).fetchone()
            if u is None:
                raise LookupError("no such user")
            thumb = c.execute("SELECT thumb FROM files WHERE id=?", (u[3],)).fetchone() if u[3] else None
            body = event(k="profile", ts=now, address=u[0], name=u[1], status=u[2], picture=u[3],
                          thumb=thumb[0] if thumb else "")
            audience = {uid}
            audience.update(r[0] for r in c.execute("SELECT uid FROM subs WHERE target=?", (uid,)))
            audience.update(r[0] for r in c.execute(
                "SELECT DISTINCT o.uid FROM members m JOIN members o ON o.gid=m.gid WHERE m.uid=?", (uid,)))
            audience.difference_update(r[0] for r in c.execute("SELECT blocked FROM blocks WHERE uid=?", (uid,)))
            for who in sorted(audience):
                log.append(who, body)
        _, touched = await self._write(op)
        return touched

    async def set_lastseen(self, uid: int, ts: int) -> None:
        def op(log: _Log) -> None:
            log.conn.execute("UPDATE users SET lastseen=? WHERE uid=?", (ts, uid))
        await self._write(op)

    async def subscribe(self, uid: int, target: int, on: bool) -> None:
        def op(log: _Log) -> None:
            if on:
                log.conn.execute("INSERT INTO subs(uid, target) VALUES(?,?) ON CONFLICT DO NOTHING", (uid, target))
            else:
                log.conn.execute("DELETE FROM subs WHERE uid=? AND target=?", (uid, target))
        await self._write(op)

    async def subscribers(self, uid: int) -> list[int]:
        """Who gets uid's presence: its subscribers, but not those it blocked."""
        return [r[0] for r in self._q("SELECT s.uid FROM subs s WHERE s.target=? AND NOT EXISTS("
                                      "SELECT 1 FROM blocks b WHERE b.uid=? AND b.blocked=s.uid)", (uid, uid))]

    async def block(self, uid: int, target: int, on: bool) -> None:
        def op(log: _Log) -> None:
            self._directory.forget_blocks(uid)
            if on:
                log.conn.execute("INSERT INTO blocks(uid, blocked) VALUES(?,?) ON CONFLICT DO NOTHING", (uid, target))
            else:
                log.conn.execute("DELETE FROM blocks WHERE uid=? AND blocked=?", (uid, target))
        await self._write(op)

    # -- files --------------------------------------------------------------------------------

    _FILE = "SELECT id, size, mime, type, width, height, thumb, created FROM files"

    async def file_added(self, meta: FileMeta, uid: int, now: int) -> None:
        def op(log: _Log) -> None:
            log.conn.execute(
                "INSERT INTO files(id, size, mime, type, width, height, thumb, created, released) "
                "VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET released=excluded.released",
                (meta.id, meta.size, meta.mime, meta.type, meta.width, meta.height, meta.thumb, meta.created, now))
            log.conn.execute("INSERT INTO uploads(uid, file_id) VALUES(?,?) ON CONFLICT DO NOTHING", (uid, meta.id))
        await self._write(op)

    async def file_meta(self, file_id: str) -> FileMeta | None:
        r = self._q1(self._FILE + " WHERE id=?", (file_id,))
        return FileMeta(*r) if r else None

    async def file_access(self, uid: int, app_id: int, file_id: str) -> bool:
        """Whether uid may read the file: its uploader, the sender or a recipient (at the time) of a message
        carrying it that this user has not deleted, or any user of the app when it is a profile picture."""
        r = self._q1(
            "SELECT EXISTS(SELECT 1 FROM uploads WHERE uid=?1 AND file_id=?2) "
            "OR EXISTS(SELECT 1 FROM attachments a JOIN messages m ON m.mid=a.mid WHERE a.file_id=?2 AND m.sender=?1 "
            "          AND a.mid NOT IN (SELECT mid FROM hidden WHERE uid=?1)) "
            "OR EXISTS(SELECT 1 FROM attachments a JOIN events e ON e.mid=a.mid AND e.uid=?1 WHERE a.file_id=?2 "
            "          AND e.state!=3 AND a.mid NOT IN (SELECT mid FROM hidden WHERE uid=?1)) "
            "OR EXISTS(SELECT 1 FROM users WHERE picture=?2 AND app_id=?3)", (uid, file_id, app_id))
        return bool(r[0])

    _UNREFERENCED = ("released<? AND NOT EXISTS(SELECT 1 FROM attachments a WHERE a.file_id=files.id) "
                     "AND NOT EXISTS(SELECT 1 FROM users u WHERE u.picture=files.id)")

    async def file_garbage(self, cutoff: int, limit: int) -> list[str]:
        """Files no message or profile refers to since before `cutoff`."""
        return [r[0] for r in self._q(f"SELECT id FROM files WHERE {self._UNREFERENCED} LIMIT ?", (cutoff, limit))]

    async def file_drop(self, file_id: str, cutoff: int) -> bool:
        """Forget a file if it is still unreferenced since before `cutoff` (an upload may have renewed it)."""
        def op(log: _Log) -> bool:
            cur = log.conn.execute(f"DELETE FROM files WHERE id=? AND {self._UNREFERENCED}", (file_id, cutoff))
            if cur.rowcount:
                log.conn.execute("DELETE FROM uploads WHERE file_id=?", (file_id,))
            return cur.rowcount > 0
        dropped, _ = await self._write(op)
        return bool(dropped)

    # -- groups ---------------------------------------------------------------------------------

    _GROUP = "SELECT gid, app_id, name, flag, expiry, active FROM groups"

    def _members(self, conn: sqlite3.Connection, gid: int) -> list[Member]:
        return [Member(r[0], r[1], r[2], bool(r[3])) for r in conn.execute(
            "SELECT m.uid, u.address, m.flags, m.admin FROM members m JOIN users u ON u.uid=m.uid "
            "WHERE m.gid=? ORDER BY m.uid", (gid,))]

    def _group_row(self, conn: sqlite3.Connection, r: Any, with_members: bool) -> Group:
        g = Group(r[0], r[1], r[2], r[3], r[4], bool(r[5]))
        if with_members:
            g.members = self._members(conn, g.gid)
        return g

    async def group(self, gid: int, with_members: bool = True) -> Group | None:
        r = self._q1(self._GROUP + " WHERE gid=?", (gid,))
        return self._group_row(self.db, r, with_members) if r else None

    async def group_for_sender(self, gid: int, uid: int) -> tuple[Group, Member | None, int] | None:
        """The group without its member list, the sender's membership (None: not a member) and the
        member count: what a send checks, without building a list of every member (4 ms at 1,000)."""
        r = self._q1(self._GROUP + " WHERE gid=?", (gid,))
        if r is None:
            return None
        m = self._q1("SELECT m.uid, u.address, m.flags, m.admin FROM members m JOIN users u ON u.uid=m.uid "
                     "WHERE m.gid=? AND m.uid=?", (gid, uid))
        count = self._q1("SELECT count(*) FROM members WHERE gid=?", (gid,))[0]
        return self._group_row(self.db, r, False), Member(m[0], m[1], m[2], bool(m[3])) if m else None, count

    async def groups_of(self, uid: int) -> list[Group]:
        rows = self._q(self._GROUP + " WHERE gid IN (SELECT gid FROM members WHERE uid=?) ORDER BY gid", (uid,))
        return [self._group_row(self.db, r, True) for r in rows]

    async def app_groups(self, app_id: int) -> list[Group]:
        return [self._group_row(self.db, r, False) for r in self._q(self._GROUP + " WHERE app_id=? ORDER BY gid", (app_id,))]

    def _group_event(self, log: _Log, gid: int, op: str, now: int, to: list[int] | None = None,
                     **fields: Any) -> None:
        """Append one group event to `to` (default: every member now): the group's own fields, its
        member count and `fields` (a delta, never the member list, so its size follows the change)."""
        r = log.conn.execute("SELECT name, flag, active, (SELECT count(*) FROM members WHERE gid=?) FROM groups "
                             "WHERE gid=?", (gid, gid)).fetchone()
        if r is None:
            return
        body = event(k="group", ts=now, op=op, gid=gid, name=r[0], flag=r[1], active=bool(r[2]), count=r[3],
                      **fields)
        if to is None:
            to = [row[0] for row in log.conn.execute("SELECT uid FROM members WHERE gid=? ORDER BY uid", (gid,))]
        for uid in to:
            log.append(uid, body)

    async def create_group(self, app_id: int, name: str, flag: int, expiry: int,
                           members: list[tuple[int, int, bool]], now: int, creator: int = 0) -> tuple[int, Touched]:
        def op(log: _Log) -> int:
            cur = log.conn.execute("INSERT INTO groups(app_id, name, flag, expiry, created, creator) VALUES(?,?,?,?,?,?)",
                                   (app_id, name, flag, expiry, now, creator))
            gid = cur.lastrowid or 0
            log.conn.executemany("INSERT INTO members(gid, uid, flags, admin) VALUES(?,?,?,?) ON CONFLICT DO NOTHING",
                                 [(gid, uid, flags, int(admin)) for uid, flags, admin in members])
            self._group_event(log, gid, "create", now)
            return gid
        return await self._write(op)

    async def groups_created(self, uid: int) -> int:
        return self._q1("SELECT count(*) FROM groups WHERE creator=?", (uid,))[0]

    async def set_group(self, gid: int, name: str | None, flag: int | None, expiry: int | None,
                        active: bool | None, now: int) -> Touched:
        def op(log: _Log) -> None:
            cols = {k: v for k, v in (("name", name), ("flag", flag), ("expiry", expiry),
                                      ("active", None if active is None else int(active))) if v is not None}
            if cols:
                log.conn.execute(f"UPDATE groups SET {', '.join(f'{k}=?' for k in cols)} WHERE gid=?",
                                 (*cols.values(), gid))
            self._group_event(log, gid, "set", now)
        _, touched = await self._write(op)
        return touched

    async def edit_members(self, gid: int, add: list[tuple[int, int, bool]], remove: list[int], now: int) -> Touched:
        """Add (or change) and remove members. Those who stay get the delta (`members`), those added
        `joined` with their own flags, those removed `removed`."""
        def op(log: _Log) -> None:
            c = log.conn
            before = {r[0] for r in c.execute("SELECT uid FROM members WHERE gid=?", (gid,))}
            c.executemany("INSERT INTO members(gid, uid, flags, admin) VALUES(?,?,?,?) "
                          "ON CONFLICT(gid, uid) DO UPDATE SET flags=excluded.flags, admin=excluded.admin",
                          [(gid, uid, flags, int(admin)) for uid, flags, admin in add])
            address = {uid: a for uid, a in c.execute(
                "SELECT m.uid, u.address FROM members m JOIN users u ON u.uid=m.uid WHERE m.gid=? AND m.uid IN "
                "(SELECT value FROM json_each(?))", (gid, _json.encode([u for u, _, _ in add] + remove).decode()))}
            gone = [uid for uid in dict.fromkeys(remove) if uid in address]
            c.executemany("DELETE FROM members WHERE gid=? AND uid=?", [(gid, uid) for uid in gone])
            changed = {uid: (flags, admin) for uid, flags, admin in add if uid not in gone}
            stay = sorted(before - set(gone))
            if changed or gone:
                self._group_event(log, gid, "members", now, to=stay, removed=[address[u] for u in gone],
                                  added=[{"address": address[u], "flags": fl, "admin": ad}
                                         for u, (fl, ad) in changed.items()])
            for uid in sorted(set(changed) - before):
                flags, admin = changed[uid]
                self._group_event(log, gid, "joined", now, to=[uid], flags=flags, admin=admin)
            self._group_event(log, gid, "removed", now, to=gone)
        _, touched = await self._write(op)
        return touched

    async def delete_group(self, gid: int, now: int) -> Touched:
        def op(log: _Log) -> None:
            members = [r[0] for r in log.conn.execute("SELECT uid FROM members WHERE gid=?", (gid,))]
            body = event(k="group", ts=now, op="delete", gid=gid)
            for uid in members:
                log.append(uid, body)
            log.conn.execute("DELETE FROM members WHERE gid=?", (gid,))
            log.conn.execute("DELETE FROM groups WHERE gid=?", (gid,))
        _, touched = await self._write(op)
        return touched
