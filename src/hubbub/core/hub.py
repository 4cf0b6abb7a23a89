"""The hub: message routing over a Store and a Bus, for every session of this node.

It decides (who may send what to whom, which status a send gets), commits through the store, and
after each commit wakes the devices whose logs grew. It knows neither sockets nor SQL.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
import time
from typing import TYPE_CHECKING, Any, Iterator

import msgspec

from ..bus.base import Bus
from ..calls.service import EXCEPT, ONLY, CallService, unaddress
from ..files.blobs import is_blob_id
from ..config import Settings
from ..protocol import frames as f
from ..protocol.constants import Activity, Close, GroupFlag, MemberFlag, Status
from ..protocol.errors import ProtocolError
from ..store.base import EVENT_BYTES, Group, Member, OutMessage, SendResult, Store, TokenInfo, Touched
from .shared_quota import LocalQuota, open_quota
from .admission import Admission
from .cluster import Cluster
from .deadlines import TokenDeadlines
from .order import SendOrder, Ticket
from .quota import Buckets
from .session import Session
from .tokens import token_hash

if TYPE_CHECKING:
    from ..files.service import Files

log = logging.getLogger("hubbub.hub")
REREAD_ATTEMPTS, REREAD_RETRY = 10, 1.0
"""Passes over the users whose head could not be re-read after a bus loss, and seconds between them."""

REALTIME_GRACE_MS = 30_000
"""An expiry-0 message reaches devices online now; if they drop before it arrives, it expires after this."""

ACK_STREAM_WAIT = 4
"""Acks still streaming in when `ack_delay` is up wait, in all, at most this many times `ack_delay`."""
ACK_QUIET_PARTS = 4
"""... and are stored once a fraction 1/ACK_QUIET_PARTS of `ack_delay` passes with no ack taken in."""


class Hub:
    """Routes frames from sessions to the store and wakes the devices whose logs grew."""

    def __init__(self, settings: Settings, store: Store, bus: Bus, files: "Files | None" = None) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.files = files
        # a store whose reads never suspend offers them as plain calls: sessions push without a task
        self.read_now = getattr(store, "events_after_now", None)
        # acks wait for a send's commit only where commits run on the loop (SQLite); on PostgreSQL
        # each flush goes at once, as before (a delayed flush hung in tests/core/test_nodes.py, not
        # understood yet: see docs/architecture.md)
        self._ack_delay = settings.ack_delay if self.read_now is not None else 0.0
        self.sessions: dict[int, dict[str, Session]] = {}
        # one timer for the token expiry of every connection, not one per connection (core/deadlines.py)
        self.deadlines = TokenDeadlines(self.all_sessions, self.now)
        self._sweeper: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._acks: dict[tuple[int, str], tuple[int, str]] = {}
        self._acks_flushing = False
        self._acks_timer: asyncio.TimerHandle | None = None  # set while acks wait for `ack_delay`
        self._acks_taken = 0  # acks taken in so far (the flush timer tells a stream from its end)
        self._acks_seen = 0   # ... when the timer was armed or last looked
        self._acks_since = 0.0  # loop time the oldest waiting ack came in
        self._acks_storing: dict[tuple[int, str], tuple[int, str]] = {}  # the batch being committed
        self.calls = CallService(self)
        self.admission = Admission(settings)  # how many connections, how many authenticating, who waits
        # quotas per user, shared by the nodes of a Redis bus (see core/shared_quota.py, docs/security.md)
        self._writes = open_quota(settings, "w", settings.user_write_bytes, settings.user_write_interval)
        self._group_ops = open_quota(settings, "g", settings.group_ops_per_minute, 60.0)
        self._chat_lists = open_quota(settings, "c", settings.conversations_per_minute, 60.0)
        self._send_order = SendOrder()
        # frames per connection (rate_limit a second, rate_burst at once): one bucket per session, kept
        # only while it is not full, so an idle connection holds none
        self.frames = Buckets(settings.rate_burst, settings.rate_burst / settings.rate_limit)
        self.delivered = 0  # events acknowledged by this node's clients (metrics)
        self._reread: asyncio.Task[None] | None = None  # see _reread_heads
        self._reread_again = False
        self.draining = False  # SIGTERM: no new sessions, /readyz fails (server/drain.py)
        self.cluster = Cluster(bus, settings.bus_heartbeat, settings.bus_node_timeout, self._local_connections,
                               self._replaced_elsewhere, self._revoked_elsewhere)

    # -- life cycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        await self.store.open()
        await self.bus.start(self._on_wake, self._on_signal, self._on_control, self._on_resync)
        self.cluster.start()
        self.calls.start()
        self._writes.start()
        self._group_ops.start()
        self._chat_lists.start()
        self._sweeper = asyncio.ensure_future(self._sweep())

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
        self.deadlines.stop()
        if self._reread is not None:
            self._reread.cancel()
        self.calls.stop()
        await self.close_sessions()
        self.cluster.stop()  # `bye` after the sessions' `leave`s: a leave from a node gone asks it `hello`
        while self._acks or self._acks_flushing:  # acks taken in are stored before the store closes
            self._flush_acks_now()
            await asyncio.gather(*self._background, return_exceptions=True)
        if self._acks_timer is not None:
            self._acks_timer.cancel()
            self._acks_timer = None
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self._writes.stop()
        await self._group_ops.stop()
        await self._chat_lists.stop()
        await self.bus.close()
        await self.store.close()

    def start_draining(self) -> None:
        """SIGTERM: no new sessions, /readyz fails, and the other nodes hear it (server/drain.py)."""
        self.draining = True
        self.cluster.drain()

    async def close_sessions(self) -> None:
        """Close every connection (the server is stopping): RECONNECT when draining, else GOING_AWAY."""
        code, reason = ((Close.RECONNECT, "node draining: reconnect now") if self.draining
                        else (Close.GOING_AWAY, "server shutting down"))
        closing = [s.close(code, reason, await_acks=False)
                   for conns in list(self.sessions.values()) for s in list(conns.values())]
        await asyncio.gather(*closing, return_exceptions=True)

    @staticmethod
    def now() -> int:
        return int(time.time() * 1000)

    def spawn(self, coro: Any) -> None:
        """Run a coroutine in the background; stop() waits for it, so no committed work is cut off."""
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- wake-ups -------------------------------------------------------------------------------

    def notify(self, touched: Touched) -> None:
        """After a commit: wake the devices of every user whose log grew, on every node."""
        if touched:
            self.bus.wake(touched)

    def _on_wake(self, touched: Touched) -> None:
        for uid, head in touched.items():
            for s in self.sessions.get(uid, {}).values():
                s.notify(head)

    def _on_control(self, node: str, message: list[Any]) -> None:
        if message and message[0] == "missed":
            self._reread_heads()  # that node dropped wake-ups (it lost Redis): catch up from the store
        self.cluster.on_control(node, message)
        self.calls.on_control(node, message)

    def _on_signal(self, uid: int, frame: str) -> None:
        self.deliver_signal(uid, frame)

    def deliver_signal(self, uid: int, frame: str) -> None:
        """Hand a signal frame to this node's connections of uid (it reached this node)."""
        conns = self.sessions.get(uid, {})
        how, key, frame = unaddress(frame)
        if how == ONLY:
            target = conns.get(key or "")
            if target is not None:
                target.emit(frame)
            return
        for k, s in list(conns.items()):
            if not (how == EXCEPT and k == key):
                s.emit(frame)

    def _on_resync(self) -> None:
        """The bus was lost and is back: re-read the heads of every user served here (wake-ups missed)."""
        self.cluster.on_resync()
        self.calls.resynced()
        self._reread_heads()

    def _reread_heads(self) -> None:
        """Wake-ups may have been missed: re-read the heads of every user served here. One pass at a
        time (a call during one asks for another after it); a user whose read fails is read again a
        moment later, the others meanwhile (the blip that cut Redis may cut the store). Only reads:
        stop() cancels it rather than wait."""
        self._reread_again = True
        if self._reread is None or self._reread.done():
            self._reread = asyncio.ensure_future(self._reread_passes())

    async def _reread_passes(self) -> None:
        uids: list[int] = []
        for _attempt in range(REREAD_ATTEMPTS):
            if self._reread_again:
                self._reread_again = False
                uids = list(dict.fromkeys([*uids, *self.sessions]))
            failed: list[int] = []
            error: Exception | None = None
            for uid in uids:
                try:
                    head = await self.store.head(uid)
                except Exception as exc:
                    failed.append(uid)
                    error = exc
                    continue
                self._on_wake({uid: head})
            uids = failed
            if not uids and not self._reread_again:
                return
            if uids:
                log.warning("re-reading heads after a bus loss: %d failed (%s); again in %g s",
                            len(uids), error, REREAD_RETRY)
                await asyncio.sleep(REREAD_RETRY)
        if uids:
            log.error("re-reading heads after a bus loss: gave up after %d passes (%d users left)",
                      REREAD_ATTEMPTS, len(uids))

    def _local_connections(self) -> list[tuple[int, str, str]]:
        return [(uid, key, s.ident.device) for uid, conns in self.sessions.items() for key, s in conns.items()
                if s.ident is not None]

    def _replaced_elsewhere(self, uid: int, key: str) -> None:
        old = self.sessions.get(uid, {}).get(key)
        if old is not None:
            self._sign_out(old, "replaced by a newer connection of this device")

    def _sign_out(self, session: Session, reason: str) -> None:
        session.emit(f.encode({"t": "signout", "reason": reason}).decode())
        self.spawn(session.close(Close.SIGNOUT, reason))

    def online(self, uid: int) -> bool:
        """Whether a device of uid is connected to this node or (as far as the bus told) another."""
        return bool(self.sessions.get(uid)) or self.cluster.roster.online(uid)

    def connection_count(self) -> int:
        return sum(len(d) for d in self.sessions.values())

    def all_sessions(self) -> Iterator[Session]:
        """Every authenticated session of this node."""
        for conns in self.sessions.values():
            yield from conns.values()

    # -- sessions -------------------------------------------------------------------------------

    async def authenticate(self, token: str, appid: str) -> TokenInfo:
        info = await self.store.token(token_hash(token))
        if info is None:
            raise ProtocolError("AUTHFAIL", "unknown token")
        if info.revoked:
            raise ProtocolError("AUTHFAIL", "token revoked")
        if info.expires <= self.now():
            raise ProtocolError("AUTHFAIL", "token expired")
        if info.appid != appid:
            raise ProtocolError("AUTHFAIL", "token was issued for another appid")
        if not info.active:
            raise ProtocolError("AUTHFAIL", "user is not active")
        # the ident lives as long as the connection: its appid (one per app) and device id (often
        # alike across users) are shared strings, not a copy per connection
        return dataclasses.replace(info, appid=sys.intern(info.appid), device=sys.intern(info.device))

    def attach(self, session: Session, ident: TokenInfo) -> str | None:
        """Register a session; return why it is refused, or None.

        A connection is known by its device, or by device and tab for browsers that cannot share
        one connection between tabs (`auth.tab`). A new connection with the same key wins.
        """
        roster = self.cluster.roster
        conns = self.sessions.setdefault(ident.uid, {})
        old = conns.get(session.key)
        elsewhere = roster.holder(ident.uid, session.key)
        devices = {s.ident.device for s in conns.values() if s.ident is not None} | roster.devices(ident.uid)
        if old is None and elsewhere is None:
            if ident.device not in devices and len(devices) >= self.settings.max_devices:
                if not conns:
                    del self.sessions[ident.uid]
                return f"{ident.address} is already online on {len(devices)} devices (max_devices)"
            tabs = sum(1 for s in conns.values() if s.ident is not None and s.ident.device == ident.device)
            tabs += roster.tabs(ident.uid, ident.device)
            if tabs >= self.settings.max_tabs:
                if not conns:
                    del self.sessions[ident.uid]
                return f"device {ident.device} already has {tabs} connections (max_tabs)"
        first = not conns and not roster.online(ident.uid)
        conns[session.key] = session
        self.deadlines.watch(ident.expires)
        if old is not None:
            self._sign_out(old, "replaced by a newer connection of this device")
        if elsewhere is not None:
            self.cluster.replace(ident.uid, session.key, elsewhere)
        self.cluster.joined(ident.uid, session.key, ident.device)
        if first:
            self.spawn(self._announce(ident, Activity.ONLINE))
        return None

    def detach(self, session: Session) -> None:
        ident = session.ident
        if ident is None:
            return
        conns = self.sessions.get(ident.uid)
        if conns and conns.get(session.key) is session:
            del conns[session.key]
            self.calls.detached(ident, session.key)
            self.cluster.left(ident.uid, session.key)
            if not conns:
                del self.sessions[ident.uid]
                self.spawn(self._gone(ident))

    def devices_online(self, uid: int) -> list[str]:
        """The devices of uid connected to any node (as far as the bus told)."""
        local = {s.ident.device for s in self.sessions.get(uid, {}).values() if s.ident is not None}
        return sorted(local | self.cluster.roster.devices(uid))

    async def _gone(self, ident: TokenInfo) -> None:
        await self.store.set_lastseen(ident.uid, self.now())
        if not self.online(ident.uid):
            await self._announce(ident, Activity.OFFLINE)

    async def _announce(self, ident: TokenInfo, activity: int) -> None:
        frame = f.encode({"t": "presence", "from": ident.address, "gid": 0, "activity": int(activity),
                          "ts": self.now()}).decode()
        for uid in await self.store.subscribers(ident.uid):
            self.bus.signal(uid, frame)

    async def revoke(self, uid: int, devices: list[str]) -> None:
        """Tokens were revoked: sign those devices out (every tab of them), here and on every node."""
        self.cluster.revoke(uid, devices)
        for s in list(self.sessions.get(uid, {}).values()):
            if s.ident is not None and s.ident.device in devices:
                s.emit(f.encode({"t": "signout", "reason": "token revoked"}).decode())
                await s.close(Close.SIGNOUT, "token revoked")

    def _revoked_elsewhere(self, uid: int, devices: list[str]) -> None:
        for s in list(self.sessions.get(uid, {}).values()):
            if s.ident is not None and s.ident.device in devices:
                self._sign_out(s, "token revoked")

    async def ack(self, ident: TokenInfo, seq: int) -> None:
        """Store one device's cursor now."""
        self.notify(await self.store.ack([(ident.uid, ident.device, seq, ident.address)], self.now()))

    def cursor_pending(self, uid: int, device: str) -> int:
        """The newest ack of a device taken in but not committed yet (0: none): a connection that
        resumes from the device's cursor starts after it, not after the stored one."""
        key = (uid, device)
        return max(self._acks.get(key, (0, ""))[0], self._acks_storing.get(key, (0, ""))[0])

    def ack_later(self, ident: TokenInfo, seq: int) -> None:
        """Store a cursor soon: the acks of every device fold into one write, which the next send's
        commit carries (or, when no send comes, a timer after `ack_delay`): under paced traffic an
        ack costs no commit of its own. A DELIVERED status waits for that write."""
        key = (ident.uid, ident.device)
        if seq > self._acks.get(key, (0, ""))[0]:
            self._acks[key] = (seq, ident.address)
        self._acks_taken += 1
        if not self._acks_flushing:
            self._acks_soon()

    def _acks_soon(self) -> None:
        """Flush within `ack_delay`. One timer at a time, never cancelled: a send that takes the acks
        along leaves it to find nothing (no timer armed and cancelled per message)."""
        if self._acks_timer is not None:
            return
        if self._ack_delay <= 0:
            self._flush_acks_now()
        else:
            loop = asyncio.get_running_loop()
            self._acks_seen, self._acks_since = self._acks_taken, loop.time()
            self._acks_timer = loop.call_later(self._ack_delay, self._acks_due)

    def _acks_due(self) -> None:
        """The acks waited `ack_delay`. While they are still streaming in (the members of a group
        acknowledging one message: ~1,000 frames read over 10-30 ms) wait a little more, up to
        ACK_STREAM_WAIT times `ack_delay` in all: a flush in the middle of the stream stored part
        of it in a commit of its own, so each member's log page was written twice per message
        (that commit, then the next send's) and the next send waited behind it (see
        docs/architecture.md, Fan-out). The next send takes whatever waits then."""
        self._acks_timer = None
        if not self._acks:
            return
        loop = asyncio.get_running_loop()
        if self._acks_taken != self._acks_seen:
            waited = loop.time() - self._acks_since
            if waited < ACK_STREAM_WAIT * self._ack_delay:
                self._acks_seen = self._acks_taken
                quiet = min(self._ack_delay / ACK_QUIET_PARTS, ACK_STREAM_WAIT * self._ack_delay - waited)
                self._acks_timer = loop.call_later(quiet, self._acks_due)
                return
        self._flush_acks_now()

    def _flush_acks_now(self) -> None:
        """Queue the waiting acks for the store's next write (a send about to commit joins it)."""
        if self._acks and not self._acks_flushing:
            self._acks_flushing = True
            self.spawn(self._flush_acks())

    async def _flush_acks(self) -> None:
        batch, self._acks = self._acks, {}
        self._acks_storing = batch
        try:
            acks = [(uid, device, seq, address) for (uid, device), (seq, address) in batch.items()]
            self.notify(await self.store.ack(acks, self.now()))
        finally:
            self._acks_flushing = False
            self._acks_storing = {}
            if self._acks:  # taken in while this write committed: the next send or the timer takes them
                self._acks_soon()

    def expire(self, items: list[tuple[int, int]]) -> None:
        """Expire these (uid, seq) messages in the background (found overdue while pushing)."""
        async def run() -> None:
            self.notify(await self.store.expire(items, self.now()))
        self.spawn(run())

    def in_flight(self, uid: int, seq: int) -> bool:
        """Whether a connected device of uid was sent this event and has not acknowledged it yet."""
        return any(s.acked < seq <= s.sent_upto for s in self.sessions.get(uid, {}).values())

    async def _sweep(self) -> None:
        """Expire undelivered messages past their deadline.

        A message pushed before its deadline is left alone while its device still holds it unacknowledged:
        the ack, however late, makes it DELIVERED. Once that connection is gone, the next sweep expires it.
        """
        while True:
            await asyncio.sleep(self.settings.expiry_sweep_interval)
            try:
                await self.sweep_once()
            except Exception:
                log.exception("expiry sweep failed")

    SWEEP_PAGE = 1000

    async def sweep_once(self) -> None:
        """One pass over every overdue row, a page at a time: rows held by a connected device are
        paged past, so they never stall the rows behind them."""
        now, after = self.now(), (0, 0, 0)
        while True:
            due = await self.store.due(now, self.SWEEP_PAGE, after)
            # an ack taken in but not committed yet may make these DELIVERED: they wait for the next sweep
            acking = {uid for uid, _device in (*self._acks, *self._acks_storing)}
            items = [(uid, seq) for _, uid, seq in due if uid not in acking and not self.in_flight(uid, seq)]
            if items:
                self.notify(await self.store.expire(items, now))
            if len(due) < self.SWEEP_PAGE:
                return
            after = due[-1]

    # -- messages -------------------------------------------------------------------------------

    async def resolve(self, ident: TokenInfo, address: str) -> int:
        user = await self.store.user(ident.app_id, address)
        if user is None or not user.active:
            raise LookupError(address)
        return user.uid

    # -- quotas ---------------------------------------------------------------------------------

    async def _spend(self, uid: int, cost: int) -> None:
        """Charge `cost` bytes of log writes to uid, or refuse with RATELIMIT when its budget is spent."""
        await self._writes.ready(uid)  # a round trip to Redis only for a user not active here lately
        if not self._writes.take(uid, cost):
            s = self.settings
            raise ProtocolError("RATELIMIT", f"over user_write_bytes ({s.user_write_bytes} bytes of log writes per "
                                             f"{s.user_write_interval:g} s); try again later")

    async def _per_minute(self, quota: LocalQuota, setting: str, ident: TokenInfo) -> None:
        """Take one operation from a quota of `setting` operations per minute, or refuse with RATELIMIT."""
        if not await quota.take_now(ident.uid, 1):
            raise ProtocolError("RATELIMIT", f"over {setting} ({getattr(self.settings, setting)}); try again later")

    async def _group_op(self, ident: TokenInfo) -> None:
        await self._per_minute(self._group_ops, "group_ops_per_minute", ident)

    # -- sending --------------------------------------------------------------------------------

    async def send(self, ident: TokenInfo, fr: f.Send, quota: bool = True) -> dict[str, Any]:
        """Validate and commit one send; a device's sends enter the store in arrival order (see order.py).

        `quota`: charge the bytes it writes to the sender (not for the trusted backend API)."""
        ticket = self._send_order.ticket((ident.uid, ident.device))
        try:
            result = await self._new_send(ident, fr, quota, ticket)
        finally:
            ticket.release()
        return {"mid": result.mid, "cid": result.cid, "status": result.status, "ts": result.ts, "dup": result.dup}

    async def _new_send(self, ident: TokenInfo, fr: f.Send, quota: bool, ticket: Ticket) -> SendResult:
        s = self.settings
        now = self.now()
        if len(fr.message.encode()) + len(fr.title.encode()) > s.max_message_bytes:
            raise ProtocolError("TOOBIG", f"message and title exceed max_message_bytes ({s.max_message_bytes})")
        expiry = s.default_expiry if fr.expiry is None else min(fr.expiry, s.max_expiry)

        async def fail(status: Status) -> SendResult:
            # a resend of a message committed earlier keeps its answer, whatever changed since
            return await self.store.sent(ident.app_id, ident.uid, fr.cid) or SendResult(0, fr.cid, int(status), now)

        to_uid, to_address, logs = 0, "", 2
        if fr.gid:
            # the sender's membership and the count, not a list of every member (built per send, it
            # was 4 ms of a 1,000-member group's critical path)
            found = await self.store.group_for_sender(fr.gid, ident.uid)
            if found is None or found[0].app_id != ident.app_id or not found[0].active:
                return await fail(Status.INVALIDDEST)
            group, member, count = found
            if not self._member_may_send(group.flag, member):
                return await fail(Status.NOTMEMBER)
            if group.flag & GroupFlag.NOSTORE:  # no store-and-forward: members online now only
                expiry = 0
            elif fr.expiry is None and group.expiry > 0:
                expiry = min(group.expiry, s.max_expiry)
            if expiry == 0 and not await self._anyone_else_online(fr.gid, ident.uid):
                return await fail(Status.USEROFFLINE)
            logs = count + 1
        else:
            if not fr.to:
                raise ProtocolError("BADREQUEST", "send needs `to` or `gid`")
            recipient = await self.store.recipient(ident.app_id, fr.to, ident.uid)
            if recipient is None:
                return await fail(Status.INVALIDDEST)
            to_uid, blocked = recipient
            to_address = fr.to
            if blocked:
                return await fail(Status.BLOCKED)
            if expiry == 0 and not self.online(to_uid):
                return await fail(Status.USEROFFLINE)
        deadline = now + (expiry * 1000 if expiry else REALTIME_GRACE_MS)
        file = msgspec.structs.asdict(fr.file) if fr.file else None
        if file and file["id"]:
            if self.files is None:
                raise ProtocolError("BADREQUEST", "this server stores no files")
            file = await self.files.attach(ident, file)
        cost = logs * (EVENT_BYTES + len(fr.message.encode()) + len(fr.title.encode()) + (len(str(file)) if file else 0))
        if quota:
            await self._spend(ident.uid, cost)  # charged before the commit: concurrent sends see it at once
        msg = OutMessage(ident.app_id, ident.uid, ident.address, fr.cid, to_uid, to_address, fr.gid, fr.message,
                         fr.title, fr.flag | (0x40 if fr.fwd else 0), expiry, fr.type, file, fr.fwd, now, deadline)
        await ticket.turn()
        ticket.release()  # the next send resumes only after store.send below has queued this one
        if self._acks:  # the acks waiting ride in this send's transaction
            self._flush_acks_now()
        result, touched = await self.store.send(msg)
        if quota and result.dup:
            self._writes.charge(ident.uid, -cost)  # a resend writes nothing
        self.notify(touched)
        return result

    @staticmethod
    def _may_send(group: Group, uid: int) -> bool:
        return Hub._member_may_send(group.flag, next((m for m in group.members if m.uid == uid), None))

    @staticmethod
    def _member_may_send(flag: int, member: Member | None) -> bool:
        if flag & GroupFlag.ANYONE_SEND:
            return True
        if member is None:
            return False
        return not (flag & GroupFlag.SELECTED_SEND) or bool(member.flags & MemberFlag.SEND)

    async def _anyone_else_online(self, gid: int, uid: int) -> bool:
        group = await self.store.group(gid, with_members=True)
        return group is not None and any(self.online(m.uid) for m in group.members if m.uid != uid)

    async def read(self, ident: TokenInfo, fr: f.Read) -> dict[str, Any]:
        count, touched = await self.store.read(ident.uid, ident.address, fr.mids, self.now())
        self.notify(touched)
        return {"count": count}

    async def _update(self, ident: TokenInfo, mid: int, op: str, text: str | None) -> dict[str, Any]:
        try:
            touched = await self.store.update(ident.app_id, ident.uid, mid, op, text, self.now())
        except LookupError as exc:
            raise ProtocolError("NOTFOUND", str(exc)) from None
        except PermissionError as exc:
            raise ProtocolError("FORBIDDEN", str(exc)) from None
        self.notify(touched)
        return {"mid": mid}

    async def edit(self, ident: TokenInfo, fr: f.Edit) -> dict[str, Any]:
        if len(fr.message.encode()) > self.settings.max_message_bytes:
            raise ProtocolError("TOOBIG", "message exceeds max_message_bytes")
        return await self._update(ident, fr.mid, "edit", fr.message)

    async def delete(self, ident: TokenInfo, fr: f.Delete) -> dict[str, Any]:
        return await self._update(ident, fr.mid, "delete", None)

    async def recall(self, ident: TokenInfo, fr: f.Recall) -> dict[str, Any]:
        return await self._update(ident, fr.mid, "recall", None)

    async def history(self, ident: TokenInfo, fr: f.History) -> dict[str, Any]:
        limit = min(fr.limit, self.settings.max_history_page)
        peer = 0
        if fr.gid:
            group = await self.store.group(fr.gid, with_members=True)
            if group is None or group.app_id != ident.app_id or all(m.uid != ident.uid for m in group.members):
                raise ProtocolError("FORBIDDEN", "not a member of that group")
        else:
            try:
                peer = await self.resolve(ident, fr.peer)
            except LookupError:
                raise ProtocolError("NOTFOUND", f"no user {fr.peer!r}") from None
        messages, more = await self.store.history(ident.app_id, ident.uid, peer, fr.gid, fr.before, limit)
        return self._page(messages, more)

    async def conversations(self, ident: TokenInfo, fr: f.Conversations) -> dict[str, Any]:
        """The reader's chat list: the latest message of each conversation, paged by `before` like history."""
        # it reads the user's whole log: a budget per user, so that asking again and again cannot
        # keep the store busy
        await self._per_minute(self._chat_lists, "conversations_per_minute", ident)
        limit = min(fr.limit, self.settings.max_history_page)
        messages, more = await self.store.conversations(ident.app_id, ident.uid, fr.before, limit)
        return self._page(messages, more)

    def _page(self, messages: list[dict[str, Any]], more: bool) -> dict[str, Any]:
        """A page of messages, capped in bytes too (it waits in the send buffer like any frame): the
        newest that fit, at least one; the reader pages on from the oldest it got."""
        room = self.settings.max_history_bytes
        for n, m in enumerate(messages):
            room -= len(f.encode(m))
            if room < 0 and n:
                return {"messages": messages[:n], "more": True}
        return {"messages": messages, "more": more}

    # -- presence -------------------------------------------------------------------------------

    async def presence(self, ident: TokenInfo, fr: f.Presence) -> dict[str, Any]:
        frame = f.encode({"t": "presence", "from": ident.address, "gid": fr.gid, "activity": fr.activity,
                          "ts": self.now()}).decode()
        if fr.gid:
            group = await self.store.group(fr.gid, with_members=True)
            if group is None or group.app_id != ident.app_id or not self._may_send(group, ident.uid):
                raise ProtocolError("FORBIDDEN", "not a member of that group")
            others = [m.uid for m in group.members if m.uid != ident.uid]
            refusing = set(await self.store.blockers(others, ident.uid))
            targets = [uid for uid in others if uid not in refusing]
        else:
            try:
                uid = await self.resolve(ident, fr.to)
            except LookupError:
                raise ProtocolError("NOTFOUND", f"no user {fr.to!r}") from None
            if await self.store.is_blocked(uid, ident.uid):
                return {"delivered": 0}
            targets = [uid]
        for uid in targets:
            self.bus.signal(uid, frame)
        return {"delivered": sum(1 for uid in targets if self.online(uid))}

    # -- profiles -------------------------------------------------------------------------------

    async def set_profile(self, ident: TokenInfo, fr: f.ProfileSet) -> dict[str, Any]:
        fields = {"name": fr.name, "status": fr.status, "picture": fr.picture}
        if fr.picture and is_blob_id(fr.picture):  # a stored picture, not a link
            if self.files is None:
                raise ProtocolError("BADREQUEST", "this server stores no files")
            await self.files.picture(ident, fr.picture)
        await self._spend(ident.uid, 0)  # the audience is known after the write: charged then
        touched = await self.store.set_profile(ident.uid, fields, self.now())
        size = EVENT_BYTES + sum(len(v.encode()) for v in fields.values() if v)
        self._writes.charge(ident.uid, len(touched) * size)
        self.notify(touched)
        return {}

    async def profiles(self, ident: TokenInfo, fr: f.Profiles) -> dict[str, Any]:
        users = [u for u in [await self.store.user(ident.app_id, a) for a in dict.fromkeys(fr.addresses)] if u]
        hiding = set(await self.store.blockers([u.uid for u in users], ident.uid))  # no online/last seen for them
        out = []
        for u in users:
            meta = await self.store.file_meta(u.picture) if is_blob_id(u.picture) else None
            out.append({"address": u.address, "name": u.name, "status": u.status, "picture": u.picture,
                        "thumb": meta.thumb if meta else "", "online": u.uid not in hiding and self.online(u.uid),
                        "lastseen": 0 if u.uid in hiding else u.lastseen})
        return {"profiles": out}

    async def _target(self, ident: TokenInfo, address: str) -> int:
        try:
            return await self.resolve(ident, address)
        except LookupError:
            raise ProtocolError("NOTFOUND", f"no user {address!r}") from None

    async def subscribe(self, ident: TokenInfo, fr: f.Subscribe) -> dict[str, Any]:
        target = await self._target(ident, fr.address)
        if fr.on and await self.store.is_blocked(target, ident.uid):
            raise ProtocolError("FORBIDDEN", f"{fr.address} does not share its presence with you")
        await self.store.subscribe(ident.uid, target, fr.on)
        return {"online": self.online(target)}

    async def block(self, ident: TokenInfo, fr: f.Block) -> dict[str, Any]:
        await self.store.block(ident.uid, await self._target(ident, fr.address), fr.on)
        return {}

    # -- groups ---------------------------------------------------------------------------------

    async def _uids(self, ident: TokenInfo, addresses: list[str]) -> list[int]:
        uids = []
        for a in dict.fromkeys(addresses):
            uids.append(await self._target(ident, a))
        return uids

    async def _addable(self, ident: TokenInfo, uids: list[int], addresses: list[str]) -> None:
        """Nobody is put in a group by a user it blocked."""
        refusing = set(await self.store.blockers(uids, ident.uid))
        if refusing:
            names = [a for u, a in zip(uids, dict.fromkeys(addresses)) if u in refusing]
            raise ProtocolError("FORBIDDEN", f"{', '.join(names[:20])} may not be added to a group by you")

    async def _admin_group(self, ident: TokenInfo, gid: int, allow_self_only: bool = False) -> Group:
        group = await self.store.group(gid, with_members=True)
        if group is None or group.app_id != ident.app_id or not group.active:
            raise ProtocolError("NOTFOUND", f"no group {gid}")
        me = next((m for m in group.members if m.uid == ident.uid), None)
        if me is None:
            raise ProtocolError("FORBIDDEN", "not a member of that group")
        if not me.admin and not allow_self_only:
            raise ProtocolError("FORBIDDEN", "only group admins may do that")
        return group

    async def group_create(self, ident: TokenInfo, fr: f.GroupCreate) -> dict[str, Any]:
        s = self.settings
        others = await self._uids(ident, fr.members)
        if len(others) + 1 > s.max_group_members:
            raise ProtocolError("TOOBIG", f"a group has at most {s.max_group_members} members")
        await self._addable(ident, others, fr.members)
        if await self.store.groups_created(ident.uid) >= s.max_groups_per_user:
            raise ProtocolError("RATELIMIT", f"you have created max_groups_per_user ({s.max_groups_per_user}) "
                                             "groups; delete one first")
        await self._group_op(ident)
        members = [(ident.uid, int(MemberFlag.ALL), True)] + [(u, int(MemberFlag.ALL), False)
                                                              for u in others if u != ident.uid]
        await self._spend(ident.uid, len(members) * (EVENT_BYTES + len(fr.name.encode())))
        gid, touched = await self.store.create_group(ident.app_id, fr.name, fr.flag, 0, members, self.now(),
                                                     creator=ident.uid)
        self.notify(touched)
        return {"gid": gid}

    async def group_set(self, ident: TokenInfo, fr: f.GroupSet) -> dict[str, Any]:
        group = await self._admin_group(ident, fr.gid)
        await self._group_op(ident)
        await self._spend(ident.uid, len(group.members) * (EVENT_BYTES + len((fr.name or group.name).encode())))
        self.notify(await self.store.set_group(fr.gid, fr.name, fr.flag, None, None, self.now()))
        return {"gid": fr.gid}

    async def group_members(self, ident: TokenInfo, fr: f.GroupMembers) -> dict[str, Any]:
        group = await self._admin_group(ident, fr.gid, allow_self_only=True)
        me = next(m for m in group.members if m.uid == ident.uid)
        add = await self._uids(ident, fr.add)
        remove = await self._uids(ident, fr.remove)
        if not me.admin and (add or remove != [ident.uid]):
            raise ProtocolError("FORBIDDEN", "only group admins may change members (anyone may remove itself)")
        if len({m.uid for m in group.members} | set(add)) > self.settings.max_group_members:
            raise ProtocolError("TOOBIG", f"a group has at most {self.settings.max_group_members} members")
        await self._addable(ident, add, fr.add)
        await self._group_op(ident)
        delta = sum(len(a.encode()) + 40 for a in [*fr.add, *fr.remove])
        await self._spend(ident.uid, len(group.members) * (EVENT_BYTES + delta) + len(add) * EVENT_BYTES)
        self.notify(await self.store.edit_members(fr.gid, [(u, fr.flags, fr.admin) for u in add], remove,
                                                  self.now()))
        return {"gid": fr.gid}

    @staticmethod
    def group_json(g: Group) -> dict[str, Any]:
        return {"gid": g.gid, "name": g.name, "flag": g.flag, "expiry": g.expiry, "active": g.active,
                "members": [{"address": m.address, "flags": m.flags, "admin": m.admin} for m in g.members]}

    async def group_get(self, ident: TokenInfo, fr: f.GroupGet) -> dict[str, Any]:
        group = await self._admin_group(ident, fr.gid, allow_self_only=True)
        return {"group": self.group_json(group)}

    async def groups(self, ident: TokenInfo, fr: f.Groups) -> dict[str, Any]:
        return {"groups": [self.group_json(g) for g in await self.store.groups_of(ident.uid) if g.active]}

    async def group_delete(self, ident: TokenInfo, fr: f.GroupDelete) -> dict[str, Any]:
        group = await self._admin_group(ident, fr.gid)
        await self._group_op(ident)
        await self._spend(ident.uid, len(group.members) * EVENT_BYTES)
        self.notify(await self.store.delete_group(fr.gid, self.now()))
        return {"gid": fr.gid}

    async def ping(self, ident: TokenInfo, fr: f.Ping) -> dict[str, Any]:
        return {"ts": self.now()}
