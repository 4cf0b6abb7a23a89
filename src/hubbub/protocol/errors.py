"""The one error type of the protocol layer: a code from docs/protocol.md and a reason."""

from __future__ import annotations


class ProtocolError(Exception):
    """A request that cannot be served; becomes a `res` with ok=false or an `error` frame."""

    def __init__(self, code: str, reason: str, r: int | str | None = None) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.r = r
