"""Buses: wake-ups and ephemeral routing between nodes. `open_bus` picks one from the settings."""

from __future__ import annotations

from ..config import Settings
from .base import Bus
from .local import LocalBus


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
"""The bus URLs the Redis bus takes."""


def open_bus(settings: Settings) -> Bus:
    if not settings.bus_url:
        return LocalBus()
    if settings.bus_url.startswith(REDIS_SCHEMES):
        from .redis import RedisBus  # redis is an optional dependency
        return RedisBus(settings.bus_url, settings.bus_prefix, settings.bus_max_pending_bytes)
    raise ValueError(f"unsupported bus_url {settings.bus_url!r}: leave it empty (one node) or use redis://host:port/db")


__all__ = ["Bus", "LocalBus", "REDIS_SCHEMES", "open_bus"]
