"""Issue 6, the store's part: ids never reused, tokens replaced per device, app-scoped look-ups."""

from __future__ import annotations

import asyncio
import sys
from asyncio.subprocess import PIPE
from pathlib import Path
from typing import Any

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
    assert await harness.scalar("SELECT count(*) FROM messages WHERE sender=?", carol_user.uid) == 0

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


HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
print("released", flush=True)
"""


async def _hold_lock(path: Path) -> asyncio.subprocess.Process:
    """Another process (an operator's shell, a backup) takes the database's write lock."""
    holder = await asyncio.create_subprocess_exec(sys.executable, "-c", HOLDER, str(path), stdin=PIPE, stdout=PIPE)
    assert holder.stdout is not None
    assert (await asyncio.wait_for(holder.stdout.readline(), 30)).strip() == b"locked"
    return holder


async def _release(holder: asyncio.subprocess.Process) -> None:
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.write(b"go\n")
    await holder.stdin.drain()
    assert (await asyncio.wait_for(holder.stdout.readline(), 30)).strip() == b"released"
    await holder.wait()


async def _answer(device: Any, r: str, timeout: float = 10.0) -> dict[str, Any]:
    while True:
        frame = await device.next_of("res", timeout)
        if frame["r"] == r:
            return frame


@pytest.mark.sqlite_only("another process holds the SQLite file's write lock")
async def test_item09_lock_held_by_another_process_does_not_freeze_the_loop(harness: Harness,
                                                                          tmp_path: Path) -> None:
    bob = await harness.device("bob")
    alice = await harness.device("alice")
    holder = await _hold_lock(tmp_path / "hubbub.db")
    try:
        await alice.feed({"t": "send", "r": "s", "cid": "c1", "to": "bob", "message": "waits for the lock"})
        pong = await alice.request("ping")
        assert pong["ok"], "the loop answers while a write waits for the lock"
        assert holder.returncode is None, "and the other process still holds it"
    finally:
        await _release(holder)
    res = await _answer(alice, "s")
    assert res["ok"] and res["status"] == Status.SENT
    [got] = await bob.wait_events(1)
    assert got["message"] == "waits for the lock"


@pytest.mark.settings(sqlite_lock_wait=0.2)
@pytest.mark.sqlite_only("another process holds the SQLite file's write lock")
async def test_item09_lock_held_past_sqlite_lock_wait_is_a_clear_busy_error(harness: Harness,
                                                                          tmp_path: Path) -> None:
    bob = await harness.device("bob")
    alice = await harness.device("alice")
    holder = await _hold_lock(tmp_path / "hubbub.db")
    try:
        await alice.feed({"t": "send", "r": "s", "cid": "c1", "to": "bob", "message": "never stored"})
        res = await _answer(alice, "s")
        assert not res["ok"] and res["error"] == "BUSY"
    finally:
        await _release(holder)
    res = await alice.request("send", cid="c1", to="bob", message="stored now")
    assert res["ok"] and res["status"] == Status.SENT and not res.get("dup")
    [got] = await bob.wait_events(1)
    assert got["message"] == "stored now"
