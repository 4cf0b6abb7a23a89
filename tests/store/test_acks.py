"""An ack batch on each store: every message its cursors pass becomes DELIVERED once, the first time
any device of its recipient acknowledges it, and the senders' receipts come in the order of the acks
(each recipient's by seq), whether the batch is marked a statement per cursor or in one."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from hubbub.config import Settings
from hubbub.protocol.constants import Status
from hubbub.store import OutMessage, Store, open_store
from hubbub.store.shared import RECEIPT_PEERS_BYTES, delivered_events
from hubbub.store.sqlite import ACKS_IN_ONE_STATEMENT

NOW = 1_000


def _msg(app_id: int, sender: int, to: int, to_address: str, cid: str) -> OutMessage:
    return OutMessage(app_id, sender, "sender", cid, to, to_address, 0, "hi " + cid, "", 0, 3600, 0, None,
                      False, NOW, NOW + 3_600_000)


async def _statuses(store: Store, uid: int, after: int) -> list[tuple[int, str, int]]:
    """(mid, peer, status) per message, a shared 1:1 event's messages (`mids`) each on its own."""
    items, _ = await store.events_after(uid, after, 10_000, NOW, 1 << 24)
    return [(mid, e["peer"], e["status"]) for e in map(json.loads, items) if e["k"] == "status"
            for mid in e.get("mids", [e["mid"]])]


@pytest.mark.parametrize("recipients", [1, ACKS_IN_ONE_STATEMENT - 1, ACKS_IN_ONE_STATEMENT, 20])
async def test_an_ack_batch_delivers_each_message_once_in_the_order_of_the_acks(
        database_url: str, tmp_path: Path, recipients: int) -> None:
    store = open_store(Settings.load(env={}, data_dir=str(tmp_path / "data"), database_url=database_url))
    await store.open()
    try:
        app = await store.create_app("acks", b"hash", NOW)
        sender = (await store.upsert_user(app.id, "sender", None, None, NOW))[0]
        users = [(await store.upsert_user(app.id, f"r{i}", None, None, NOW))[0] for i in range(recipients)]
        mids: dict[int, list[int]] = {}
        for round_ in range(3):
            for u in users:
                result, _ = await store.send(_msg(app.id, sender.uid, u.uid, u.address, f"{u.address}-{round_}"))
                mids.setdefault(u.uid, []).append(result.mid)
        first = users[0]
        # read before any ack was stored: DELIVERED and RECEIVEDREAD come from the read, not again from an ack
        await store.read(first.uid, first.address, [mids[first.uid][1]], NOW)
        before = await store.head(sender.uid)

        # the acks of the batch in reverse order; the first user's second device covers less of its log
        acks = [(u.uid, "phone", 3, u.address) for u in reversed(users)]
        acks.append((first.uid, "laptop", 2, first.address))
        await store.ack(acks, NOW)
        got = await _statuses(store, sender.uid, before)
        want = [(mid, u.address, int(Status.DELIVERED)) for u in reversed(users) for mid in mids[u.uid]
                if mid != mids[first.uid][1]]
        assert got == want

        # again, and the other device catching up: nothing is delivered twice
        head = await store.head(sender.uid)
        await store.ack(acks + [(first.uid, "laptop", 3, first.address)], NOW)
        assert await store.head(sender.uid) == head
        for u in users:
            assert await store.cursor(u.uid, "phone") == 3
        assert await store.cursor(first.uid, "laptop") == 3
    finally:
        await store.close()


async def test_one_recipients_messages_acknowledged_together_share_a_status(database_url: str, tmp_path: Path) -> None:
    """A recipient's 1:1 messages from one sender, acknowledged in one batch, share DELIVERED events
    (`mids`/`cids` in the order sent, the first also in `mid`/`cid`; at most RECEIPT_PEERS_BYTES of
    them each); a single message keeps the plain event; another recipient's have their own."""
    store = open_store(Settings.load(env={}, data_dir=str(tmp_path / "data"), database_url=database_url))
    await store.open()
    try:
        app = await store.create_app("acks", b"hash", NOW)
        sender = (await store.upsert_user(app.id, "sender", None, None, NOW))[0]
        bob, carol = [(await store.upsert_user(app.id, a, None, None, NOW))[0] for a in ("bob", "carol")]
        # long cids: 60 messages to bob need two events
        sent = [(await store.send(_msg(app.id, sender.uid, bob.uid, "bob", f"{k:03}-" + "c" * 400)))[0]
                for k in range(60)]
        alone = (await store.send(_msg(app.id, sender.uid, carol.uid, "carol", "to-carol")))[0]
        before = await store.head(sender.uid)
        await store.ack([(bob.uid, "phone", await store.head(bob.uid), "bob"),
                         (carol.uid, "phone", await store.head(carol.uid), "carol")], NOW)
        items, _ = await store.events_after(sender.uid, before, 100, NOW, 1 << 24)
        events = [json.loads(i) for i in items]
        assert all(e["k"] == "status" and e["status"] == Status.DELIVERED and e["gid"] == 0 for e in events)
        to_bob = [e for e in events if e["peer"] == "bob"]
        assert len(to_bob) == 2
        assert [m for e in to_bob for m in e["mids"]] == [r.mid for r in sent]
        assert [c for e in to_bob for c in e["cids"]] == [r.cid for r in sent]
        assert all((e["mid"], e["cid"]) == (e["mids"][0], e["cids"][0]) for e in to_bob)
        assert all(sum(len(c) + len(str(m)) + 4 for m, c in zip(e["mids"], e["cids"])) <= RECEIPT_PEERS_BYTES
                   for e in to_bob)
        assert [e for e in events if e["peer"] == "carol"] == [
            {"k": "status", "ts": NOW, "mid": alone.mid, "cid": "to-carol", "peer": "carol", "gid": 0,
             "status": int(Status.DELIVERED), "seq": before + 3}]
    finally:
        await store.close()


async def test_a_group_message_acknowledged_together_gets_shared_statuses(database_url: str, tmp_path: Path) -> None:
    """A group's members acknowledged in one batch share DELIVERED events (`peers`, in ack order, at
    most RECEIPT_PEERS_BYTES of addresses each); a 1:1 message in the same batch keeps its own."""
    store = open_store(Settings.load(env={}, data_dir=str(tmp_path / "data"), database_url=database_url))
    await store.open()
    try:
        app = await store.create_app("acks", b"hash", NOW)
        sender = (await store.upsert_user(app.id, "sender", None, None, NOW))[0]
        # long addresses: 90 members need two events
        members = [(await store.upsert_user(app.id, f"m{i:03}-" + "x" * 200, None, None, NOW))[0] for i in range(90)]
        gid, _ = await store.create_group(app.id, "g", 0, 0, [(sender.uid, 0, True)] + [(m.uid, 0, False) for m in members],
                                          NOW, sender.uid)
        group_msg = dataclasses.replace(_msg(app.id, sender.uid, 0, "", "to-group"), gid=gid)
        group_mid = (await store.send(group_msg))[0].mid
        one = members[5]
        one_mid = (await store.send(_msg(app.id, sender.uid, one.uid, one.address, "to-one")))[0].mid
        before = await store.head(sender.uid)

        late = members[0]
        order = [m for m in reversed(members) if m is not late]
        await store.ack([(m.uid, "phone", await store.head(m.uid), m.address) for m in order], NOW)
        items, _ = await store.events_after(sender.uid, before, 100, NOW, 1 << 24)
        events = [json.loads(i) for i in items]
        assert all(e["k"] == "status" and e["status"] == Status.DELIVERED for e in events)
        shared = [e for e in events if e["mid"] == group_mid]
        assert len(shared) == 2 and all("peer" not in e and e["gid"] == gid for e in shared)
        assert [p for e in shared for p in e["peers"]] == [m.address for m in order]
        assert all(sum(len(p) + 3 for p in e["peers"]) <= RECEIPT_PEERS_BYTES for e in shared)
        # the 1:1 message's status comes after the group's first event: its recipient acked after others
        assert [(e["mid"], e.get("peer")) for e in events if e["mid"] == one_mid] == [(one_mid, one.address)]
        assert events[0]["mid"] == group_mid

        head = await store.head(sender.uid)
        await store.ack([(late.uid, "phone", await store.head(late.uid), late.address)], NOW)
        items, _ = await store.events_after(sender.uid, head, 100, NOW, 1 << 24)
        assert [(e["mid"], e["peers"]) for e in map(json.loads, items)] == [(group_mid, [late.address])]
    finally:
        await store.close()


def test_a_shared_status_holds_receipt_peers_bytes_of_addresses_at_most() -> None:
    """At the edge: addresses (UTF-8 bytes, plus 3 each for the JSON around them) adding up to exactly
    RECEIPT_PEERS_BYTES share one event; one byte more starts a second; a 1:1 row is its own event."""
    per = RECEIPT_PEERS_BYTES // 64 - 3  # 64 addresses of this length fill an event exactly
    exact = [f"{i:02}" + "x" * (per - 2) for i in range(64)]

    def shared(peers: list[str]) -> list[list[str]]:
        events = [json.loads(body) for _, body in delivered_events([(7, 1, "c", 3, p) for p in peers], NOW)]
        assert all(e["mid"] == 7 and e["gid"] == 3 and "peer" not in e for e in events)
        return [e["peers"] for e in events]

    assert shared(exact) == [exact]
    wider = exact[:-1] + [exact[-1][:-1] + "é"]  # the same characters, one byte more
    assert shared(wider) == [wider[:-1], wider[-1:]]
    mixed = delivered_events([(7, 1, "c", 3, "a"), (8, 1, "d", 0, "b"), (7, 1, "c", 3, "e")], NOW)
    assert [(json.loads(b)["mid"], json.loads(b).get("peers"), json.loads(b).get("peer")) for _, b in mixed] == [
        (7, ["a", "e"], None), (8, None, "b")]
