"""The backend API: mesibo's JSON ops over POST /backend (placeholder; see issue 2)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


async def endpoint(request: Request) -> Response:
    return JSONResponse({"result": False, "error": "NOTIMPLEMENTED"}, status_code=501)
