"""Security of groups, blocking and history (issue 6, items 3, 7 and 8), driven through the hub.

Each test is named after the item it guards; docs/security.md maps promises to these tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from hubbub.protocol.constants import GroupFlag, MemberFlag, Status

from .conftest import Device, Harness


async def log_bytes(harness: Harness) -> int:
    """Bytes held in every event log (in the store the hub writes)."""
    return await harness.scalar("SELECT coalesce(sum(length(body)), 0) FROM events")


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
    before = await log_bytes(harness)
    for i in range(5):
        assert (await alice.request("group_set", gid=gid, name=f"n{i}"))["ok"]
    per_set = (await log_bytes(harness) - before) / 5
    assert per_set < 201 * 200, f"a rename wrote {per_set:.0f} bytes to 201 logs"
    newcomer = await harness.device("newcomer")
    before = await log_bytes(harness)
    assert (await alice.request("group_members", gid=gid, add=["newcomer"]))["ok"]
    assert await log_bytes(harness) - before < 202 * 250, "adding one member rewrote the list into every log"
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


# -- item 7: group history shows a member only what its own log holds ----------------------------

async def test_item07_group_history_leaves_out_what_came_before_a_member_joined(harness: Harness) -> None:
    alice = await harness.device("alice")
    await harness.device("bob")
    gid = (await alice.request("group_create", name="t", members=["bob"]))["gid"]
    assert (await alice.request("send", cid="1", gid=gid, message="before carol"))["status"] == Status.SENT
    carol = await harness.device("carol")
    assert (await alice.request("group_members", gid=gid, add=["carol"]))["ok"]
    assert (await alice.request("send", cid="2", gid=gid, message="after carol"))["status"] == Status.SENT
    assert (await carol.request("send", cid="3", gid=gid, message="carol here"))["status"] == Status.SENT
    got = await carol.request("history", gid=gid)
    assert [m["message"] for m in got["messages"]] == ["carol here", "after carol"]
    everything = await alice.request("history", gid=gid)
    assert [m["message"] for m in everything["messages"]] == ["carol here", "after carol", "before carol"]


async def test_item07_group_history_leaves_out_what_a_member_without_recv_never_got(harness: Harness) -> None:
    alice = await harness.device("alice")
    dave = await harness.device("dave")
    gid = (await alice.request("group_create", name="news", flag=int(GroupFlag.SELECTED_RECV)))["gid"]
    assert (await alice.request("group_members", gid=gid, add=["dave"], flags=int(MemberFlag.SEND)))["ok"]
    assert (await alice.request("send", cid="1", gid=gid, message="for receivers"))["status"] == Status.SENT
    assert (await dave.request("send", cid="d", gid=gid, message="dave writes"))["status"] == Status.SENT
    got = await dave.request("history", gid=gid)
    assert [m["message"] for m in got["messages"]] == ["dave writes"]
    assert [m["message"] for m in (await alice.request("history", gid=gid))["messages"]] == \
        ["dave writes", "for receivers"]


# -- item 8: blocking stops presence, profile changes, online/last-seen, groups ------------------

async def no_frames(device: Device, t: str, wait: float = 0.3) -> list[dict[str, Any]]:
    """Frames of type t that arrive within `wait` (applying events met on the way)."""
    got = []
    try:
        while True:
            frame = await device.next(wait)
            if frame["t"] == "events":
                device._apply(frame)
            if frame["t"] == t:
                got.append(frame)
    except TimeoutError:
        return got


async def test_item08_blocked_user_gets_no_presence_of_the_blocker(harness: Harness) -> None:
    bob_token = await harness.token("bob")
    mallory = await harness.device("mallory")
    carol = await harness.device("carol")
    assert (await mallory.request("subscribe", address="bob", on=True))["ok"]
    assert (await carol.request("subscribe", address="bob", on=True))["ok"]
    bob = await harness.connect(bob_token)
    assert (await bob.request("block", address="mallory", on=True))["ok"]
    refused = await mallory.request("subscribe", address="bob", on=True)
    assert refused["ok"] is False and refused["error"] == "FORBIDDEN"
    # bob goes offline and comes back: carol sees it, mallory's earlier subscription shows nothing
    await bob.session.close(1000, "bye")
    await bob.session.closed()
    bob = await harness.connect(bob_token)
    seen = await carol.next_of("presence")
    while seen["activity"] != 1:
        seen = await carol.next_of("presence")
    assert seen["from"] == "bob"
    assert await no_frames(mallory, "presence") == []
    # nor typing, 1:1 or in a group they share
    gid = (await carol.request("group_create", name="g", members=["bob", "mallory"]))["gid"]
    assert (await mallory.request("presence", to="bob", activity=3))["ok"]
    assert (await mallory.request("presence", gid=gid, activity=3))["ok"]
    typing = await no_frames(bob, "presence")
    assert typing == [], typing
    assert (await carol.next_of("presence"))["from"] == "mallory"


async def test_item08_blocked_user_sees_no_profile_changes_nor_online_or_lastseen(harness: Harness) -> None:
    bob = await harness.device("bob")
    mallory = await harness.device("mallory")
    carol = await harness.device("carol")
    for d in (mallory, carol):
        assert (await d.request("subscribe", address="bob", on=True))["ok"]
    gid = (await carol.request("group_create", name="g", members=["bob", "mallory"]))["gid"]
    assert (await bob.request("block", address="mallory", on=True))["ok"]
    await mallory.wait_events(1)  # the group's creation
    assert (await bob.request("profile", name="Bob", status="hiding"))["ok"]
    carol_events = await carol.wait_events(2)
    assert [e["k"] for e in carol_events] == ["group", "profile"] and carol_events[1]["status"] == "hiding"
    await no_frames(mallory, "events")
    assert [e["k"] for e in mallory.events] == ["group"], mallory.events
    assert await harness.hub.store.head(mallory.session.ident.uid) == 1
    # profiles: carol sees bob online; mallory sees neither online nor last seen
    [seen] = (await carol.request("profiles", addresses=["bob"]))["profiles"]
    assert seen["online"] is True
    [hidden] = (await mallory.request("profiles", addresses=["bob"]))["profiles"]
    assert hidden["online"] is False and hidden["lastseen"] == 0 and hidden["address"] == "bob"
    assert gid


async def test_item08_blocked_user_cannot_reach_the_blocker_through_a_group(harness: Harness) -> None:
    bob = await harness.device("bob")
    mallory = await harness.device("mallory")
    carol = await harness.device("carol")
    gid = (await carol.request("group_create", name="g", members=["bob", "mallory"]))["gid"]
    assert (await bob.request("block", address="mallory", on=True))["ok"]
    assert (await mallory.request("send", cid="m", gid=gid, message="psst"))["status"] == Status.SENT
    assert (await carol.request("send", cid="c", gid=gid, message="hello all"))["status"] == Status.SENT
    got = [e for e in await carol.wait_events(3) if e["k"] == "msg"]
    assert [e["message"] for e in got if e["dir"] == "in"] == ["psst"]
    bob_msgs = [e["message"] for e in await bob.wait_events(2) if e["k"] == "msg"]
    assert bob_msgs == ["hello all"]
    assert [m["message"] for m in (await bob.request("history", gid=gid))["messages"]] == ["hello all"]
    # and cannot put the blocker in a group of its own
    own = (await mallory.request("group_create", name="mine"))["gid"]
    assert (await mallory.request("group_members", gid=own, add=["bob"]))["error"] == "FORBIDDEN"
