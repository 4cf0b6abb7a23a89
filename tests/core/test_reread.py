"""After a bus loss (`missed` from another node, or this node's own resync) the hub re-reads the head
of every user it serves. A store error on one user's read (the blip that cut Redis often cuts the
database too) stopped the whole pass: the users after it kept waiting for wake-ups that were lost."""

from __future__ import annotations

from typing import Any

from ..waiting import until
from .conftest import Harness


async def test_a_failed_head_read_does_not_stop_the_others_and_is_retried(harness: Harness) -> None:
    hub = harness.hub
    devices = [await harness.device(name) for name in ("alice", "bob", "carol")]
    uids = [d.session.ident.uid for d in devices]  # type: ignore[union-attr]
    real_head = hub.store.head
    failed: list[int] = []

    async def flaky_head(uid: int) -> Any:
        if uid == uids[0] and not failed:
            failed.append(uid)
            raise OSError("connection reset by peer")
        return await real_head(uid)
    woken: list[int] = []
    real_wake = hub._on_wake

    def on_wake(touched: Any) -> None:
        woken.extend(touched)
        real_wake(touched)
    hub.store.head = flaky_head  # type: ignore[method-assign]
    hub._on_wake = on_wake  # type: ignore[method-assign]
    try:
        hub._on_control("another-node", ["missed"])
        await until(lambda: set(uids) <= set(woken), what="every user's head re-read")
        assert failed == [uids[0]]
    finally:
        hub.store.head = real_head  # type: ignore[method-assign]
        hub._on_wake = real_wake  # type: ignore[method-assign]
