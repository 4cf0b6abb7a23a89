"""Buses: wake-ups and ephemeral routing between nodes. `open_bus` picks one from the settings."""

from __future__ import annotations

from ..config import Settings
from .base import Bus
from .local import LocalBus


def open_bus(settings: Settings) -> Bus:
    if not settings.bus_url:
        return LocalBus()
    raise ValueError(f"unsupported bus_url {settings.bus_url!r}: this release runs one node (leave it empty)")


__all__ = ["Bus", "LocalBus", "open_bus"]
