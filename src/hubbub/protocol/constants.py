"""mesibo's numeric values (see shared reference); the server and both SDKs use the same numbers."""

from enum import IntEnum, IntFlag


class Status(IntEnum):
    """Message status (MESIBO_MSGSTATUS_*). Anything above 0x7F is a failure."""

    OUTBOX = 0
    SENT = 1
    DELIVERED = 2
    READ = 3
    RECEIVEDNEW = 0x12
    RECEIVEDREAD = 0x13
    CALLMISSED = 0x15
    CALLINCOMING = 0x16
    CALLOUTGOING = 0x17
    CUSTOM = 0x20
    DELETED = 0x21
    WIPED = 0x22
    FAIL = 0x80
    USEROFFLINE = 0x81
    INBOXFULL = 0x82
    INVALIDDEST = 0x83
    EXPIRED = 0x84
    BLOCKED = 0x88
    GROUPPAUSED = 0x90
    NOTMEMBER = 0x91


class Flag(IntFlag):
    """Message flags (MESIBO_FLAG_*)."""

    DELIVERYRECEIPT = 0x1
    READRECEIPT = 0x2
    TRANSIENT = 0x4
    PRESENCE = 0x8
    FORWARDED = 0x40
    DEFAULT = DELIVERYRECEIPT | READRECEIPT


class Activity(IntEnum):
    """Presence activity (MESIBO_ACTIVITY_*); OFFLINE is Hubbub's name for mesibo's unnamed 0."""

    OFFLINE = 0
    ONLINE = 1
    ONLINERESP = 2
    TYPING = 3
    TYPINGCLEARED = 4
    JOINED = 10
    LEFT = 11


class MemberFlag(IntFlag):
    """Group member flags (MESIBO_MEMBERFLAG_*)."""

    SEND = 1
    RECV = 2
    PUBL = 4
    SUBS = 8
    LIST = 0x10
    ALL = SEND | RECV | PUBL | SUBS | LIST
    ADMIN = 0x1000


class GroupFlag(IntFlag):
    """Group flags of the backend API."""

    NORMAL = 0
    SELECTED_SEND = 0x1
    ANYONE_SEND = 0x2
    SELECTED_RECV = 0x10
    NOSTORE = 0x40
    LOOPBACK = 0x80


class CallStatus(IntEnum):
    """Call status (MESIBO_CALLSTATUS_*). From COMPLETE (0x40) up a status ends the call."""

    NONE = 0
    INCOMING = 0x01
    INPROGRESS = 0x02
    RINGING = 0x03
    ANSWER = 0x05
    UPDATE = 0x06
    SDP = 0x08
    MUTE = 0x09
    UNMUTE = 0x0A
    CONNECTED = 0x30
    RECONNECTING = 0x32
    COMPLETE = 0x40
    CANCEL = 0x41
    NOANSWER = 0x42
    BUSY = 0x43
    UNREACHABLE = 0x44
    OFFLINE = 0x45
    INVALIDDEST = 0x46
    INVALIDSTATE = 0x47
    NOCALLS = 0x48
    NOVIDEOCALLS = 0x49
    NOTALLOWED = 0x4A
    BLOCKED = 0x4B


class Close(IntEnum):
    """WebSocket close codes (docs/protocol.md)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    TOO_BIG = 1009
    INTERNAL = 1011
    TRY_AGAIN = 1013
    PROTOCOL = 4000
    AUTHFAIL = 4001
    SIGNOUT = 4002
    TOOMANYDEVICES = 4003
    RECONNECT = 4004  # the node is draining: reconnect now (any node), no backoff
    RATELIMIT = 4008


PROTOCOL_VERSION = 1


class FileType(IntEnum):
    """File types (MESIBO_FILETYPE_*); LOCATION follows the 2019-2021 headers."""

    AUTO = 0
    IMAGE = 1
    VIDEO = 2
    AUDIO = 3
    LOCATION = 4
    PROFILEIMAGE = 5
    PROFILETHUMBNAIL = 6
    OTHER = 10
