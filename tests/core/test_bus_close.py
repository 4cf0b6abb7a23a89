"""The Redis bus closes within seconds even when redis-py swallows a cancel (it turns a cancel inside
a pipeline into a connection error, and the publisher then waits for more work): a draining node
must exit within drain_timeout."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from hubbub.bus.redis import RedisBus, close_client


async def test_close_ends_a_task_that_swallowed_the_first_cancel(redis_url: str, bus_prefix: str) -> None:
    bus = RedisBus(redis_url, bus_prefix)
    await bus.start(lambda touched: None, lambda uid, frame: None)
    swallowed = 0

    async def stubborn() -> None:  # what _publish does when the cancel lands in pipe.execute()
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed += 1

    bus._tasks.append(asyncio.ensure_future(stubborn()))
    await asyncio.sleep(0)
    await asyncio.wait_for(bus.close(), 30)
    assert swallowed == 1 and all(t.done() for t in bus._tasks)


async def test_a_redis_client_whose_close_never_ends_is_left_within_the_bound(
        redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """redis-py's `aclose` awaits each connection's `wait_closed()`, which can wait forever
    (redis/redis-py#3941); the bus and the shared quotas close their clients through `close_client`."""
    client = aioredis.Redis.from_url(redis_url)
    assert await client.ping()
    conn = client.connection_pool._available_connections[0]
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    conn._writer.wait_closed = lambda: never  # the hang of that issue, on a real connection
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(close_client(client, 0.3), 10)
    assert 0.3 <= loop.time() - started < 5
    assert "did not close within 0.3 s" in caplog.text
