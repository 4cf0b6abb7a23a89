"""Issue 6, the store's part: ids never reused, tokens replaced per device, app-scoped look-ups."""

from __future__ import annotations

import pytest

from hubbub.protocol.constants import Close, Status
from hubbub.store.base import OutMessage

from .conftest import Harness


async def test_item01_uid_never_reused_after_delete_across_apps(harness: Harness) -> None:
    """The newest user is deleted; the next user of another app gets a new uid, none of the old rights."""
    alice = await harness.device("alice")
    carol_token = await harness.token("carol")
    carol_user = await harness.admin.user(harness.app, "carol")
    carol = await harness.connect(carol_token)
    sent = await carol.request("send", cid="c1", to="alice", message="from carol")
    assert sent["status"] == Status.SENT
    await alice.wait_events(1)
    await harness.admin.delete_user(carol_user)
    store = harness.hub.store
    assert store.db.execute("SELECT count(*) FROM messages WHERE sender=?", (carol_user.uid,)).fetchone()[0] == 0

    other, _ = await harness.admin.create_app("other")
    eve_user = await harness.admin.add_user(other, "eve")
    assert eve_user.uid > carol_user.uid, "a deleted user's uid is never given again"
    dave_user = await harness.admin.add_user(other, "dave")
    eve = await harness.connect(await harness.admin.issue_token(eve_user, harness.appid, "e1"))
    dave = await harness.connect(await harness.admin.issue_token(dave_user, harness.appid, "d1"))
    # the old user's cid is not eve's: her send is a new message, delivered
    res = await eve.request("send", cid="c1", to="dave", message="mine")
    assert res["status"] == Status.SENT and not res.get("dup") and res["mid"] != sent["mid"]
    [got] = await dave.wait_events(1)
    assert got["message"] == "mine"
    # nor may she edit the old user's message
    edit = await eve.request("edit", mid=sent["mid"], message="hijacked")
    assert not edit["ok"] and edit["error"] == "NOTFOUND"


async def test_item01_history_update_and_cid_check_scoped_by_app(harness: Harness) -> None:
    """A second safeguard: even a uid met under another app (a damaged or old database) reaches nothing."""
    alice = await harness.admin.add_user(harness.app, "alice")
    bob = await harness.admin.add_user(harness.app, "bob")
    store = harness.hub.store
    now = harness.hub.now()
    msg = OutMessage(harness.app.id, alice.uid, "alice", "c1", bob.uid, "bob", 0, "hello", "", 3, 60, 0, None,
                     False, now, now + 60_000)
    result, _ = await store.send(msg)
    other, _ = await harness.admin.create_app("other")
    # the same uids asked under another app
    assert await store.sent(other.id, alice.uid, "c1") is None
    assert (await store.sent(harness.app.id, alice.uid, "c1")) is not None
    messages, _more = await store.history(other.id, alice.uid, bob.uid, 0, None, 10)
    assert messages == []
    mine, _more = await store.history(harness.app.id, alice.uid, bob.uid, 0, None, 10)
    assert [m["mid"] for m in mine] == [result.mid]
    with pytest.raises(LookupError):
        await store.update(other.id, alice.uid, result.mid, "edit", "changed", now)
    again, _ = await store.send(OutMessage(other.id, alice.uid, "alice", "c1", bob.uid, "bob", 0, "other app",
                                           "", 3, 60, 0, None, False, now, now + 60_000))
    assert not again.dup and again.mid != result.mid


async def test_item06_new_token_for_a_device_revokes_the_old_one(harness: Harness) -> None:
    old = await harness.token("alice", "phone")
    other_device = await harness.token("alice", "laptop")
    live = await harness.connect(old)
    laptop = await harness.connect(other_device)
    new = await harness.token("alice", "phone")
    signout = await live.next_of("signout")
    assert signout["reason"] == "token revoked"
    await live.session.closed()
    assert live.transport.closed is not None and live.transport.closed[0] == Close.SIGNOUT
    refused = await harness.connect(old, expect="error")
    assert refused.error["code"] == "AUTHFAIL"  # type: ignore[attr-defined]
    fresh = await harness.connect(new)
    assert (await fresh.request("ping"))["ok"]
    assert (await laptop.request("ping"))["ok"], "another device of the user is left alone"


@pytest.mark.parametrize("file, ok", [
    ({"url": "u", "type": 2**31 - 1, "size": 2**53 - 1}, True),
    ({"url": "u", "size": 2**53}, False),
    ({"url": "u", "size": 10**30}, False),
    ({"url": "u", "size": -1}, False),
    ({"url": "u", "type": 2**31}, False),
    ({"url": "u", "type": -1}, False),
])
async def test_item19_file_type_and_size_bounded(harness: Harness, file: dict, ok: bool) -> None:
    """A file's size is a JavaScript-safe integer, its type a 31-bit one, like a message's type."""
    await harness.token("bob")
    alice = await harness.device("alice")
    res = await alice.request("send", cid="f1", to="bob", message="", file=file)
    if ok:
        assert res["ok"] and res["status"] == Status.SENT
    else:
        assert not res["ok"] and res["error"] == "BADREQUEST" and "file" in res["reason"]
