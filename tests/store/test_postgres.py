"""The PostgreSQL store's own guarantees: group commit, failures that stay their own, and gap-free seq
with concurrent writers in several processes (as several nodes would be)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import multiprocessing
import random

import asyncpg
import pytest

from hubbub.store.base import OutMessage
from hubbub.store.postgres import PostgresStore

WRITERS = 4
SENDS = 150  # per process
USERS = 6


def _msg(app_id: int, sender: int, to: int, cid: str, now: int = 1) -> OutMessage:
    return OutMessage(app_id, sender, f"u{sender}", cid, to, f"u{to}", 0, "hi " + cid, "", 0, 3600, 0, None,
                      False, now, now + 3_600_000)


async def _setup(url: str) -> tuple[int, list[int]]:
    store = PostgresStore(url)
    await store.open()
    try:
        app = await store.create_app("test", b"hash", 1)
        uids = [(await store.upsert_user(app.id, f"u{i}", None, None, 1))[0].uid for i in range(USERS)]
        return app.id, uids
    finally:
        await store.close()


async def _write(url: str, app_id: int, uids: list[int], proc: int) -> list[tuple[int, int, bool]]:
    """SENDS sends between random users, all in flight at once; every fifth reuses a cid shared by all processes."""
    store = PostgresStore(url)
    await store.open()
    rng = random.Random(proc)
    try:
        async def one(i: int) -> tuple[int, int, bool]:
            sender, to = rng.sample(uids, 2)
            cid = f"shared-{i}" if i % 5 == 0 else f"p{proc}-{i}"
            if i % 5 == 0:
                sender, to = uids[0], uids[1]
            result, touched = await store.send(_msg(app_id, sender, to, cid))
            assert result.dup or set(touched) == {sender, to}
            return result.mid, sender, result.dup
        return await asyncio.gather(*[one(i) for i in range(SENDS)])
    finally:
        await store.close()


def _writer_process(url: str, app_id: int, uids: list[int], proc: int, out: "multiprocessing.Queue[object]") -> None:
    out.put(asyncio.run(_write(url, app_id, uids, proc)))


async def test_concurrent_writers_in_several_processes_keep_every_log_gap_free(pg_url: str) -> None:
    app_id, uids = await _setup(pg_url)
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[object] = ctx.Queue()
    procs = [ctx.Process(target=_writer_process, args=(pg_url, app_id, uids, p, out)) for p in range(WRITERS)]
    for p in procs:
        p.start()
    results = []
    while len(results) < WRITERS:  # a process that dies fails the test at once
        try:
            results.append(await asyncio.get_running_loop().run_in_executor(None, out.get, True, 1))
        except Exception:
            assert all(p.exitcode in (None, 0) for p in procs), "a writer process failed"
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    answers = [r for proc in results for r in proc]  # type: ignore[attr-defined]
    shared = {mid for mid, _s, _dup in answers if mid}

    conn = await asyncpg.connect(pg_url)
    try:
        messages = await conn.fetchval("SELECT count(*) FROM messages")
        # every process got the same mid for each shared cid, and it is stored once
        assert messages == WRITERS * (SENDS - SENDS // 5) + SENDS // 5
        assert len(shared) == messages
        for uid in uids:
            seqs = [r[0] for r in await conn.fetch("SELECT seq FROM events WHERE uid=$1 ORDER BY seq", uid)]
            head = await conn.fetchval("SELECT seq FROM heads WHERE uid=$1", uid)
            assert seqs == list(range(1, len(seqs) + 1)), f"gap in the log of {uid}"
            assert head == len(seqs)
        # each message is in its sender's log once (out) and its recipient's log once (in)
        rows = await conn.fetch("SELECT uid, body FROM events")
        seen: dict[tuple[int, str], int] = {}
        for uid, body in rows:
            e = json.loads(body)
            seen[(e["mid"], e["dir"])] = seen.get((e["mid"], e["dir"]), 0) + 1
        assert all(n == 1 for n in seen.values()) and len(seen) == 2 * messages
    finally:
        await conn.close()


async def test_operations_of_one_moment_share_a_commit(pg_url: str) -> None:
    app_id, uids = await _setup(pg_url)
    store = PostgresStore(pg_url)
    await store.open()
    try:
        results = await asyncio.gather(*[store.send(_msg(app_id, uids[0], uids[1], f"c{i}")) for i in range(200)])
        assert [r.cid for r, _ in results] == [f"c{i}" for i in range(200)]
        assert store._writer.operations == 200 and store._writer.batches < 200
        # commit order is call order: the sender's log lists the sends as they were called
        items, _ = await store.events_after(uids[0], 0, 500, 0, 10**6)
        assert [json.loads(i)["cid"] for i in items] == [f"c{i}" for i in range(200)]
    finally:
        await store.close()


async def test_a_batch_inserts_its_messages_in_order_and_answers_resends_as_such(pg_url: str) -> None:
    """The messages of a batch go in with one statement: mids rise in call order, and a cid sent twice
    in the batch, or stored before it, is one message whose later sends answer dup with its mid."""
    app_id, uids = await _setup(pg_url)
    store = PostgresStore(pg_url)
    await store.open()
    try:
        first, _ = await store.send(_msg(app_id, uids[0], uids[1], "old"))
        cids = ["a", "b", "old", "a", "c", "b"]
        results = await asyncio.gather(*[store.send(_msg(app_id, uids[0], uids[1], c)) for c in cids])
        assert store._writer.batches == 2, "the six sends shared one commit"
        new = [r for r, _ in results if not r.dup]
        assert [r.cid for r in new] == ["a", "b", "c"] and [r.mid for r in new] == sorted(r.mid for r in new)
        assert new[0].mid > first.mid
        mid_of = {r.cid: r.mid for r in new} | {"old": first.mid}
        assert [r.mid for r, _ in results] == [mid_of[c] for c in cids]
        assert [r.dup for r, _ in results] == [False, False, True, True, False, True]
        items, _ = await store.events_after(uids[1], 0, 500, 0, 10**6)
        assert [json.loads(i)["message"] for i in items] == ["hi old", "hi a", "hi b", "hi c"]
    finally:
        await store.close()


async def test_a_failing_operation_undoes_only_itself(pg_url: str) -> None:
    app_id, uids = await _setup(pg_url)
    store = PostgresStore(pg_url)
    await store.open()
    try:
        outcomes = await asyncio.gather(
            store.send(_msg(app_id, uids[0], uids[1], "a")),
            store.update(app_id, uids[0], 10**9, "edit", "x", 1),  # no such message: raises inside the batch
            store.send(_msg(app_id, uids[0], uids[1], "b")),
            return_exceptions=True)
        assert isinstance(outcomes[1], LookupError)
        assert [o[0].cid for o in (outcomes[0], outcomes[2])] == ["a", "b"]  # type: ignore[index]
        items, _ = await store.events_after(uids[1], 0, 10, 0, 10**6)
        assert [json.loads(i)["seq"] for i in items] == [1, 2]
    finally:
        await store.close()


async def test_a_writer_connection_the_server_ended_is_replaced(pg_url: str) -> None:
    app_id, uids = await _setup(pg_url)
    store = PostgresStore(pg_url)
    await store.open()
    try:
        writer_conn = store._writer._conn
        assert writer_conn is not None
        admin = await asyncpg.connect(pg_url)
        await admin.execute("SELECT pg_terminate_backend($1)", writer_conn.get_server_pid())
        await admin.close()
        for _ in range(50):  # the driver notices the end of the connection
            if writer_conn.is_closed():
                break
            await asyncio.sleep(0.05)
        result, touched = await store.send(_msg(app_id, uids[0], uids[1], "after"))
        assert not result.dup and touched == {uids[0]: 1, uids[1]: 1}
        assert store._writer._conn is not writer_conn
    finally:
        await store.close()


async def test_pushes_read_from_the_tail_see_what_the_database_holds(pg_url: str) -> None:
    """Two stores on one database (two nodes) append to the same logs in turn; every read either
    answers from its tail of own commits, exactly as the database would, or from the database."""
    app_id, uids = await _setup(pg_url)
    a, b, db = PostgresStore(pg_url), PostgresStore(pg_url), PostgresStore(pg_url, tail_bytes=0)
    for store in (a, b, db):
        await store.open()
    try:
        now = 1_000
        for i in range(12):
            store = (a, a, b)[i % 3]
            await store.send(_msg(app_id, uids[i % 2], uids[2], f"c{i}", now))
        await a.ack([(uids[2], "d1", 3, "u2")], now)  # a cursor, and DELIVERED statuses in the senders' logs
        head = await db.head(uids[2])
        assert head == 12
        for uid in (uids[0], uids[1], uids[2]):
            for after in range(await db.head(uid) + 1):
                for limit in (1, 5, 500):
                    want = await db.events_after(uid, after, limit, now, 1 << 20)
                    for store in (a, b):
                        got = await store.events_after(uid, after, limit, now, 1 << 20)
                        assert got[0] == want[0][:len(got[0])], (uid, after, limit)
                        assert bool(got[0]) == bool(want[0]), "a read answers something when there is something"
                        assert not got[1]
        assert a.tail.hits > 0 and b.tail.hits > 0 and a.tail.misses > 0
    finally:
        for store in (a, b, db):
            await store.close()


async def test_a_message_near_its_deadline_is_read_from_the_database(pg_url: str) -> None:
    """The tail's copy says PENDING; once the deadline is near, the stored state decides (a message
    delivered to one device still reaches another; one undelivered is skipped and expired)."""
    app_id, uids = await _setup(pg_url)
    store = PostgresStore(pg_url)
    await store.open()
    try:
        for cid, deadline in (("soon", 2_000), ("later", 2_000)):
            await store.send(dataclasses.replace(_msg(app_id, uids[0], uids[1], cid, 1_000), deadline=deadline))
        await store.ack([(uids[1], "phone", 1, "u1")], 1_500)  # the first was delivered
        items, overdue = await store.events_after(uids[1], 0, 10, 3_000, 1 << 20)
        assert [json.loads(i)["k"] for i in items] == ["msg", "skip"]
        assert overdue == [2]
    finally:
        await store.close()


async def test_recipient_look_ups_queued_together_answer_as_each_alone(pg_url: str) -> None:
    """Look-ups that queue while one is in flight share a statement; each still gets its own answer
    (found or not, inactive, blocked by that recipient or not)."""
    app_id, uids = await _setup(pg_url)
    store = PostgresStore(pg_url)
    await store.open()
    try:
        await store.block(uids[2], uids[0], True)  # u2 blocks u0
        await store.upsert_user(app_id, "u5", None, False, 1)  # u5 inactive
        asks = [(f"u{i % 7}", uids[j % 3]) for i in range(7) for j in range(3)] * 2
        alone = [await store.recipient(app_id, address, sender) for address, sender in asks]
        statements = store._recipients.statements
        together = await asyncio.gather(*[store.recipient(app_id, address, sender) for address, sender in asks])
        assert list(together) == alone
        assert store._recipients.statements - statements < len(asks) / 4, "they shared statements"
        assert alone[asks.index(("u2", uids[0]))] == (uids[2], True)
        assert alone[asks.index(("u2", uids[1]))] == (uids[2], False)
        assert alone[asks.index(("u5", uids[0]))] is None and alone[asks.index(("u6", uids[0]))] is None
    finally:
        await store.close()


async def test_close_cuts_a_read_connection_still_out_after_its_bound(pg_url: str, monkeypatch: pytest.MonkeyPatch,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    """asyncpg's Pool.close() waits for every connection to come back, however long: the store bounds
    it (a node stopping must not hang on a read that never ends) and then cuts what is still out."""
    monkeypatch.setattr("hubbub.store.postgres.CLOSE_WAIT", 0.3)
    store = PostgresStore(pg_url)
    await store.open()
    pool = store._pool
    assert pool is not None
    held = await pool.acquire()  # never released
    pid = held.get_server_pid()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(store.close(), 10)
    assert 0.3 <= loop.time() - started < 5
    assert "still in use after 0.3 s" in caplog.text
    admin = await asyncpg.connect(pg_url)
    try:
        for _ in range(100):  # the server sees the cut connection's backend end
            if not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid=$1", pid):
                break
            await asyncio.sleep(0.05)
        assert not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid=$1", pid)
    finally:
        await admin.close()
