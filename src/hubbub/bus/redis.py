"""The Redis bus: wake-ups and ephemeral frames between nodes over one pub/sub channel.

Every node publishes "these users' logs grew" and "this frame is for user U's devices" to
`{prefix}bus` and hears every other node's. A node also delivers its own wake-ups and signals
directly, at once, so its own clients never wait for a round trip through Redis and keep being
served while Redis is away. The bus stays a hint: when the subscription is lost, the node
reconnects with backoff and then asks the hub to re-read the heads of every user it serves
(`on_resync`), so a wake-up missed meanwhile costs latency, never a message. The other nodes may
not have lost Redis: a node that dropped messages of its own says `missed` (a control message) as
soon as it can publish again, and they re-read their users' heads too.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ..protocol.frames import byte_len
from ..store.base import Touched
from .base import ControlHandler, ResyncHandler, SignalHandler, WakeHandler

log = logging.getLogger("hubbub.bus")
_WAKE_ITEM_BYTES = 24
"""Bytes a user's `uid:seq` may take in a wake-up message (counted against max_pending_bytes)."""
_json = msgspec.json.Encoder()
_unjson = msgspec.json.Decoder(list)


def encode_control(node: str, message: list[Any]) -> str:
    return f"c|{node}|" + _json.encode(message).decode()


def encode_wake(node: str, touched: Touched) -> str:
    return "w|" + node + "|" + ",".join(f"{uid}:{seq}" for uid, seq in touched.items())


def encode_signal(node: str, uid: int, frame: str) -> str:
    return f"s|{node}|{uid}|{frame}"


def decode(data: str) -> tuple[str, str, Any]:
    """(kind, node, payload) of a bus message: "w" with Touched, "s" with (uid, frame), "c" with a list."""
    kind, node, rest = data.split("|", 2)
    if kind == "c":
        return kind, node, _unjson.decode(rest)
    if kind == "w":
        return kind, node, {int(u): int(s) for u, s in (p.split(":") for p in rest.split(",") if p)}
    uid, frame = rest.split("|", 1)
    return kind, node, (int(uid), frame)


PUBLISH_RETRY = 0.1
"""Seconds the publisher waits after a failed publish before it tries again."""
CLOSE_ATTEMPTS, CLOSE_WAIT = 3, 1.0
"""close(): cancels of the bus's (and a shared quota's) tasks, and seconds each waits for them."""


async def cancel_tasks(tasks: list["asyncio.Task[Any]"], what: str) -> None:
    """Cancel tasks that talk to Redis and wait for them, within CLOSE_ATTEMPTS × CLOSE_WAIT seconds:
    redis-py turns a cancel that lands inside a command into a connection error, which a task that
    retries on connection errors takes as one and goes on; another cancel ends it."""
    pending = {t for t in tasks if not t.done()}
    for _ in range(CLOSE_ATTEMPTS):
        if not pending:
            break
        for t in pending:
            t.cancel()
        _done, pending = await asyncio.wait(pending, timeout=CLOSE_WAIT)
        for t in pending:
            log.warning("%s task still running after cancel: %s", what, t.get_stack(limit=3))
    await asyncio.gather(*[t for t in tasks if t.done()], return_exceptions=True)


async def close_client(client: Any, timeout: float = CLOSE_WAIT) -> None:
    """Close a redis-py client within `timeout`: its `aclose` awaits each connection's
    `wait_closed()`, which can wait forever (redis/redis-py#3941), and a node stopping must not."""
    try:
        await asyncio.wait_for(client.aclose(), timeout)
    except asyncio.TimeoutError:
        log.warning("Redis client did not close within %.1f s; left to the process exit", timeout)
    except (RedisError, OSError) as exc:  # the connection was already broken: nothing left to close
        log.debug("Redis client closed with an error: %s", exc)


class RedisBus:
    """Bus over Redis pub/sub (see module docstring)."""

    def __init__(self, url: str, prefix: str = "hubbub:", max_pending_bytes: int = 16 * 1024 * 1024,
                 reconnect_max: float = 2.0) -> None:
        self.url = url
        self.channel = prefix + "bus"
        self.node = secrets.token_hex(6)
        self._max_pending = max_pending_bytes
        self._reconnect_max = reconnect_max
        self._on_wake: WakeHandler | None = None
        self._on_signal: SignalHandler | None = None
        self._on_resync: ResyncHandler | None = None
        self._on_control: ControlHandler | None = None
        self._redis: aioredis.Redis | None = None
        self._out: list[str | dict[int, int]] = []  # messages for Redis; a dict is a wake-up not yet encoded
        self._out_bytes = 0
        self._out_ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.connected = asyncio.Event()
        self.published = 0
        self.dropped = 0
        # hints of this node were dropped (Redis away, or too much waiting for it): once it can
        # publish again it says so first (`missed`), and every node re-reads its users' heads
        self._missed = False
        self.lag = 0.0  # seconds the newest batch of messages waited before Redis took it

    async def start(self, on_wake: WakeHandler, on_signal: SignalHandler, on_control: ControlHandler | None = None,
                    on_resync: ResyncHandler | None = None) -> None:
        self._on_wake, self._on_signal = on_wake, on_signal
        self._on_control, self._on_resync = on_control, on_resync
        # bytes in: a payload that is not UTF-8 is one message not understood, where redis-py's own
        # decoding would raise out of the subscription and end it
        self._redis = aioredis.Redis.from_url(self.url, socket_connect_timeout=2, health_check_interval=5)
        self._tasks = [asyncio.ensure_future(self._listen()), asyncio.ensure_future(self._publish())]
        try:  # a node starts serving at once; it waits a moment for the bus but not for ever
            await asyncio.wait_for(self.connected.wait(), 2.0)
        except asyncio.TimeoutError:
            log.warning("bus at %s not reachable yet; serving this node's clients meanwhile", self.url)

    async def close(self) -> None:
        """Stop listening and publishing, within a few seconds whatever redis-py is doing: a node that
        drains must exit within drain_timeout (a pub/sub task caught in its connection's close could
        take one cancel and wait on; another cancel ends it)."""
        await cancel_tasks(self._tasks, "bus")
        if self._redis is not None:
            await close_client(self._redis)
            self._redis = None
        self._on_wake = self._on_signal = self._on_resync = self._on_control = None

    async def ping(self) -> None:
        """Raise unless Redis answers (for /readyz)."""
        assert self._redis is not None, "bus is not started"
        await self._redis.ping()

    # -- out ------------------------------------------------------------------------------------

    def wake(self, touched: Touched) -> None:
        if not touched:
            return
        if self._on_wake:
            self._on_wake(touched)
        last = self._out[-1] if self._out else None
        if isinstance(last, dict) and self.connected.is_set():
            # wake-ups queued back to back travel as one message (each user at its newest head): under
            # load a batch's many commits cost every node one message, not one per operation
            grown = sum(1 for uid in touched if uid not in last)
            if self._out_bytes + grown * _WAKE_ITEM_BYTES <= self._max_pending:
                for uid, seq in touched.items():
                    if seq > last.get(uid, 0):
                        last[uid] = seq
                self._out_bytes += grown * _WAKE_ITEM_BYTES
                return
        self._queue(dict(touched), len(touched) * _WAKE_ITEM_BYTES)

    def signal(self, uid: int, frame: str) -> None:
        if self._on_signal:
            self._on_signal(uid, frame)
        self._queue(encode_signal(self.node, uid, frame))

    def control(self, message: list[Any]) -> None:
        self._queue(encode_control(self.node, message))

    def _queue(self, data: str | dict[int, int], size: int | None = None) -> None:
        # without Redis (or with more than max_pending_bytes waiting for it) the hint is dropped:
        # every node resyncs from the store when its subscription is back
        if size is None:
            assert isinstance(data, str), "a hint that is not text comes with its size"
            size = byte_len(data)
        if not self.connected.is_set() or self._out_bytes + size > self._max_pending:
            self.dropped += 1
            self._missed = True
            return
        self._out.append(data)
        self._out_bytes += size
        self._out_ready.set()

    async def _publish(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._out_ready.wait()
            self._out_ready.clear()
            if self._missed and self.connected.is_set():
                self._missed = False
                self._out.insert(0, encode_control(self.node, ["missed"]))
            if not self._out:
                continue
            batch, self._out, self._out_bytes = self._out, [], 0
            started = loop.time()
            try:
                assert self._redis is not None
                async with self._redis.pipeline(transaction=False) as pipe:
                    for data in batch:
                        pipe.publish(self.channel, encode_wake(self.node, data) if isinstance(data, dict) else data)
                    await pipe.execute()
                self.published += len(batch)
                self.lag = loop.time() - started
            except Exception as exc:  # not only RedisError/OSError: redis-py has raised others from a
                # connection closed under it, and a publisher that ends leaves the node mute for good.
                # The hint is lost; every node resyncs from the store once its subscription is back
                self.dropped += len(batch)
                self._missed = True
                log.warning("bus publish failed (%r); %d messages dropped", exc, len(batch))
                await self.connected.wait()
                await asyncio.sleep(PUBLISH_RETRY)  # a failure that lasts is not retried in a busy loop
                self._out_ready.set()  # say `missed` as soon as Redis takes messages again

    # -- in -------------------------------------------------------------------------------------

    async def _listen(self) -> None:
        delay = 0.05
        first = True
        while True:
            assert self._redis is not None
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.connected.set()
                if self._missed:
                    self._out_ready.set()  # the publisher says `missed` first
                delay = 0.05
                if not first and self._on_resync:
                    self._on_resync()  # wake-ups may have been missed while we were away
                first = False
                while True:
                    msg = await pubsub.get_message(timeout=5.0)
                    if msg is not None and msg["type"] == "message":
                        self._deliver(msg["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self.connected.is_set():
                    log.warning("bus connection lost (%s); reconnecting", exc)
                self.connected.clear()
                first = False
            finally:
                try:
                    await pubsub.aclose()
                except Exception:
                    pass
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._reconnect_max)

    def _deliver(self, data: bytes | str) -> None:
        try:
            kind, node, payload = decode(data.decode() if isinstance(data, bytes) else data)
        except (ValueError, msgspec.DecodeError):  # UnicodeDecodeError is a ValueError
            log.warning("bus message not understood: %.80r", data)
            return
        if node == self.node:
            return  # delivered directly when it was sent
        try:  # a handler failing on one message must not end the subscription
            if kind == "c":
                if self._on_control:
                    self._on_control(node, payload)
            elif kind == "w" and self._on_wake:
                self._on_wake(payload)
            elif kind == "s" and self._on_signal:
                uid, frame = payload
                self._on_signal(uid, frame)
        except Exception:
            log.exception("bus message from %s failed: %.80r", node, data)
