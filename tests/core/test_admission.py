"""Admission: the counts of a node's connections and the queue for a place to authenticate."""

from __future__ import annotations

import asyncio

import pytest

from hubbub.config import Settings
from hubbub.core.admission import Admission


def admission(**kw: object) -> Admission:
    return Admission(Settings(**kw))  # type: ignore[arg-type]


async def test_a_free_place_needs_no_wait() -> None:
    a = admission(max_pending_auth=2, pending_auth_wait=5)
    assert await a.wait() is False
    assert a.admit() is None and (a.connections, a.pending) == (1, 1)


async def test_places_go_to_the_waiters_first_come_first_served() -> None:
    a = admission(max_pending_auth=1, pending_auth_wait=5)
    assert a.admit() is None
    first, second = asyncio.ensure_future(a.wait()), asyncio.ensure_future(a.wait())
    await asyncio.sleep(0)
    assert (a.connections, a.pending, a.waiting) == (3, 1, 2)  # waiters hold sockets: counted
    a.authenticated()  # the place changes hands, the count of places taken does not
    assert await first is True and not second.done()
    assert a.admit(reserved=True) is None and (a.connections, a.pending, a.waiting) == (3, 1, 1)
    a.release(pending=True)  # the first one gave up before authenticating: its place goes on
    assert await second is True and (a.connections, a.pending) == (2, 1)
    a.authenticated()
    assert (a.connections, a.pending, a.waiting) == (2, 0, 0)


async def test_a_wait_that_times_out_leaves_admit_to_refuse() -> None:
    a = admission(max_pending_auth=1, pending_auth_wait=0.05)
    assert a.admit() is None
    assert await a.wait() is False
    assert (a.connections, a.waiting) == (1, 0)
    refused = a.admit()
    assert refused is not None and "max_pending_auth" in refused
    a.authenticated()  # nobody waits any more: the place is simply free
    assert a.pending == 0 and a.admit() is None


async def test_a_waiter_that_goes_after_being_handed_a_place_passes_it_on() -> None:
    a = admission(max_pending_auth=1, pending_auth_wait=5)
    assert a.admit() is None
    first, second = asyncio.ensure_future(a.wait()), asyncio.ensure_future(a.wait())
    await asyncio.sleep(0)
    a.authenticated()  # handed to the first...
    first.cancel()     # ...which is cancelled before it resumes
    try:
        took = await first
    except asyncio.CancelledError:  # Python 3.12's wait_for
        took = False
    if took:  # Python 3.11's wait_for returns what was handed over: the endpoint then finds its socket gone
        a.release(pending=True)
    assert await second is True and (a.connections, a.pending, a.waiting) == (2, 1, 0)


async def test_waiters_count_toward_max_connections() -> None:
    a = admission(max_connections=2, max_pending_auth=1, pending_auth_wait=5)
    assert a.admit() is None
    waiter = asyncio.ensure_future(a.wait())
    await asyncio.sleep(0)
    assert await a.wait() is False  # the node is full: no wait, a refusal
    refused = a.admit()
    assert refused is not None and "max_connections" in refused
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert (a.connections, a.pending, a.waiting) == (1, 1, 0)


async def test_pending_auth_wait_0_refuses_at_once() -> None:
    a = admission(max_pending_auth=1, pending_auth_wait=0)
    assert a.admit() is None
    assert await a.wait() is False and a.waiting == 0
