"""One client connection as a state machine, with its transport injected.

The I/O layer feeds it text frames (`feed`) and tells it when the socket closed (`closed`); the
session answers through the `Transport` it was given. So the whole protocol runs in tests with an
in-memory transport, and the WebSocket layer stays a few lines.

States: NEW (waiting for auth) -> OPEN -> CLOSING (last frames leave, acks still count) -> CLOSED.

Memory per connection is bounded in bytes: events in flight by `window_bytes` (and `window` events),
each events frame by `max_events_frame_bytes`, and other frames waiting behind a blocked write by
`send_buffer_bytes`.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Protocol

from ..protocol import frames as f
from ..protocol.constants import PROTOCOL_VERSION, Close
from ..protocol.errors import ProtocolError
from ..store.base import TokenInfo
from .credit import Credit

if TYPE_CHECKING:
    from .hub import Hub

log = logging.getLogger("hubbub.session")

NEW, OPEN, CLOSING, CLOSED = "new", "open", "closing", "closed"
_EVENTS_HEAD, _EVENTS_TAIL = '{"t":"events","events":[', "]}"
_EVENTS_FRAMING = len(_EVENTS_HEAD) + len(_EVENTS_TAIL) - 1  # an events frame's bytes besides its items' (and commas)


class Transport(Protocol):
    """What a session needs from a socket.

    A transport may also have `write_now(texts) -> bool`: write these frames at once if the socket
    takes them without waiting (then one system call serves them all), or write nothing and say
    False; the session then falls back to `send`, one frame at a time.
    """

    async def send(self, text: str) -> None: ...
    async def close(self, code: int, reason: str) -> None: ...


class Session:
    """The server side of one connection (see module docstring)."""

    # slots: a session lives as long as its connection, most of it idle (see docs/architecture.md);
    # an idle one holds no list, timer or task of its own (empty queues are None or ())
    __slots__ = ("hub", "transport", "state", "ident", "key", "strikes", "acked", "sent_upto",
                 "known_head", "_out", "_out_bytes", "_writing", "_inflight", "_inflight_bytes", "_feeding",
                 "_tasks", "_writer_task", "_pusher_task", "_pushing", "_sends", "close_reason", "_deadline",
                 "_stall", "_admitted", "_pending", "_streaming")

    def __init__(self, hub: "Hub", transport: Transport, reserved: bool = False) -> None:
        """`reserved`: the connection waited for a place to authenticate and was handed one
        (`Admission.wait`)."""
        self.hub = hub
        self.transport = transport
        s = hub.settings
        self.state = NEW
        self.ident: TokenInfo | None = None
        self.key = ""  # the device id, or "device#tab" for a browser tab with a connection of its own
        self.strikes = 0
        self.acked = 0        # newest seq the client acknowledged
        self.sent_upto = 0    # newest seq pushed to the client
        self.known_head = 0   # newest seq known to exist in the log
        self._out: list[str] | None = None  # frames to write; the writer takes the whole list at once
        self._out_bytes = 0
        self._writing = False  # the writer waits in transport.send (the client is not reading yet)
        # (seq, bytes) of the events unacknowledged; None while there are none (an idle connection)
        self._inflight: collections.deque[tuple[int, int]] | None = None  # (seq, bytes) unacknowledged
        self._inflight_bytes = 0
        self._feeding = False  # inside feed(): the receive loop waits for us, so no ack can arrive
        self._tasks: tuple[asyncio.Task[Any], ...] = ()
        # No task while idle: the writer and the pusher run only while they have work (emit, _kick).
        # Each is first a callback for the next loop turn (cheaper than a task, and what one turn
        # queued leaves together); a task only when it must wait (a socket that does not take the
        # frames now, a store whose reads suspend).
        self._writer_task: asyncio.Task[None] | asyncio.Handle | None = None
        self._pushing = False  # inside _push_now, which writes its frames itself at its end
        self._pusher_task: asyncio.Task[None] | asyncio.Handle | None = None
        self._deadline: asyncio.TimerHandle | None = None  # the auth deadline (token expiry: hub.deadlines)
        self._streaming = False  # the welcome went out: events may follow
        self._sends: Credit | None = None  # made by the first send
        self._stall: asyncio.TimerHandle | None = None  # set while a full window waits for an ack
        self.close_reason = ""
        refused = hub.admission.admit(reserved)
        self._admitted = self._pending = refused is None  # counted by the hub while it lives / until auth
        if refused is not None:  # the server is full: say so and go, before any frame is read
            self.state = CLOSING
            self.close_reason = refused
            self._tasks = (asyncio.ensure_future(self._close_now(Close.TRY_AGAIN, refused)),)
            return
        self._deadline = asyncio.get_running_loop().call_later(s.auth_timeout, self._auth_late)

    # -- input from the I/O layer ---------------------------------------------------------------

    async def feed(self, text: str | bytes) -> None:
        """Handle one frame from the client."""
        if self.state == CLOSED:
            return
        if self.state == CLOSING:  # only an ack still counts: it moves the device's cursor
            try:
                frame = f.decode(text)
            except ProtocolError:
                return
            if type(frame) is f.Ack:
                self.on_ack(frame.seq)
            return
        self._feeding = True
        try:
            await self._feed(text)
        finally:
            self._feeding = False

    async def _feed(self, text: str | bytes) -> None:
        if not self.hub.frames.take(self, 1.0):
            self.strikes += 1
            if self.strikes >= self.hub.settings.rate_strikes:
                await self.close(Close.RATELIMIT, "too many frames: rate limit exceeded")
                return
            # dropped unread: only its head is looked at, for the `r` to answer
            self.error("RATELIMIT", f"over {self.hub.settings.rate_limit:g} frames per second; frame dropped",
                       f.peek_r(text))
            return
        self.strikes = 0
        try:
            frame = f.decode(text)
        except ProtocolError as exc:
            self.error(exc.code, exc.reason, exc.r)
            if self.state == NEW:
                await self.close(Close.PROTOCOL, f"{exc.code}: the first frame must be a valid auth frame")
            return
        if self.state == NEW:
            await self._auth(frame)
            return
        handler = _HANDLERS.get(type(frame))
        if handler is None:  # auth again
            self.error("BADREQUEST", "already authenticated", frame.r)
            return
        if type(frame) is f.Send:
            # sends are committed concurrently but enqueued in arrival order (see Store.send)
            # and held in memory until answered: at most `window` of them and `sends_in_flight_bytes`
            if self._sends is None:
                self._sends = Credit(self.hub.settings.window, self.hub.settings.sends_in_flight_bytes)
            sends = self._sends
            size = f.byte_len(text) if isinstance(text, str) else len(text)
            await sends.acquire(size)
            task = asyncio.ensure_future(self._call(handler, frame))
            task.add_done_callback(lambda _t: sends.release(size))
            return
        await self._call(handler, frame)

    async def binary(self) -> None:
        await self.close(Close.PROTOCOL, "binary frames are not part of the protocol")

    async def closed(self) -> None:
        """The socket is gone (either side closed it)."""
        if self.state == CLOSED:
            return
        self.state = CLOSED
        self._cancel_tasks()
        if self._writer_task is not None:
            self._writer_task.cancel()
        self._unstall()
        if self._admitted:
            self.hub.admission.release(self._pending)
            self._admitted = self._pending = False
        self.hub.frames.forget(self)
        self.hub.detach(self)

    # -- output ---------------------------------------------------------------------------------

    def queued_bytes(self) -> int:
        """Bytes queued to this client and not yet written (metrics)."""
        return self._out_bytes

    def emit(self, text: str) -> None:
        """Queue a frame for the client without waiting.

        A client that does not read is dropped once more than `send_buffer_bytes` wait behind a
        write that has not finished; a big frame handed to an idle writer is not that.
        """
        if self.state == CLOSED:
            return
        if self._out is None:
            self._out = [text]
        else:
            self._out.append(text)
        self._out_bytes += f.byte_len(text)
        if self._writer_task is None and not self._pushing:
            self._writer_task = asyncio.get_running_loop().call_soon(self._write_out)
        if self._writing and self._out_bytes > self.hub.settings.send_buffer_bytes and self.state != CLOSING:
            asyncio.ensure_future(self.close(Close.RATELIMIT, "client does not read its frames"))

    def reply(self, r: Any, **fields: Any) -> None:
        if r is not None:
            self.emit(f.encode({"t": "res", "r": r, "ok": True, **fields}).decode())

    def error(self, code: str, reason: str, r: Any = None) -> None:
        if r is not None:
            self.emit(f.encode({"t": "res", "r": r, "ok": False, "error": code, "reason": reason}).decode())
        else:
            self.emit(f.encode({"t": "error", "code": code, "reason": reason}).decode())

    async def close(self, code: int, reason: str, *, await_acks: bool = True) -> None:
        """Close with `code`: queued frames (the error that explains the close, the last events) get
        `close_grace` seconds to leave, and the client's ack of them is still taken in meanwhile
        (unless `await_acks` is False: a server shutting down, whose clients resume with `after`)."""
        if self.state in (CLOSING, CLOSED):
            return
        self.state = CLOSING
        self.close_reason = reason
        self._cancel_tasks()  # no new events: what is in flight is what the client may still ack
        try:
            await asyncio.wait_for(self._settle(await_acks and not self._feeding), self.hub.settings.close_grace)
        except (asyncio.TimeoutError, Exception):
            pass
        await self._close_now(code, reason)

    async def _close_now(self, code: int, reason: str) -> None:
        await self.closed()
        try:
            await self.transport.close(int(code), close_reason(reason))
        except Exception:  # the socket may already be gone
            pass

    def _cancel_tasks(self) -> None:
        """Stop the auth deadline, the pusher and the session's other tasks, but not the one running
        this close (the token deadline, say), nor the writer (the last frames still leave)."""
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        me = asyncio.current_task()
        for t in [self._pusher_task, *self._tasks]:
            if t is not None and t is not me:
                t.cancel()

    async def _settle(self, acks: bool) -> None:
        """Until every send in flight was answered, every queued frame written and, with `acks`,
        acknowledged. (Inside feed() the receive loop waits for us, so no ack can arrive.)"""
        while self.state == CLOSING and (self._out or self._writing or (acks and self.acked < self.sent_upto)
                                         or (self._sends is not None and self._sends.in_flight[0] > 0)):
            await asyncio.sleep(0.005)

    def _write_out(self) -> None:
        """Write what this loop turn queued in one go if the socket takes it now; else start the writer."""
        self._writer_task = None
        if not self._out or self.state == CLOSED:
            return
        write_now = getattr(self.transport, "write_now", None)
        if write_now is not None:
            try:
                written = write_now(self._out)
            except Exception:  # socket gone; the I/O layer reports the close
                written = True
            if written:
                self._out = None
                self._out_bytes = 0
                return
        self._writer_task = asyncio.ensure_future(self._writer())

    async def _writer(self) -> None:
        """Write the queued frames one at a time, waiting for the socket, then end (emit starts it again)."""
        try:
            while self._out:
                batch, self._out = self._out, None
                for text in batch:
                    self._out_bytes -= f.byte_len(text)
                    self._writing = True
                    await self.transport.send(text)
                    self._writing = False
        except asyncio.CancelledError:
            raise
        except Exception:  # socket gone; the I/O layer reports the close
            self._out = None
            self._out_bytes = 0
            self._writing = False
        finally:
            self._writer_task = None

    # -- auth -----------------------------------------------------------------------------------

    def _auth_late(self) -> None:
        self._deadline = None
        if self.state == NEW:
            self.error("NOTAUTH", "no auth frame in time")
            self.hub.spawn(self.close(Close.PROTOCOL, "no auth frame in time"))

    async def _auth(self, frame: f.ClientFrame) -> None:
        if type(frame) is not f.Auth:
            self.error("NOTAUTH", "the first frame must be auth", frame.r)
            await self.close(Close.PROTOCOL, "the first frame must be auth")
            return
        if frame.v != PROTOCOL_VERSION:
            self.error("BADVERSION", f"this server speaks protocol version {PROTOCOL_VERSION}", frame.r)
            await self.close(Close.PROTOCOL, "unsupported protocol version")
            return
        if frame.tab is not None and frame.after is None:
            # another tab's ack moved the device's cursor: resuming from it would skip events
            self.error("BADREQUEST", "auth: a connection with `tab` must send `after` (a seq, or \"cursor\")",
                       frame.r)
            await self.close(Close.PROTOCOL, "auth: a connection with tab must send after")
            return
        try:
            ident = await self.hub.authenticate(frame.token, frame.appid)
        except ProtocolError as exc:
            self.error(exc.code, exc.reason)
            await self.close(Close.AUTHFAIL, f"{exc.code}: {exc.reason}")
            return
        if self.state == CLOSED:
            return
        if self.hub.draining:  # accepted just before the node stopped listening: go elsewhere
            await self.close(Close.RECONNECT, "node draining: reconnect now")
            return
        self.key = ident.device if frame.tab is None else f"{ident.device}#{frame.tab}"
        refused = self.hub.attach(self, ident)
        if refused:
            self.error("TOOMANYDEVICES", refused)
            limit = "max_tabs" if "max_tabs" in refused else "max_devices"
            await self.close(Close.TOOMANYDEVICES, f"TOOMANYDEVICES: over {limit}")  # no user strings
            return
        self.ident = ident
        self.state = OPEN
        self._pending = False
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self.hub.admission.authenticated()
        head = await self.hub.store.head(ident.uid)
        # an ack taken in but not stored yet counts: it waits for `ack_delay` or the next send's commit
        cursor = max(await self.hub.store.cursor(ident.uid, ident.device),
                     self.hub.cursor_pending(ident.uid, ident.device))
        after = cursor if frame.after is None or frame.after == "cursor" else min(frame.after, head)
        if after > cursor:  # the client applied more than it managed to acknowledge
            await self.hub.ack(ident, after)
            if self.state != OPEN:  # the socket went meanwhile: start nothing
                return
        self.acked = self.sent_upto = after
        # a commit during the await above may have raised known_head already: never lower it
        self.known_head = max(self.known_head, head)
        s = self.hub.settings
        self.emit(f.encode({"t": "welcome", "v": PROTOCOL_VERSION, "uid": ident.uid, "address": ident.address,
                            "device": ident.device, "head": head, "after": after, "ts": self.hub.now(),
                            "limits": {"max_frame_bytes": s.max_frame_bytes, "window": s.window,
                                       "window_bytes": s.window_bytes,
                                       "max_events_frame_bytes": s.max_events_frame_bytes,
                                       "max_message_bytes": s.max_message_bytes},
                            "ice": self.hub.calls.ice_servers(ident)}).decode())
        self.hub.calls.attached(ident, self.key)
        self._streaming = True
        self._kick()

    # -- the event stream -----------------------------------------------------------------------

    def notify(self, head: int) -> None:
        """The user's log grew to `head`."""
        if head > self.known_head:
            self.known_head = head
            self._kick()

    def _kick(self) -> None:
        """Start the pusher if there are events to send and it is not running."""
        if (self._pusher_task is None and self._streaming and self.state == OPEN
                and self.sent_upto < self.known_head):
            if self.hub.read_now is not None:
                self._pusher_task = asyncio.get_running_loop().call_soon(self._push_now)
            else:
                self._pusher_task = asyncio.ensure_future(self._pusher())

    def token_expires(self) -> int | None:
        """When this open connection's token expires (ms), for the node's one expiry timer
        (core/deadlines.py: no timer per connection); None once it is closing."""
        return self.ident.expires if self.state == OPEN and self.ident is not None else None

    def token_expired(self) -> None:
        """The token expired while connected: the connection ends with it (4001)."""
        if self.state != OPEN:
            return
        self.error("AUTHFAIL", "token expired")
        self.hub.spawn(self.close(Close.AUTHFAIL, "AUTHFAIL: token expired"))

    def _want(self) -> tuple[int, int] | None:
        """(events, bytes) the pusher may read next; None when caught up, closing, or out of credit
        (then the window timer runs until an ack gives credit back)."""
        if self.sent_upto >= self.known_head or self.state != OPEN:
            return None
        s = self.hub.settings
        room = s.window - (self.sent_upto - self.acked)
        room_bytes = s.window_bytes - self._inflight_bytes
        if room <= 0 or room_bytes <= 0:
            self._stalled()
            return None
        return min(room, 500), min(s.max_events_frame_bytes - _EVENTS_FRAMING, room_bytes)

    def _take(self, uid: int, items: list[str], overdue: list[int]) -> bool:
        """Send the frame items read after `sent_upto` as one events frame; False if there were none."""
        if not items or self.state != OPEN:
            return False
        if overdue:
            self.hub.expire([(uid, seq) for seq in overdue])
        inflight = self._inflight
        if inflight is None:
            inflight = self._inflight = collections.deque()
        seq = self.sent_upto
        for item in items:
            seq += 1
            size = f.byte_len(item) + 1
            inflight.append((seq, size))
            self._inflight_bytes += size
        self.sent_upto = seq
        self.emit(_EVENTS_HEAD + ",".join(items) + _EVENTS_TAIL)
        s = self.hub.settings
        if self.sent_upto - self.acked >= s.window or self._inflight_bytes >= s.window_bytes:
            self._stalled()
        return True

    def _push_now(self) -> None:
        """The pusher for a store whose reads never suspend (SQLite): a callback, no task. It writes
        its frames itself, at its end, unless a write is already due (an answer queued this turn:
        both leave in that one): a group message's members each get theirs as their push runs,
        not in a second callback per member after the last push (docs/architecture.md, Fan-out)."""
        assert self.ident is not None
        uid, read = self.ident.uid, self.hub.read_now
        assert read is not None
        self._pushing = True
        try:
            while (want := self._want()) is not None:
                if not self._take(uid, *read(uid, self.sent_upto, want[0], self.hub.now(), want[1])):
                    break
        except Exception:
            log.exception("pusher failed for uid %s", uid)
            self.hub.spawn(self.close(Close.INTERNAL, "internal error"))
        finally:
            self._pusher_task = None
            self._pushing = False
            if self._out and self._writer_task is None:
                self._write_out()

    async def _pusher(self) -> None:
        """Send the log after `sent_upto` in frames capped in bytes, within the window of events and
        of bytes, until caught up or out of credit; notify and on_ack start it again."""
        assert self.ident is not None
        uid = self.ident.uid
        try:
            while (want := self._want()) is not None:
                items, overdue = await self.hub.store.events_after(uid, self.sent_upto, want[0], self.hub.now(),
                                                                   want[1])
                if not self._take(uid, items, overdue):
                    break
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("pusher failed for uid %s", uid)
            self._pusher_task = None
            await self.close(Close.INTERNAL, "internal error")
        finally:
            if self._pusher_task is asyncio.current_task():
                self._pusher_task = None

    def on_ack(self, seq: int) -> None:
        seq = min(seq, self.sent_upto)
        if seq <= self.acked:
            return
        self.hub.delivered += seq - self.acked
        self.acked = seq
        self._unstall()
        inflight = self._inflight
        while inflight and inflight[0][0] <= seq:
            self._inflight_bytes -= inflight.popleft()[1]
        if not inflight:
            self._inflight = None
        self._kick()  # credit came back
        self.hub.ack_later(self.ident, seq)  # type: ignore[arg-type]

    def _stalled(self) -> None:
        """The window is full: the client has `window_timeout` seconds to ack something."""
        if self._stall is None:
            self._stall = asyncio.get_running_loop().call_later(self.hub.settings.window_timeout,
                                                                self._window_overdue)

    def _unstall(self) -> None:
        if self._stall is not None:
            self._stall.cancel()
            self._stall = None

    def _window_overdue(self) -> None:
        self._stall = None
        reason = "no ack for a full window within window_timeout"
        self.error("RATELIMIT", reason)
        asyncio.ensure_future(self.close(Close.RATELIMIT, reason))

    async def _call(self, handler: Callable[["Session", Any], Awaitable[dict[str, Any] | None]],
                    frame: f.ClientFrame) -> None:
        try:
            result = await handler(self, frame)
        except ProtocolError as exc:
            self.error(exc.code, exc.reason, frame.r)
            return
        except Exception:
            log.exception("handler failed for %s", type(frame).__name__)
            self.error("INTERNAL", "internal error; nothing was changed", frame.r)
            return
        if result is not None:
            self.reply(frame.r, **result)


CLOSE_REASON_BYTES = 123
"""RFC 6455: a close frame's payload is at most 125 bytes, 2 of them the code."""


def close_reason(reason: str) -> str:
    """`reason` cut to what a close frame holds, on a UTF-8 character boundary."""
    return reason.encode()[:CLOSE_REASON_BYTES].decode("utf-8", "ignore")


async def _ack(s: Session, fr: f.Ack) -> None:
    s.on_ack(fr.seq)
    return None


def _route(name: str) -> Callable[[Session, Any], Awaitable[dict[str, Any]]]:
    async def handler(s: Session, fr: Any) -> dict[str, Any]:
        assert s.ident is not None
        return await getattr(s.hub, name)(s.ident, fr)
    handler.__name__ = name
    return handler


def _route_call(name: str) -> Callable[[Session, Any], Awaitable[dict[str, Any]]]:
    """Call requests name the connection too: it is the one that rings, answers and owns the media."""
    async def handler(s: Session, fr: Any) -> dict[str, Any]:
        assert s.ident is not None
        return await getattr(s.hub.calls, name)(s.ident, s.key, fr)
    handler.__name__ = f"call_{name}"
    return handler


_HANDLERS: dict[type, Callable[[Session, Any], Awaitable[dict[str, Any] | None]]] = {
    f.Ack: _ack,
    f.Send: _route("send"),
    f.Read: _route("read"),
    f.Edit: _route("edit"),
    f.Delete: _route("delete"),
    f.Recall: _route("recall"),
    f.History: _route("history"),
    f.Conversations: _route("conversations"),
    f.Presence: _route("presence"),
    f.ProfileSet: _route("set_profile"),
    f.Profiles: _route("profiles"),
    f.Subscribe: _route("subscribe"),
    f.Block: _route("block"),
    f.GroupCreate: _route("group_create"),
    f.GroupSet: _route("group_set"),
    f.GroupMembers: _route("group_members"),
    f.GroupGet: _route("group_get"),
    f.Groups: _route("groups"),
    f.GroupDelete: _route("group_delete"),
    f.Ping: _route("ping"),
    f.CallPlace: _route_call("place"),
    f.CallAnswer: _route_call("answer"),
    f.CallHangup: _route_call("hangup"),
    f.CallSignal: _route_call("signal"),
}
