"""The wire protocol: frames, codes and mesibo's numbers, with no I/O."""

from .constants import PROTOCOL_VERSION, Activity, Close, Flag, GroupFlag, MemberFlag, Status
from .errors import ProtocolError
from .frames import ClientFrame, decode, encode

__all__ = ["PROTOCOL_VERSION", "Activity", "Close", "Flag", "GroupFlag", "MemberFlag", "Status",
           "ProtocolError", "ClientFrame", "decode", "encode"]
