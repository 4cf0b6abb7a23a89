"""Python client for Hubbub: `async with Client(url, token, appid) as c: ...` (see client.py)."""

from .client import (
    AuthError,
    Client,
    ClientClosed,
    ConnectError,
    ConnectionLost,
    HubbubError,
    ProtocolError,
    RequestError,
    SignedOut,
    TooManyDevices,
)
from .files import FileTransferError, Files

__all__ = [
    "AuthError",
    "Client",
    "ClientClosed",
    "ConnectError",
    "ConnectionLost",
    "FileTransferError",
    "Files",
    "HubbubError",
    "ProtocolError",
    "RequestError",
    "SignedOut",
    "TooManyDevices",
]
