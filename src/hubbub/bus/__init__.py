"""Buses: wake-ups and ephemeral routing between nodes. `open_bus` picks one from the settings."""

from __future__ import annotations

from ..config import Settings
from .base import Bus
from .local import LocalBus


def open_bus(settings: Settings) -> Bus:
    if not settings.bus_url:
        return LocalBus()
    if settings.bus_url.startswith(("redis://", "rediss://")):
        from .redis import RedisBus  # optional dependency
        return RedisBus(settings.bus_url)
    raise ValueError(f"unsupported bus_url {settings.bus_url!r}: leave empty or use redis://...")


__all__ = ["Bus", "LocalBus", "open_bus"]
