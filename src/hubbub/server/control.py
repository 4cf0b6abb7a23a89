"""What only the operator may see or do: `/stats` and `/control`, and the file that finds them.

A running server writes `server.json` (0600) into its data folder: its URL, its process id and the
operator secret. The CLI reads it to send its writes through the server (`POST /control`) instead of
taking the database's write lock beside it. `/stats` shows counts only, never addresses: the whole
node's to the operator, one app's to that app's token.
"""

from __future__ import annotations

import hmac
import inspect
import json
import os
import secrets
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..core.admin import Admin, AdminError
from ..core.hub import Hub
from ..core.operations import OPERATIONS
from ..private import private_file

CONTROL_FILE = "server.json"
_STATUS = {"NOTFOUND": 404, "EXISTS": 409, "AUTHFAIL": 401}


def operator_token(configured: str) -> str:
    """The configured operator secret, or a fresh one for this run."""
    return configured or "op_" + secrets.token_urlsafe(32)


def write_control_file(data_dir: Path, url: str, token: str) -> Path:
    path = private_file(data_dir / CONTROL_FILE)
    path.write_text(json.dumps({"url": url, "pid": os.getpid(), "token": token}))
    return path


def remove_control_file(data_dir: Path) -> None:
    """Remove the file if it is still this process's (another server may have started since)."""
    path = data_dir / CONTROL_FILE
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def read_control_file(data_dir: Path) -> dict[str, Any] | None:
    """The running server's URL and secret, or None when no live process wrote the file."""
    try:
        info = json.loads((data_dir / CONTROL_FILE).read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info if isinstance(info.get("url"), str) and isinstance(info.get("token"), str) else None


def _error(code: str, reason: str, status: int) -> Response:
    return JSONResponse({"error": code, "reason": reason}, status_code=status)


def _bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _is_operator(request: Request) -> bool:
    given = _bearer(request)
    return bool(given) and hmac.compare_digest(given.encode(), request.app.state.operator_token.encode())


def _counts(hub: Hub, app_id: int | None = None) -> dict[int, dict[str, int]]:
    """{app id: {connections, users_online}} of the connections on this node (of one app if named)."""
    out: dict[int, dict[str, int]] = {}
    for conns in hub.sessions.values():
        idents = [s.ident for s in conns.values() if s.ident is not None]
        if not idents or (app_id is not None and idents[0].app_id != app_id):
            continue
        c = out.setdefault(idents[0].app_id, {"connections": 0, "users_online": 0})
        c["connections"] += len(idents)
        c["users_online"] += 1
    return out


async def stats(request: Request) -> Response:
    """Counts for the operator (every app) or for one app (its app token); 401 for anyone else."""
    hub: Hub = request.app.state.hub
    if _is_operator(request):
        apps = _counts(hub)
        return JSONResponse({"connections": sum(c["connections"] for c in apps.values()),
                             "users_online": sum(c["users_online"] for c in apps.values()),
                             "apps": [{"id": i, **c} for i, c in sorted(apps.items())]})
    admin: Admin = request.app.state.admin
    token = _bearer(request)
    try:
        app = await admin.app_for_token(token if len(token) <= 512 else "")
    except AdminError:
        return _error("AUTHFAIL", "send the operator secret or an app token as 'Authorization: Bearer ...'", 401)
    return JSONResponse(_counts(hub, app.id).get(app.id, {"connections": 0, "users_online": 0}))


async def control(request: Request) -> Response:
    """`{"op": NAME, "args": {...}}` from the CLI, run as `core.operations` runs it offline."""
    if not _is_operator(request):
        return _error("AUTHFAIL", "the operator secret is required", 401)
    try:
        body = json.loads(await request.body())
        fn = OPERATIONS[body["op"]]
        args = body.get("args", {})
        if not isinstance(args, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return _error("BADREQUEST", f"expected {{\"op\": one of {', '.join(OPERATIONS)}, \"args\": {{...}}}}", 400)
    try:
        inspect.signature(fn).bind(None, **args)
    except TypeError as exc:
        return _error("BADREQUEST", f"{body['op']}: {exc}", 400)
    try:
        result = await fn(request.app.state.admin, **args)
    except AdminError as exc:
        return _error(exc.code, exc.reason, _STATUS.get(exc.code, 400))
    return JSONResponse({"result": result})
