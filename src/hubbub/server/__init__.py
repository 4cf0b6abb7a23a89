"""HTTP and WebSocket serving (the thin I/O layer over the hub)."""

from .app import create_app
from .run import Server, ThreadedServer, serve

__all__ = ["create_app", "Server", "ThreadedServer", "serve"]
