"""An asyncio client for the Hubbub WebSocket protocol (docs/protocol.md).

    async with Client("ws://127.0.0.1:8080/ws", token, "com.example.app") as c:
        res = await c.send("bob", "hi")
        async for event in c.events():
            ...

The client keeps one connection per device alive: on network loss (or close codes 1001/1006/1011,
or any other code that is not final) it reconnects with exponential backoff and jitter (at once,
within RECONNECT_JITTER, after 4004: a draining node asks its clients to move), resumes the
event stream after the last seq it received, and resends every send not yet answered with the same
`cid`, which the server deduplicates. It stops for good on AUTHFAIL, TOOMANYDEVICES and SIGNOUT,
because reconnecting would only fail again or kick out the newer connection of the same device.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import random
import secrets
from pathlib import Path
from typing import Any, AsyncIterator

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from .acks import AckPolicy
from .files import Files, Progress, http_base

log = logging.getLogger("hubbub.client")

PROTOCOL_VERSION = 1

# close codes (docs/protocol.md) after which reconnecting is pointless or harmful
_CLOSE_PROTOCOL, _CLOSE_AUTHFAIL, _CLOSE_SIGNOUT, _CLOSE_TOOMANY = 4000, 4001, 4002, 4003
_CLOSE_TOOBIG = 1009
# the node is draining: reconnect at once (the server already spread its closes over time)
_CLOSE_RECONNECT = 4004
RECONNECT_JITTER = 0.1  # seconds: the most a reconnect after 4004 waits

# requests that are not retried after a reconnect because repeating them is not harmless
_NOT_RETRIED = frozenset({"group_create", "presence", "call"})



class HubbubError(Exception):
    """Base of every error this client raises."""


class ConnectError(HubbubError):
    """The server could not be reached (first connection only; later losses are retried)."""


class AuthError(HubbubError):
    """The server refused the token (AUTHFAIL); `reason` says why (unknown, expired, revoked, appid...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"AUTHFAIL: {reason}")
        self.reason = reason


class TooManyDevices(HubbubError):
    """The user is already online on as many devices as the server allows."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"TOOMANYDEVICES: {reason}")
        self.reason = reason


class SignedOut(HubbubError):
    """The server signed this device out (a newer connection of it, or a revoked token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"signed out: {reason}")
        self.reason = reason


class ProtocolError(HubbubError):
    """The server closed the connection for a protocol violation (bad version, frame too big...)."""


class ConnectionLost(HubbubError):
    """A request was in flight when the connection dropped and is not safe to repeat blindly."""


class ClientClosed(HubbubError):
    """The client was closed while the call was waiting."""


class RequestError(HubbubError):
    """The server answered a request with ok=false."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class _End:
    """Queue sentinel: the event stream is over (with `error` if it ended badly)."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class Client:
    """One device's connection to a Hubbub server; use as `async with Client(...) as c:`.

    `after` is the last seq this client already applied (from its own store); leave it None to let
    the server resume from the device's acknowledged cursor.
    """

    def __init__(self, url: str, token: str, appid: str, after: int | None = None, *,
                 reconnect: bool = True, backoff_min: float = 0.1, backoff_max: float = 10.0,
                 open_timeout: float = 10.0) -> None:
        self.url = url
        self.token = token
        self.appid = appid
        self.reconnect = reconnect
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.open_timeout = open_timeout
        self.welcome: dict[str, Any] = {}
        self.last_seq: int = after or 0          # newest seq handed to the application
        self._after = after                      # what the next auth frame says
        self._received: int = after or 0         # newest seq received (queued for the application)
        self._acks = AckPolicy(after or 0)       # newest seq acknowledged to the server, and when the next goes
        self._ws: ClientConnection | None = None
        self._queue: asyncio.Queue[dict[str, Any] | _End] = asyncio.Queue()
        self._requests: dict[int, tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]] = {}
        self._sends: dict[str, tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]] = {}
        self._send_r: dict[str, int] = {}        # cid -> r of its latest transmission
        self._resending = False                  # unanswered sends going out again after a reconnect
        self._r = itertools.count(1)
        self._connected = asyncio.Event()
        self._final: BaseException | None = None
        self._closing = False
        self._supervisor: asyncio.Task[None] | None = None
        self._ack_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.reconnects = 0
        self._close_code: int | None = None  # of the last connection's close frame
        self._files: Files | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> "Client":
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        """True while an authenticated connection is open."""
        return self._connected.is_set()

    @property
    def connection(self) -> ClientConnection | None:
        """The current `websockets` connection, for diagnostics and tests (None while away)."""
        return self._ws

    @property
    def last_close_code(self) -> int | None:
        """The close code of the last connection that ended (None: none ended, or no close frame)."""
        return self._close_code

    @property
    def final_error(self) -> BaseException | None:
        """Why the client stopped for good (SignedOut, AuthError...), or None."""
        return self._final

    async def connect(self) -> None:
        """Open and authenticate the first connection; errors here are raised, not retried."""
        if self._supervisor is not None:
            raise RuntimeError("already connected")
        ws = await self._open()
        self._ws = ws
        self._connected.set()
        self._supervisor = asyncio.ensure_future(self._supervise(ws))

    async def close(self) -> None:
        """Acknowledge what was applied, close with 1000 and fail whatever still waits."""
        if self._closing:
            return
        self._closing = True
        ws = self._ws
        if ws is not None and self.connected and self._acks.waiting(self.last_seq):
            # a ping round trip after the last ack: the server has taken the ack in before we close
            with contextlib.suppress(Exception):
                await self._send_ack(ws)
                await asyncio.wait_for(self._ping_raw(ws), 1.0)
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._supervisor
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(1000, "client closed"), 2.0)
        self._ws = None
        self._connected.clear()
        for t in list(self._tasks):
            t.cancel()
        self._finish(self._final or ClientClosed("client closed"))

    async def _ping_raw(self, ws: ClientConnection) -> None:
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        r = next(self._r)
        self._requests[r] = ({"t": "ping"}, fut)
        try:
            await ws.send(json.dumps({"t": "ping", "r": r}))
            await fut
        finally:
            self._requests.pop(r, None)

    # -- the application's side -----------------------------------------------------------------

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """Yield every log event once, in seq order, across reconnects.

        Log events are dicts with `seq`, `k` ("msg", "status", "update", "profile", "group") and the
        fields of docs/protocol.md (a DELIVERED status may stand for several messages to one
        recipient, listed in `mids` and `cids`, or for several members of a group, in `peers`). Ephemeral presence frames come through the same iterator, in
        arrival order, as `{"k": "presence", "from", "gid", "activity", "ts"}` *without* a `seq`,
        and so does call signalling: `{"k": "call", "callid", "status", "peer", "dir", "video",
        "elsewhere"?}` and `{"k": "call_signal", "callid", "kind", "data"}`:
        one stream keeps typing and messages in the order they happened, and a consumer tells
        them apart by `k`. An event counts as applied (and is acknowledged, at least every
        100 events or 50 ms) when it is yielded. The iterator ends when the client is closed and
        raises SignedOut / AuthError / TooManyDevices / ProtocolError if the server ended it.
        """
        while True:
            item = await self._queue.get()
            if isinstance(item, _End):
                self._queue.put_nowait(item)  # every later call ends too
                if item.error is not None and not isinstance(item.error, ClientClosed):
                    raise item.error
                return
            seq = item.get("seq")
            if seq is not None:
                self._applied(seq)
            yield item

    async def send(self, to: str, message: str, *, gid: int = 0, title: str = "", flag: int = 3,
                   expiry: int | None = None, cid: str | None = None, file: dict[str, Any] | None = None,
                   type: int = 0) -> dict[str, Any]:
        """Send a message and return the server's answer (`mid`, `cid`, `status`, `ts`, `dup`).

        The send keeps its `cid` until answered: if the connection drops first, it is sent again
        with the same `cid` after the reconnect, so the server stores it once and answers the
        original result (with `dup` true). A failure status (INVALIDDEST...) is an answer, not an
        exception; RequestError is raised for ok=false (bad request, too big).
        """
        self._check_usable()
        cid = cid or secrets.token_urlsafe(12)
        if cid in self._sends:
            raise ValueError(f"cid {cid!r} is already being sent")
        frame: dict[str, Any] = {"t": "send", "cid": cid, "to": to, "gid": gid, "message": message,
                                 "title": title, "flag": flag, "type": type}
        if expiry is not None:
            frame["expiry"] = expiry
        if file is not None:
            frame["file"] = file
        self._check_size(frame)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._sends[cid] = (frame, fut)
        if self.connected and self._ws is not None and not self._resending:
            await self._transmit_send(self._ws, cid)
        return await fut

    @property
    def files(self) -> Files:
        """File transfer for this user over HTTP (upload, signed URLs, download)."""
        if self._files is None:
            self._files = Files(http_base(self.url), self.token, self.appid)
        return self._files

    async def send_file(self, to: str, source: str | os.PathLike[str] | bytes, message: str = "", *,
                        name: str | None = None, progress: Progress | None = None, gid: int = 0,
                        title: str = "", type: int = 0, thumb: str = "", **send: Any) -> dict[str, Any]:
        """Upload a file (a path or bytes, with `progress(done, total)`), then send it in a message.

        Returns the send's answer plus `file`, the file object as the server stored it in the message.
        A failed upload raises FileTransferError and sends nothing.
        """
        meta = await self.files.upload(source, name, progress)
        file = {"id": meta["id"], "name": meta.get("name", ""), "type": type or meta["type"]}
        if thumb:
            file["thumb"] = thumb
        res = await self.send(to, message, gid=gid, title=title, file=file, **send)
        return {**res, "file": {**meta, **file, "thumb": meta.get("thumb") or thumb}}

    async def fetch_file(self, file: dict[str, Any] | str, dest: str | os.PathLike[str] | None = None,
                         progress: Progress | None = None) -> bytes | Path:
        """Download a received file (a message's `file`, or its id): bytes, or the path written."""
        return await self.files.download(file, dest, progress)

    async def request(self, t: str, **fields: Any) -> dict[str, Any]:
        """Send any request (`history`, `read`, `profiles`, `group_create`, `ping`...) and return its answer.

        Raises RequestError(code, reason) on ok=false. A request issued while reconnecting waits
        for the connection. One in flight when the connection drops is repeated after the
        reconnect, except `group_create` and `presence`, which raise ConnectionLost (repeating
        them could create a second group or show a stale typing indicator).
        """
        if t == "send":
            raise ValueError("use send() for messages: it keeps the cid for resending")
        if t in ("auth", "ack"):
            raise ValueError(f"{t} frames are handled by the client")
        while True:
            self._check_usable()
            if not self.connected:
                await self._wait_connected()
                continue
            frame = {"t": t, **fields}
            self._check_size(frame)
            fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            r = next(self._r)
            self._requests[r] = (frame, fut)
            ws = self._ws
            assert ws is not None
            try:
                await ws.send(json.dumps({**frame, "r": r}))
            except ConnectionClosed:
                pass  # the supervisor resolves the future when it sees the close
            try:
                return await fut
            except _Retry:
                continue
            finally:
                self._requests.pop(r, None)

    async def call(self, to: str, video: bool = True) -> dict[str, Any]:
        """Place a call; returns `{"callid", "status"}`: INPROGRESS (2), or the status that refused it
        (OFFLINE, BUSY, BLOCKED, INVALIDDEST, ...). What follows arrives as `call` events."""
        return await self.request("call", to=to, video=video)

    async def answer(self, callid: int) -> dict[str, Any]:
        """Answer a ringing call on this device; the callee's other devices stop ringing."""
        return await self.request("call_answer", callid=callid)

    async def hangup(self, callid: int) -> dict[str, Any]:
        """Reject a ringing call (the caller gets BUSY), cancel an outgoing one or end an answered one.
        Raises RequestError NOTFOUND when the call is already over."""
        return await self.request("call_hangup", callid=callid)

    reject = hangup

    async def call_signal(self, callid: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        """Relay WebRTC negotiation (`sdp`, `ice`) or a `mute` notice to the call's other endpoint."""
        return await self.request("call_signal", callid=callid, kind=kind, data=data)

    async def ping(self) -> int:
        """Round trip to the server; returns the server's clock (ms)."""
        return int((await self.request("ping"))["ts"])

    # -- internals: connecting -------------------------------------------------------------------

    def _check_usable(self) -> None:
        if self._final is not None:
            raise self._final
        if self._closing:
            raise ClientClosed("client closed")

    def _check_size(self, frame: dict[str, Any]) -> None:
        limit = self.welcome.get("limits", {}).get("max_frame_bytes")
        if limit and len(json.dumps(frame).encode()) + 32 > limit:
            raise ValueError(f"frame larger than the server's max_frame_bytes ({limit})")

    async def _wait_connected(self) -> None:
        if self._supervisor is None:
            raise RuntimeError("not connected: use `async with Client(...)` or `await client.connect()`")
        waiter = asyncio.ensure_future(self._connected.wait())
        ended = asyncio.ensure_future(self._supervisor) if self._supervisor else None
        try:
            await asyncio.wait([w for w in (waiter, ended) if w], return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()

    async def _open(self) -> ClientConnection:
        """Connect and authenticate once; raise a specific error for each way it can fail."""
        try:
            ws = await connect(self.url, open_timeout=self.open_timeout, max_size=None,
                               compression=None, ping_interval=20, ping_timeout=20)
        except InvalidURI as exc:
            raise ConnectError(f"bad URL {self.url!r}: {exc}") from None
        except (OSError, InvalidHandshake, asyncio.TimeoutError, TimeoutError) as exc:
            raise ConnectError(f"cannot connect to {self.url}: {exc or type(exc).__name__}") from None
        auth: dict[str, Any] = {"t": "auth", "v": PROTOCOL_VERSION, "token": self.token, "appid": self.appid}
        after = self._received if self._supervisor is not None else self._after
        if after is not None:
            auth["after"] = after
        try:
            await ws.send(json.dumps(auth))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), self.open_timeout))
                kind = frame.get("t")
                if kind == "welcome":
                    break
                if kind == "error":
                    raise _auth_error(frame.get("code", ""), frame.get("reason", ""))
                if kind == "signout":
                    raise SignedOut(frame.get("reason", ""))
        except ConnectionClosed as exc:
            error = _close_error(exc)
            raise error or ConnectError(f"connection to {self.url} closed during auth") from None
        except (asyncio.TimeoutError, TimeoutError):
            await ws.close()
            raise ConnectError(f"no welcome from {self.url} within {self.open_timeout:g} s") from None
        except BaseException:
            with contextlib.suppress(Exception):
                await ws.close()
            raise
        self.welcome = frame
        if self._supervisor is None and self._after is None:
            self._received = self.last_seq = int(frame.get("after", 0))
        self._acks.known(int(frame.get("after", 0)))
        return ws

    async def _supervise(self, ws: ClientConnection) -> None:
        """Run connections one after another until a final close, resending on each reconnect."""
        attempt = 0
        try:
            while True:
                error = await self._read(ws)
                self._connected.clear()
                self._ws = None
                self._cancel_ack_timer()
                self._retry_requests()
                if error is not None or not self.reconnect:
                    self._finish(error or ConnectionLost("connection closed"))
                    return
                at_once = self._close_code == _CLOSE_RECONNECT
                while True:
                    if at_once:  # the node asked us to move: no backoff, only a little jitter
                        at_once = False
                        await asyncio.sleep(random.uniform(0, RECONNECT_JITTER))
                    else:
                        delay = min(self.backoff_max, self.backoff_min * 2 ** attempt)
                        attempt += 1
                        await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                    try:
                        ws = await self._open()
                    except ConnectError as exc:
                        log.info("reconnect failed (%s); retrying", exc)
                        continue
                    except HubbubError as exc:
                        self._finish(exc)
                        return
                    attempt = 0
                    self.reconnects += 1
                    self._ws = ws
                    self._connected.set()
                    await self._resend(ws)
                    break
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug here must not leave callers waiting forever
            log.exception("client supervisor failed")
            self._finish(HubbubError(f"client failed: {exc!r}"))

    async def _read(self, ws: ClientConnection) -> HubbubError | None:
        """Dispatch frames until the connection closes; return the final error, or None to reconnect."""
        signout: str | None = None
        try:
            async for raw in ws:
                if isinstance(raw, bytes):
                    continue
                frame = json.loads(raw)
                kind = frame.get("t")
                if kind == "events":
                    self._on_events(ws, frame.get("events", []))
                elif kind == "res":
                    self._on_res(frame)
                elif kind in ("presence", "call", "call_signal"):
                    self._queue.put_nowait({"k": kind, **{k: v for k, v in frame.items() if k != "t"}})
                elif kind == "signout":
                    signout = frame.get("reason", "")
                elif kind == "error":
                    log.warning("server error frame: %s %s", frame.get("code"), frame.get("reason"))
                else:
                    log.debug("ignoring frame %r", kind)
        except ConnectionClosed as exc:
            error = _close_error(exc)
            self._close_code = exc.rcvd.code if exc.rcvd is not None else None
        else:
            error = _close_error(None, ws)
            close = ws.protocol.close_rcvd
            self._close_code = close.code if close is not None else None
        if signout is not None:
            error = SignedOut(signout)  # the frame's reason, even if the close frame was lost
        return error

    # -- internals: frames -----------------------------------------------------------------------

    def _on_events(self, ws: ClientConnection, events: list[dict[str, Any]]) -> None:
        for ev in events:
            seq = ev.get("seq")
            if not isinstance(seq, int) or seq <= self._received:
                continue  # already applied (a resumed stream may repeat)
            if seq != self._received + 1:
                # a gap breaks the log's promise; drop the connection and resume from what we have
                log.warning("event gap: got seq %s after %s; reconnecting", seq, self._received)
                self._spawn(ws.close(1002, "event gap"))
                return
            self._received = seq
            self._queue.put_nowait(ev)

    def _on_res(self, frame: dict[str, Any]) -> None:
        r = frame.get("r")
        if r in self._requests:
            _frame, fut = self._requests[r]
            if not fut.done():
                if frame.get("ok"):
                    fut.set_result(_answer(frame))
                else:
                    fut.set_exception(RequestError(frame.get("error", ""), frame.get("reason", "")))
            return
        for cid, sent_r in self._send_r.items():
            if sent_r == r:
                break
        else:
            return  # an answer to a transmission we no longer wait for
        if not frame.get("ok") and frame.get("error") == "RATELIMIT":
            self._spawn(self._resend_later(cid))  # dropped unstored: the protocol says resend
            return
        del self._send_r[cid]
        entry = self._sends.pop(cid, None)
        if entry is None or entry[1].done():
            return
        fut = entry[1]
        if frame.get("ok"):
            fut.set_result(_answer(frame))
        else:
            fut.set_exception(RequestError(frame.get("error", ""), frame.get("reason", "")))

    async def _resend(self, ws: ClientConnection) -> None:
        """After a reconnect, transmit every unanswered send again (same cid: the server dedups), in
        the order they were made, those made meanwhile included: a new send waits for this, so it
        cannot overtake an older one while a write waits for the socket to drain."""
        self._resending = True
        try:
            done: set[str] = set()
            while todo := [cid for cid in self._sends if cid not in done]:
                for cid in todo:
                    done.add(cid)
                    await self._transmit_send(ws, cid)
        finally:
            self._resending = False

    async def _transmit_send(self, ws: ClientConnection, cid: str) -> None:
        entry = self._sends.get(cid)
        if entry is None:
            return
        r = next(self._r)
        self._send_r[cid] = r
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps({**entry[0], "r": r}))

    async def _resend_later(self, cid: str) -> None:
        await asyncio.sleep(random.uniform(0.05, 0.2))
        if self.connected and self._ws is not None:
            await self._transmit_send(self._ws, cid)

    def _retry_requests(self) -> None:
        for _r, (frame, fut) in list(self._requests.items()):
            if fut.done():
                continue
            if frame["t"] in _NOT_RETRIED:
                fut.set_exception(ConnectionLost(f"connection lost before the answer to {frame['t']}"))
            else:
                fut.set_exception(_Retry())
        self._send_r.clear()

    # -- internals: acks -------------------------------------------------------------------------

    def _applied(self, seq: int) -> None:
        self.last_seq = seq
        if not self.connected:
            return  # the next auth's `after` acknowledges it
        if self._acks.due_now(seq):
            self._flush_ack()
        elif self._ack_timer is None:
            self._ack_timer = asyncio.get_running_loop().call_later(self._acks.delay, self._flush_ack)

    def _flush_ack(self) -> None:
        self._cancel_ack_timer()
        if self._ws is not None and self.connected and self._acks.waiting(self.last_seq):
            self._spawn(self._send_ack(self._ws))

    async def _send_ack(self, ws: ClientConnection) -> None:
        seq = self._acks.take(self.last_seq)
        if seq is None:
            return
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps({"t": "ack", "seq": seq}))

    def _cancel_ack_timer(self) -> None:
        if self._ack_timer is not None:
            self._ack_timer.cancel()
            self._ack_timer = None

    # -- internals: ending -----------------------------------------------------------------------

    def _finish(self, error: BaseException) -> None:
        """Stop for good: fail every waiting call with `error` and end the event stream."""
        if self._final is None and not isinstance(error, ClientClosed):
            self._final = error
        for _frame, fut in list(self._sends.values()):
            if not fut.done():
                fut.set_exception(error)
        for _frame, fut in list(self._requests.values()):
            if not fut.done():
                fut.set_exception(error)
        self._sends.clear()
        self._send_r.clear()
        self._connected.clear()
        self._queue.put_nowait(_End(error))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class _Retry(Exception):
    """Internal: the connection dropped; the request is sent again after the reconnect."""


def _answer(frame: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in frame.items() if k not in ("t", "r")}


def _auth_error(code: str, reason: str) -> HubbubError:
    if code == "AUTHFAIL":
        return AuthError(reason)
    if code == "TOOMANYDEVICES":
        return TooManyDevices(reason)
    return ProtocolError(f"{code}: {reason}")


def _close_error(exc: ConnectionClosed | None, ws: ClientConnection | None = None) -> HubbubError | None:
    """The final error a close code means, or None when the client should reconnect."""
    close = None
    if exc is not None:
        close = exc.rcvd
    elif ws is not None:
        close = ws.protocol.close_rcvd
    if close is None:
        return None  # no close frame: the network went away (1006)
    code, reason = close.code, close.reason
    if code == _CLOSE_AUTHFAIL:
        return AuthError(reason.removeprefix("AUTHFAIL: "))
    if code == _CLOSE_SIGNOUT:
        return SignedOut(reason)
    if code == _CLOSE_TOOMANY:
        return TooManyDevices(reason)
    if code in (_CLOSE_PROTOCOL, _CLOSE_TOOBIG):
        return ProtocolError(f"server closed the connection ({code}): {reason}")
    return None
