"""ICE servers for WebRTC, as clients get them in `welcome.ice`.

TURN credentials are either fixed settings or, with `turn_secret`, time-limited ones in the scheme of
coturn's REST API (`use-auth-secret`): username = "<expiry unix time>:<user>", password =
base64(HMAC-SHA1(secret, username)). coturn checks the same HMAC and refuses the username once the
time has passed, so a leaked credential stops working by itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from ..config import Settings


def turn_credential(secret: str, user: str, now_s: int, ttl: int) -> tuple[str, str]:
    """(username, password) for coturn's REST-API auth, valid until now_s + ttl."""
    username = f"{now_s + ttl}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(settings: Settings, user: str, now_s: int) -> list[dict[str, Any]]:
    """RTCIceServer dicts: STUN URLs as they are, TURN URLs with the user's credentials."""
    urls = settings.ice_servers.split()
    stun = [u for u in urls if u.startswith(("stun:", "stuns:"))]
    turn = [u for u in urls if u.startswith(("turn:", "turns:"))]
    out: list[dict[str, Any]] = []
    if stun:
        out.append({"urls": stun})
    if turn:
        if settings.turn_secret:
            username, credential = turn_credential(settings.turn_secret, user, now_s, settings.turn_ttl)
        else:
            username, credential = settings.turn_username, settings.turn_credential
        out.append({"urls": turn, "username": username, "credential": credential})
    return out


def check(settings: Settings) -> None:
    """Refuse ICE URLs that are neither STUN nor TURN, at start-up rather than in a browser."""
    bad = [u for u in settings.ice_servers.split() if not u.startswith(("stun:", "stuns:", "turn:", "turns:"))]
    if bad:
        raise ValueError(f"ice_servers: not a stun:/turn: URL: {', '.join(bad)}")
