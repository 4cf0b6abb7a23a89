"""Per-user quotas that hold across nodes: each node decides on its own bucket, and the buckets of all
nodes are kept in step through one bucket per user in Redis.

Why not one Redis round trip per operation: a send would wait for Redis and pay a round trip of CPU
(bench/bench_quota.py measures both). Instead:

- **Sends (write bytes)** are decided on the node's own bucket (`Buckets`, no I/O). What the node
  spends is added up per user and, every `quota_sync_interval`, sent to Redis in one script call for
  all users spent on; the script spends it from each user's shared bucket (refilled on Redis's clock)
  and answers its level, which the node adopts (less what it spent meanwhile). A user the node has not
  heard of from Redis for `WARM` seconds is fetched once before its first operation (one round trip,
  then local again while the user stays active), and each sync also asks the level of every user the
  node decided on within `WARM` seconds. So a node's view of an active user's budget is at most one
  sync interval behind the other nodes, and the long-run rate over all nodes is the refill rate.
- **Group admin operations** are rare, so each is taken from the shared bucket in Redis at once
  (`take_now`, atomic in the script): exact across nodes.
- **Without Redis** (unreachable, or a failed call) the node decides on its own bucket, as with one
  node, and retries Redis after `RETRY` seconds; spending that could not be sent is dropped rather than
  charged later in one lump (which would put a user in debt for work the local bucket already allowed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Hashable

from ..bus import REDIS_SCHEMES
from .quota import Buckets

log = logging.getLogger("hubbub.quota")

WARM = 1.0
"""Seconds a node trusts its copy of a user's shared bucket without hearing from Redis about it."""
RETRY = 1.0
"""Seconds a node decides alone after Redis failed, before it tries Redis again."""
CHUNK = 500
"""Users per script call (one call per chunk, pipelined)."""

# KEYS: one bucket per user. ARGV: capacity, refill per ms, mode ("spend" or "take"), then one cost per key.
# "spend" charges unconditionally (the node already decided); "take" charges only if the bucket holds
# the cost or is full (see Buckets.take). Answers {ok, level} per key; the level as a string (Lua numbers
# come back from Redis as integers otherwise).
SCRIPT = """
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local take = ARGV[3] == 'take'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i, key in ipairs(KEYS) do
  local cost = tonumber(ARGV[i + 3])
  local v = redis.call('HMGET', key, 'l', 's')
  local level = cap
  if v[1] then
    level = math.min(cap, tonumber(v[1]) + (now - tonumber(v[2])) * rate)
  end
  local ok = 1
  if take and level < math.min(cost, cap) then
    ok = 0
  else
    level = math.min(cap, level - cost)
  end
  redis.call('HSET', key, 'l', tostring(level), 's', now)
  redis.call('PEXPIRE', key, math.ceil((cap - level) / rate) + 1000)
  out[i] = {ok, tostring(level)}
end
return out
"""


class LocalQuota:
    """The node's own buckets only: one node, or the in-process bus (today's behaviour)."""

    def __init__(self, capacity: float, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.buckets = Buckets(capacity, interval, clock)

    def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ready(self, key: Hashable) -> None:
        """Make sure the node's copy of `key`'s bucket is recent enough to decide on (nothing to do here)."""

    def take(self, key: Hashable, cost: float) -> bool:
        return self.buckets.take(key, cost)

    def charge(self, key: Hashable, cost: float) -> None:
        self.buckets.charge(key, cost)

    async def take_now(self, key: Hashable, cost: float) -> bool:
        """Take `cost` exactly, across nodes (here: this node is all there is)."""
        return self.buckets.take(key, cost)


class SharedQuota(LocalQuota):
    """Buckets kept in step across nodes through Redis (see module docstring)."""

    def __init__(self, redis: Any, prefix: str, capacity: float, interval: float, sync_interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(capacity, interval, clock)
        self.redis = redis
        self.prefix = prefix
        self.sync_interval = sync_interval
        self.clock = clock
        self.unsynced: dict[Hashable, float] = {}   # spent here, not yet sent to Redis
        self.heard: dict[Hashable, float] = {}      # when Redis last told this node a key's level
        self.used: dict[Hashable, float] = {}       # when this node last decided on a key
        self._fetching: dict[Hashable, asyncio.Future[None]] = {}
        self._script = redis.register_script(SCRIPT)
        self._down_until = 0.0
        self._task: asyncio.Task[None] | None = None
        self._stopping = False  # set by stop(): the sync loop ends even if a cancel was swallowed
        self.syncs = 0     # script calls made (for tests and benchmarks)
        self.failures = 0

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.ensure_future(self._loop())

    async def stop(self) -> None:
        """End the periodic sync, send what this node spent last, close the client: all bounded.
        A cancel that lands inside the script call comes out of redis-py as a connection error,
        which the sync takes as Redis being away: the loop then ends on `_stopping` rather than
        sleep on (a three-node test's teardown hung there), and `cancel_tasks` cancels again."""
        from ..bus.redis import cancel_tasks, close_client  # redis is optional: only a shared quota has it
        self._stopping = True
        if self._task is not None:
            await cancel_tasks([self._task], "shared quota")
        try:
            await asyncio.wait_for(self.sync(), 1.0)  # what this node spent last still counts
        except (asyncio.TimeoutError, Exception):
            pass
        await close_client(self.redis)

    # -- deciding -------------------------------------------------------------------------------

    def take(self, key: Hashable, cost: float) -> bool:
        if not self.buckets.take(key, cost):
            return False
        self._note(key, cost)
        return True

    def charge(self, key: Hashable, cost: float) -> None:
        self.buckets.charge(key, cost)
        self._note(key, cost)

    def _note(self, key: Hashable, cost: float) -> None:
        self.used[key] = self.clock()
        if not self._down():  # spent while Redis is away is this node's alone (see the module docstring)
            self.unsynced[key] = self.unsynced.get(key, 0.0) + cost

    async def ready(self, key: Hashable) -> None:
        now = self.clock()
        self.used[key] = now
        if now - self.heard.get(key, float("-inf")) <= WARM or self._down():
            return
        pending = self._fetching.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._run([key], [0.0], "spend"))
            self._fetching[key] = pending
            pending.add_done_callback(lambda _f: self._fetching.pop(key, None))
        await asyncio.shield(pending)

    async def take_now(self, key: Hashable, cost: float) -> bool:
        if self._down():
            return self.take(key, cost)
        try:
            [(ok, level)] = await self._call([key], [cost], "take")
        except Exception as exc:
            self._failed(exc)
            return self.take(key, cost)
        self._adopt(key, level)
        return ok

    # -- keeping in step ------------------------------------------------------------------------

    async def sync(self) -> None:
        """Send what this node spent since the last sync, and ask the level of every user it decided
        on within `WARM` seconds; adopt the shared levels Redis answers. So while a user is active on
        a node, the node's view of the user's budget is one sync interval behind the other nodes."""
        if self._down():
            return
        now = self.clock()
        batch, self.unsynced = self.unsynced, {}
        for key, t in self.used.items():
            if now - t <= WARM:
                batch.setdefault(key, 0.0)
        if not batch:
            return
        keys = list(batch)
        for i in range(0, len(keys), CHUNK):
            part = keys[i:i + CHUNK]
            await self._run(part, [batch[k] for k in part], "spend")

    async def _loop(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.sync_interval)
            await self.sync()
            self._forget()

    async def _run(self, keys: list[Hashable], costs: list[float], mode: str) -> None:
        try:
            answers = await self._call(keys, costs, mode)
        except Exception as exc:
            self._failed(exc)  # dropped: see the module docstring
            return
        for key, (_ok, level) in zip(keys, answers):
            self._adopt(key, level)

    async def _call(self, keys: list[Hashable], costs: list[float], mode: str) -> list[tuple[bool, float]]:
        b = self.buckets
        argv = [repr(b.capacity), repr(b.rate / 1000), mode, *(repr(float(c)) for c in costs)]
        self.syncs += 1
        out = await asyncio.wait_for(self._script(keys=[f"{self.prefix}{k}" for k in keys], args=argv), 2.0)
        return [(bool(int(ok)), float(level)) for ok, level in out]

    def _adopt(self, key: Hashable, level: float) -> None:
        """Redis's level less what this node spent since the call left (it is in the next batch)."""
        self.buckets.adopt(key, level - self.unsynced.get(key, 0.0))
        self.heard[key] = self.clock()
        if self._down_until:
            log.info("shared quotas reachable again")
            self._down_until = 0.0

    def _down(self) -> bool:
        return self.clock() < self._down_until

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        if not self._down_until:
            log.warning("shared quotas unreachable (%s); deciding on this node's buckets meanwhile", exc or type(exc))
        self._down_until = self.clock() + RETRY

    def _forget(self) -> None:
        """Keep `heard` and `used` to the users active lately, so memory follows activity."""
        now = self.clock()
        if len(self.heard) > 1024:
            self.heard = {k: t for k, t in self.heard.items() if now - t <= WARM}
        self.used = {k: t for k, t in self.used.items() if now - t <= WARM}


def open_quota(settings: Any, name: str, capacity: float, interval: float) -> LocalQuota:
    """Shared across nodes with a Redis bus, this node's own otherwise."""
    url = settings.bus_url
    if url and url.startswith(REDIS_SCHEMES):
        import redis.asyncio as aioredis
        client = aioredis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=1, socket_timeout=2)
        return SharedQuota(client, f"{settings.bus_prefix}quota:{name}:", capacity, interval,
                           settings.quota_sync_interval)
    return LocalQuota(capacity, interval)
