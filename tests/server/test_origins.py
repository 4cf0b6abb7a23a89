"""Cross-origin use: the SDK is readable from any origin (CORS), and /ws takes pages of the
allowed origins only (setting ws_allowed_origins; default any)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from hubbub.config import Settings
from hubbub.server.ws import origin_allowed


async def test_sdk_files_carry_cors_headers(server: Any) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        for name in ("mesibo.js", "mesibo.d.ts"):
            r = await http.get(f"/sdk/{name}", headers={"Origin": "http://app.example"})
            assert r.status_code == 200
            assert r.headers["access-control-allow-origin"] == "*"
            assert r.headers["cross-origin-resource-policy"] == "cross-origin"


async def _auth_ok(server: Any, origin: str | None) -> bool:
    headers = {"Origin": origin} if origin else None
    async with websockets.connect(server.ws_url, additional_headers=headers) as ws:
        await ws.send(json.dumps({"t": "auth", "v": 1, "token": server.token("alice"), "appid": server.appid}))
        return json.loads(await ws.recv())["t"] == "welcome"


async def test_any_origin_by_default(server: Any) -> None:
    assert await _auth_ok(server, "http://anywhere.example:1234")
    assert await _auth_ok(server, None)


@pytest.mark.settings(ws_allowed_origins="https://app.example.com, http://localhost:9000/")
async def test_only_listed_origins_may_open_ws(server: Any) -> None:
    assert await _auth_ok(server, "https://app.example.com")
    assert await _auth_ok(server, "http://LOCALHOST:9000")        # case and a trailing slash do not matter
    assert await _auth_ok(server, None)                            # not a browser: no Origin
    for bad in ("https://evil.example", "https://app.example.com:8443", "null"):
        with pytest.raises(InvalidStatus) as refused:
            await _auth_ok(server, bad)
        assert refused.value.response.status_code == 403


def test_allowed_origins_setting_edges() -> None:
    assert Settings.load(env={}).allowed_origins is None
    assert Settings.load(env={}, ws_allowed_origins="").allowed_origins is None
    assert Settings.load(env={}, ws_allowed_origins="*, https://a").allowed_origins is None
    allowed = Settings.load(env={"HUBBUB_WS_ALLOWED_ORIGINS": "https://a.example,https://b.example"}).allowed_origins
    assert allowed == frozenset({"https://a.example", "https://b.example"})
    assert origin_allowed(allowed, "https://b.example/")
    assert not origin_allowed(allowed, "https://c.example")
    assert origin_allowed(allowed, None)
