"""Routing and sessions: the server's logic over a Store and a Bus, with no sockets."""

from .admin import Admin, AdminError
from .hub import Hub
from .session import Session, Transport

__all__ = ["Admin", "AdminError", "Hub", "Session", "Transport"]
