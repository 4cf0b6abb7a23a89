"""The shared store: PostgreSQL through asyncpg, for several processes and nodes on one database.

Same guarantees as the SQLite store. Writes go through `PgBatchWriter` (group commit on one
connection per process); reads use a small pool. Gap-free seq with many writers: each user's head
is a row of `heads`, advanced inside the transaction that inserts the events, under its row lock
(see pgbatch.py and docs/architecture.md). No cache is kept across transactions: another node may
have written since.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable

import asyncpg

from ..protocol.constants import Status
from .base import App, CallRecord, FileMeta, Group, Member, OutMessage, SendResult, TokenInfo, Touched, User
from .pgbatch import LOST, LOST_WAIT, RETRIES, Batch, PgBatchWriter
from .coalesce import Coalescer
from .tail import EventTail
from .shared import (CONVERSATIONS_SQL, EXPIRED, delivered_events, call_cid, call_events, call_info, HISTORY_COLUMNS, PENDING, READ, json_or_none, event, frame_items,
                     glob_to_like, group_recipients, history_page, message_events, read_events, update_events,
                     USER_SELECT, user_row)

_CONVERSATIONS = (CONVERSATIONS_SQL.replace(":uid", "$1").replace(":app", "$2").replace(":before", "$3")
                  .replace(":limit", "$4"))
log = logging.getLogger("hubbub.store")
CLOSE_WAIT = 5.0
"""Seconds `close` waits for the read connections to come back before it cuts them."""

HEAD = "SELECT coalesce((SELECT seq FROM heads WHERE uid=$1), 0)"


# Acks in one statement: each device's cursor moves to min(acked seq, head) if that is ahead (a
# concurrent ack of the same device is settled by the upsert's row lock and condition), and the
# messages in the range it moved over that were still pending become DELIVERED, each returned once
# (an event already marked by another transaction fails `state=0` when rechecked after its lock).
_ACK = ("WITH t AS (SELECT u, d, s FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS x(u, d, s)), "
        "cur AS (SELECT t.u, t.d, coalesce(dv.cursor, 0) AS old, "
        "LEAST(t.s, coalesce((SELECT seq FROM heads h WHERE h.uid = t.u), 0)) AS new "
        "FROM t LEFT JOIN devices dv ON dv.uid = t.u AND dv.device = t.d), "
        "moved AS (INSERT INTO devices(uid, device, cursor) SELECT u, d, new FROM cur WHERE new > old ORDER BY u, d "
        "ON CONFLICT(uid, device) DO UPDATE SET cursor = excluded.cursor WHERE devices.cursor < excluded.cursor) "
        "UPDATE events e SET state = 1 FROM cur, messages m WHERE cur.new > cur.old AND e.uid = cur.u "
        "AND e.seq > cur.old AND e.seq <= cur.new AND e.state = 0 AND m.mid = e.mid "
        "RETURNING e.uid, e.seq, m.mid, m.sender, m.cid, m.gid")


# A batch's messages in one statement, in its order; a cid stored already (or twice in the batch)
# is skipped and its send answers as a resend.
_SEND_FIELDS = ("app_id", "sender", "sender_address", "cid", "to", "to_address", "gid", "ts", "expiry", "flag", "type",
                "message", "title", "file", "fwd")
_SEND_MANY = ("INSERT INTO messages(app_id, sender, from_addr, cid, to_uid, to_addr, gid, ts, expiry, flag, type, "
              "message, title, file, fwd) SELECT a, s, fa, c, tu, ta, g, ts, e, f, ty, m, ti, fi, fw FROM "
              "unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], "
              "$8::bigint[], $9::bigint[], $10::int[], $11::int[], $12::text[], $13::text[], $14::text[], $15::int[]) "
              "WITH ORDINALITY AS x(a, s, fa, c, tu, ta, g, ts, e, f, ty, m, ti, fi, fw, n) ORDER BY n "
              "ON CONFLICT(app_id, sender, cid) DO NOTHING RETURNING mid, app_id, sender, cid")


class _ReadConnection(asyncpg.Connection):
    """A pooled connection for single statements, handed back without asyncpg's reset query.

    The reads leave no session state behind (no SET, LISTEN, advisory lock or cursor; an open
    transaction is still rolled back), so the reset round trip after every read bought nothing and
    doubled the round trips of a read.
    """

    def get_reset_query(self) -> str:
        return ""


class Reads:
    """The read pool's queries, run again on another connection when theirs was lost (a database
    restart or failover, a terminated backend): a read changes nothing, so repeating it is safe."""

    __slots__ = ("_pool",)

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def _retry(self, method: str, query: str, *args: Any) -> Any:
        for attempt in range(RETRIES):
            try:
                return await getattr(self._pool, method)(query, *args)
            except LOST:
                if attempt == RETRIES - 1:
                    raise
                await asyncio.sleep(LOST_WAIT * 2 ** attempt)
        raise AssertionError("unreachable")

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        return await self._retry("fetch", query, *args)

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        return await self._retry("fetchrow", query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self._retry("fetchval", query, *args)


class PostgresStore:
    """Store on a PostgreSQL database (see module docstring)."""

    def __init__(self, dsn: str, max_batch: int = 512, pool_size: int = 4, tail_bytes: int = 16 * 1024 * 1024) -> None:
        self.dsn = dsn
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._reads: Reads | None = None  # the pool's queries, retried on a lost connection
        self.tail = EventTail(tail_bytes)  # the events this process committed last, for pushes
        self._recipients: Coalescer[tuple[int, str, int], tuple[int, bool] | None] = \
            Coalescer(self._recipient, self._recipients_of)
        self._writer = PgBatchWriter(self._connect, max_batch, committed=self.tail.committed, prepare=self._prepare)

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn)

    async def open(self) -> None:
        from .migrate import upgrade_postgres
        await upgrade_postgres(self.dsn)
        self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=self._pool_size,
                                               connection_class=_ReadConnection)
        self._reads = Reads(self._pool)
        await self._writer.start()

    async def close(self) -> None:
        await self._writer.close()
        if self._pool is not None:
            # close() waits for every connection to be released, however long; asyncpg's own advice
            # is to bound it: a read still out after CLOSE_WAIT is cut (the process is stopping)
            try:
                await asyncio.wait_for(self._pool.close(), CLOSE_WAIT)
            except asyncio.TimeoutError:
                log.warning("store: a read connection was still in use after %.1f s; closed at once", CLOSE_WAIT)
                self._pool.terminate()
            self._pool = self._reads = None

    @property
    def pool(self) -> Reads:
        assert self._reads is not None, "store is not open"
        return self._reads

    def observe_commits(self, observe: Callable[[int, float], None]) -> None:
        """Call observe(operations, seconds) after each commit (metrics)."""
        self._writer.observe = observe

    async def ping(self) -> None:
        """Raise unless the database answers (for /readyz)."""
        await self.pool.fetchval("SELECT 1")

    async def _write(self, fn: Callable[..., Any], *args: Any) -> tuple[Any, Touched]:
        """Run fn(batch, *args) in the next batch; return (its result, the heads it moved)."""
        return await self._writer.run(fn, *args)

    # -- apps, users, tokens --------------------------------------------------------------------

    async def create_app(self, name: str, token_hash: bytes, now: int) -> App:
        async def op(tx: Batch) -> App:
            app_id = await tx.conn.fetchval("INSERT INTO apps(name, token_hash, created) VALUES($1,$2,$3) RETURNING id",
                                            name, token_hash, now)
            return App(app_id, name, now)
        app, _ = await self._write(op)
        return app

    async def list_apps(self) -> list[App]:
        return [App(*r) for r in await self.pool.fetch("SELECT id, name, created FROM apps ORDER BY id")]

    async def app_by_token(self, token_hash: bytes) -> App | None:
        r = await self.pool.fetchrow("SELECT id, name, created FROM apps WHERE token_hash=$1", token_hash)
        return App(*r) if r else None

    async def app_by_name(self, name: str) -> App | None:
        r = await self.pool.fetchrow("SELECT id, name, created FROM apps WHERE name=$1", name)
        return App(*r) if r else None

    _USER = USER_SELECT
    _user = staticmethod(user_row)

    async def upsert_user(self, app_id: int, address: str, name: str | None, active: bool | None,
                          now: int) -> tuple[User, bool]:
        async def op(tx: Batch) -> bool:
            uid = await tx.conn.fetchval(
                "INSERT INTO users(app_id, address, name, active, created) VALUES($1,$2,$3,$4,$5) "
                "ON CONFLICT(app_id, address) DO NOTHING RETURNING uid",
                app_id, address, name or "", 1 if active is None else int(active), now)
            if uid is None:
                if name is not None:
                    await tx.conn.execute("UPDATE users SET name=$1 WHERE app_id=$2 AND address=$3", name, app_id, address)
                if active is not None:
                    await tx.conn.execute("UPDATE users SET active=$1 WHERE app_id=$2 AND address=$3",
                                          int(active), app_id, address)
            return uid is not None
        created, _ = await self._write(op)
        user = await self.user(app_id, address)
        assert user is not None
        return user, created

    async def user(self, app_id: int, address: str) -> User | None:
        r = await self.pool.fetchrow(self._USER + " WHERE app_id=$1 AND address=$2", app_id, address)
        return self._user(r) if r else None

    async def user_by_uid(self, uid: int) -> User | None:
        r = await self.pool.fetchrow(self._USER + " WHERE uid=$1", uid)
        return self._user(r) if r else None

    async def users(self, app_id: int, pattern: str, offset: int, limit: int) -> list[User]:
        # case-sensitive like addresses; `*` is the wildcard, everything else stands for itself
        rows = await self.pool.fetch(self._USER + " WHERE app_id=$1 AND address LIKE $2 ESCAPE '\\' "
                                     "ORDER BY uid LIMIT $3 OFFSET $4", app_id, glob_to_like(pattern), limit, offset)
        return [self._user(r) for r in rows]

    async def delete_user(self, uid: int) -> Touched:
        async def op(tx: Batch) -> None:
            c = tx.conn
            gids = [r[0] for r in await c.fetch("SELECT gid FROM members WHERE uid=$1", uid)]
            addr = await c.fetchval("SELECT address FROM users WHERE uid=$1", uid)
            # its picture, uploads and the files of its messages start their grace period
            now = int(time.time() * 1000)
            await c.execute("UPDATE files SET released=$1 WHERE id=(SELECT picture FROM users WHERE uid=$2)", now, uid)
            await c.execute("DELETE FROM uploads WHERE uid=$1", uid)
            for (mid,) in await c.fetch("SELECT mid FROM messages WHERE sender=$1", uid):
                await self._detach_files(c, mid, now)
            for table, col in (("tokens", "uid"), ("devices", "uid"), ("events", "uid"), ("heads", "uid"),
                               ("hidden", "uid"), ("members", "uid"), ("subs", "uid"), ("subs", "target"),
                               ("blocks", "uid"), ("blocks", "blocked"), ("users", "uid")):
                await c.execute(f"DELETE FROM {table} WHERE {col}=$1", uid)
            # the messages it sent go with it: no history, edit, recall or cid of theirs outlives them
            await c.execute("DELETE FROM hidden WHERE mid IN (SELECT mid FROM messages WHERE sender=$1)", uid)
            await c.execute("DELETE FROM messages WHERE sender=$1", uid)
            tx.drop(uid)
            self.tail.forget(uid)
            if addr:
                for gid in gids:
                    await self._group_event(tx, gid, "members", 0, added=[], removed=[addr])
        _, touched = await self._write(op)
        return touched

    async def add_token(self, token_hash: bytes, uid: int, appid: str, device: str, expires: int, now: int) -> bool:
        """Add a device's token, revoking the earlier ones of that device; return whether there were any."""
        async def op(tx: Batch) -> bool:
            replaced = await tx.conn.fetch("UPDATE tokens SET revoked=1 WHERE uid=$1 AND device=$2 AND revoked=0 "
                                           "RETURNING 1", uid, device)
            await tx.conn.execute("INSERT INTO tokens(token_hash, uid, appid, device, expires, created) "
                                  "VALUES($1,$2,$3,$4,$5,$6)", token_hash, uid, appid, device, expires, now)
            # a new device starts at the user's head: it gets what comes next, and history on request
            await tx.conn.execute("INSERT INTO devices(uid, device, cursor) "
                                  "VALUES($1, $2, coalesce((SELECT seq FROM heads WHERE uid=$1), 0)) "
                                  "ON CONFLICT DO NOTHING", uid, device)
            return bool(replaced)
        replaced, _ = await self._write(op)
        return bool(replaced)

    async def token(self, token_hash: bytes) -> TokenInfo | None:
        r = await self.pool.fetchrow(
            "SELECT t.uid, u.app_id, u.address, t.appid, t.device, t.expires, t.revoked, u.active "
            "FROM tokens t JOIN users u ON u.uid=t.uid WHERE t.token_hash=$1", token_hash)
        return TokenInfo(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), bool(r[7])) if r else None

    async def revoke_tokens(self, uid: int, device: str | None) -> list[str]:
        async def op(tx: Batch) -> list[str]:
            where, args = ("uid=$1 AND revoked=0", (uid,)) if device is None else \
                ("uid=$1 AND device=$2 AND revoked=0", (uid, device))
            rows = await tx.conn.fetch(f"UPDATE tokens SET revoked=1 WHERE {where} RETURNING device", *args)
            return sorted({r[0] for r in rows})
        devices, _ = await self._write(op)
        return devices

    # -- the event log --------------------------------------------------------------------------

    async def head(self, uid: int) -> int:
        return await self.pool.fetchval(HEAD, uid)

    async def cursor(self, uid: int, device: str) -> int:
        r = await self.pool.fetchval("SELECT cursor FROM devices WHERE uid=$1 AND device=$2", uid, device)
        return r or 0

    async def events_after(self, uid: int, after: int, limit: int, now: int,
                           max_bytes: int) -> tuple[list[str], list[int]]:
        """Frame items for the events after `after` (see shared.frame_items)."""
        rows = self.tail.after(uid, after, limit, now)
        if rows is None:
            rows = await self.pool.fetch("SELECT seq, body, state, deadline FROM events WHERE uid=$1 AND seq>$2 "
                                         "ORDER BY seq LIMIT $3", uid, after, limit)
        return frame_items(rows, now, max_bytes)

    async def ack(self, acks: list[tuple[int, str, int, str]], now: int) -> Touched:
        """Store device cursors (uid, device, seq, address); the first ack of a message is its DELIVERED."""
        async def op(tx: Batch) -> None:
            rows = await tx.conn.fetch(_ACK, [a[0] for a in acks], [a[1] for a in acks], [a[2] for a in acks])
            first: dict[int, tuple[int, str]] = {}  # statuses in the order of the acks, each user's by seq
            for i, (uid, _device, _seq, address) in enumerate(acks):
                first.setdefault(uid, (i, address))
            delivered = [(mid, sender, cid, gid, first[uid][1])
                         for uid, _seq, mid, sender, cid, gid in sorted(rows, key=lambda r: (first[r[0]][0], r[1]))]
            for owner, body in delivered_events(delivered, now):
                tx.append(owner, body)
        _, touched = await self._write(op)
        return touched

    async def due(self, now: int, limit: int, after: tuple[int, int, int] = (0, 0, 0)) -> list[tuple[int, int, int]]:
        """(deadline, uid, seq) of incoming messages past their deadline that no device acknowledged,
        oldest first, starting past `after` (the last row of the previous page)."""
        rows = await self.pool.fetch(
            "SELECT deadline, uid, seq FROM events WHERE state=0 AND deadline<$1 AND (deadline, uid, seq) > ($2,$3,$4) "
            "ORDER BY deadline, uid, seq LIMIT $5", now, *after, limit)
        return [(r[0], r[1], r[2]) for r in rows]

    async def expire(self, items: list[tuple[int, int]], now: int) -> Touched:
        """Expire these (uid, seq) messages if still unacknowledged past their deadline; senders get EXPIRED."""
        async def op(tx: Batch) -> None:
            c = tx.conn
            for uid, seq in items:
                mid = await c.fetchval("UPDATE events SET state=3 WHERE uid=$1 AND seq=$2 AND state=0 AND deadline<$3 "
                                       "RETURNING mid", uid, seq, now)
                if mid is None:
                    continue
                m = await c.fetchrow("SELECT sender, cid, gid FROM messages WHERE mid=$1", mid)
                addr = await c.fetchval("SELECT address FROM users WHERE uid=$1", uid)
                if m and addr:
                    tx.append(m[0], event(k="status", ts=now, mid=mid, cid=m[1], peer=addr, gid=m[2],
                                          status=int(Status.EXPIRED)))
        _, touched = await self._write(op)
        return touched

    # -- messages -------------------------------------------------------------------------------

    async def sent(self, app_id: int, sender: int, cid: str) -> SendResult | None:
        r = await self.pool.fetchrow("SELECT mid, ts FROM messages WHERE app_id=$1 AND sender=$2 AND cid=$3",
                                     app_id, sender, cid)
        return SendResult(r[0], cid, int(Status.SENT), r[1], dup=True) if r else None

    async def send(self, msg: OutMessage) -> tuple[SendResult, Touched]:
        return await self._write(self._send_op, msg)

    async def _prepare(self, tx: Batch, ops: list[tuple[Any, tuple[Any, ...]]]) -> None:
        """Insert the messages of every send in the batch with one statement, in the batch's order (mids
        rise in it); a send finds its mid in tx.premade, or none when its cid was stored already."""
        msgs = [args[0] for op, args in ops if op == self._send_op]
        if len(msgs) > 1:  # one alone costs less as a plain insert (no arrays to build and unnest)
            cols = [[getattr(m, name) for m in msgs] for name in _SEND_FIELDS]
            cols[_SEND_FIELDS.index("file")] = [json_or_none(m.file) for m in msgs]
            cols[_SEND_FIELDS.index("fwd")] = [int(m.fwd) for m in msgs]
            tx.premade = {(m.app_id, m.sender, m.cid): None for m in msgs}
            tx.premade.update({(r[1], r[2], r[3]): r[0] for r in await tx.conn.fetch(_SEND_MANY, *cols)})

    async def _send_op(self, tx: Batch, msg: OutMessage) -> SendResult:
        c = tx.conn
        key = (msg.app_id, msg.sender, msg.cid)
        if key in tx.premade:  # inserted (or found stored) with the batch's other messages
            mid = tx.premade.pop(key)
        else:  # alone in its batch, or a second send of a cid earlier in this one
            mid = await c.fetchval(
                "INSERT INTO messages(app_id, sender, from_addr, cid, to_uid, to_addr, gid, ts, expiry, flag, type, "
                "message, title, file, fwd) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) "
                "ON CONFLICT(app_id, sender, cid) DO NOTHING RETURNING mid",
                msg.app_id, msg.sender, msg.sender_address, msg.cid, msg.to, msg.to_address, msg.gid, msg.ts,
                msg.expiry, msg.flag, msg.type, msg.message, msg.title, json_or_none(msg.file), int(msg.fwd))
        if mid is None:  # a resend of a cid already committed (or sent earlier in this batch)
            r = await c.fetchrow("SELECT mid, ts FROM messages WHERE app_id=$1 AND sender=$2 AND cid=$3",
                                 msg.app_id, msg.sender, msg.cid)
            return SendResult(r[0], msg.cid, int(Status.SENT), r[1], dup=True)
        if msg.file and msg.file.get("id"):
            await c.execute("INSERT INTO attachments(file_id, mid) VALUES($1,$2) ON CONFLICT DO NOTHING",
                            msg.file["id"], mid)
        out, incoming = message_events(msg, mid)
        tx.append(msg.sender, out)
        if msg.gid:
            gflag = await c.fetchval("SELECT flag FROM groups WHERE gid=$1", msg.gid)
            rows = await c.fetch("SELECT uid, flags FROM members WHERE gid=$1", msg.gid)
            blockers = {r[0] for r in await c.fetch("SELECT b.uid FROM members m JOIN blocks b ON b.uid=m.uid "
                                                    "AND b.blocked=$1 WHERE m.gid=$2", msg.sender, msg.gid)}
            recipients = group_recipients(msg, gflag, rows, blockers)
        else:
            recipients = [msg.to]
        for uid in recipients:
            tx.append(uid, incoming, mid, PENDING, msg.deadline)
        return SendResult(mid, msg.cid, int(Status.SENT), msg.ts)

    async def call_record(self, rec: CallRecord) -> Touched:
        """A call's outcome as a message from caller to callee, in both logs, stored once per call."""
        async def op(tx: Batch) -> None:
            mid = await tx.conn.fetchval(
                "INSERT INTO messages(app_id, sender, from_addr, cid, to_uid, to_addr, gid, ts, expiry, flag, type, "
                "message, title, file, fwd, callinfo) VALUES($1,$2,$3,$4,$5,$6,0,$7,0,0,0,'','',NULL,0,$8) "
                "ON CONFLICT DO NOTHING RETURNING mid",
                rec.app_id, rec.caller, rec.caller_address, call_cid(rec), rec.callee, rec.callee_address,
                rec.ts, json_or_none(call_info(rec)))
            if mid is None:
                return  # this call was recorded already
            out, incoming = call_events(rec, mid)
            tx.append(rec.caller, out)
            tx.append(rec.callee, incoming)
        _, touched = await self._write(op)
        return touched

    async def read(self, uid: int, address: str, mids: list[int], now: int) -> tuple[int, Touched]:
        async def op(tx: Batch) -> int:
            c = tx.conn
            count = 0
            for mid in mids:
                row = await c.fetchrow(
                    "SELECT d.seq, d.state, m.sender, m.cid, m.gid, m.flag, m.from_addr FROM events d "
                    "JOIN messages m ON m.mid=d.mid WHERE d.mid=$1 AND d.uid=$2 FOR UPDATE OF d", mid, uid)
                if row is None or row[1] in (READ, EXPIRED):
                    continue
                seq, state, sender, cid, gid, flag, from_addr = row
                await c.execute("UPDATE events SET state=$3 WHERE uid=$1 AND seq=$2", uid, seq, READ)
                count += 1
                for owner, body in read_events(uid, address, mid, state, sender, cid, gid, flag, from_addr, now):
                    tx.append(owner, body)
            return count
        return await self._write(op)

    async def update(self, app_id: int, uid: int, mid: int, op_name: str, text: str | None, now: int) -> Touched:
        """edit / recall (own messages, to everyone who has it) or delete (for this user's devices)."""
        async def op(tx: Batch) -> None:
            c = tx.conn
            m = await c.fetchrow("SELECT sender, from_addr, to_uid, to_addr, gid, recalled FROM messages "
                                 "WHERE mid=$1 AND app_id=$2 FOR UPDATE", mid, app_id)
            if m is None:
                raise LookupError("no such message")
            sender, from_addr, to_uid, to_addr, gid, recalled = m
            parties = {sender} | {r[0] for r in await c.fetch("SELECT uid FROM events WHERE mid=$1", mid)}
            if uid not in parties:
                raise LookupError("no such message")
            if op_name == "delete":
                await c.execute("INSERT INTO hidden(uid, mid) VALUES($1,$2) ON CONFLICT DO NOTHING", uid, mid)
                hidden = {r[0] for r in await c.fetch("SELECT uid FROM hidden WHERE mid=$1", mid)}
                if parties <= hidden:  # deleted by everyone who had it: its file may go after the grace period
                    await self._detach_files(c, mid, now)
                peer = to_addr if uid == sender else (from_addr if not gid else "")
                tx.append(uid, event(k="update", ts=now, mid=mid, op="delete", peer=peer, gid=gid))
                return
            if uid != sender:
                raise PermissionError("only the sender may edit or recall a message")
            if recalled and op_name == "edit":  # an edit would bring back the text the recall wiped
                raise PermissionError("a recalled message cannot be edited")
            if op_name == "edit":
                await c.execute("UPDATE messages SET message=$1, edited=1 WHERE mid=$2", text or "", mid)
            else:
                await c.execute("UPDATE messages SET message='', title='', file=NULL, recalled=1 WHERE mid=$1", mid)
                await self._detach_files(c, mid, now)
            for party, body in update_events(op_name, parties, sender, from_addr, to_addr, gid, mid, text, now):
                tx.append(party, body)
        _, touched = await self._write(op)
        return touched

    @staticmethod
    async def _detach_files(c: Any, mid: int, now: int) -> None:
        """The message no longer carries its files: their grace period starts unless another holds them."""
        ids = [r[0] for r in await c.fetch("DELETE FROM attachments WHERE mid=$1 RETURNING file_id", mid)]
        if ids:
            await c.execute("UPDATE files SET released=$1 WHERE id=ANY($2::text[])", now, ids)

    async def history(self, app_id: int, uid: int, peer: int, gid: int, before: int | None,
                      limit: int) -> tuple[list[dict[str, Any]], bool]:
        """A conversation's messages as its reader has them (see SQLiteStore.history)."""
        bound = before if before is not None else 2**62
        cols = (f"SELECT {HISTORY_COLUMNS} FROM messages m "
                "LEFT JOIN events d ON d.mid=m.mid AND d.uid=CASE WHEN m.sender=$1 THEN m.to_uid ELSE $1 END ")
        hidden = "AND m.app_id=$5 AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.uid=$1 AND h.mid=m.mid) "
        if gid:
            # a group's message only when it reached the reader's own log (or the reader sent it)
            # (an incoming message that expired unseen is not shown, so it takes no place in the page)
            rows = await self.pool.fetch(cols + "WHERE m.gid=$2 AND m.mid<$3 AND (m.sender=$1 OR "
                                         f"(d.uid IS NOT NULL AND d.state IS DISTINCT FROM {EXPIRED})) " +
                                         hidden +
                                         "ORDER BY m.mid DESC LIMIT $4", uid, gid, bound, limit + 1, app_id)
        else:
            rows = await self.pool.fetch(cols + "WHERE m.gid=0 AND ((m.sender=$1 AND m.to_uid=$2) OR "
                                         "(m.sender=$2 AND m.to_uid=$1)) AND m.mid<$3 "
                                         f"AND (m.sender=$1 OR d.state IS DISTINCT FROM {EXPIRED}) " + hidden +
                                         "ORDER BY m.mid DESC LIMIT $4", uid, peer, bound, limit + 1, app_id)
        return history_page(rows, uid, limit)

    async def conversations(self, app_id: int, uid: int, before: int | None,
                            limit: int) -> tuple[list[dict[str, Any]], bool]:
        """The latest message of each of uid's conversations older than mid `before` (see SQLiteStore)."""
        rows = await self.pool.fetch(_CONVERSATIONS, uid, app_id, before if before is not None else 2**62, limit + 1)
        return history_page(rows, uid, limit)

    async def recipient(self, app_id: int, address: str, sender: int) -> tuple[int, bool] | None:
        """(uid, whether it blocked the sender) of an active user, in one look-up (shared with the
        look-ups that queue while one is in flight: see coalesce.py)."""
        return await self._recipients.get((app_id, address, sender))

    async def _recipient(self, key: tuple[int, str, int]) -> tuple[int, bool] | None:
        app_id, address, sender = key
        r = await self.pool.fetchrow(
            "SELECT u.uid, EXISTS(SELECT 1 FROM blocks b WHERE b.uid=u.uid AND b.blocked=$1) FROM users u "
            "WHERE u.app_id=$2 AND u.address=$3 AND u.active=1", sender, app_id, address)
        return (r[0], bool(r[1])) if r else None

    async def _recipients_of(self, keys: list[tuple[int, str, int]]) -> list[tuple[int, bool] | None]:
        rows = await self.pool.fetch(
            "SELECT x.n, u.uid, EXISTS(SELECT 1 FROM blocks b WHERE b.uid=u.uid AND b.blocked=x.s) "
            "FROM unnest($1::bigint[], $2::text[], $3::bigint[]) WITH ORDINALITY AS x(a, addr, s, n) "
            "JOIN users u ON u.app_id=x.a AND u.address=x.addr AND u.active=1",
            [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys])
        found = {r[0]: (r[1], bool(r[2])) for r in rows}
        return [found.get(n) for n in range(1, len(keys) + 1)]

    async def is_blocked(self, by: int, uid: int) -> bool:
        return await self.pool.fetchval("SELECT 1 FROM blocks WHERE uid=$1 AND blocked=$2", by, uid) is not None

    async def blockers(self, uids: list[int], of: int) -> list[int]:
        """Those of `uids` who blocked `of`."""
        rows = await self.pool.fetch("SELECT uid FROM blocks WHERE uid=ANY($1::bigint[]) AND blocked=$2", uids, of)
        return [r[0] for r in rows]

    # -- profiles -------------------------------------------------------------------------------

    async def set_profile(self, uid: int, fields: dict[str, Any], now: int) -> Touched:
        async def op(tx: Batch) -> None:
            c = tx.conn
            cols = {k: v for k, v in fields.items() if k in ("name", "status", "picture") and v is not None}
            if "picture" in cols:
                await c.execute("UPDATE files SET released=$1 WHERE id=(SELECT picture FROM users WHERE uid=$2)",
                                now, uid)
            if cols:
                sets = ", ".join(f"{k}=${i + 2}" for i, k in enumerate(cols))
                await c.execute(f"UPDATE users SET {sets} WHERE uid=$1", uid, *cols.values())
            u = await c.fetchrow("SELECT address, name, status, picture FROM users WHERE uid=$1", uid)
            if u is None:
                raise LookupError("no such user")
            thumb = await c.fetchval("SELECT thumb FROM files WHERE id=$1", u[3]) if u[3] else None
            body = event(k="profile", ts=now, address=u[0], name=u[1], status=u[2], picture=u[3], thumb=thumb or "")
            audience = {uid}
            audience.update(r[0] for r in await c.fetch("SELECT uid FROM subs WHERE target=$1", uid))
            audience.update(r[0] for r in await c.fetch(
                "SELECT DISTINCT o.uid FROM members m JOIN members o ON o.gid=m.gid WHERE m.uid=$1", uid))
            audience.difference_update(r[0] for r in await c.fetch("SELECT blocked FROM blocks WHERE uid=$1", uid))
            for who in sorted(audience):
                tx.append(who, body)
        _, touched = await self._write(op)
        return touched

    async def set_lastseen(self, uid: int, ts: int) -> None:
        async def op(tx: Batch) -> None:
            await tx.conn.execute("UPDATE users SET lastseen=$1 WHERE uid=$2", ts, uid)
        await self._write(op)

    async def subscribe(self, uid: int, target: int, on: bool) -> None:
        async def op(tx: Batch) -> None:
            if on:
                await tx.conn.execute("INSERT INTO subs(uid, target) VALUES($1,$2) ON CONFLICT DO NOTHING", uid, target)
            else:
                await tx.conn.execute("DELETE FROM subs WHERE uid=$1 AND target=$2", uid, target)
        await self._write(op)

    async def subscribers(self, uid: int) -> list[int]:
        """Who gets uid's presence: its subscribers, but not those it blocked."""
        return [r[0] for r in await self.pool.fetch(
            "SELECT s.uid FROM subs s WHERE s.target=$1 AND NOT EXISTS("
            "SELECT 1 FROM blocks b WHERE b.uid=$1 AND b.blocked=s.uid)", uid)]

    async def block(self, uid: int, target: int, on: bool) -> None:
        async def op(tx: Batch) -> None:
            if on:
                await tx.conn.execute("INSERT INTO blocks(uid, blocked) VALUES($1,$2) ON CONFLICT DO NOTHING", uid, target)
            else:
                await tx.conn.execute("DELETE FROM blocks WHERE uid=$1 AND blocked=$2", uid, target)
        await self._write(op)

    # -- files ----------------------------------------------------------------------------------

    _FILE = "SELECT id, size, mime, type, width, height, thumb, created FROM files"

    async def file_added(self, meta: FileMeta, uid: int, now: int) -> None:
        async def op(tx: Batch) -> None:
            await tx.conn.execute(
                "INSERT INTO files(id, size, mime, type, width, height, thumb, created, released) "
                "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT(id) DO UPDATE SET released=excluded.released",
                meta.id, meta.size, meta.mime, meta.type, meta.width, meta.height, meta.thumb, meta.created, now)
            await tx.conn.execute("INSERT INTO uploads(uid, file_id) VALUES($1,$2) ON CONFLICT DO NOTHING", uid, meta.id)
        await self._write(op)

    async def file_meta(self, file_id: str) -> FileMeta | None:
        r = await self.pool.fetchrow(self._FILE + " WHERE id=$1", file_id)
        return FileMeta(*r) if r else None

    async def file_access(self, uid: int, app_id: int, file_id: str) -> bool:
        """Whether uid may read the file (see SQLiteStore.file_access)."""
        return bool(await self.pool.fetchval(
            "SELECT EXISTS(SELECT 1 FROM uploads WHERE uid=$1 AND file_id=$2) "
            "OR EXISTS(SELECT 1 FROM attachments a JOIN messages m ON m.mid=a.mid WHERE a.file_id=$2 AND m.sender=$1 "
            "          AND a.mid NOT IN (SELECT mid FROM hidden WHERE uid=$1)) "
            "OR EXISTS(SELECT 1 FROM attachments a JOIN events e ON e.mid=a.mid AND e.uid=$1 WHERE a.file_id=$2 "
            "          AND e.state!=3 AND a.mid NOT IN (SELECT mid FROM hidden WHERE uid=$1)) "
            "OR EXISTS(SELECT 1 FROM users WHERE picture=$2 AND app_id=$3)", uid, file_id, app_id))

    _UNREFERENCED = ("released<{} AND NOT EXISTS(SELECT 1 FROM attachments a WHERE a.file_id=files.id) "
                     "AND NOT EXISTS(SELECT 1 FROM users u WHERE u.picture=files.id)")

    async def file_garbage(self, cutoff: int, limit: int) -> list[str]:
        """Files no message or profile refers to since before `cutoff`."""
        rows = await self.pool.fetch(f"SELECT id FROM files WHERE {self._UNREFERENCED.format('$1')} LIMIT $2",
                                     cutoff, limit)
        return [r[0] for r in rows]

    async def file_drop(self, file_id: str, cutoff: int) -> bool:
        """Forget a file if it is still unreferenced since before `cutoff` (an upload may have renewed it)."""
        async def op(tx: Batch) -> bool:
            gone = await tx.conn.fetchval(
                f"DELETE FROM files WHERE id=$1 AND {self._UNREFERENCED.format('$2')} RETURNING id", file_id, cutoff)
            if gone is not None:
                await tx.conn.execute("DELETE FROM uploads WHERE file_id=$1", file_id)
            return gone is not None
        dropped, _ = await self._write(op)
        return bool(dropped)

    # -- groups ---------------------------------------------------------------------------------

    _GROUP = "SELECT gid, app_id, name, flag, expiry, active FROM groups"
    _MEMBERS = ("SELECT m.uid, u.address, m.flags, m.admin FROM members m JOIN users u ON u.uid=m.uid "
                "WHERE m.gid=$1 ORDER BY m.uid")

    async def _group_row(self, conn: Any, r: Any, with_members: bool) -> Group:
        g = Group(r[0], r[1], r[2], r[3], r[4], bool(r[5]))
        if with_members:
            g.members = [Member(m[0], m[1], m[2], bool(m[3])) for m in await conn.fetch(self._MEMBERS, g.gid)]
        return g

    async def group(self, gid: int, with_members: bool = True) -> Group | None:
        r = await self.pool.fetchrow(self._GROUP + " WHERE gid=$1", gid)
        return await self._group_row(self.pool, r, with_members) if r else None

    async def group_for_sender(self, gid: int, uid: int) -> tuple[Group, Member | None, int] | None:
        """The group (members listed), the sender's membership (None: not a member), the member count."""
        g = await self.group(gid, with_members=True)
        if g is None:
            return None
        return g, next((m for m in g.members if m.uid == uid), None), len(g.members)

    async def groups_of(self, uid: int) -> list[Group]:
        rows = await self.pool.fetch(self._GROUP + " WHERE gid IN (SELECT gid FROM members WHERE uid=$1) ORDER BY gid",
                                     uid)
        return [await self._group_row(self.pool, r, True) for r in rows]

    async def app_groups(self, app_id: int) -> list[Group]:
        rows = await self.pool.fetch(self._GROUP + " WHERE app_id=$1 ORDER BY gid", app_id)
        return [await self._group_row(self.pool, r, False) for r in rows]

    async def _group_event(self, tx: Batch, gid: int, op: str, now: int, to: list[int] | None = None,
                           **fields: Any) -> None:
        """Append one group event to `to` (default: every member now): the group's own fields, its
        member count and `fields` (a delta, never the member list, so its size follows the change)."""
        r = await tx.conn.fetchrow("SELECT name, flag, active, (SELECT count(*) FROM members WHERE gid=$1) FROM groups "
                                   "WHERE gid=$1", gid)
        if r is None:
            return
        body = event(k="group", ts=now, op=op, gid=gid, name=r[0], flag=r[1], active=bool(r[2]), count=r[3], **fields)
        if to is None:
            to = [row[0] for row in await tx.conn.fetch("SELECT uid FROM members WHERE gid=$1 ORDER BY uid", gid)]
        for uid in to:
            tx.append(uid, body)

    async def create_group(self, app_id: int, name: str, flag: int, expiry: int,
                           members: list[tuple[int, int, bool]], now: int, creator: int = 0) -> tuple[int, Touched]:
        async def op(tx: Batch) -> int:
            gid = await tx.conn.fetchval("INSERT INTO groups(app_id, name, flag, expiry, created, creator) "
                                         "VALUES($1,$2,$3,$4,$5,$6) RETURNING gid", app_id, name, flag, expiry, now,
                                         creator)
            await tx.conn.executemany("INSERT INTO members(gid, uid, flags, admin) VALUES($1,$2,$3,$4) "
                                      "ON CONFLICT DO NOTHING",
                                      [(gid, uid, flags, int(admin)) for uid, flags, admin in members])
            await self._group_event(tx, gid, "create", now)
            return gid
        return await self._write(op)

    async def groups_created(self, uid: int) -> int:
        return await self.pool.fetchval("SELECT count(*) FROM groups WHERE creator=$1", uid)

    async def set_group(self, gid: int, name: str | None, flag: int | None, expiry: int | None,
                        active: bool | None, now: int) -> Touched:
        async def op(tx: Batch) -> None:
            cols = {k: v for k, v in (("name", name), ("flag", flag), ("expiry", expiry),
                                      ("active", None if active is None else int(active))) if v is not None}
            if cols:
                sets = ", ".join(f"{k}=${i + 2}" for i, k in enumerate(cols))
                await tx.conn.execute(f"UPDATE groups SET {sets} WHERE gid=$1", gid, *cols.values())
            await self._group_event(tx, gid, "set", now)
        _, touched = await self._write(op)
        return touched

    async def edit_members(self, gid: int, add: list[tuple[int, int, bool]], remove: list[int], now: int) -> Touched:
        """Add (or change) and remove members (see SQLiteStore.edit_members)."""
        async def op(tx: Batch) -> None:
            c = tx.conn
            before = {r[0] for r in await c.fetch("SELECT uid FROM members WHERE gid=$1", gid)}
            await c.executemany("INSERT INTO members(gid, uid, flags, admin) VALUES($1,$2,$3,$4) "
                                "ON CONFLICT(gid, uid) DO UPDATE SET flags=excluded.flags, admin=excluded.admin",
                                [(gid, uid, flags, int(admin)) for uid, flags, admin in add])
            address = {r[0]: r[1] for r in await c.fetch(
                "SELECT m.uid, u.address FROM members m JOIN users u ON u.uid=m.uid WHERE m.gid=$1 "
                "AND m.uid=ANY($2::bigint[])", gid, [u for u, _, _ in add] + remove)}
            gone = [uid for uid in dict.fromkeys(remove) if uid in address]
            if gone:
                await c.execute("DELETE FROM members WHERE gid=$1 AND uid=ANY($2::bigint[])", gid, gone)
            changed = {uid: (flags, admin) for uid, flags, admin in add if uid not in gone}
            stay = sorted(before - set(gone))
            if changed or gone:
                await self._group_event(tx, gid, "members", now, to=stay, removed=[address[u] for u in gone],
                                        added=[{"address": address[u], "flags": fl, "admin": ad}
                                               for u, (fl, ad) in changed.items()])
            for uid in sorted(set(changed) - before):
                flags, admin = changed[uid]
                await self._group_event(tx, gid, "joined", now, to=[uid], flags=flags, admin=admin)
            await self._group_event(tx, gid, "removed", now, to=gone)
        _, touched = await self._write(op)
        return touched

    async def delete_group(self, gid: int, now: int) -> Touched:
        async def op(tx: Batch) -> None:
            members = [r[0] for r in await tx.conn.fetch("SELECT uid FROM members WHERE gid=$1", gid)]
            body = event(k="group", ts=now, op="delete", gid=gid)
            for uid in members:
                tx.append(uid, body)
            await tx.conn.execute("DELETE FROM members WHERE gid=$1", gid)
            await tx.conn.execute("DELETE FROM groups WHERE gid=$1", gid)
        _, touched = await self._write(op)
        return touched

