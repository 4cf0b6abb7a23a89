"""Token expiry with one timer for the node (core/deadlines.py): each connection is still closed 4001
when its own token expires, the others stay, and no session holds a timer of its own."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hubbub.core.deadlines import TokenDeadlines
from hubbub.core.tokens import token_hash
from hubbub.protocol.constants import Close

from .conftest import Device, Harness

pytestmark = pytest.mark.timeout(30)


async def _expiring(harness: Harness, address: str, in_ms: int) -> str:
    token = await harness.token(address)
    await harness.scalar("UPDATE tokens SET expires=? WHERE token_hash=?", harness.hub.now() + in_ms,
                         token_hash(token))
    return token


async def _closed(device: Device, timeout: float = 10) -> tuple[int, str]:
    async def wait() -> tuple[int, str]:
        while device.transport.closed is None:
            await asyncio.sleep(0.02)
        return device.transport.closed
    return await asyncio.wait_for(wait(), timeout)


async def test_each_connection_is_closed_at_its_own_expiry_by_one_timer(harness: Harness) -> None:
    first = await harness.connect(await _expiring(harness, "alice", 300))
    second = await harness.connect(await _expiring(harness, "bob", 1500))  # after the first scan
    stays = await harness.device("carol")  # the default expiry: days away
    for d in (first, second, stays):
        assert d.session._deadline is None  # no timer of its own once authenticated
    assert harness.hub.deadlines._timer is not None  # the node's one timer
    assert await _closed(first) == (Close.AUTHFAIL, "AUTHFAIL: token expired")
    assert second.transport.closed is None  # its expiry is still ahead: the timer was set again for it
    assert await _closed(second) == (Close.AUTHFAIL, "AUTHFAIL: token expired")
    errors = [f for f in [second.transport.inbox.get_nowait() for _ in range(second.transport.inbox.qsize())]
              if f["t"] == "error"]
    assert errors == [{"t": "error", "code": "AUTHFAIL", "reason": "token expired"}]
    assert stays.transport.closed is None and (await stays.request("ping"))["ok"]
    assert harness.hub.deadlines._timer is not None  # still watching carol's far expiry


async def test_an_earlier_expiry_moves_the_timer_forward(harness: Harness) -> None:
    late = await harness.device("alice")  # the timer is set for a far expiry first
    soon = await harness.connect(await _expiring(harness, "bob", 300))
    assert await _closed(soon) == (Close.AUTHFAIL, "AUTHFAIL: token expired")
    assert late.transport.closed is None


class _Conn:
    def __init__(self, expires: int | None) -> None:
        self.expires = expires
        self.ended = 0

    def token_expires(self) -> int | None:
        return self.expires

    def token_expired(self) -> None:
        self.ended += 1
        self.expires = None  # closing: no longer watched


async def test_scans_are_min_gap_apart_and_a_gone_connection_costs_one_empty_scan() -> None:
    clock = {"ms": 1_000_000}
    conns: list[Any] = []
    d = TokenDeadlines(lambda: conns, lambda: clock["ms"], min_gap=0.2)
    a, b = _Conn(1_000_000), _Conn(1_000_001)
    conns += [a, b]
    d.watch(a.expires)  # due now
    await asyncio.sleep(0.05)
    assert (a.ended, b.ended) == (1, 0)  # b's expiry is 1 ms ahead: the next scan waits for min_gap
    clock["ms"] += 1
    await asyncio.sleep(0.05)
    assert b.ended == 0
    await asyncio.sleep(0.3)
    assert b.ended == 1
    assert d._timer is None  # nothing left to watch
    c = _Conn(clock["ms"] + 100)
    d.watch(c.expires)
    conns.clear()  # its connection went before its expiry: the scan finds nothing and stops
    await asyncio.sleep(0.4)
    assert c.ended == 0 and d._timer is None
    d.stop()
