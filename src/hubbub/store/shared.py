"""What both stores write and read the same way: event bodies, delivery states, frame and history items.

Kept apart from the SQL so the SQLite and PostgreSQL stores cannot drift in what a client sees.
"""

from __future__ import annotations

from typing import Any, Iterable

import msgspec

from ..protocol.constants import Flag, GroupFlag, MemberFlag, Status
from ..protocol.frames import SERVER_CID, byte_len
from .base import CallRecord, OutMessage, User

_json = msgspec.json.Encoder()
_unjson = msgspec.json.Decoder()

# delivery states of a message to one recipient (events.state)
PENDING, DELIVERED, READ, EXPIRED = 0, 1, 2, 3
SKIP = '{"k":"skip"}'
STATUS_OUT = {PENDING: Status.SENT, DELIVERED: Status.DELIVERED, READ: Status.READ, EXPIRED: Status.EXPIRED}


USER_SELECT = "SELECT uid, app_id, address, name, status, picture, active, lastseen, created FROM users"


def user_row(r: Any) -> User:
    """A User from a USER_SELECT row."""
    return User(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], r[8])


def event(**fields: Any) -> str:
    """An event body as stored: a JSON object without its seq."""
    return _json.encode(fields).decode()


def json_or_none(value: dict[str, Any] | None) -> str | None:
    """A dict as stored in a TEXT column (a file, a call), or NULL."""
    return _json.encode(value).decode() if value else None


def message_events(msg: OutMessage, mid: int) -> tuple[str, str]:
    """The sender's `out` event and the recipients' `in` event of a committed message."""
    common: dict[str, Any] = dict(ts=msg.ts, mid=mid, **{"from": msg.sender_address}, gid=msg.gid,
                                  message=msg.message, title=msg.title, flag=msg.flag, expiry=msg.expiry,
                                  type=msg.type)
    if msg.file:
        common["file"] = msg.file
    if msg.fwd:
        common["fwd"] = True
    out = event(k="msg", cid=msg.cid, dir="out", peer=msg.to_address, status=int(Status.SENT), **common)
    incoming = event(k="msg", dir="in", peer=msg.sender_address if not msg.gid else "", **common)
    return out, incoming


def group_recipients(msg: OutMessage, group_flag: int, members: Iterable[tuple[int, int]],
                     blockers: set[int]) -> list[int]:
    """Whose logs a group message goes to, of the group's (uid, member flags): with SELECTED_RECV only
    members flagged RECV; the sender only with LOOPBACK; never a member who blocked the sender."""
    selected, loop = bool(group_flag & GroupFlag.SELECTED_RECV), bool(group_flag & GroupFlag.LOOPBACK)
    return [u for u, flags in members if (not selected or flags & MemberFlag.RECV)
            and (u != msg.sender or loop) and u not in blockers]


def call_info(rec: CallRecord) -> dict[str, Any]:
    """What a call record message carries about its call (stored as messages.callinfo)."""
    return {"callid": rec.callid, "video": rec.video, "status": rec.status, "answered": rec.answered,
            "duration": rec.duration}


def call_cid(rec: CallRecord) -> str:
    """A call record's cid, in the server's namespace: no client cid collides."""
    return f"{SERVER_CID}call-{rec.callid}"


def call_events(rec: CallRecord, mid: int) -> tuple[str, str]:
    """The caller's `out` event and the callee's `in` event of a call record message."""
    info = call_info(rec)
    common = dict(ts=rec.ts, mid=mid, **{"from": rec.caller_address}, gid=0, message="", title="", flag=0,
                  expiry=0, type=0, call=info)
    out = event(k="msg", cid=call_cid(rec), dir="out", peer=rec.callee_address,
                status=int(Status.CALLOUTGOING), **common)
    incoming = Status.CALLINCOMING if rec.answered else Status.CALLMISSED
    return out, event(k="msg", dir="in", peer=rec.caller_address, status=int(incoming), **common)


def read_events(uid: int, address: str, mid: int, state: int, sender: int, cid: str, gid: int, flag: int,
                from_addr: str, now: int) -> list[tuple[int, str]]:
    """(log owner, event) for uid reading message mid that was in `state`: statuses to both sides."""
    out: list[tuple[int, str]] = []
    if state == PENDING:  # read before its ack was stored: it was delivered too
        out.append((sender, event(k="status", ts=now, mid=mid, cid=cid, peer=address, gid=gid,
                                  status=int(Status.DELIVERED))))
    if flag & Flag.READRECEIPT:
        out.append((sender, event(k="status", ts=now, mid=mid, cid=cid, peer=address, gid=gid,
                                  status=int(Status.READ))))
    out.append((uid, event(k="status", ts=now, mid=mid, peer=from_addr if not gid else "", gid=gid,
                           status=int(Status.RECEIVEDREAD))))
    return out


RECEIPT_PEERS_BYTES = 16_384
"""The DELIVERED statuses of one ack batch share events of up to about this many bytes: a group
message's recipients in `peers` (one event for a 1,000-member group's acks, not 1,000), and one
recipient's 1:1 messages from one sender in `mids`/`cids`."""

Delivered = tuple[int, int, str, int, str]
"""(mid, sender, cid, gid, recipient address): a message an ack made DELIVERED."""


def delivered_events(rows: list[Delivered], now: int) -> list[tuple[int, str]]:
    """(sender, event) DELIVERED statuses for an ack batch's rows, in their order, each event placed
    where its first row was: a group message's recipients share events, their addresses in `peers`
    in the rows' order; the 1:1 messages of one sender that one recipient acknowledged in the batch
    share events, their mids and cids in `mids` and `cids` (in the order sent; the first also in
    `mid` and `cid`). A single 1:1 message keeps the plain event, `mid`, `cid` and `peer`.

    Why shared: per member, a group of 1,000 wrote 1,000 events to the sender's log for each message
    (every device of the sender read, stored and acknowledged them, and every tab's app got 1,000
    callbacks); one event says the same, and a member's delivery time is still its own (`ts`). A
    recipient acknowledges a run of messages at once (every 100 events or 50 ms, hubbub.client.acks),
    and an event per message was about a tenth of the server's CPU for 1:1 traffic
    (docs/architecture.md, Capacity)."""
    out: list[tuple[int, dict[str, Any]]] = []
    # the event being filled and its bytes, per group message (mid) and per 1:1 (sender, recipient)
    open_: dict[int | tuple[int, str], tuple[int, int]] = {}
    delivered = int(Status.DELIVERED)
    for mid, sender, cid, gid, peer in rows:
        key: int | tuple[int, str]
        if gid:
            key, cost = mid, len(peer.encode()) + 3
        else:
            key, cost = (sender, peer), byte_len(cid) + len(str(mid)) + 4
        at = open_.get(key)
        if at is None or at[1] + cost > RECEIPT_PEERS_BYTES:
            at = (len(out), 0)
            out.append((sender, dict(k="status", ts=now, mid=mid, cid=cid, peers=[], gid=gid, status=delivered)
                        if gid else dict(k="status", ts=now, mid=mid, cid=cid, peer=peer, gid=0, status=delivered,
                                         mids=[], cids=[])))
        fields = out[at[0]][1]
        if gid:
            fields["peers"].append(peer)
        else:
            fields["mids"].append(mid)
            fields["cids"].append(cid)
        open_[key] = (at[0], at[1] + cost)
    for _owner, fields in out:
        if "mids" in fields and len(fields["mids"]) == 1:  # one message: the plain event
            del fields["mids"], fields["cids"]
    return [(owner, event(**fields)) for owner, fields in out]


def update_events(op_name: str, parties: set[int], sender: int, from_addr: str, to_addr: str, gid: int, mid: int,
                  text: str | None, now: int) -> list[tuple[int, str]]:
    """(log owner, event) telling every party of message mid about an edit or recall."""
    out: list[tuple[int, str]] = []
    for party in sorted(parties):
        peer = to_addr if party == sender else (from_addr if not gid else "")
        fields: dict[str, Any] = dict(k="update", ts=now, mid=mid, op=op_name, peer=peer, gid=gid)
        if op_name == "edit":
            fields["message"] = text or ""
        out.append((party, event(**fields)))
    return out


def frame_items(rows: Iterable[tuple[int, str, int | None, int | None]], now: int,
                max_bytes: int) -> tuple[list[str], list[int]]:
    """Frame items for (seq, body, state, deadline) rows, and the seqs of messages that expired unseen.

    At most `max_bytes` of UTF-8 (plus a separator each), and always at least one item; rows past
    that are not consumed. An incoming message past its deadline and not yet delivered is replaced
    by a `skip` placeholder so the stream stays gap-free; the caller expires it.
    """
    items: list[str] = []
    overdue: list[int] = []
    total = 0
    for seq, body, state, deadline in rows:
        skip = state == EXPIRED or (state == PENDING and deadline is not None and deadline < now)
        item = '{"seq":%d,%s' % (seq, (SKIP if skip else body)[1:])
        total += byte_len(item) + 1
        if items and total > max_bytes:
            break
        if skip and state == PENDING:
            overdue.append(seq)
        items.append(item)
    return items, overdue


HISTORY_COLUMNS = ("m.mid, m.cid, m.sender, m.from_addr, m.to_addr, m.gid, m.ts, m.expiry, m.flag, m.type, "
                   "m.message, m.title, m.file, m.fwd, m.edited, m.recalled, m.callinfo, d.state")


CONVERSATIONS_SQL = (
    # the reader's messages: what reached its log (incoming messages carry their mid there) and its own
    # sends; the newest of each conversation (a peer, or a group as -gid) older than :before
    # (an incoming message that expired unseen is not shown: the one before it stands for its conversation)
    f"WITH mine(mid) AS (SELECT mid FROM events WHERE uid=:uid AND mid IS NOT NULL AND (state IS NULL OR state<>{EXPIRED}) "
    "UNION ALL SELECT mid FROM messages WHERE app_id=:app AND sender=:uid), "
    "tops(top) AS (SELECT MAX(m.mid) FROM mine JOIN messages m ON m.mid=mine.mid "
    "WHERE m.app_id=:app AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.uid=:uid AND h.mid=m.mid) "
    "GROUP BY CASE WHEN m.gid<>0 THEN -m.gid WHEN m.sender=:uid THEN m.to_uid ELSE m.sender END) "
    f"SELECT {HISTORY_COLUMNS} FROM tops JOIN messages m ON m.mid=tops.top "
    "LEFT JOIN events d ON d.mid=m.mid AND d.uid=CASE WHEN m.sender=:uid THEN m.to_uid ELSE :uid END "
    "WHERE tops.top<:before ORDER BY m.mid DESC LIMIT :limit")
"""The latest message of each of a reader's conversations, newest conversation first (named
parameters :uid :app :before :limit; the PostgreSQL store numbers them)."""


def history_page(rows: list[Any], uid: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """(entries, more) of up to `limit + 1` HISTORY_COLUMNS rows read for a page of `limit`."""
    return [m for m in (history_item(r, uid) for r in rows[:limit]) if m is not None], len(rows) > limit


def history_item(row: Any, uid: int) -> dict[str, Any] | None:
    """One history entry (HISTORY_COLUMNS) as uid sees it; None for a message that expired unseen."""
    (mid, cid, sender, from_addr, to_addr, mgid, ts, expiry, flag, type_, message, title, file, fwd,
     edited, recalled, callinfo, state) = row
    mine = sender == uid
    if not mine and state == EXPIRED:
        return None
    m: dict[str, Any] = {"k": "msg", "ts": ts, "mid": mid, "dir": "out" if mine else "in", "from": from_addr,
                         "peer": (to_addr if mine else (from_addr if not mgid else "")), "gid": mgid,
                         "message": message, "title": title, "flag": flag, "expiry": expiry, "type": type_}
    if mine:
        m["cid"] = cid
        m["status"] = int(STATUS_OUT.get(state, Status.SENT)) if state is not None else int(Status.SENT)
    else:
        m["status"] = int(Status.RECEIVEDREAD if state == READ else Status.RECEIVEDNEW)
    if callinfo:
        m["call"] = call = _unjson.decode(callinfo)
        m["status"] = int(Status.CALLOUTGOING if mine else
                          Status.CALLINCOMING if call["answered"] else Status.CALLMISSED)
    if file:
        m["file"] = _unjson.decode(file)
    if fwd:
        m["fwd"] = True
    if edited:
        m["edited"] = True
    if recalled:
        m["recalled"] = True
    return m


def glob_to_like(pattern: str) -> str:
    """A users() pattern (`*` is the wildcard, everything else literal) as a LIKE pattern with `\\` escape."""
    out = []
    for ch in pattern or "*":
        out.append("%" if ch == "*" else ("\\" + ch if ch in "%_\\" else ch))
    return "".join(out)
