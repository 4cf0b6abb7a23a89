"""The backend API (POST /backend) against a real server on loopback, and its OpenAPI description."""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator

import httpx
import pytest
import websockets

from hubbub.core.tokens import token_hash
from hubbub.server import backend

APPID = "com.example.test"


# -- helpers --------------------------------------------------------------------------------------

async def call(server: Any, op: str, token: str | None = None, **fields: Any) -> dict[str, Any]:
    """One backend op; asserts HTTP 200 and a JSON answer naming the op."""
    body = {"op": op, "token": server.app_token if token is None else token, **fields}
    async with httpx.AsyncClient() as http:
        r = await http.post(server.url + "/backend", json=body)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert data["op"] == op
    return data


async def ok(server: Any, op: str, **fields: Any) -> dict[str, Any]:
    data = await call(server, op, **fields)
    assert data["result"] is True, data
    return data


async def fails(server: Any, op: str, error: str, **fields: Any) -> dict[str, Any]:
    data = await call(server, op, **fields)
    assert data["result"] is False and data["error"] == error, data
    assert data["reason"]
    return data


async def add_user(server: Any, address: str, device: str | None = None, appid: str = APPID,
                   **user: Any) -> dict[str, Any]:
    token: dict[str, Any] = {"appid": appid}
    if device:
        token["device"] = device
    return (await ok(server, "useradd", user={"address": address, "token": token, **user}))["user"]


class Conn:
    """A raw WebSocket client: auth, then read frames and collect events."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []

    async def frame(self, timeout: float = 15) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def event(self, k: str, timeout: float = 15, **match: Any) -> dict[str, Any]:
        """The next event of kind k (matching `match`), acknowledging what it reads."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for e in self.events:
                if e["k"] == k and all(e.get(key) == v for key, v in match.items()):
                    self.events.remove(e)
                    return e
            fr = await self.frame(max(0.05, deadline - loop.time()))
            if fr["t"] == "events":
                self.events.extend(fr["events"])
                await self.ws.send(json.dumps({"t": "ack", "seq": fr["events"][-1]["seq"]}))


async def auth(server: Any, token: str, appid: str = APPID) -> tuple[Any, dict[str, Any]]:
    ws = await websockets.connect(server.ws_url)
    await ws.send(json.dumps({"t": "auth", "v": 1, "token": token, "appid": appid}))
    return ws, json.loads(await asyncio.wait_for(ws.recv(), 5))


async def connect(server: Any, token: str, appid: str = APPID) -> Conn:
    ws, welcome = await auth(server, token, appid)
    assert welcome["t"] == "welcome", welcome
    return Conn(ws)


async def refused(server: Any, token: str, appid: str = APPID) -> str:
    """Auth must fail with AUTHFAIL and close code 4001; returns the reason."""
    ws, fr = await auth(server, token, appid)
    try:
        assert fr["t"] == "error" and fr["code"] == "AUTHFAIL", fr
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 4001
        return fr["reason"]
    finally:
        await ws.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


# -- users and tokens -----------------------------------------------------------------------------

async def test_useradd_token_shape_id_echo_and_appid_binding(server: Any) -> None:
    data = await ok(server, "useradd", id=42, user={"address": "alice", "name": "Alice",
                                                    "token": {"appid": APPID, "expiry": 60, "device": "web"}})
    assert data["id"] == 42
    user = data["user"]
    assert user["address"] == "alice" and user["uid"] > 0 and user["device"] == "web"
    assert user["token"].startswith("usr_") and user["name"] == "Alice"
    # the token is kept only as a hash, bound to the appid and device, expiring in 60 minutes
    info = server.call(server.hub.store.token(token_hash(user["token"])))
    assert (info.appid, info.device, info.address) == (APPID, "web", "alice")
    assert 59 * 60_000 < info.expires - server.hub.now() <= 60 * 60_000

    conn = await connect(server, user["token"])
    await conn.ws.close()
    assert "appid" in await refused(server, user["token"], appid="com.example.other")

    # the same call again updates the user and issues a new token; a string id is echoed too
    again = await ok(server, "useradd", id="x-1", user={"address": "alice", "name": "Alice B",
                                                        "token": {"appid": APPID}})
    assert again["id"] == "x-1"
    assert again["user"]["uid"] == user["uid"] and again["user"]["token"] != user["token"]
    assert again["user"]["name"] == "Alice B"
    # without a token object: no token
    plain = await ok(server, "useradd", user={"address": "bob", "active": 1})
    assert "token" not in plain["user"] and "id" not in plain


async def test_expired_token_is_refused(server: Any) -> None:
    """A 1-minute token works now and fails once the server's clock is two minutes on."""
    short = (await ok(server, "usertoken", user={"address": (await add_user(server, "alice"))["address"],
                                                 "token": {"appid": APPID, "expiry": 1}}))["user"]["token"]
    long = (await add_user(server, "alice"))["token"]
    conn = await connect(server, short)
    await conn.ws.close()
    hub = server.hub
    real_now = type(hub).now
    hub.now = lambda: real_now() + 120_000  # the hub reads its clock through self.now()
    try:
        assert "expired" in await refused(server, short)
        conn = await connect(server, long)
        await conn.ws.close()
    finally:
        del hub.now


async def test_usertoken(server: Any) -> None:
    alice = await add_user(server, "alice")
    data = await ok(server, "usertoken", id=7, user={"uid": alice["uid"], "token": {"appid": APPID,
                                                                                   "device": "tab2"}})
    assert data["id"] == 7 and data["user"]["uid"] == alice["uid"] and data["user"]["device"] == "tab2"
    conn = await connect(server, data["user"]["token"])
    await conn.ws.close()
    await fails(server, "usertoken", "NOUSER", user={"address": "nobody", "token": {"appid": APPID}})
    await fails(server, "usertoken", "BADREQUEST", user={"address": "alice", "token": {"appid": ""}})


async def test_userset_profile_and_deactivation(server: Any) -> None:
    alice = await add_user(server, "alice", device="d1")
    conn = await connect(server, alice["token"])
    data = await ok(server, "userset", user={"address": "alice", "name": "Al", "status": "away"})
    assert data["user"]["name"] == "Al" and data["user"]["status"] == "away" and data["user"]["online"]
    assert (await conn.event("profile", address="alice"))["name"] == "Al"

    data = await ok(server, "userset", user={"uid": alice["uid"], "active": 0})
    assert data["user"]["active"] is False
    # the connected device is signed out, and the token is refused while inactive
    frames = []
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            frames.append(await conn.frame())
    assert conn.ws.close_code == 4002 and any(fr["t"] == "signout" for fr in frames)
    assert "not active" in await refused(server, alice["token"])
    await ok(server, "userset", user={"address": "alice", "active": True})
    conn = await connect(server, alice["token"])
    await conn.ws.close()
    await fails(server, "userset", "NOUSER", user={"address": "nobody", "name": "x"})
    await fails(server, "userset", "BADREQUEST", user={"name": "no address"})


async def test_userdel_whole_user_and_one_device(server: Any) -> None:
    d1 = await add_user(server, "alice", device="d1")
    d2 = await add_user(server, "alice", device="d2")
    d3 = await add_user(server, "alice", device="d3")
    conn = await connect(server, d1["token"])
    data = await ok(server, "userdel", user={"address": "alice", "device": "d1"})
    assert data["deleted"] is False and data["devices"] == ["d1"]
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await conn.frame()
    assert "revoked" in await refused(server, d1["token"])
    # by token string: revokes that token's device
    data = await ok(server, "userdel", user={"address": "alice", "token": d2["token"]})
    assert data["devices"] == ["d2"]
    assert "revoked" in await refused(server, d2["token"])
    await fails(server, "userdel", "NOTOKEN", user={"address": "alice", "token": {"device": "d2"}})
    conn = await connect(server, d3["token"])
    await conn.ws.close()

    # the whole user: tokens deleted, the user gone
    data = await ok(server, "userdel", id=3, user={"uid": d3["uid"]})
    assert data["deleted"] is True and data["id"] == 3
    assert "unknown" in await refused(server, d3["token"])
    assert (await ok(server, "usersget", user={"address": "alice"}))["users"] == []
    await fails(server, "userdel", "NOUSER", user={"address": "alice"})


async def test_usersget_wildcard_and_paging(server: Any) -> None:
    for a in ("ali1", "ali2", "ali3", "ali4", "ali5", "bob"):
        await ok(server, "useradd", user={"address": a})
    page = await ok(server, "usersget", user={"address": "ali*"}, count=2)
    assert [u["address"] for u in page["users"]] == ["ali1", "ali2"] and page["more"] is True
    assert set(page["users"][0]) >= {"uid", "address", "name", "status", "picture", "active", "online",
                                     "lastseen"}
    last = await ok(server, "usersget", address="ali*", offset=4, count=2)
    assert [u["address"] for u in last["users"]] == ["ali5"] and last["more"] is False
    everyone = await ok(server, "usersget")
    assert len(everyone["users"]) == 6
    assert [u["address"] for u in (await ok(server, "usersget", user={"address": "bob"}))["users"]] == ["bob"]


# -- groups ---------------------------------------------------------------------------------------

async def test_group_ops_and_member_events(server: Any) -> None:
    alice = await add_user(server, "alice")
    bob = await add_user(server, "bob")
    await ok(server, "useradd", user={"address": "carol"})
    a, b = await connect(server, alice["token"]), await connect(server, bob["token"])

    empty = await ok(server, "groupadd", group={"name": "empty"})
    assert empty["group"]["gid"] > 0
    data = await ok(server, "groupadd", id="g", group={"name": "team", "flag": 0, "expiry": 3600,
                                                       "members": "alice,bob"})
    gid = data["group"]["gid"]
    assert data["id"] == "g" and gid != empty["group"]["gid"]
    ev = await b.event("group", gid=gid, op="create")
    assert ev["count"] == 2 and ev["name"] == "team" and "members" not in ev
    await a.event("group", gid=gid, op="create")

    # add carol, who may not send; flat (reference) form
    data = await ok(server, "groupeditmembers", gid=gid, m="carol", delete=0, cansend=0, canreceive=1)
    assert data["added"] == ["carol"]
    ev = await b.event("group", gid=gid, op="members")
    assert ev["added"] == [{"address": "carol", "flags": 0x1E, "admin": False}] and ev["count"] == 3
    members = await ok(server, "groupgetmembers", gid=gid)
    assert members["group"] == {"gid": gid, "name": "team", "flag": 0, "expiry": 3600, "active": True}
    assert {m["address"]: m["flags"] for m in members["members"]} == {"alice": 31, "bob": 31, "carol": 0x1E}
    page = await ok(server, "groupgetmembers", group={"gid": gid}, offset=1, count=1)
    assert page["count"] == 1 and page["more"] is True

    # mesibo's nested form: make bob an admin, then remove carol
    await ok(server, "groupeditmembers", group={"gid": gid, "members": {"m": "bob", "admin": 1}})
    data = await ok(server, "groupeditmembers", group={"gid": gid, "members": {"m": ["carol"], "delete": 1}})
    assert data["removed"] == ["carol"]
    ev = await a.event("group", gid=gid, op="members", removed=["carol"])
    assert ev["added"] == [] and ev["count"] == 2
    ev = await a.event("group", gid=gid, op="members", added=[{"address": "bob", "flags": 31, "admin": True}])
    await fails(server, "groupeditmembers", "NOUSER", gid=gid, m="alice,nobody")
    await fails(server, "groupeditmembers", "BADREQUEST", gid=gid)

    await ok(server, "groupset", group={"gid": gid, "name": "Team!", "flag": 2})
    ev = await b.event("group", gid=gid, op="set")
    assert ev["name"] == "Team!" and ev["flag"] == 2
    groups = await ok(server, "groupsget")
    assert [g["name"] for g in groups["groups"]] == ["empty", "Team!"] and groups["more"] is False
    assert (await ok(server, "groupsget", offset=1, count=1))["groups"][0]["gid"] == gid

    await ok(server, "groupdel", group={"gid": gid})
    await a.event("group", gid=gid, op="delete")
    await b.event("group", gid=gid, op="delete")
    await fails(server, "groupgetmembers", "NOGROUP", gid=gid)  # deleted, not merely inactive
    await fails(server, "groupset", "NOGROUP", group={"gid": gid, "active": True})
    await fails(server, "groupdel", "NOGROUP", gid=gid)
    await fails(server, "groupset", "NOGROUP", group={"gid": 999999, "name": "x"})
    await fails(server, "groupdel", "NOGROUP", gid=999999)
    await fails(server, "groupadd", "NOUSER", group={"name": "x", "members": ["alice", "ghost"]})
    await a.ws.close()
    await b.ws.close()


async def test_groups_of_another_app_are_invisible(server: Any) -> None:
    gid = (await ok(server, "groupadd", group={"name": "mine"}))["group"]["gid"]
    _app, other = server.call(server.admin.create_app("other"))
    data = await call(server, "groupgetmembers", token=other, gid=gid)
    assert data["result"] is False and data["error"] == "NOGROUP"
    assert (await call(server, "groupsget", token=other))["groups"] == []


# -- message --------------------------------------------------------------------------------------

async def test_message_op_delivers_through_the_hub(server: Any) -> None:
    await add_user(server, "alice")
    bob = await add_user(server, "bob")
    carol = await add_user(server, "carol")
    b, c = await connect(server, bob["token"]), await connect(server, carol["token"])

    data = await ok(server, "message", id=9, message={"from": "alice", "to": "bob,carol", "message": "hello",
                                                      "title": "hi", "expiry": 3600})
    assert data["id"] == 9 and data["mid"] > 0
    assert [r["status"] for r in data["results"]] == [1, 1]
    eb = await b.event("msg", mid=data["results"][0]["mid"])
    assert (eb["from"], eb["message"], eb["title"], eb["dir"]) == ("alice", "hello", "hi", "in")
    ec = await c.event("msg", mid=data["results"][1]["mid"])
    assert ec["message"] == "hello"

    # idempotent by cid: a retried request does not send twice
    one = await ok(server, "message", message={"from": "alice", "to": "bob", "message": "once", "cid": "k1"})
    two = await ok(server, "message", message={"from": "alice", "to": "bob", "message": "once", "cid": "k1"})
    assert one["mid"] == two["mid"]
    await b.event("msg", mid=one["mid"])

    # a group message, sent as a member
    gid = (await ok(server, "groupadd", group={"name": "g", "members": "alice,bob"}))["group"]["gid"]
    data = await ok(server, "message", message={"from": "alice", "gid": gid, "message": "to the group"})
    assert (await b.event("msg", mid=data["mid"]))["gid"] == gid
    await fails(server, "message", "NOTMEMBER", message={"from": "carol", "gid": gid, "message": "x"})

    await fails(server, "message", "NOUSER", message={"from": "ghost", "to": "bob", "message": "x"})
    await fails(server, "message", "INVALIDDEST", message={"from": "alice", "to": "ghost", "message": "x"})
    await fails(server, "message", "BADREQUEST", message={"from": "alice", "message": "x"})
    await b.ws.close()
    await c.ws.close()


async def test_message_expiry_zero_to_offline_user(server: Any) -> None:
    await add_user(server, "alice")
    await add_user(server, "bob")
    await fails(server, "message", "USEROFFLINE", message={"from": "alice", "to": "bob", "message": "now",
                                                           "expiry": 0})


# -- bad input ------------------------------------------------------------------------------------

async def test_bad_bodies_are_json_errors(server: Any, http: httpx.AsyncClient) -> None:
    for body in (b"{not json", b"", b"\xff\xfe"):
        r = await http.post(server.url + "/backend", content=body)
        assert r.status_code == 400 and r.json()["result"] is False and r.json()["error"] == "BADJSON"
    for body in (b"[1,2]", b'"useradd"', b"null"):
        r = await http.post(server.url + "/backend", content=body)
        assert r.status_code == 400 and r.json()["error"] == "BADREQUEST"
    r = await http.get(server.url + "/backend")
    assert r.status_code == 405


async def test_bad_app_token_and_unknown_op(server: Any) -> None:
    for token in ("app_wrong", "", 12):
        data = await call(server, "useradd", token=token, id=1, user={"address": "x"})  # type: ignore[arg-type]
        assert data["result"] is False and data["error"] == "AUTHFAIL" and data["id"] == 1
    data = await fails(server, "userfly", "BADOP", id="q")
    assert data["id"] == "q" and "useradd" in data["reason"]
    async with httpx.AsyncClient() as http:
        r = await http.post(server.url + "/backend", json={"token": server.app_token, "id": 5})
    assert r.status_code == 200 and r.json()["error"] == "BADREQUEST" and r.json()["field"] == "op"


@pytest.mark.parametrize("op, fields, where", [
    ("useradd", {"user": {"address": "a", "active": "yes"}}, "user.active"),
    ("useradd", {"user": {"address": 5}}, "user.address"),
    ("useradd", {"user": {"address": "a", "token": {"appid": "x", "expiry": "1"}}}, "user.token.expiry"),
    ("useradd", {}, None),
    ("usersget", {"count": 0}, "count"),
    ("groupadd", {"group": {"name": "g", "flag": "0"}}, "group.flag"),
    ("groupeditmembers", {"gid": "1", "m": "a"}, "gid"),
    ("message", {"message": {"from": "a", "to": "b", "expiry": -1}}, "message.expiry"),
    ("message", {"message": "hello"}, "message"),
    ("useradd", {"id": [1], "user": {"address": "a"}}, "id"),
])
async def test_wrong_types_name_the_field(server: Any, op: str, fields: dict[str, Any], where: str | None) -> None:
    data = await fails(server, op, "BADREQUEST", **fields)
    if where:
        assert data["field"] == where, data
    else:
        assert "user" in data["reason"]


async def test_bad_addresses(server: Any) -> None:
    await fails(server, "useradd", "BADADDRESS", user={"address": "has space"})
    await fails(server, "groupadd", "BADADDRESS", group={"members": "ok,bad*one"})


@pytest.mark.settings(max_backend_body=300)
async def test_body_size_limit_edge(server: Any, http: httpx.AsyncClient) -> None:
    def body(size: int) -> bytes:
        base = json.dumps({"op": "usersget", "token": server.app_token, "id": 1}).encode()
        return base[:-1] + b" " * (size - len(base)) + b"}"

    r = await http.post(server.url + "/backend", content=body(300))
    assert r.status_code == 200 and r.json()["result"] is True
    r = await http.post(server.url + "/backend", content=body(301))
    assert r.status_code == 413 and r.json()["error"] == "TOOBIG"

    async def chunks(data: bytes) -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
        for i in range(0, len(data), 100):
            yield data[i:i + 100]
    r = await http.post(server.url + "/backend", content=chunks(body(301)))
    assert r.status_code == 413 and r.json()["error"] == "TOOBIG"
    r = await http.post(server.url + "/backend", content=chunks(body(300)))
    assert r.status_code == 200 and r.json()["result"] is True


async def test_unexpected_exception_is_json_500(server: Any, http: httpx.AsyncClient,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    async def boom(ctx: Any, req: Any) -> Any:
        raise RuntimeError("boom")
    spec = backend.OPS["groupsget"]
    monkeypatch.setitem(backend.OPS, "groupsget", backend.OpSpec(spec.request, spec.response, boom))
    r = await http.post(server.url + "/backend", json={"op": "groupsget", "token": server.app_token})
    assert r.status_code == 500 and r.json() == {"result": False, "error": "INTERNAL",
                                                 "reason": "internal server error"}


# -- OpenAPI and /docs ----------------------------------------------------------------------------

async def test_openapi_and_docs(server: Any, http: httpx.AsyncClient) -> None:
    spec = (await http.get(server.url + "/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    post = spec["paths"]["/backend"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["discriminator"]["propertyName"] == "op"
    assert set(body["discriminator"]["mapping"]) == set(backend.OPS)
    schemas = spec["components"]["schemas"]
    for ref in body["oneOf"] + post["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"]:
        assert ref["$ref"].rsplit("/", 1)[1] in schemas
    assert schemas["UserAdd"]["properties"]["op"] == {"enum": ["useradd"]}
    assert "AUTHFAIL" in spec["info"]["description"] and "`groupeditmembers`" in post["description"]

    compat = (await http.get(server.url + "/openapi.json?compat=3.0")).json()
    assert compat["openapi"] == "3.0.3"
    assert '{"type": "null"}' not in json.dumps(compat)

    page = await http.get(server.url + "/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/docs/static/swagger-ui-bundle.js" in page.text and "/openapi.json" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # no CDN
    asset = await http.get(server.url + "/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000
