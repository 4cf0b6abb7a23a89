"""Capability URLs for files: `<path>?u=<uid>&e=<expiry>&s=<signature>`.

`<img src>` and `<video src>` cannot carry an Authorization header, so a download URL is itself the
permission: an HMAC-SHA256 over (file id, user id, expiry) with a server secret. It is short-lived and
bound to one user (the server re-checks that user's access when it is used); clients renew it.
The secret lives in the data directory, so nodes sharing that directory accept each other's URLs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from ..private import private_dir

SECRET_FILE = "file-url.secret"


def load_secret(data_dir: Path) -> bytes:
    """Read the secret, creating it on first start (exclusively, so concurrent nodes agree on one)."""
    path = data_dir / SECRET_FILE
    private_dir(data_dir)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    for _ in range(100):  # another node may be writing it this very moment
        text = path.read_text().strip()
        if len(text) == 64:
            return bytes.fromhex(text)
    raise RuntimeError(f"{path} does not hold a 256-bit hex secret")


class Signer:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, file_id: str, uid: int, expires: int) -> str:
        msg = f"{file_id}.{uid}.{expires}".encode()
        return base64.urlsafe_b64encode(hmac.new(self._secret, msg, hashlib.sha256).digest()[:24]).decode()

    def sign(self, file_id: str, uid: int, expires: int) -> str:
        """The query string that lets user `uid` read `file_id` until `expires` (Unix seconds)."""
        return f"u={uid}&e={expires}&s={self._mac(file_id, uid, expires)}"

    def check(self, file_id: str, uid: int, expires: int, signature: str) -> bool:
        return hmac.compare_digest(self._mac(file_id, uid, expires), signature)
