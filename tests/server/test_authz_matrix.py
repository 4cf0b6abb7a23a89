"""The authorization matrix: every client request type and every backend op, tried by every kind of
caller, through a real server on loopback (real WebSockets, real HTTP, a real SQLite file).

The resource under test belongs to `alice` of app 1: her group G (alice and `admin` are its admins,
`member` and `blocked` plain members) and her message M in G; alice has blocked `blocked`.
The callers:

- outsider:  a user of app 1 in no group with alice
- member:    a plain member of G
- admin:     another admin of G
- other_app: a user of app 2 (whose token is good, but for another app)
- blocked:   a member of G whom alice blocked

Each cell is the exact answer, summarised: `ok` (and what matters of the answer), an error code,
or the status of a send. Every cell builds a world of its own (fresh users and group), so cells do
not depend on each other's order. docs/security.md points here.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator

import httpx
import pytest
import websockets

from hubbub.protocol.constants import CallStatus, Status

from ..conftest import RunningServer, start_server

pytestmark = pytest.mark.timeout(60)

ROLES = ("outsider", "member", "admin", "other_app", "blocked")
APPID = "com.example.test"
_world_ids = itertools.count(1)


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    threaded, running = start_server(tmp_path_factory.mktemp("authz"), group_ops_per_minute=100_000,
                                     max_groups_per_user=100_000)

    async def second_app() -> str:
        _app, token = await running.admin.create_app("other")
        return token
    running.other_app_token = running.call(second_app())  # type: ignore[attr-defined]
    try:
        yield running
    finally:
        threaded.__exit__(None, None, None)


class Conn:
    """A raw WebSocket client that answers requests and keeps what else arrives."""

    def __init__(self, ws: Any, welcome: dict[str, Any]) -> None:
        self.ws, self.welcome = ws, welcome
        self.other: list[dict[str, Any]] = []
        self._r = 0

    async def request(self, t: str, **fields: Any) -> dict[str, Any]:
        self._r += 1
        await self.ws.send(json.dumps({"t": t, "r": self._r, **fields}))
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
            if frame["t"] == "res" and frame["r"] == self._r:
                return frame
            self.other.append(frame)
            if frame["t"] == "events":
                await self.ws.send(json.dumps({"t": "ack", "seq": frame["events"][-1]["seq"]}))


async def connect(srv: RunningServer, token: str, appid: str = APPID) -> Conn:
    ws = await websockets.connect(srv.ws_url, max_size=None)
    await ws.send(json.dumps({"t": "auth", "v": 1, "token": token, "appid": appid}))
    welcome = json.loads(await ws.recv())
    assert welcome["t"] == "welcome", welcome
    return Conn(ws, welcome)


@dataclass
class World:
    srv: RunningServer
    n: int
    conns: dict[str, Conn] = field(default_factory=dict)
    gid: int = 0
    mid: int = 0
    tokens: dict[str, str] = field(default_factory=dict)

    def addr(self, role: str) -> str:
        return f"w{self.n}-{role}"

    async def conn(self, role: str) -> Conn:
        """The role's connection, opened on first use (a world opens only what its cell needs)."""
        if role not in self.conns:
            self.conns[role] = await connect(self.srv, self.tokens[role])
        return self.conns[role]

    async def close(self) -> None:
        await asyncio.gather(*(c.ws.close() for c in self.conns.values()), return_exceptions=True)


async def make_world(srv: RunningServer) -> World:
    w = World(srv, next(_world_ids))

    async def users() -> dict[str, str]:
        admin = srv.admin
        app1, app2 = await admin.app_named("test"), await admin.app_named("other")
        # app 2 has its own user; it even has an `alice` of its own, so names alone prove nothing
        where = {role: app1 for role in ("alice", "outsider", "member", "admin", "blocked", "extra")}
        where["other_app"] = app2
        made = await asyncio.gather(*(admin.add_user(app, w.addr(role)) for role, app in where.items()),
                                    admin.add_user(app2, w.addr("alice")))  # concurrent: one commit
        tokens = await asyncio.gather(*(admin.issue_token(u, APPID, "d1") for u in made[:len(where)]))
        return dict(zip(where, tokens))
    w.tokens = await asyncio.to_thread(srv.call, users())
    alice = await w.conn("alice")
    w.gid = (await alice.request("group_create", name="G",
                                 members=[w.addr("member"), w.addr("admin"), w.addr("blocked")]))["gid"]
    assert (await alice.request("group_members", gid=w.gid, add=[w.addr("admin")], admin=True))["ok"]
    assert (await alice.request("block", address=w.addr("blocked"), on=True))["ok"]
    sent = await alice.request("send", cid="M", gid=w.gid, message="M")
    assert sent["status"] == Status.SENT
    w.mid = sent["mid"]
    return w


def err(res: dict[str, Any]) -> str | None:
    return None if res["ok"] else res["error"]


def status(res: dict[str, Any]) -> str:
    return err(res) or Status(res["status"]).name


def call_status(res: dict[str, Any]) -> str:
    return err(res) or CallStatus(res["status"]).name


def ok_or(summary: Callable[[dict[str, Any]], str]) -> Callable[[dict[str, Any]], str]:
    return lambda res: err(res) or summary(res)


Action = Callable[[World, Conn], Awaitable[str]]


def req(t: str, summary: Callable[[dict[str, Any]], str] = ok_or(lambda r: "ok"),
        **fields: Callable[[World], Any]) -> Action:
    async def act(w: World, c: Conn) -> str:
        return summary(await c.request(t, **{k: v(w) for k, v in fields.items()}))
    return act


def alice(w: World) -> str:
    return w.addr("alice")


async def call_of_alice(w: World, c: Conn, t: str, answered: bool = False, **fields: Any) -> str:
    """alice calls `member` (who answers, if `answered`); the caller then tries `t` on that call."""
    await w.conn("member")  # online, so the call rings
    placed = await w.conns["alice"].request("call", to=w.addr("member"), video=False)
    assert placed["ok"], placed
    if answered:
        assert (await (await w.conn("member")).request("call_answer", callid=placed["callid"]))["ok"]
    return err(await c.request(t, callid=placed["callid"], **fields)) or "ok"


# request -> (action, {role: expected answer})
CLIENT: dict[str, tuple[Action, dict[str, str]]] = {
    "send 1:1 to alice": (
        req("send", status, cid=lambda w: "x", to=alice, message=lambda w: "hi"),
        dict(outsider="SENT", member="SENT", admin="SENT", other_app="SENT", blocked="BLOCKED")),
    "send to G": (
        req("send", status, cid=lambda w: "x", gid=lambda w: w.gid, message=lambda w: "hi"),
        dict(outsider="NOTMEMBER", member="SENT", admin="SENT", other_app="INVALIDDEST", blocked="SENT")),
    "read M": (
        req("read", ok_or(lambda r: f"count={r['count']}"), mids=lambda w: [w.mid]),
        dict(outsider="count=0", member="count=1", admin="count=1", other_app="count=0", blocked="count=1")),
    "edit M": (
        req("edit", mid=lambda w: w.mid, message=lambda w: "changed"),
        dict(outsider="NOTFOUND", member="FORBIDDEN", admin="FORBIDDEN", other_app="NOTFOUND",
             blocked="FORBIDDEN")),
    "recall M": (
        req("recall", mid=lambda w: w.mid),
        dict(outsider="NOTFOUND", member="FORBIDDEN", admin="FORBIDDEN", other_app="NOTFOUND",
             blocked="FORBIDDEN")),
    "delete M (for oneself)": (
        req("delete", mid=lambda w: w.mid),
        dict(outsider="NOTFOUND", member="ok", admin="ok", other_app="NOTFOUND", blocked="ok")),
    "history of G": (
        req("history", ok_or(lambda r: f"n={len(r['messages'])}"), gid=lambda w: w.gid),
        dict(outsider="FORBIDDEN", member="n=1", admin="n=1", other_app="FORBIDDEN", blocked="n=1")),
    "history with alice": (
        req("history", ok_or(lambda r: f"n={len(r['messages'])}"), peer=alice),
        dict(outsider="n=0", member="n=0", admin="n=0", other_app="n=0", blocked="n=0")),
    "conversations (the chat list)": (
        req("conversations", ok_or(lambda r: ",".join("G=M" if m["gid"] and m["message"] == "M" else str(m["mid"])
                                                      for m in r["messages"]) or "none")),
        dict(outsider="none", member="G=M", admin="G=M", other_app="none", blocked="G=M")),
    "presence to alice": (
        req("presence", ok_or(lambda r: f"delivered={r['delivered']}"), to=alice, activity=lambda w: 3),
        dict(outsider="delivered=1", member="delivered=1", admin="delivered=1", other_app="delivered=0",
             blocked="delivered=0")),
    "presence in G": (
        req("presence", ok_or(lambda r: "ok"), gid=lambda w: w.gid, activity=lambda w: 3),
        dict(outsider="FORBIDDEN", member="ok", admin="ok", other_app="FORBIDDEN", blocked="ok")),
    "profiles of alice": (
        req("profiles", ok_or(lambda r: ",".join(f"online={p['online']}" for p in r["profiles"]) or "none"),
            addresses=lambda w: [alice(w)]),
        dict(outsider="online=True", member="online=True", admin="online=True", other_app="online=False",
             blocked="online=False")),
    "subscribe to alice": (
        req("subscribe", ok_or(lambda r: f"online={r['online']}"), address=alice, on=lambda w: True),
        dict(outsider="online=True", member="online=True", admin="online=True", other_app="online=False",
             blocked="FORBIDDEN")),
    "block alice": (
        req("block", address=alice, on=lambda w: True),
        dict(outsider="ok", member="ok", admin="ok", other_app="ok", blocked="ok")),
    "own profile": (
        req("profile", name=lambda w: "me"),
        dict(outsider="ok", member="ok", admin="ok", other_app="ok", blocked="ok")),
    "group_create with alice": (
        req("group_create", ok_or(lambda r: "ok"), name=lambda w: "mine", members=lambda w: [alice(w)]),
        dict(outsider="ok", member="ok", admin="ok", other_app="ok", blocked="FORBIDDEN")),
    "group_set G": (
        req("group_set", gid=lambda w: w.gid, name=lambda w: "renamed"),
        dict(outsider="FORBIDDEN", member="FORBIDDEN", admin="ok", other_app="NOTFOUND", blocked="FORBIDDEN")),
    "group_members G add": (
        req("group_members", gid=lambda w: w.gid, add=lambda w: [w.addr("extra")]),
        dict(outsider="FORBIDDEN", member="FORBIDDEN", admin="ok", other_app="NOTFOUND", blocked="FORBIDDEN")),
    "group_members G remove alice": (
        req("group_members", gid=lambda w: w.gid, remove=lambda w: [alice(w)]),
        dict(outsider="FORBIDDEN", member="FORBIDDEN", admin="ok", other_app="NOTFOUND", blocked="FORBIDDEN")),
    "group_members G remove oneself": (
        lambda w, c: req("group_members", gid=lambda w: w.gid, remove=lambda w: [c.welcome["address"]])(w, c),
        dict(outsider="FORBIDDEN", member="ok", admin="ok", other_app="NOTFOUND", blocked="ok")),
    "group_get G": (
        req("group_get", ok_or(lambda r: f"members={len(r['group']['members'])}"), gid=lambda w: w.gid),
        dict(outsider="FORBIDDEN", member="members=4", admin="members=4", other_app="NOTFOUND",
             blocked="members=4")),
    "groups": (
        req("groups", ok_or(lambda r: f"n={len(r['groups'])}")),
        dict(outsider="n=0", member="n=1", admin="n=1", other_app="n=0", blocked="n=1")),
    "group_delete G": (
        req("group_delete", gid=lambda w: w.gid),
        dict(outsider="FORBIDDEN", member="FORBIDDEN", admin="ok", other_app="NOTFOUND", blocked="FORBIDDEN")),
    "ping": (
        req("ping"),
        dict(outsider="ok", member="ok", admin="ok", other_app="ok", blocked="ok")),
    "call alice": (
        req("call", call_status, to=alice, video=lambda w: False),
        # other_app reaches app 2's own alice, who is offline: app 1's alice is online
        dict(outsider="INPROGRESS", member="INPROGRESS", admin="INPROGRESS", other_app="OFFLINE", blocked="BLOCKED")),
    "answer alice's call to member": (
        lambda w, c: call_of_alice(w, c, "call_answer"),
        dict(outsider="NOTFOUND", member="ok", admin="NOTFOUND", other_app="NOTFOUND", blocked="NOTFOUND")),
    "hang up alice's call to member": (
        lambda w, c: call_of_alice(w, c, "call_hangup", answered=True),
        dict(outsider="NOTFOUND", member="ok", admin="NOTFOUND", other_app="NOTFOUND", blocked="NOTFOUND")),
    "signal into alice's call to member": (
        lambda w, c: call_of_alice(w, c, "call_signal", answered=True, kind="ice", data={}),
        dict(outsider="NOTFOUND", member="ok", admin="NOTFOUND", other_app="NOTFOUND", blocked="NOTFOUND")),
}


def test_every_client_request_type_is_in_the_matrix() -> None:
    from hubbub.protocol.frames import FRAME_TYPES
    covered = {"send", "read", "edit", "recall", "delete", "history", "conversations", "presence", "profiles", "subscribe", "block",
               "profile", "group_create", "group_set", "group_members", "group_get", "groups", "group_delete",
               "ping", "call", "call_answer", "call_hangup", "call_signal"}
    # auth and ack are not requests: auth is tested below, ack moves only the acker's own cursor
    assert set(FRAME_TYPES) - {"auth", "ack"} == covered
    assert all(set(cells) == set(ROLES) for _act, cells in CLIENT.values())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("request_name", list(CLIENT))
async def test_client_request(srv: RunningServer, request_name: str, role: str) -> None:
    act, cells = CLIENT[request_name]
    w = await make_world(srv)
    try:
        got = await act(w, await w.conn(role))
    finally:
        await w.close()
    assert got == cells[role], f"{request_name} by {role}: expected {cells[role]}, got {got}"


async def test_a_token_works_only_for_its_own_appid(srv: RunningServer) -> None:
    token = srv.token("appid-check")
    ws = await websockets.connect(srv.ws_url)
    await ws.send(json.dumps({"t": "auth", "v": 1, "token": token, "appid": "com.example.other"}))
    frame = json.loads(await ws.recv())
    assert frame["t"] == "error" and frame["code"] == "AUTHFAIL"
    await ws.wait_closed()
    assert ws.close_code == 4001


# -- the backend API: who may run which op on app 1's users and groups -----------------------------

BACKEND_ROLES = {
    # the backend has no users: its callers are the app's own token, another app's, a user's
    # access token presented as an app token, and nothing at all
    "admin": "own app token",
    "other_app": "other app's token",
    "member": "a user access token",
    "outsider": "no token",
}


async def backend(srv: RunningServer, token: str | None, op: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"op": op, **fields}
    if token is not None:
        body["token"] = token
    async with httpx.AsyncClient() as http:
        r = await http.post(srv.url + "/backend", json=body)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


Summary = Callable[[World, dict[str, Any]], str]


def b_ok(summary: Summary = lambda w, r: "ok") -> Summary:
    return lambda w, r: summary(w, r) if r["result"] else r["error"]


BACKEND: dict[str, tuple[Callable[[World], dict[str, Any]], Summary, dict[str, str]]] = {
    "useradd": (lambda w: {"user": {"address": w.addr("new")}}, b_ok(),
                dict(admin="ok", other_app="ok", member="AUTHFAIL", outsider="AUTHFAIL")),
    "userset alice": (lambda w: {"user": {"address": alice(w), "name": "x"}},
                      b_ok(lambda w, r: f"uid ok={r['user']['uid'] == w.conns['alice'].welcome['uid']}"),
                      dict(admin="uid ok=True", other_app="uid ok=False", member="AUTHFAIL", outsider="AUTHFAIL")),
    "userset alice by uid": (lambda w: {"user": {"uid": w.conns["alice"].welcome["uid"], "name": "x"}}, b_ok(),
                             dict(admin="ok", other_app="NOUSER", member="AUTHFAIL", outsider="AUTHFAIL")),
    "usertoken member": (lambda w: {"user": {"address": w.addr("member"), "token": {"appid": APPID}}}, b_ok(),
                         dict(admin="ok", other_app="NOUSER", member="AUTHFAIL", outsider="AUTHFAIL")),
    "userdel member's device": (lambda w: {"user": {"address": w.addr("member"), "device": "d1"}}, b_ok(),
                                dict(admin="ok", other_app="NOUSER", member="AUTHFAIL", outsider="AUTHFAIL")),
    "usersget": (lambda w: {"address": f"w{w.n}-*"}, b_ok(lambda w, r: f"n={len(r['users'])}"),
                 dict(admin="n=6", other_app="n=2", member="AUTHFAIL", outsider="AUTHFAIL")),
    "groupadd": (lambda w: {"group": {"name": "g", "members": [w.addr("member")]}}, b_ok(),
                 dict(admin="ok", other_app="NOUSER", member="AUTHFAIL", outsider="AUTHFAIL")),
    "groupset G": (lambda w: {"group": {"gid": w.gid, "name": "x"}}, b_ok(),
                   dict(admin="ok", other_app="NOGROUP", member="AUTHFAIL", outsider="AUTHFAIL")),
    "groupeditmembers G": (lambda w: {"gid": w.gid, "m": w.addr("extra")}, b_ok(),
                           dict(admin="ok", other_app="NOGROUP", member="AUTHFAIL", outsider="AUTHFAIL")),
    "groupgetmembers G": (lambda w: {"gid": w.gid}, b_ok(lambda w, r: f"n={len(r['members'])}"),
                          dict(admin="n=4", other_app="NOGROUP", member="AUTHFAIL", outsider="AUTHFAIL")),
    "groupsget": (lambda w: {"count": 1000},
                  b_ok(lambda w, r: "has G" if any(g["gid"] == w.gid for g in r["groups"]) else "no G"),
                  dict(admin="has G", other_app="no G", member="AUTHFAIL", outsider="AUTHFAIL")),
    "groupdel G": (lambda w: {"gid": w.gid}, b_ok(),
                   dict(admin="ok", other_app="NOGROUP", member="AUTHFAIL", outsider="AUTHFAIL")),
    "message from alice": (lambda w: {"message": {"from": alice(w), "to": w.addr("member"), "message": "x"}}, b_ok(),
                           dict(admin="ok", other_app="INVALIDDEST", member="AUTHFAIL", outsider="AUTHFAIL")),
    "message from alice to G": (lambda w: {"message": {"from": alice(w), "gid": w.gid, "message": "x"}}, b_ok(),
                                dict(admin="ok", other_app="INVALIDDEST", member="AUTHFAIL", outsider="AUTHFAIL")),
}


def test_every_backend_op_is_in_the_matrix() -> None:
    from hubbub.server.backend import OPS
    assert {name.split()[0] for name in BACKEND} == set(OPS)
    assert all(set(cells) == set(BACKEND_ROLES) for *_x, cells in BACKEND.values())


@pytest.mark.parametrize("role", list(BACKEND_ROLES))
@pytest.mark.parametrize("op_name", list(BACKEND))
async def test_backend_op(srv: RunningServer, op_name: str, role: str) -> None:
    fields, summary, cells = BACKEND[op_name]
    w = await make_world(srv)
    token = {"admin": srv.app_token, "other_app": srv.other_app_token,  # type: ignore[attr-defined]
             "member": w.tokens["member"], "outsider": None}[role]
    try:
        got = summary(w, await backend(srv, token, op_name.split()[0], **fields(w)))
    finally:
        await w.close()
    assert got == cells[role], f"{op_name} by {role}: expected {cells[role]}, got {got}"
