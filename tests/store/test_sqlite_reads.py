"""SQLite reads stay proportional to the page, not to the database, without ANALYZE statistics (the
store never gathers any). Before, the planner took the (app_id, sender) index for a 1:1 history (every
message of the app) and the (uid, seq) key for each row's delivery state (every event of the user):
400 ms on the event loop for one page of a user with 50,000 events. Work is counted in VM steps
(a progress handler), not in time."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hubbub.store.sqlite import SQLiteStore

READER, PEER, GID, APP = 1, 7, 5, 1
NOISE = 20_000


async def make_store(tmp_path: Path) -> SQLiteStore:
    path = tmp_path / "reads.db"
    store = SQLiteStore(path)
    await store.open()
    await store.close()
    db = sqlite3.connect(path)
    cols = "mid,app_id,sender,from_addr,cid,to_uid,to_addr,gid,ts,expiry,flag,type,message,title,file,fwd"
    ins = f"INSERT INTO messages({cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

    def msg(mid: int, sender: int, to: int, gid: int = 0) -> tuple[object, ...]:
        return (mid, APP, sender, f"u{sender}", f"c{mid}", to, f"u{to}", gid, mid, 0, 3, 0, "hi", "", None, 0)
    # the app's other traffic, and a reader whose log is long (its events name those messages)
    db.executemany(ins, [msg(i, 100 + i % 50, 200 + i % 50) for i in range(1, NOISE + 1)])
    db.executemany("INSERT INTO events(uid,seq,body,mid,state,deadline) VALUES (?,?,?,?,?,?)",
                   [(READER, i, '{"k":"msg"}', i, 1, None) for i in range(1, NOISE + 1)])
    ours = [msg(NOISE + 1, READER, PEER), msg(NOISE + 2, PEER, READER), msg(NOISE + 3, READER, 0, GID),
            msg(NOISE + 4, PEER, 0, GID)]
    db.executemany(ins, ours)
    db.executemany("INSERT INTO events(uid,seq,body,mid,state,deadline) VALUES (?,?,?,?,?,?)",
                   [(PEER, 1, '{"k":"msg"}', NOISE + 1, 1, None), (READER, NOISE + 1, '{"k":"msg"}', NOISE + 2, 1, None),
                    (READER, NOISE + 2, '{"k":"msg"}', NOISE + 4, 1, None)])
    db.commit()
    db.close()
    store = SQLiteStore(path)
    await store.open()
    return store


def steps(store: SQLiteStore) -> list[int]:
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0
    store.db.set_progress_handler(tick, 1000)
    return count


async def test_a_history_page_reads_the_conversation_not_the_app(tmp_path: Path) -> None:
    store = await make_store(tmp_path)
    try:
        count = steps(store)
        page, more = await store.history(APP, READER, PEER, 0, None, 50)
        assert [m["mid"] for m in page] == [NOISE + 2, NOISE + 1] and not more
        assert page[1]["status"] != 0 and page[0]["dir"] == "in"
        one_to_one, count[0] = count[0], 0
        page, more = await store.history(APP, READER, 0, GID, None, 50)
        assert [m["mid"] for m in page] == [NOISE + 4, NOISE + 3] and not more
        group, count[0] = count[0], 0
        page, more = await store.conversations(APP, READER, None, 1)
        assert [m["mid"] for m in page] == [NOISE + 4] and more
        listing = count[0]
        # thousands of VM instructions for a page, not millions (the noise is 20,000 rows each)
        assert one_to_one < 50 and group < 50, (one_to_one, group)
        # the chat list reads the reader's own log once (about 40 steps an event: inherent to the query,
        # see docs), not that log again for each row it answers (6 million steps before)
        assert listing < 60 * NOISE / 1000, listing
    finally:
        store.db.set_progress_handler(None, 0)
        await store.close()
