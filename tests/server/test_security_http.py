"""Issue 6 over real HTTP and WebSockets: /backend input, backend cids, /stats."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest

from ..core.test_security_store import _hold_lock, _release
from .test_backend import add_user, connect, ok


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.mark.parametrize("depth", [64, 1000, 100_000])
async def test_item12_deeply_nested_json_to_backend_is_400(server: Any, http: httpx.AsyncClient,
                                                           caplog: pytest.LogCaptureFixture, depth: int) -> None:
    """Nesting past the decoder's depth is a 400 with a JSON body, before the token is looked at."""
    nested = "[" * depth + "]" * depth
    for body in (nested, '{"op":"usersget","token":"x","id":' + nested + "}"):
        with caplog.at_level(logging.ERROR):
            r = await http.post(server.url + "/backend", content=body.encode())
        if depth == 64 and body == nested:
            assert r.status_code == 400 and r.json()["error"] == "BADREQUEST"  # a list, not an object
            continue
        if depth == 64:
            assert r.status_code == 200 and r.json()["error"] == "AUTHFAIL"
            continue
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "BADJSON" and "deep" in r.json()["reason"]
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR], "no traceback in the log"


async def test_item22_backend_cids_cannot_collide_with_a_clients(server: Any) -> None:
    """A backend send with cid k1 and the sender's own client send with cid k1 are two messages."""
    alice = await add_user(server, "alice", device="phone")
    bob = await add_user(server, "bob")
    b = await connect(server, bob["token"])
    a = await connect(server, alice["token"])
    data = await ok(server, "message", message={"from": "alice", "to": "bob", "message": "from the backend",
                                                "cid": "k1"})
    assert data["results"][0]["cid"].startswith("~")
    await b.event("msg", mid=data["mid"])
    await a.ws.send('{"t":"send","r":1,"cid":"k1","to":"bob","message":"from the phone"}')
    res = await a.frame()
    while res["t"] != "res":
        res = await a.frame()
    assert res["ok"] and res["status"] == 1 and not res.get("dup") and res["mid"] != data["mid"]
    got = await b.event("msg", mid=res["mid"])
    assert got["message"] == "from the phone"
    # the namespace is the server's: a client cannot send into it
    await a.ws.send('{"t":"send","r":2,"cid":"~k2","to":"bob","message":"x"}')
    res = await a.frame()
    while res["t"] != "res":
        res = await a.frame()
    assert not res["ok"] and res["error"] == "BADREQUEST"
    await a.ws.close()
    await b.ws.close()


async def test_item10_stats_needs_a_secret_and_shows_counts_only(server: Any, http: httpx.AsyncClient) -> None:
    alice = await add_user(server, "alice")
    a = await connect(server, alice["token"])
    other = await http.post(server.url + "/backend", json={"op": "useradd", "token": server.app_token,
                                                           "user": {"address": "bob", "token": {"appid": "x"}}})
    assert other.status_code == 200
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": server.app_token}):
        r = await http.get(server.url + "/stats", headers=headers)
        assert r.status_code == 401 and r.json()["error"] == "AUTHFAIL", r.text
    # an app's token sees its own app's counts
    r = await http.get(server.url + "/stats", headers={"Authorization": f"Bearer {server.app_token}"})
    assert r.status_code == 200 and r.json() == {"connections": 1, "users_online": 1}
    assert "alice" not in r.text
    # another app's token sees nothing of it
    async def other_app() -> str:
        _app, token = await server.admin.create_app("other")
        return token
    token = server.call(other_app())
    r = await http.get(server.url + "/stats", headers={"Authorization": f"Bearer {token}"})
    assert r.json() == {"connections": 0, "users_online": 0}
    # the operator sees every app, by id, in counts
    r = await http.get(server.url + "/stats", headers={"Authorization": f"Bearer {server.operator_token}"})
    body = r.json()
    assert r.status_code == 200 and body["connections"] == 1 and body["users_online"] == 1
    assert body["apps"] == [{"id": 1, "connections": 1, "users_online": 1}]
    assert "alice" not in r.text
    await a.ws.close()


@pytest.mark.settings(sqlite_lock_wait=0.2)
async def test_item09_backend_op_during_a_foreign_lock_is_a_busy_answer(server: Any) -> None:
    """Past sqlite_lock_wait the op is answered BUSY (a JSON op answer, not a 500), and nothing changed."""
    holder = await _hold_lock(Path(server.settings.data_dir) / "hubbub.db")
    try:
        async with httpx.AsyncClient() as http:
            r = await http.post(server.url + "/backend", json={"op": "useradd", "token": server.app_token,
                                                               "user": {"address": "alice"}})
        assert r.status_code == 200 and r.json()["error"] == "BUSY", r.text
    finally:
        await _release(holder)
    await ok(server, "useradd", user={"address": "alice"})
