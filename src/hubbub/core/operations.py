"""The operator's commands (the CLI's `app` and `user` actions), in one place.

The CLI runs them on the store when no server is running, and asks the running server to run them
otherwise (`server/control.py`), so that it never holds the database's write lock beside a server.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from .admin import Admin


async def app_create(admin: Admin, name: str) -> dict[str, Any]:
    app, token = await admin.create_app(name)
    return {"id": app.id, "name": app.name, "token": token}


async def app_list(admin: Admin) -> list[dict[str, Any]]:
    return [{"id": a.id, "name": a.name, "created": a.created} for a in await admin.store.list_apps()]


async def user_add(admin: Admin, app: str, address: str, appid: str, name: str | None = None,
                   device: str | None = None, expiry: int | None = None) -> dict[str, Any]:
    """Add the user (or find it) and issue a token; reusing a device replaces that device's token."""
    user = await admin.add_user(await admin.app_named(app), address, name)
    token = await admin.issue_token(user, appid, device, expiry)
    return {"uid": user.uid, "address": user.address, "token": token}


OPERATIONS: dict[str, Callable[..., Awaitable[Any]]] = {
    "app_create": app_create,
    "app_list": app_list,
    "user_add": user_add,
}
