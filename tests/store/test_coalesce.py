"""Point reads queued while one is in flight share one call, and a failure reaches each of them."""

from __future__ import annotations

import asyncio

import pytest

from hubbub.store.coalesce import Coalescer


async def test_the_first_goes_alone_and_the_queued_ones_together_in_order() -> None:
    calls: list[list[int]] = []

    async def one(k: int) -> int:
        calls.append([k])
        await asyncio.sleep(0)
        return k * 10

    async def many(ks: list[int]) -> list[int]:
        calls.append(ks)
        return [k * 10 for k in ks]

    c: Coalescer[int, int] = Coalescer(one, many)
    assert await asyncio.gather(*[c.get(k) for k in range(5)]) == [0, 10, 20, 30, 40]
    assert calls == [[0, 1, 2, 3, 4]], "queued in one loop turn: one statement"
    calls.clear()
    first = c.get(7)
    await asyncio.sleep(0)  # the first is in flight
    rest = [c.get(k) for k in (8, 9)]
    assert [await first] + list(await asyncio.gather(*rest)) == [70, 80, 90]
    assert calls == [[7], [8, 9]]


async def test_a_failure_reaches_every_request_of_its_call_and_the_next_call_runs() -> None:
    async def one(k: int) -> int:
        return k

    async def many(ks: list[int]) -> list[int]:
        if 3 in ks:
            raise ConnectionError("gone")
        return ks

    c: Coalescer[int, int] = Coalescer(one, many)
    results = await asyncio.gather(*[c.get(k) for k in (1, 3)], return_exceptions=True)
    assert results[0].__class__ is ConnectionError and results[1].__class__ is ConnectionError
    assert await asyncio.gather(c.get(4), c.get(5)) == [4, 5]
    with pytest.raises(ConnectionError):
        await asyncio.gather(c.get(3), c.get(6))
