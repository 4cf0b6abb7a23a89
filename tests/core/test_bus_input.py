"""The Redis bus outlives what it cannot read: a payload that is not UTF-8, a message of no known
shape, a handler that fails on one message. Before, the first of these ended the subscription for
good (the node served its own clients but heard no other node until it restarted)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import redis.asyncio as aioredis

from hubbub.bus.redis import RedisBus, encode_control


async def wait_for(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_the_bus_hears_on_after_bad_payloads_and_a_failing_handler(redis_url: str, bus_prefix: str) -> None:
    heard: list[list[Any]] = []

    def on_control(node: str, msg: list[Any]) -> None:
        if msg == ["boom"]:
            raise RuntimeError("a handler bug")
        heard.append(msg)

    bus = RedisBus(redis_url, bus_prefix)
    await bus.start(lambda touched: None, lambda uid, frame: None, on_control)
    raw = aioredis.Redis.from_url(redis_url)
    try:
        await wait_for(bus.connected.is_set)
        for payload in (b"\xff\xfe not utf-8", b"w|n|1:x", b"s|n|nouid", b"c|n|{}", b"nothing",
                        encode_control("other", ["boom"]).encode()):
            await raw.publish(bus.channel, payload)
        await raw.publish(bus.channel, encode_control("other", ["after"]).encode())
        await wait_for(lambda: ["after"] in heard)
        assert all(t.done() is False for t in bus._tasks)
    finally:
        await raw.aclose()
        await bus.close()
