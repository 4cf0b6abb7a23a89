"""What the server needs from a store, and the records it passes around.

The rest of the server speaks only to `Store`; SQLite (the embedded default) implements it, and a
PostgreSQL store implements the same methods. Writes return `Touched`: the users whose event log
grew, with their new head seq, so the caller can wake their devices after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

Touched = dict[int, int]
"""uid -> newest seq of that user's log after a write."""

EVENT_BYTES = 200
"""What one event costs in a log besides its text (fields, keys, row): the write quota's estimate."""


@dataclass(frozen=True, slots=True)
class App:
    id: int
    name: str
    created: int


@dataclass(frozen=True, slots=True)
class User:
    uid: int
    app_id: int
    address: str
    name: str
    status: str
    picture: str
    active: bool
    lastseen: int
    created: int


@dataclass(frozen=True, slots=True)
class TokenInfo:
    uid: int
    app_id: int
    address: str
    appid: str
    device: str
    expires: int
    revoked: bool
    active: bool


@dataclass(frozen=True, slots=True)
class Member:
    uid: int
    address: str
    flags: int
    admin: bool


@dataclass(slots=True)
class Group:
    gid: int
    app_id: int
    name: str
    flag: int
    expiry: int
    active: bool
    members: list[Member] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OutMessage:
    """A validated send, ready to commit."""

    app_id: int
    sender: int
    sender_address: str
    cid: str
    to: int  # recipient uid for 1:1, 0 for a group
    to_address: str
    gid: int
    message: str
    title: str
    flag: int
    expiry: int
    type: int
    file: dict[str, Any] | None
    fwd: bool
    ts: int
    deadline: int  # ms; past it an undelivered message expires


@dataclass(frozen=True, slots=True)
class SendResult:
    mid: int
    cid: str
    status: int
    ts: int
    dup: bool = False


@dataclass(frozen=True, slots=True)
class CallRecord:
    """The outcome of a call, stored as a call-record message in both users' logs."""

    app_id: int
    callid: int
    caller: int
    caller_address: str
    callee: int
    callee_address: str
    video: bool
    status: int      # the MESIBO_CALLSTATUS_* the call ended with
    answered: bool
    duration: int    # seconds answered
    ts: int


@dataclass(frozen=True, slots=True)
class FileMeta:
    """A stored file as the server measured it (never as the client described it)."""

    id: str  # SHA-256 of the bytes, hex
    size: int
    mime: str
    type: int  # MESIBO_FILETYPE_*
    width: int
    height: int
    thumb: str  # data: URL, "" when none
    created: int


class Store(Protocol):
    """The source of truth. Every method is a coroutine; writes are committed before they return."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> None: ...
    def observe_commits(self, observe: Callable[[int, float], None]) -> None: ...

    # apps, users, tokens
    async def create_app(self, name: str, token_hash: bytes, now: int) -> App: ...
    async def list_apps(self) -> list[App]: ...
    async def app_by_token(self, token_hash: bytes) -> App | None: ...
    async def app_by_name(self, name: str) -> App | None: ...
    async def upsert_user(self, app_id: int, address: str, name: str | None, active: bool | None,
                          now: int) -> tuple[User, bool]: ...
    async def user(self, app_id: int, address: str) -> User | None: ...
    async def user_by_uid(self, uid: int) -> User | None: ...
    async def users(self, app_id: int, pattern: str, offset: int, limit: int) -> list[User]: ...
    async def delete_user(self, uid: int) -> Touched: ...
    async def add_token(self, token_hash: bytes, uid: int, appid: str, device: str, expires: int,
                        now: int) -> bool: ...
    async def token(self, token_hash: bytes) -> TokenInfo | None: ...
    async def revoke_tokens(self, uid: int, device: str | None) -> list[str]: ...

    # the event log
    async def head(self, uid: int) -> int: ...
    async def cursor(self, uid: int, device: str) -> int: ...
    async def events_after(self, uid: int, after: int, limit: int, now: int,
                           max_bytes: int) -> tuple[list[str], list[int]]: ...
    async def ack(self, acks: list[tuple[int, str, int, str]], now: int) -> Touched: ...
    async def due(self, now: int, limit: int,
                  after: tuple[int, int, int] = (0, 0, 0)) -> list[tuple[int, int, int]]: ...
    async def expire(self, items: list[tuple[int, int]], now: int) -> Touched: ...

    # messages
    async def sent(self, app_id: int, sender: int, cid: str) -> SendResult | None: ...
    async def send(self, msg: OutMessage) -> tuple[SendResult, Touched]: ...
    async def read(self, uid: int, address: str, mids: list[int], now: int) -> tuple[int, Touched]: ...
    async def update(self, app_id: int, uid: int, mid: int, op_name: str, text: str | None,
                     now: int) -> Touched: ...
    async def history(self, app_id: int, uid: int, peer: int, gid: int, before: int | None,
                      limit: int) -> tuple[list[dict[str, Any]], bool]: ...
    async def conversations(self, app_id: int, uid: int, before: int | None,
                            limit: int) -> tuple[list[dict[str, Any]], bool]: ...
    async def call_record(self, rec: CallRecord) -> Touched: ...
    async def recipient(self, app_id: int, address: str, sender: int) -> tuple[int, bool] | None: ...
    async def is_blocked(self, by: int, uid: int) -> bool: ...
    async def blockers(self, uids: list[int], of: int) -> list[int]: ...

    # profiles
    async def set_profile(self, uid: int, fields: dict[str, Any], now: int) -> Touched: ...
    async def set_lastseen(self, uid: int, ts: int) -> None: ...
    async def subscribe(self, uid: int, target: int, on: bool) -> None: ...
    async def subscribers(self, uid: int) -> list[int]: ...
    async def block(self, uid: int, target: int, on: bool) -> None: ...

    # files (bytes live in the blob store; these are the records of who may read them)
    async def file_added(self, meta: FileMeta, uid: int, now: int) -> None: ...
    async def file_meta(self, file_id: str) -> FileMeta | None: ...
    async def file_access(self, uid: int, app_id: int, file_id: str) -> bool: ...
    async def file_garbage(self, cutoff: int, limit: int) -> list[str]: ...
    async def file_drop(self, file_id: str, cutoff: int) -> bool: ...

    # groups
    async def group(self, gid: int, with_members: bool = True) -> Group | None: ...
    async def group_for_sender(self, gid: int, uid: int) -> tuple[Group, Member | None, int] | None: ...
    async def groups_of(self, uid: int) -> list[Group]: ...
    async def app_groups(self, app_id: int) -> list[Group]: ...
    async def create_group(self, app_id: int, name: str, flag: int, expiry: int,
                           members: list[tuple[int, int, bool]], now: int,
                           creator: int = 0) -> tuple[int, Touched]: ...
    async def groups_created(self, uid: int) -> int: ...
    async def set_group(self, gid: int, name: str | None, flag: int | None, expiry: int | None,
                        active: bool | None, now: int) -> Touched: ...
    async def edit_members(self, gid: int, add: list[tuple[int, int, bool]], remove: list[int],
                           now: int) -> Touched: ...
    async def delete_group(self, gid: int, now: int) -> Touched: ...
