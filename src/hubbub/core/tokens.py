"""Secrets: app tokens and user access tokens are random, shown once, and kept only as hashes."""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str) -> str:
    """A random secret with a short prefix saying what it is (`app_` or `usr_`)."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """What the store keeps. SHA-256 suffices: the tokens are 256-bit random, not passwords."""
    return hashlib.sha256(token.encode()).digest()
