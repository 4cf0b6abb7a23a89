"""Messages that expired unseen are not shown (history_item drops them), so they must not take places
in a page either: a page of them came back empty with `more`, and the SDK (like mesibo's read()) takes
fewer than asked for as the end, so older messages and conversations could never be reached."""

from __future__ import annotations

import asyncio

import pytest

from hubbub.store.shared import EXPIRED

from .conftest import Harness


@pytest.mark.settings(expiry_sweep_interval=0.05)
async def test_expired_unseen_messages_take_no_place_in_history_or_the_chat_list(harness: Harness) -> None:
    bob_token = await harness.token("bob")
    alice = await harness.device("alice")
    gid = (await alice.request("group_create", name="g", members=["bob"]))["gid"]
    old = await alice.request("send", cid="old", to="bob", message="kept")
    in_group = await alice.request("send", cid="g-old", gid=gid, message="kept too")
    for i in range(2):
        await alice.request("send", cid=f"gone{i}", to="bob", message="stale", expiry=1)
        await alice.request("send", cid=f"g-gone{i}", gid=gid, message="stale", expiry=1)
    bob_uid = await harness.scalar("SELECT uid FROM users WHERE address=?", "bob")

    async def expired() -> int:
        return int(await harness.scalar("SELECT count(*) FROM events WHERE uid=? AND state=?", bob_uid, EXPIRED))
    counts = [0]

    async def poll() -> bool:
        counts[0] = await expired()
        return counts[0] >= 4
    deadline = asyncio.get_running_loop().time() + 30
    while not await poll():
        assert asyncio.get_running_loop().time() < deadline, counts
        await asyncio.sleep(0.05)
    bob = await harness.connect(bob_token)
    page = await bob.request("history", peer="alice", limit=2)
    assert [m["mid"] for m in page["messages"]] == [old["mid"]] and page["more"] is False, page
    page = await bob.request("history", gid=gid, limit=2)
    assert [m["mid"] for m in page["messages"]] == [in_group["mid"]] and page["more"] is False, page
    chats = await bob.request("conversations", limit=5)
    assert sorted(m["mid"] for m in chats["messages"]) == sorted([old["mid"], in_group["mid"]]), chats
