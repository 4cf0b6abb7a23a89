"""The reference's backend group flags, set through `groupadd`/`groupset` and seen by real clients:
1 only selected members send, 2 anyone sends, 0x10 only selected members receive, 0x40 no store,
0x80 loop back to the sender (0x20, round-robin, is stored only: docs/mesibo-compat.md)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from .test_backend import add_user, connect, fails, ok


async def send(conn: Any, cid: str, gid: int, text: str) -> dict[str, Any]:
    """A client's group send; returns its answer frame (events met on the way are kept and acked)."""
    await conn.ws.send(json.dumps({"t": "send", "r": cid, "cid": cid, "gid": gid, "message": text}))
    while True:
        fr = await conn.frame()
        if fr["t"] == "res" and fr.get("r") == cid:
            return fr
        if fr["t"] == "events":
            conn.events.extend(fr["events"])
            await conn.ws.send(json.dumps({"t": "ack", "seq": fr["events"][-1]["seq"]}))


async def test_group_flags_send_receive_and_loopback(server: Any) -> None:
    alice = await add_user(server, "alice")
    bob = await add_user(server, "bob")
    carol = await add_user(server, "carol")
    a, b, c = [await connect(server, u["token"]) for u in (alice, bob, carol)]
    try:
        # 1: only selected members send (bob may not), as the backend sees it too
        gid = (await ok(server, "groupadd", group={"name": "sel", "flag": 1, "members": "alice"}))["group"]["gid"]
        await ok(server, "groupeditmembers", gid=gid, m="bob", cansend=0)
        await fails(server, "message", "NOTMEMBER", message={"from": "bob", "gid": gid, "message": "no"})
        assert (await send(b, "b1", gid, "no"))["status"] == 0x91
        sent = await ok(server, "message", message={"from": "alice", "gid": gid, "message": "yes"})
        assert (await b.event("msg", mid=sent["mid"]))["message"] == "yes"

        # 2: anyone sends, even a non-member (carol); members receive
        await ok(server, "groupset", group={"gid": gid, "flag": 2})
        got = await send(c, "c1", gid, "from outside")
        assert got["status"] == 1, got
        assert (await b.event("msg", gid=gid, message="from outside"))["from"] == "carol"

        # 0x80: the sender gets its own group message as an incoming one; without it, it does not
        await ok(server, "groupset", group={"gid": gid, "flag": 0x80})
        got = await send(a, "a1", gid, "echo me")
        assert (await a.event("msg", gid=gid, message="echo me", dir="in"))["mid"] == got["mid"]
        await ok(server, "groupset", group={"gid": gid, "flag": 0})
        got = await send(a, "a2", gid, "no echo")
        await b.event("msg", mid=got["mid"])
        await send(a, "a3", gid, "marker")
        await b.event("msg", message="marker")
        await a.event("msg", message="marker", dir="out")
        assert not [e for e in a.events if e.get("message") == "no echo" and e.get("dir") == "in"]

        # 0x20 is accepted and stored (round-robin is not acted on: every member receives)
        await ok(server, "groupset", group={"gid": gid, "flag": 0x20})
        info = await ok(server, "groupgetmembers", gid=gid)
        assert info["group"]["flag"] == 0x20
    finally:
        await asyncio.gather(a.ws.close(), b.ws.close(), c.ws.close())
