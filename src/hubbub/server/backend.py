"""The backend API: mesibo's JSON ops over POST /backend.

One endpoint takes `{"op": ..., "token": APP_TOKEN, "id": ..., ...}` and answers
`{"op": ..., "result": true, ...}` or `{"op": ..., "result": false, "error": CODE, "reason": text}`,
echoing `id`. Requests and answers are msgspec Structs: they validate the body in one pass and are
the source of the OpenAPI description (openapi.py).

HTTP status: 200 for every answer of an op, including `result: false` (mesibo style, and AUTHFAIL
too); 400 for a body that is not a JSON object, 413 for one over `max_backend_body` bytes, 500 with
`error: INTERNAL` for a bug. Every answer is JSON.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import msgspec
from msgspec import UNSET, Struct
from starlette.requests import Request
from starlette.responses import Response

from ..core.admin import Admin, AdminError
from ..core.hub import Hub
from ..core.tokens import token_hash
from ..protocol import frames as f
from ..protocol.constants import MemberFlag, Status
from ..protocol.errors import ProtocolError
from ..store.base import App, Group, TokenInfo, User
from .backend_schema import (
    DeviceSel,
    ErrorResponse,
    GroupAdd,
    GroupDel,
    GroupEditMembers,
    GroupEditMembersResult,
    GroupGetMembers,
    GroupGetMembersResult,
    GroupInfo,
    GroupOut,
    GroupResult,
    GroupSet,
    GroupsGet,
    GroupsGetResult,
    MAX_PAGE,
    MemberEdit,
    MemberOut,
    MessageOp,
    MessageResult,
    Req,
    Res,
    SendOut,
    TokenSpec,
    UserAdd,
    UserAddResult,
    UserDel,
    UserDelResult,
    UserInfo,
    UserOut,
    UserRefIn,
    UserSet,
    UserSetResult,
    UserToken,
    UserTokenResult,
    UsersGet,
    UsersGetResult,
)

log = logging.getLogger("hubbub.backend")

@dataclass(frozen=True)
class OpSpec:
    request: type[Req]
    response: type[Res]
    handler: Callable[["Ctx", Any], Awaitable[Res]]


class OpError(Exception):
    def __init__(self, code: str, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.field = field


# -- helpers --------------------------------------------------------------------------------------

@dataclass
class Ctx:
    hub: Hub
    admin: Admin
    app: App
    op: str
    id: Any


def _b(v: bool | int | None) -> bool | None:
    return None if v is None else bool(v)


def _addresses(value: str | list[str] | None, name: str) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    out = list(dict.fromkeys(a.strip() for a in items if a.strip()))
    for a in out:
        try:
            Admin.check_address(a)
        except AdminError as e:
            raise OpError("BADADDRESS", f"{a!r}: {e.reason}", name) from None
    return out


async def _user(ctx: Ctx, ref: UserRefIn) -> User:
    if ref.address is not None:
        return await ctx.admin.user(ctx.app, ref.address)
    if ref.uid is not None:
        user = await ctx.hub.store.user_by_uid(ref.uid)
        if user is None or user.app_id != ctx.app.id:
            raise OpError("NOUSER", f"no user with uid {ref.uid}")
        return user
    raise OpError("BADREQUEST", "name the user by `address` or `uid`", "user.address")


async def _users(ctx: Ctx, addresses: list[str], name: str) -> list[User]:
    out, missing = [], []
    for a in addresses:
        u = await ctx.hub.store.user(ctx.app.id, a)
        (out.append(u) if u is not None else missing.append(a))
    if missing:
        raise OpError("NOUSER", "no such user(s): " + ", ".join(missing[:20]), name)
    return out


async def _group(ctx: Ctx, gid: int | None, with_members: bool = False) -> Group:
    if gid is None:
        raise OpError("BADREQUEST", "`gid` (or `group.gid`) is required", "gid")
    group = await ctx.hub.store.group(gid, with_members=with_members)
    if group is None or group.app_id != ctx.app.id:
        raise OpError("NOGROUP", f"no group {gid}")
    return group


def _info(hub: Hub, u: User) -> UserInfo:
    return UserInfo(uid=u.uid, address=u.address, name=u.name, status=u.status, picture=u.picture,
                    active=u.active, online=hub.online(u.uid), lastseen=u.lastseen)


def _ginfo(g: Group) -> GroupInfo:
    return GroupInfo(gid=g.gid, name=g.name, flag=g.flag, expiry=g.expiry, active=g.active)


async def _set_profile(ctx: Ctx, user: User, name: str | None, status: str | None, picture: str | None) -> None:
    if name is None and status is None and picture is None:
        return
    fields = {"name": name, "status": status, "picture": picture}
    ctx.hub.notify(await ctx.hub.store.set_profile(user.uid, fields, ctx.hub.now()))


async def _issue(ctx: Ctx, user: User, spec: TokenSpec) -> UserOut:
    device = spec.device or "d" + secrets.token_hex(6)
    token = await ctx.admin.issue_token(user, spec.appid, device, spec.expiry)
    return UserOut(uid=user.uid, address=user.address, name=user.name, active=user.active, token=token,
                   device=device)


# -- ops ------------------------------------------------------------------------------------------

async def op_useradd(ctx: Ctx, req: UserAdd) -> Res:
    u = req.user
    user = await ctx.admin.add_user(ctx.app, u.address, u.name, _b(u.active))
    await _set_profile(ctx, user, u.name, u.status, u.picture)
    if u.token is not None:
        out = await _issue(ctx, user, u.token)
    else:
        out = UserOut(uid=user.uid, address=user.address, name=user.name, active=user.active)
    return UserAddResult(op=ctx.op, result=True, user=out)


async def op_userset(ctx: Ctx, req: UserSet) -> Res:
    u = req.user
    user = await _user(ctx, u)
    await _set_profile(ctx, user, u.name, u.status, u.picture)
    if u.active is not None:
        user = await ctx.admin.add_user(ctx.app, user.address, None, bool(u.active))
    user = await ctx.admin.user(ctx.app, user.address)
    return UserSetResult(op=ctx.op, result=True, user=_info(ctx.hub, user))


async def op_userdel(ctx: Ctx, req: UserDel) -> Res:
    u = req.user
    user = await _user(ctx, u)
    out = UserOut(uid=user.uid, address=user.address)
    device = u.device
    if isinstance(u.token, DeviceSel):
        device = u.token.device
    elif isinstance(u.token, str):
        info = await ctx.hub.store.token(token_hash(u.token))
        if info is None or info.uid != user.uid:
            raise OpError("NOTOKEN", f"that token is not one of {user.address!r}'s", "user.token")
        device = info.device
    if device is None:
        await ctx.admin.delete_user(user)
        return UserDelResult(op=ctx.op, result=True, user=out, deleted=True, devices=[])
    devices = await ctx.admin.revoke(user, device)
    if not devices:
        raise OpError("NOTOKEN", f"{user.address!r} has no live token for device {device!r}", "user.device")
    return UserDelResult(op=ctx.op, result=True, user=out, deleted=False, devices=devices)


async def op_usersget(ctx: Ctx, req: UsersGet) -> Res:
    pattern = req.user.address if req.user is not None else (req.address or "*")
    count = min(req.count, MAX_PAGE)
    users = await ctx.hub.store.users(ctx.app.id, pattern or "*", req.offset, count + 1)
    return UsersGetResult(op=ctx.op, result=True, users=[_info(ctx.hub, u) for u in users[:count]],
                          offset=req.offset, count=min(len(users), count), more=len(users) > count)


async def op_usertoken(ctx: Ctx, req: UserToken) -> Res:
    user = await _user(ctx, req.user)
    return UserTokenResult(op=ctx.op, result=True, user=await _issue(ctx, user, req.user.token))


async def op_groupadd(ctx: Ctx, req: GroupAdd) -> Res:
    g = req.group
    members = await _users(ctx, _addresses(g.members, "group.members"), "group.members")
    limit = ctx.hub.settings.max_group_members
    if len(members) > limit:
        raise OpError("TOOBIG", f"a group has at most {limit} members (max_group_members)", "group.members")
    now = ctx.hub.now()
    gid, touched = await ctx.hub.store.create_group(ctx.app.id, g.name, g.flag, g.expiry,
                                                    [(u.uid, int(MemberFlag.ALL), False) for u in members], now)
    ctx.hub.notify(touched)
    if not g.active:
        ctx.hub.notify(await ctx.hub.store.set_group(gid, None, None, None, False, now))
    return GroupResult(op=ctx.op, result=True, group=GroupOut(gid=gid))


async def op_groupset(ctx: Ctx, req: GroupSet) -> Res:
    g = req.group
    await _group(ctx, g.gid)
    ctx.hub.notify(await ctx.hub.store.set_group(g.gid, g.name, g.flag, g.expiry, _b(g.active), ctx.hub.now()))
    return GroupResult(op=ctx.op, result=True, group=GroupOut(gid=g.gid))


async def op_groupdel(ctx: Ctx, req: GroupDel) -> Res:
    group = await _group(ctx, req.group.gid if req.group else req.gid)
    ctx.hub.notify(await ctx.hub.store.delete_group(group.gid, ctx.hub.now()))
    return GroupResult(op=ctx.op, result=True, group=GroupOut(gid=group.gid))


def _member_flags(e: MemberEdit | GroupEditMembers) -> int:
    if e.flags is not None:
        return e.flags
    flags = 0
    for on, bit in ((e.cansend, MemberFlag.SEND), (e.canreceive, MemberFlag.RECV), (e.canpub, MemberFlag.PUBL),
                    (e.cansub, MemberFlag.SUBS), (e.canlist, MemberFlag.LIST)):
        if on:
            flags |= int(bit)
    return flags


async def op_groupeditmembers(ctx: Ctx, req: GroupEditMembers) -> Res:
    edit: MemberEdit | GroupEditMembers = req
    gid, where = req.gid, "m"
    if req.group is not None:
        gid = req.group.gid
        if req.group.members is not None:
            edit, where = req.group.members, "group.members.m"
    if edit.m is None:
        raise OpError("BADREQUEST", "`m` (the members, comma-separated) is required", "m")
    group = await _group(ctx, gid, with_members=True)
    users = await _users(ctx, _addresses(edit.m, where), where)
    now = ctx.hub.now()
    if edit.delete:
        current = {m.uid for m in group.members}
        gone = [u for u in users if u.uid in current]
        ctx.hub.notify(await ctx.hub.store.edit_members(group.gid, [], [u.uid for u in gone], now))
        return GroupEditMembersResult(op=ctx.op, result=True, group=GroupOut(gid=group.gid), added=[],
                                      removed=[u.address for u in gone])
    limit = ctx.hub.settings.max_group_members
    if len({m.uid for m in group.members} | {u.uid for u in users}) > limit:
        raise OpError("TOOBIG", f"a group has at most {limit} members (max_group_members)", where)
    flags, admin = _member_flags(edit), bool(edit.admin)
    ctx.hub.notify(await ctx.hub.store.edit_members(group.gid, [(u.uid, flags, admin) for u in users], [], now))
    return GroupEditMembersResult(op=ctx.op, result=True, group=GroupOut(gid=group.gid),
                                  added=[u.address for u in users], removed=[])


async def op_groupgetmembers(ctx: Ctx, req: GroupGetMembers) -> Res:
    group = await _group(ctx, req.group.gid if req.group else req.gid, with_members=True)
    count = min(req.count, MAX_PAGE)
    page = group.members[req.offset:req.offset + count]
    return GroupGetMembersResult(op=ctx.op, result=True, group=_ginfo(group),
                                 members=[MemberOut(uid=m.uid, address=m.address, flags=m.flags, admin=m.admin)
                                          for m in page],
                                 offset=req.offset, count=len(page), more=len(group.members) > req.offset + count)


async def op_groupsget(ctx: Ctx, req: GroupsGet) -> Res:
    groups = await ctx.hub.store.app_groups(ctx.app.id)
    count = min(req.count, MAX_PAGE)
    page = groups[req.offset:req.offset + count]
    return GroupsGetResult(op=ctx.op, result=True, groups=[_ginfo(g) for g in page], offset=req.offset,
                           count=len(page), more=len(groups) > req.offset + count)


async def op_message(ctx: Ctx, req: MessageOp) -> Res:
    m = req.message
    sender = await ctx.admin.user(ctx.app, m.from_)
    if not sender.active:
        raise OpError("NOUSER", f"user {m.from_!r} is not active", "message.from")
    ident = TokenInfo(sender.uid, sender.app_id, sender.address, appid="", device="backend", expires=0,
                      revoked=False, active=True)
    if m.gid:
        targets = [""]
    else:
        targets = _addresses(m.to, "message.to")
        if not targets:
            raise OpError("BADREQUEST", "a message needs `to` (one or more addresses) or `gid`", "message.to")
        if len(targets) > ctx.hub.settings.max_group_members:
            raise OpError("TOOBIG", "too many recipients (max_group_members)", "message.to")
    base = f.SERVER_CID + (m.cid or "bk-" + secrets.token_hex(8))
    results: list[SendOut] = []
    for i, to in enumerate(targets):
        cid = base if len(targets) == 1 else f"{base}:{i}"
        fr = f.Send(cid=cid, to=to, gid=m.gid, message=m.message, title=m.title, flag=m.flag, expiry=m.expiry,
                    type=m.type)
        try:
            res = await ctx.hub.send(ident, fr, quota=False)
        except ProtocolError as e:
            raise OpError(e.code, e.reason, "message") from None
        results.append(SendOut(to=to, gid=m.gid, mid=res["mid"], cid=res["cid"], status=res["status"]))
    sent = [r for r in results if r.status < 0x80]
    if not sent:
        first = results[0]
        code = Status(first.status).name if first.status in Status._value2member_map_ else "FAIL"
        dest = f"group {m.gid}" if m.gid else ", ".join(r.to for r in results[:20])
        raise OpError(code, f"not sent to {dest}: status {code} (0x{first.status:x})", "message")
    return MessageResult(op=ctx.op, result=True, mid=sent[0].mid, results=results)


OPS: dict[str, OpSpec] = {
    "useradd": OpSpec(UserAdd, UserAddResult, op_useradd),
    "userset": OpSpec(UserSet, UserSetResult, op_userset),
    "userdel": OpSpec(UserDel, UserDelResult, op_userdel),
    "usersget": OpSpec(UsersGet, UsersGetResult, op_usersget),
    "usertoken": OpSpec(UserToken, UserTokenResult, op_usertoken),
    "groupadd": OpSpec(GroupAdd, GroupResult, op_groupadd),
    "groupset": OpSpec(GroupSet, GroupResult, op_groupset),
    "groupdel": OpSpec(GroupDel, GroupResult, op_groupdel),
    "groupeditmembers": OpSpec(GroupEditMembers, GroupEditMembersResult, op_groupeditmembers),
    "groupgetmembers": OpSpec(GroupGetMembers, GroupGetMembersResult, op_groupgetmembers),
    "groupsget": OpSpec(GroupsGet, GroupsGetResult, op_groupsget),
    "message": OpSpec(MessageOp, MessageResult, op_message),
}


# -- the endpoint ---------------------------------------------------------------------------------

_encoder = msgspec.json.Encoder()
_WHERE = re.compile(r" - at `\$\.?(.*)`$")


def _json(body: Struct | dict[str, Any], status: int = 200) -> Response:
    return Response(_encoder.encode(body), status_code=status, media_type="application/json")


def _error(code: str, reason: str, status: int = 200, op: Any = None, id: Any = None,
           field: str | None = None) -> Response:
    return _json(ErrorResponse(error=code, reason=reason, op=op if isinstance(op, str) else UNSET,
                               id=id if _echoable(id) else UNSET, field=field if field else UNSET), status)


def _echoable(id: Any) -> bool:
    return isinstance(id, (int, str)) and not isinstance(id, bool) and len(str(id)) <= 128


async def _body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is over `limit` bytes (read no further than that)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def endpoint(request: Request) -> Response:
    try:
        return await _handle(request)
    except Exception:
        log.exception("backend request failed")
        return _error("INTERNAL", "internal server error", 500)


async def _handle(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    admin: Admin = request.app.state.admin
    limit = hub.settings.max_backend_body
    raw = await _body(request, limit)
    if raw is None:
        return _error("TOOBIG", f"the body is over max_backend_body ({limit} bytes)", 413)
    try:
        obj = msgspec.json.decode(raw)
    except msgspec.DecodeError as e:
        return _error("BADJSON", f"the body is not JSON: {e}", 400)
    except RecursionError:
        return _error("BADJSON", "the body is nested too deep", 400)
    if not isinstance(obj, dict):
        return _error("BADREQUEST", "the body must be a JSON object", 400)
    op, rid = obj.get("op"), obj.get("id")
    if not isinstance(op, str) or not op:
        return _error("BADREQUEST", "`op` (a string) is required", id=rid, field="op")
    token = obj.get("token")
    try:
        app = await admin.app_for_token(token if isinstance(token, str) and len(token) <= 512 else "")
    except AdminError as e:
        return _error(e.code, e.reason, op=op, id=rid, field="token")
    spec = OPS.get(op)
    if spec is None:
        return _error("BADOP", f"unknown op {op[:64]!r}; known: {', '.join(OPS)}", op=op, id=rid, field="op")
    try:
        req = msgspec.convert(obj, spec.request)
    except msgspec.ValidationError as e:
        text = str(e)
        where = _WHERE.search(text)
        return _error("BADREQUEST", text, op=op, id=rid, field=where.group(1) if where else None)
    ctx = Ctx(hub, admin, app, op, req.id)
    try:
        res = await spec.handler(ctx, req)
    except OpError as e:
        return _error(e.code, e.reason, op=op, id=req.id, field=e.field)
    except AdminError as e:
        return _error(e.code, e.reason, op=op, id=req.id)
    except ProtocolError as e:  # from the store, e.g. BUSY: another process held the database's lock
        return _error(e.code, e.reason, op=op, id=req.id)
    if req.id is not None:
        res.id = req.id
    return _json(res)
