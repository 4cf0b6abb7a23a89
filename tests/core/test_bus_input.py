"""The Redis bus outlives what it cannot read: a payload that is not UTF-8, a message of no known
shape, a handler that fails on one message. Before, the first of these ended the subscription for
good (the node served its own clients but heard no other node until it restarted)."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from hubbub.bus.redis import RedisBus, encode_control

from ..waiting import until


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
        await until(bus.connected.is_set, what="the subscription")
        for payload in (b"\xff\xfe not utf-8", b"w|n|1:x", b"s|n|nouid", b"c|n|{}", b"nothing",
                        encode_control("other", ["boom"]).encode()):
            await raw.publish(bus.channel, payload)
        await raw.publish(bus.channel, encode_control("other", ["after"]).encode())
        await until(lambda: ["after"] in heard, what="the message after the bad ones")
        assert all(t.done() is False for t in bus._tasks)
    finally:
        await raw.aclose()
        await bus.close()


async def test_what_waits_for_redis_is_counted_in_bytes(redis_url: str, bus_prefix: str) -> None:
    """bus_max_pending_bytes counts UTF-8 bytes: a frame of 'é's weighs twice its length in characters."""
    bus = RedisBus(redis_url, bus_prefix, max_pending_bytes=64 * 1024)
    await bus.start(lambda touched: None, lambda uid, frame: None)
    try:
        await until(bus.connected.is_set, what="the subscription")
        frame = '{"t":"call_signal","data":"' + "é" * 20_000 + '"}'
        bus.signal(1, frame)  # queued without a yield: the publisher has not taken anything yet
        bus.signal(1, frame)
        assert bus._out_bytes >= 40_000 and bus.dropped == 1, (bus._out_bytes, bus.dropped)
    finally:
        await bus.close()


async def test_the_publisher_outlives_an_error_that_is_not_redis_s(redis_url: str, bus_prefix: str) -> None:
    """redis-py's asyncio client has raised AttributeError and the like from a connection closed under
    it; the publisher caught only RedisError and OSError, so one such error ended it for good."""
    heard: list[list[Any]] = []
    sender = RedisBus(redis_url, bus_prefix)
    receiver = RedisBus(redis_url, bus_prefix)
    await sender.start(lambda touched: None, lambda uid, frame: None)
    await receiver.start(lambda touched: None, lambda uid, frame: None, lambda node, msg: heard.append(msg))
    try:
        await until(lambda: sender.connected.is_set() and receiver.connected.is_set(), what="both subscribed")
        assert sender._redis is not None
        real, failed = sender._redis.pipeline, []

        def broken(*args: Any, **kwargs: Any) -> Any:
            if not failed:
                failed.append(1)
                raise AttributeError("'NoneType' object has no attribute 'write'")
            return real(*args, **kwargs)
        sender._redis.pipeline = broken  # type: ignore[method-assign]
        sender.control(["lost"])
        await until(lambda: bool(failed), what="the failure")
        sender.control(["after"])
        await until(lambda: ["after"] in heard, what="the message after the failure")
        assert ["missed"] in heard  # the others learn that something was dropped
    finally:
        await sender.close()
        await receiver.close()
