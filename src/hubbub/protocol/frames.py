"""Client frames of docs/protocol.md as typed msgspec structs, and the codec that reads them.

Decoding and validation happen in one pass (msgspec), so a well-formed frame costs one call; a
malformed one is decoded a second time, loosely, only to name the error and echo its `r`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

import msgspec
from msgspec import Meta, Struct

from .errors import ProtocolError

# a cid starting with `~` is the server's (backend sends), so a client's cid never collides with one
SERVER_CID = "~"
Cid = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[^~]")]
FileSize = Annotated[int, Meta(ge=0, lt=2**53)]  # exact in JavaScript
Int31 = Annotated[int, Meta(ge=0, lt=2**31)]
Address = Annotated[str, Meta(min_length=1, max_length=256)]
Gid = Annotated[int, Meta(ge=0, lt=2**53)]
Mid = Annotated[int, Meta(ge=1, lt=2**53)]
ReqId = Union[int, Annotated[str, Meta(max_length=64)], None]


class Frame(Struct, kw_only=True, tag_field="t", forbid_unknown_fields=False):
    r: ReqId = None


class FileRef(Struct, kw_only=True):
    id: Annotated[str, Meta(max_length=64)] = ""  # a stored file (SHA-256 hex); empty for a link to `url`
    url: Annotated[str, Meta(max_length=2048)] = ""
    type: Int31 = 0
    size: FileSize = 0
    name: Annotated[str, Meta(max_length=512)] = ""
    mime: Annotated[str, Meta(max_length=128)] = ""
    thumb: Annotated[str, Meta(max_length=16384)] = ""
    width: Annotated[int, Meta(ge=0)] = 0
    height: Annotated[int, Meta(ge=0)] = 0


class Auth(Frame, tag="auth"):
    v: int
    token: Annotated[str, Meta(max_length=512)]
    appid: Annotated[str, Meta(max_length=256)]
    after: Annotated[int, Meta(ge=0)] | Literal["cursor"] | None = None
    tab: Annotated[str, Meta(min_length=1, max_length=64)] | None = None


class Send(Frame, tag="send"):
    cid: Cid
    to: str = ""
    gid: Gid = 0
    message: str = ""
    title: str = ""
    flag: Int31 = 3
    expiry: Annotated[int, Meta(ge=0)] | None = None
    type: Int31 = 0
    file: FileRef | None = None
    fwd: bool = False


class Ack(Frame, tag="ack"):
    seq: Annotated[int, Meta(ge=0)]


class Read(Frame, tag="read"):
    mids: Annotated[list[Mid], Meta(max_length=1000)]


class Edit(Frame, tag="edit"):
    mid: Mid
    message: str


class Delete(Frame, tag="delete"):
    mid: Mid


class Recall(Frame, tag="recall"):
    mid: Mid


class History(Frame, tag="history"):
    peer: str = ""
    gid: Gid = 0
    before: Mid | None = None
    limit: Annotated[int, Meta(ge=1)] = 50


class Conversations(Frame, tag="conversations"):
    """The latest message of each conversation, newest first: a new device's chat list."""

    before: Mid | None = None
    limit: Annotated[int, Meta(ge=1)] = 50


class Presence(Frame, tag="presence"):
    activity: Annotated[int, Meta(ge=0, lt=256)]
    to: str = ""
    gid: Gid = 0


class ProfileSet(Frame, tag="profile"):
    name: Annotated[str, Meta(max_length=256)] | None = None
    status: Annotated[str, Meta(max_length=1024)] | None = None
    picture: Annotated[str, Meta(max_length=2048)] | None = None


class Profiles(Frame, tag="profiles"):
    addresses: Annotated[list[Address], Meta(max_length=500)]


class Subscribe(Frame, tag="subscribe"):
    address: Address
    on: bool = True


class Block(Frame, tag="block"):
    address: Address
    on: bool = True


class GroupCreate(Frame, tag="group_create"):
    name: Annotated[str, Meta(max_length=256)] = ""
    flag: Int31 = 0
    members: Annotated[list[Address], Meta(max_length=1000)] = []


class GroupSet(Frame, tag="group_set"):
    gid: Gid
    name: Annotated[str, Meta(max_length=256)] | None = None
    flag: Int31 | None = None


class GroupMembers(Frame, tag="group_members"):
    gid: Gid
    add: Annotated[list[Address], Meta(max_length=1000)] = []
    remove: Annotated[list[Address], Meta(max_length=1000)] = []
    flags: Int31 = 0x1F
    admin: bool = False


class GroupGet(Frame, tag="group_get"):
    gid: Gid


class Groups(Frame, tag="groups"):
    pass


class GroupDelete(Frame, tag="group_delete"):
    gid: Gid


class Ping(Frame, tag="ping"):
    pass


CallId = Annotated[int, Meta(ge=1, lt=2**53)]


class CallPlace(Frame, tag="call"):
    to: Address
    video: bool = True


class CallAnswer(Frame, tag="call_answer"):
    callid: CallId


class CallHangup(Frame, tag="call_hangup"):
    callid: CallId


class CallSignal(Frame, tag="call_signal"):
    """WebRTC negotiation relayed to the other endpoint: `sdp` and `ice` carry the browser's objects."""

    callid: CallId
    kind: Literal["sdp", "ice", "mute"]
    data: dict[str, Any]


ClientFrame = Union[
    Auth, Send, Ack, Read, Edit, Delete, Recall, History, Conversations, Presence, ProfileSet, Profiles,
    Subscribe, Block, GroupCreate, GroupSet, GroupMembers, GroupGet, Groups, GroupDelete, Ping,
    CallPlace, CallAnswer, CallHangup, CallSignal,
]
FRAME_TYPES = {cls.__struct_config__.tag: cls for cls in ClientFrame.__args__}  # type: ignore[attr-defined]

_decoder = msgspec.json.Decoder(ClientFrame)
_loose = msgspec.json.Decoder()
encode = msgspec.json.Encoder().encode


def byte_len(text: str) -> int:
    """UTF-8 length of text, without copying it when it is ASCII (the common case)."""
    return len(text) if text.isascii() else len(text.encode())


PEEK_BYTES = 256
_PEEK_R = re.compile(r'"r"\s*:\s*(-?[0-9]{1,16}(?![0-9.eE])|"[^"\\]{0,64}")')


def peek_r(data: str | bytes) -> int | str | None:
    """The `r` of a frame that is not parsed (dropped for rate, or nested too deeply), read from its
    first PEEK_BYTES only, so looking costs the same whatever the frame holds."""
    head = data[:PEEK_BYTES]
    text = head.decode("utf-8", "ignore") if isinstance(head, bytes) else head
    m = _PEEK_R.search(text)
    if m is None:
        return None
    value = m.group(1)
    return value[1:-1] if value.startswith('"') else int(value)


def _too_deep(data: str | bytes) -> ProtocolError:
    return ProtocolError("BADFRAME", "frame nested too deeply", peek_r(data))


def decode(data: str | bytes) -> ClientFrame:
    """Parse one client frame, or raise ProtocolError naming what is wrong (and the frame's `r`)."""
    try:
        return _decoder.decode(data)
    except RecursionError:
        raise _too_deep(data) from None
    except msgspec.ValidationError as exc:
        raw = _explain(data)
        r = raw.get("r") if isinstance(raw.get("r"), (int, str)) else None
        t = raw.get("t")
        if not isinstance(t, str) or t not in FRAME_TYPES:
            raise ProtocolError("UNKNOWN", f"unknown frame type {t!r}", r) from None
        raise ProtocolError("BADREQUEST", f"{t}: {exc}", r) from None
    except msgspec.DecodeError as exc:
        raise ProtocolError("BADFRAME", f"not a JSON frame: {exc}") from None


def _explain(data: str | bytes) -> dict[str, Any]:
    try:
        raw = _loose.decode(data)
    except msgspec.DecodeError:
        return {}
    except RecursionError:
        raise _too_deep(data) from None
    if not isinstance(raw, dict):
        raise ProtocolError("BADFRAME", "a frame must be a JSON object")
    return raw
