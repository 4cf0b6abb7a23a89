"""Security of groups, blocking and history (issue 6, items 3, 7 and 8), driven through the hub.

Each test is named after the item it guards; docs/security.md maps promises to these tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from hubbub.protocol.constants import GroupFlag, MemberFlag, Status

from .conftest import Device, Harness


def log_bytes(harness: Harness) -> int:
    """Bytes held in every event log (the SQLite file the hub writes)."""
    return harness.hub.store.db.execute("SELECT coalesce(sum(length(body)), 0) FROM events").fetchone()[0]


async def make_users(harness: Harness, n: int, prefix: str = "m") -> list[str]:
    addresses = [f"{prefix}{i:04d}" for i in range(n)]
    for a in addresses:
        await harness.admin.add_user(harness.app, a)
    return addresses


# -- item 3: group changes cost the server bytes in proportion to the change --------------------

@pytest.mark.settings(group_ops_per_minute=1000, user_write_bytes=1 << 30)
async def test_item03_group_change_writes_a_delta_not_the_member_list(harness: Harness) -> None:
    """A change of one member or of the name writes a small event per member, not the whole list."""
    members = await make_users(harness, 200)
    alice = await harness.device("alice")
    gid = (await alice.request("group_create", name="big", members=members))["gid"]
    before = log_bytes(harness)
    for i in range(5):
        assert (await alice.request("group_set", gid=gid, name=f"n{i}"))["ok"]
    per_set = (log_bytes(harness) - before) / 5
    assert per_set < 201 * 200, f"a rename wrote {per_set:.0f} bytes to 201 logs"
    newcomer = await harness.device("newcomer")
    before = log_bytes(harness)
    assert (await alice.request("group_members", gid=gid, add=["newcomer"]))["ok"]
    assert log_bytes(harness) - before < 202 * 250, "adding one member rewrote the list into every log"
    # the existing members learn the delta; the newcomer learns it joined
    ev = [e for e in await alice.wait_events(7) if e["k"] == "group"][-1]
    assert ev["op"] == "members" and "members" not in ev, ev
    assert ev["added"] == [{"address": "newcomer", "flags": int(MemberFlag.ALL), "admin": False}]
    assert ev["removed"] == [] and ev["count"] == 202
    [joined] = await newcomer.wait_events(1)
    assert joined["k"] == "group" and joined["op"] == "joined" and joined["gid"] == gid
    assert joined["name"] == "n4" and joined["count"] == 202 and joined["flags"] == int(MemberFlag.ALL)
    # the list itself is one request away
    got = await newcomer.request("group_get", gid=gid)
    assert len(got["group"]["members"]) == 202


@pytest.mark.settings(group_ops_per_minute=1000, user_write_bytes=1 << 30)
async def test_item03_removed_member_and_others_get_their_own_event(harness: Harness) -> None:
    alice = await harness.device("alice")
    bob = await harness.device("bob")
    carol = await harness.device("carol")
    gid = (await alice.request("group_create", name="t", members=["bob", "carol"]))["gid"]
    [created] = await bob.wait_events(1)
    assert created["op"] == "create" and created["count"] == 3 and "members" not in created
    assert (await alice.request("group_members", gid=gid, remove=["carol"]))["ok"]
    gone = (await carol.wait_events(2))[1]
    assert gone["k"] == "group" and gone["op"] == "removed" and gone["gid"] == gid
    ev = (await bob.wait_events(2))[1]
    assert ev["op"] == "members" and ev["removed"] == ["carol"] and ev["added"] == [] and ev["count"] == 2


@pytest.mark.settings(max_groups_per_user=2)
async def test_item03_groups_created_per_user_is_a_quota(harness: Harness) -> None:
    alice = await harness.device("alice")
    first = await alice.request("group_create", name="a")
    assert (await alice.request("group_create", name="b"))["ok"]
    refused = await alice.request("group_create", name="c")
    assert refused["ok"] is False and refused["error"] == "RATELIMIT" and "max_groups_per_user" in refused["reason"]
    # a group deleted frees its place; other users have their own count
    assert (await alice.request("group_delete", gid=first["gid"]))["ok"]
    assert (await alice.request("group_create", name="c"))["ok"]
    bob = await harness.device("bob")
    assert (await bob.request("group_create", name="b1"))["ok"]


@pytest.mark.settings(group_ops_per_minute=3)
async def test_item03_group_admin_operations_per_minute(harness: Harness) -> None:
    alice = await harness.device("alice")
    bob = await harness.device("bob")
    gid = (await alice.request("group_create", name="a"))["gid"]
    assert (await alice.request("group_set", gid=gid, name="b"))["ok"]
    assert (await alice.request("group_members", gid=gid, add=["bob"]))["ok"]
    refused = await alice.request("group_set", gid=gid, name="c")
    assert refused["ok"] is False and refused["error"] == "RATELIMIT" and "group_ops_per_minute" in refused["reason"]
    assert (await alice.request("group_get", gid=gid))["group"]["name"] == "b"
    # reading is not an admin operation, and the quota is per user
    assert (await alice.request("groups"))["ok"]
    assert (await bob.request("group_create", name="bob's"))["ok"]


@pytest.mark.settings(user_write_bytes=60_000, group_ops_per_minute=1000)
async def test_item03_bytes_written_per_user_is_a_quota(harness: Harness) -> None:
    """Fan-out costs the sender: 20 members x 1 KB per message, 60 KB per minute."""
    members = await make_users(harness, 19)
    alice = await harness.device("alice")
    gid = (await alice.request("group_create", name="fan", members=members))["gid"]
    answers = [await alice.request("send", cid=f"c{i}", gid=gid, message="x" * 1000) for i in range(6)]
    sent = [a for a in answers if a["ok"]]
    refused = [a for a in answers if not a["ok"]]
    assert 2 <= len(sent) <= 4, answers
    assert refused and all(a["error"] == "RATELIMIT" and "user_write_bytes" in a["reason"] for a in refused)
    assert all(a["status"] == Status.SENT for a in sent)
    # a refused send was not stored: a member's log holds only the sent ones
    member = await harness.connect(await harness.token(members[0]), after=0)
    got = [e for e in await member.wait_events(1 + len(sent)) if e["k"] == "msg"]
    assert len(got) == len(sent)
    # other users are not charged for alice's writes
    bob = await harness.device("bob")
    assert (await bob.request("send", cid="b", to="alice", message="y" * 1000))["status"] == Status.SENT


async def test_item03_a_blocker_cannot_be_added_to_a_group_by_the_blocked(harness: Harness) -> None:
    bob = await harness.device("bob")
    mallory = await harness.device("mallory")
    assert (await bob.request("block", address="mallory", on=True))["ok"]
    refused = await mallory.request("group_create", name="spam", members=["bob"])
    assert refused["ok"] is False and refused["error"] == "FORBIDDEN"
    gid = (await mallory.request("group_create", name="spam"))["gid"]
    refused = await mallory.request("group_members", gid=gid, add=["bob"])
    assert refused["ok"] is False and refused["error"] == "FORBIDDEN"
    assert (await bob.request("groups"))["groups"] == []
    # unblocked, the same add goes through
    assert (await bob.request("block", address="mallory", on=False))["ok"]
    assert (await mallory.request("group_members", gid=gid, add=["bob"]))["ok"]
