"""Plain HTTP routes: health, stats, SDK and example files, and JSON errors everywhere."""

from __future__ import annotations

from typing import Any

import httpx


async def test_routes_and_json_errors(server: Any) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/health")).json() == {"ok": True}
        operator = {"Authorization": f"Bearer {server.operator_token}"}
        assert (await http.get("/stats", headers=operator)).json()["connections"] == 0
        sdk = await http.get("/sdk/mesibo.js")
        assert sdk.status_code == 200 and sdk.headers["content-type"].startswith("text/javascript")
        assert "MESIBO_STATUS_ONLINE" in sdk.text
        assert (await http.get("/sdk/mesibo.d.ts")).status_code == 200
        assert "<script" in (await http.get("/example")).text
        missing = await http.get("/sdk/nothing.js")
        assert missing.status_code == 404 and missing.json()["error"] == "NOTFOUND"
        nowhere = await http.get("/no/such/route")
        assert nowhere.status_code == 404 and nowhere.json()["error"] == "NOTFOUND"
        wrong = await http.get("/backend")
        assert wrong.status_code == 405 and wrong.json()["error"] == "BADMETHOD"
        sneaky = await http.get("/web/..%2Fconfig.py")
        assert sneaky.status_code == 404
