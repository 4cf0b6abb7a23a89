"""The Redis bus closes within seconds even when redis-py swallows a cancel (it turns a cancel inside
a pipeline into a connection error, and the publisher then waits for more work): a draining node
must exit within drain_timeout."""

from __future__ import annotations

import asyncio

from hubbub.bus.redis import RedisBus


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
