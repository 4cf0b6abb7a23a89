"""Administration shared by the backend HTTP API and the CLI: apps, users, tokens.

Secrets are generated here and returned once; the store keeps only their hashes.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING

from ..store.base import App, User
from .tokens import new_token, token_hash

if TYPE_CHECKING:
    from .hub import Hub

ADDRESS = re.compile(r"^[^\s,*]{1,256}$")
DEVICE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class AdminError(Exception):
    """A request the admin layer refuses; `code` is the backend API's error code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Admin:
    def __init__(self, hub: "Hub") -> None:
        self.hub = hub
        self.store = hub.store

    async def create_app(self, name: str) -> tuple[App, str]:
        """A new app and its secret app token (shown once)."""
        name = name.strip()
        if not name or len(name) > 128:
            raise AdminError("BADREQUEST", "an app name is 1 to 128 characters")
        if await self.store.app_by_name(name):
            raise AdminError("EXISTS", f"an app named {name!r} exists")
        token = new_token("app_")
        return await self.store.create_app(name, token_hash(token), self.hub.now()), token

    async def app_for_token(self, token: str) -> App:
        app = await self.store.app_by_token(token_hash(token)) if token else None
        if app is None:
            raise AdminError("AUTHFAIL", "invalid app token")
        return app

    async def app_named(self, name: str) -> App:
        app = await self.store.app_by_name(name)
        if app is None:
            raise AdminError("NOTFOUND", f"no app named {name!r}")
        return app

    @staticmethod
    def check_address(address: str) -> str:
        if not isinstance(address, str) or not ADDRESS.match(address):
            raise AdminError("BADADDRESS", "an address is 1 to 256 characters without spaces, commas or '*'")
        return address

    async def add_user(self, app: App, address: str, name: str | None = None,
                       active: bool | None = None) -> User:
        user, _created = await self.store.upsert_user(app.id, self.check_address(address), name, active,
                                                      self.hub.now())
        if active is False:
            await self.hub.revoke(user.uid, self.hub.devices_online(user.uid))
        return user

    async def issue_token(self, user: User, appid: str, device: str | None = None,
                          expiry_minutes: int | None = None) -> str:
        """A user access token bound to the app, the address, `appid` and a device id.

        Without a device id each token is a device of its own; reuse a device id to replace that
        device's token: the earlier ones are revoked and their connections signed out (the cursor is kept).
        """
        if not isinstance(appid, str) or not 1 <= len(appid) <= 256:
            raise AdminError("BADREQUEST", "token.appid is required (the app id the client will use)")
        device = device or "d" + secrets.token_hex(6)
        if not DEVICE.match(device):
            raise AdminError("BADREQUEST", "a device id is 1 to 64 of A-Z a-z 0-9 . _ : -")
        minutes = self.hub.settings.token_expiry_minutes if expiry_minutes is None else expiry_minutes
        if not isinstance(minutes, int) or minutes <= 0:
            raise AdminError("BADREQUEST", "token.expiry is a positive number of minutes")
        token = new_token("usr_")
        expires = self.hub.now() + minutes * 60_000
        if await self.store.add_token(token_hash(token), user.uid, appid, device, expires, self.hub.now()):
            await self.hub.revoke(user.uid, [device])
        return token

    async def revoke(self, user: User, device: str | None = None) -> list[str]:
        devices = await self.store.revoke_tokens(user.uid, device)
        await self.hub.revoke(user.uid, devices)
        return devices

    async def delete_user(self, user: User) -> None:
        await self.revoke(user)
        self.hub.notify(await self.store.delete_user(user.uid))

    async def user(self, app: App, address: str) -> User:
        user = await self.store.user(app.id, address)
        if user is None:
            raise AdminError("NOUSER", f"no user {address!r}")
        return user
