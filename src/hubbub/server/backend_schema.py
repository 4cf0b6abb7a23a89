"""The backend API's requests and answers as msgspec structs (the source of its OpenAPI too)."""

from __future__ import annotations

from typing import Annotated, Union

from msgspec import UNSET, Meta, Struct, UnsetType, field

MAX_PAGE = 500
"""Most users, groups or members one `*get` op returns (`count` is capped to it)."""

# -- field types ----------------------------------------------------------------------------------

Address = Annotated[str, Meta(min_length=1, max_length=256, description="a user's address")]
Uid = Annotated[int, Meta(ge=1, lt=2**53, description="the user id the server assigned")]
Gid = Annotated[int, Meta(ge=1, lt=2**53, description="a group id")]
Bool01 = Union[bool, Annotated[int, Meta(ge=0, le=1)]]
"""mesibo writes flags as 0/1; true/false are accepted too."""
AddressList = Union[Annotated[str, Meta(max_length=1_000_000, description="comma-separated addresses")],
                    Annotated[list[Address], Meta(max_length=10_000)]]
ReqId = Union[int, Annotated[str, Meta(max_length=128)], None]
Name = Annotated[str, Meta(max_length=256)]
Offset = Annotated[int, Meta(ge=0, description="how many to skip")]
Count = Annotated[int, Meta(ge=1, description=f"how many to return (at most {MAX_PAGE})")]
Int31 = Annotated[int, Meta(ge=0, lt=2**31)]


# -- requests -------------------------------------------------------------------------------------

class Req(Struct, kw_only=True, tag_field="op", forbid_unknown_fields=False):
    token: Annotated[str, Meta(max_length=512, description="the app token (secret; never give it to a browser)")]
    id: ReqId = None


class TokenSpec(Struct, kw_only=True):
    """Asks for a user access token, bound to the app, the address, `appid` and a device id."""

    appid: Annotated[str, Meta(min_length=1, max_length=256,
                               description="the app id the client will use (mesibo's setAppName)")]
    expiry: Annotated[int, Meta(ge=1, le=100 * 525600, description="lifetime in minutes (default one year)")] | None = None
    device: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
                                description="device id; reusing one replaces that device's token "
                                            "(the earlier ones are revoked and their connections "
                                            "signed out; default: a new device)")] | None = None


class UserAddIn(Struct, kw_only=True):
    address: Address
    name: Name | None = None
    status: Annotated[str, Meta(max_length=1024)] | None = None
    picture: Annotated[str, Meta(max_length=2048)] | None = None
    active: Bool01 | None = None
    token: TokenSpec | None = None


class UserRefIn(Struct, kw_only=True):
    """Names a user by `address` or by `uid` (address wins when both are given)."""

    uid: Uid | None = None
    address: Address | None = None


class UserSetIn(UserRefIn, kw_only=True):
    name: Name | None = None
    status: Annotated[str, Meta(max_length=1024)] | None = None
    picture: Annotated[str, Meta(max_length=2048)] | None = None
    active: Bool01 | None = None


class DeviceSel(Struct, kw_only=True):
    device: Annotated[str, Meta(min_length=1, max_length=64)]


class UserDelIn(UserRefIn, kw_only=True):
    device: Annotated[str, Meta(min_length=1, max_length=64,
                                description="revoke only this device's token(s); the user stays")] | None = None
    token: Union[Annotated[str, Meta(min_length=1, max_length=512)], DeviceSel, None] = field(default=None)


class UserQuery(Struct, kw_only=True):
    address: Annotated[str, Meta(max_length=256, description="an address; `*` matches any run of characters")] = "*"


class UserTokenIn(UserRefIn, kw_only=True):
    token: TokenSpec


class UserAdd(Req, tag="useradd", kw_only=True):
    """Create a user, or update the user with that address; with `user.token`, also issue a user access
    token (each call issues a new one)."""

    user: UserAddIn


class UserSet(Req, tag="userset", kw_only=True):
    """Change a user's name, status, picture or `active`. Deactivating signs out every device of the user
    and refuses its tokens until it is active again."""

    user: UserSetIn


class UserDel(Req, tag="userdel", kw_only=True):
    """Delete a user, with its tokens, devices, queued events and the messages it sent (its uid is never
    given to another user). With `user.device` (or
    `user.token` = a token string or `{"device": ...}`) only revoke that device's tokens instead."""

    user: UserDelIn


class UsersGet(Req, tag="usersget", kw_only=True):
    """List users whose address matches `user.address` (`*` is a wildcard, e.g. `ali*`), by uid, paged."""

    user: UserQuery | None = None
    address: Annotated[str, Meta(max_length=256)] | None = None
    offset: Offset = 0
    count: Count = 50


class UserToken(Req, tag="usertoken", kw_only=True):
    """Issue a user access token for an existing user."""

    user: UserTokenIn


class GroupAddIn(Struct, kw_only=True):
    name: Name = ""
    flag: Annotated[int, Meta(ge=0, lt=2**31, description="group flags: 1 selected members send, 2 anyone "
                                                             "sends, 0x10 selected members receive, 0x40 don't "
                                                             "store, 0x80 loop back (0x20, round-robin, is "
                                                             "stored but not acted on)")] = 0
    expiry: Annotated[int, Meta(ge=0, lt=2**31, description="seconds")] = 0
    active: Bool01 = True
    members: AddressList | None = None


class GroupSetIn(Struct, kw_only=True):
    gid: Gid
    name: Name | None = None
    flag: Int31 | None = None
    expiry: Int31 | None = None
    active: Bool01 | None = None


class GroupRefIn(Struct, kw_only=True):
    gid: Gid


class MemberEdit(Struct, kw_only=True):
    """Members to add (or update) or, with `delete` 1, to remove."""

    m: AddressList
    delete: Bool01 = False
    flags: Annotated[int, Meta(ge=0, lt=2**16, description="member flags (MESIBO_MEMBERFLAG_*); overrides "
                                                            "the can* fields")] | None = None
    cansend: Bool01 = True
    canreceive: Bool01 = True
    canpub: Bool01 = True
    cansub: Bool01 = True
    canlist: Bool01 = True
    admin: Bool01 = False


class GroupMembersIn(Struct, kw_only=True):
    gid: Gid
    members: MemberEdit | None = None


class GroupAdd(Req, tag="groupadd", kw_only=True):
    """Create a group owned by the app, empty or with `group.members` (every member may send and receive)."""

    group: GroupAddIn = field(default_factory=GroupAddIn)


class GroupSet(Req, tag="groupset", kw_only=True):
    """Change a group's name, flag, expiry or `active`; members get a `group` event."""

    group: GroupSetIn


class GroupDel(Req, tag="groupdel", kw_only=True):
    """Delete a group: its members get a `group` event with op `delete`, and the gid is gone (NOGROUP after)."""

    gid: Gid | None = None
    group: GroupRefIn | None = None


class GroupEditMembers(Req, tag="groupeditmembers", kw_only=True):
    """Add or update (`delete` 0) or remove (`delete` 1) the members `m`. Takes the fields flat
    (`gid`, `m`, `delete`, `cansend`, ...) or mesibo's nested form `group: {gid, members: {m, ...}}`.
    Members' devices get `group` events."""

    gid: Gid | None = None
    m: AddressList | None = None
    delete: Bool01 = False
    flags: Annotated[int, Meta(ge=0, lt=2**16)] | None = None
    cansend: Bool01 = True
    canreceive: Bool01 = True
    canpub: Bool01 = True
    cansub: Bool01 = True
    canlist: Bool01 = True
    admin: Bool01 = False
    group: GroupMembersIn | None = None


class GroupGetMembers(Req, tag="groupgetmembers", kw_only=True):
    """A group and its members, paged."""

    gid: Gid | None = None
    group: GroupRefIn | None = None
    offset: Offset = 0
    count: Count = MAX_PAGE


class GroupsGet(Req, tag="groupsget", kw_only=True):
    """The app's groups by gid, paged (inactive groups included; deleted ones are gone)."""

    offset: Offset = 0
    count: Count = 50


class MessageIn(Struct, kw_only=True):
    from_: Address = field(name="from")
    to: AddressList | None = None
    gid: Annotated[int, Meta(ge=0, lt=2**53)] = 0
    message: str = ""
    title: str = ""
    flag: Annotated[int, Meta(ge=0, lt=2**31, description="MESIBO_FLAG_* (default 3: delivery and read "
                                                             "receipts)")] = 3
    expiry: Annotated[int, Meta(ge=0, description="seconds; 0 = only to users online now")] | None = None
    type: Int31 = 0
    cid: Annotated[str, Meta(min_length=1, max_length=48, description="optional idempotency key: a repeat "
                                                                      "with the same cid and sender is not "
                                                                      "sent twice; stored as `~` + cid, a "
                                                                      "namespace clients cannot send in")] | None = None


class MessageOp(Req, tag="message", kw_only=True):
    """Send a message as user `from` to `to` (one or more addresses) or to group `gid`, through the same
    path as a client's send: stored, delivered to every device, with receipts."""

    message: MessageIn


REQUESTS: tuple[type[Req], ...] = (UserAdd, UserSet, UserDel, UsersGet, UserToken, GroupAdd, GroupSet, GroupDel,
                                   GroupEditMembers, GroupGetMembers, GroupsGet, MessageOp)


# -- answers --------------------------------------------------------------------------------------

class Res(Struct, kw_only=True):
    op: str
    result: bool
    id: ReqId | UnsetType = UNSET


class ErrorResponse(Struct, kw_only=True):
    """A refused request. `field` names the offending field for BADREQUEST."""

    op: str | UnsetType = UNSET
    result: bool = False
    error: str
    reason: str
    id: ReqId | UnsetType = UNSET
    field: str | UnsetType = UNSET


class UserOut(Struct, kw_only=True):
    uid: int
    address: str
    name: str | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    token: str | UnsetType = UNSET
    device: str | UnsetType = UNSET


class UserInfo(Struct, kw_only=True):
    uid: int
    address: str
    name: str
    status: str
    picture: str
    active: bool
    online: bool
    lastseen: int


class GroupOut(Struct, kw_only=True):
    gid: int


class GroupInfo(Struct, kw_only=True):
    gid: int
    name: str
    flag: int
    expiry: int
    active: bool


class MemberOut(Struct, kw_only=True):
    uid: int
    address: str
    flags: int
    admin: bool


class SendOut(Struct, kw_only=True):
    to: str
    gid: int
    mid: int
    cid: str
    status: int


class UserAddResult(Res, kw_only=True):
    user: UserOut


class UserSetResult(Res, kw_only=True):
    user: UserInfo


class UserDelResult(Res, kw_only=True):
    user: UserOut
    deleted: bool
    devices: list[str]


class UsersGetResult(Res, kw_only=True):
    users: list[UserInfo]
    offset: int
    count: int
    more: bool


class UserTokenResult(Res, kw_only=True):
    user: UserOut


class GroupResult(Res, kw_only=True):
    group: GroupOut


class GroupEditMembersResult(Res, kw_only=True):
    group: GroupOut
    added: list[str]
    removed: list[str]


class GroupGetMembersResult(Res, kw_only=True):
    group: GroupInfo
    members: list[MemberOut]
    offset: int
    count: int
    more: bool


class GroupsGetResult(Res, kw_only=True):
    groups: list[GroupInfo]
    offset: int
    count: int
    more: bool


class MessageResult(Res, kw_only=True):
    mid: int
    results: list[SendOut]
