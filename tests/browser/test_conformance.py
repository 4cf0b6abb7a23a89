"""Conformance with the mesibo JavaScript API (reference: mesibo-api.md), in headless Chromium.

The app page (tests/browser/conformance/app.js) is written as a mesibo developer writes one: a
listener object, getProfile(...).newMessage(), read sessions, the summary session, profile images,
dates. It is served from ANOTHER origin than the server and loads the SDK with
crossorigin="anonymous". Two users; then the same run with enableCrossTabSessions(true) and three
tabs of the first user, which must all give the same results. docs/mesibo-compat.md names these
tests per member.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from hubbub.client import Client

from .conftest import Harness, Tab, wait_for
from .pages import PageServer

HERE = Path(__file__).resolve().parent

# §11 of the reference: every MESIBO_* value (FORWARDED is Hubbub's 0x40, see mesibo-compat.md).
REFERENCE_CONSTANTS = {
    "MESIBO_STATUS_": dict(UNKNOWN=0, ONLINE=1, OFFLINE=2, SIGNOUT=3, AUTHFAIL=4, STOPPED=5, CONNECTING=6,
                           CONNECTFAILURE=7, NONETWORK=8, ONPREMISEERROR=9, SUSPEND=10, UPDATE=20, MANDUPDATE=21,
                           SHUTDOWN=22, ACTIVITY=-1),
    "MESIBO_MSGSTATUS_": dict(OUTBOX=0, SENT=1, DELIVERED=2, READ=3, RECEIVEDNEW=0x12, RECEIVEDREAD=0x13,
                              CALLMISSED=0x15, CALLINCOMING=0x16, CALLOUTGOING=0x17, CUSTOM=0x20, DELETED=0x21,
                              WIPED=0x22, E2E=0x23, DATETIME=0x24, HEADER=0x25, INVISIBLE=0x26, EMPTY=0x27,
                              TIMESTAMP=0x30, FAIL=0x80, USEROFFLINE=0x81, INBOXFULL=0x82, INVALIDDEST=0x83,
                              EXPIRED=0x84, BLOCKED=0x88, GROUPPAUSED=0x90, NOTMEMBER=0x91),
    "MESIBO_FLAG_": dict(DELIVERYRECEIPT=1, READRECEIPT=2, TRANSIENT=4, PRESENCE=8, DEFAULT=3, FORWARDED=0x40,
                         TLV=0x100, MODIFY=0x40000, BROADCAST=0x80000, LASTMESSAGE=0x800000, EORS=0x4000000),
    "MESIBO_ORIGIN_": dict(REALTIME=0, DBMESSAGE=1, DBSUMMARY=2, DBPENDING=3, FILTER=4, MESSAGESTATUS=5),
    "MESIBO_READFLAG_": dict(READRECEIPT=1, SENDLAST=2, FIFO=4, SUMMARY=0x10, SENDEOR=0x20, WITHFILES=0x80),
    "MESIBO_ACTIVITY_": dict(NONE=0, ONLINE=1, ONLINERESP=2, TYPING=3, TYPINGCLEARED=4, JOINED=10, LEFT=11),
    "MESIBO_PRESENCE_": dict(REQUEST=0, ONLINE=1, OFFLINE=2, TYPING=3, TYPINGCLEARED=4, JOINED=10, LEFT=11),
    "MESIBO_RETRACT_": dict(MODIFY=1, WIPE=2, DELETE=4, DELUNREAD=0x10, DELREAD=0x20, DELMEDIA=0x40,
                            DELTHREAD=0x80, DELALL=0x100, DELCONTACT=0x1000),
    "MESIBO_MEMBERFLAG_": dict(SEND=1, RECV=2, PUBL=4, SUBS=8, LIST=0x10, RECORD=0x20, ALL=0x1F, ADMIN=0x1000,
                               NOSELFDELETE=0x2000, SHAREDPIN=0x8000, DELETE=0x80000000),
    "MESIBO_ADMINFLAG_": dict(MODIFY=1, ADDUSER=0x10, REMUSER=0x20, ADDADMIN=0x40, REMADMIN=0x80, REMOWNER=0x100,
                              REMGROUP=0x200, CALLCONTROL=0x400, HANGUP=0x800, OWNER=0x1000, ADDPIN=0x2000,
                              REMOVEPIN=0x4000, LISTPIN=0x8000, ALL=0xEFFF),
    "MESIBO_OWNERFLAG_": dict(ALL=0xFFFF),
    "MESIBO_GROUPFLAG_": dict(SENDBYSELECTED=1, SENDBYANYONE=2, AUTOADDMEMBER=8, RECVBYSELECTED=0x10,
                              RECVROUNDROBIN=0x20, NOSTORAGE=0x40, RECVLOOPBACK=0x80, PUBBYSELECTED=0x100,
                              PUBBYANYONE=0x200, SUBBYSELECTED=0x1000, SUBBYANYONE=0x2000, LISTBYSELECTED=0x10000,
                              LISTBYANYONE=0x20000, NOSELFDELETE=0x40000, PAUSE=0x8000000),
    "MESIBO_GROUPERROR_": dict(NOTMEMBER=1, PERMISSION=2, BADPIN=3, ACCESSDENIED=4, NOTSHAREDPIN=5, GENERAL=10,
                               DELETED=11),
    "MESIBO_RESULT_": dict(OK=0, FAIL=0x80, GENERROR=0x81, NOSUCHERROR=0x83, INBOXFULL=0x84, BADREQ=0x85,
                           OVERCAPACITY=0x86, RETRYLATER=0x87, E2EERROR=0x8A, TIMEOUT=0xB0, CONNECTFAIL=0xB1,
                           DISCONNECTED=0xB2, REQINPROGRESS=0xB3, BUFFERFULL=0xB4, AUTHFAIL=0xC0, DENIED=0xC1),
}


@pytest.fixture
def pages(server: Any) -> Iterator[PageServer]:
    ps = PageServer(HERE / "conformance", server.url)
    try:
        yield ps
    finally:
        ps.close()


class App(Tab):
    """One tab of the conformance app."""

    def app(self, expr: str, arg: Any = None) -> Any:
        return self.js(expr, arg)

    def live(self, prefix: str = "") -> list[str]:
        return [t for t in self.js("() => app.live()") if t.startswith(prefix)]

    def describe(self, text: str, other: str = "") -> dict[str, Any]:
        return self.js("([t, o]) => app.describe(t, o)", [text, other])


def open_app(hub: Harness, pages: PageServer, ctx: Any, address: str, n: int, cross: bool) -> list[App]:
    url = f"{pages.origin}/app.html?token={hub.token(address)}&appid={hub.server.appid}&cross={int(cross)}"
    tabs = []
    for _ in range(n):
        page = ctx.new_page()
        page.goto(url)
        tabs.append(App(page))
    wait_for(lambda: all(t.js("() => !!window.app && app.online()") for t in tabs), 20, f"{address} online")
    return tabs


def _all(tabs: list[App], pred: Any, what: str, timeout: float = 10) -> None:
    for t in tabs:
        wait_for(lambda t=t: pred(t), timeout, what)


def run_conformance(hub: Harness, pages: PageServer, cross: bool) -> None:
    n = 3 if cross else 1
    alice = open_app(hub, pages, hub.context(), "alice", n, cross)
    (bob,) = open_app(hub, pages, hub.context(), "bob", 1, cross)
    a0 = alice[-1]   # in the cross-tab run the last tab is not the leader: it sends through another tab

    # §1 loading: another origin, crossorigin="anonymous"; the messenger's start order; the database callback
    for t in alice + [bob]:
        assert t.js("() => location.origin") == pages.origin != hub.server.url
        assert t.js("() => document.querySelector('script[crossorigin]').crossOrigin") == "anonymous"
        assert t.js("() => $scope.dbReady") is True
        statuses = t.js("() => $scope.statuses")
        assert statuses[-1] == 1, statuses
        if t.js("() => api.isConnectionOwner()"):   # CONNECTING then ONLINE; a tab that joins later gets ONLINE at once
            assert 6 in statuses[:statuses.index(1)], statuses
        assert t.errors == []
    if cross:
        assert hub.connections_of("alice") == 1 and sum(t.js("() => api.isConnectionOwner()") for t in alice) == 1
        assert not a0.js("() => api.isConnectionOwner()")
    sw = a0.js("() => app.sw()")
    assert sw == {"registered": True, "mesibo": "function", "readSession": "function", "init": True, "online": 1}

    # §11 every constant
    consts = a0.js("() => app.constants()")
    for prefix, values in REFERENCE_CONSTANTS.items():
        for name, value in values.items():
            assert consts.get(prefix + name) == value, prefix + name

    # §2, §3 own sends are echoed once in every tab, the sending one included, then statuses
    a0.js("() => app.send('bob', 'hello bob')")
    _all(alice, lambda t: t.live("hello bob") == ["hello bob"], "the own message in every tab of alice")
    wait_for(lambda: bob.live("hello bob") == ["hello bob"], 10, "bob got it")
    mine = a0.describe("hello bob", "carol")
    assert mine["count"] == 1 and mine["out"] and mine["messageIdIsMid"]
    assert mine["profile"] == "bob" and mine["profileSameObject"] and mine["groupProfile"] is None
    assert mine["mayBeRetracted"] and mine["isMessage"] and not mine["isDate"]
    assert mine["filetype"] is None and mine["fileObject"] == "object" and mine["loadImageFromCache"] == "function"
    assert mine["delivered"] is None or mine["delivered"]["valid"]
    theirs = bob.describe("hello bob", "carol")
    assert theirs["profile"] == "alice" and theirs["profileSameObject"] and not theirs["out"]
    assert theirs["destinedForPeer"] and not theirs["destinedForOther"]
    assert not theirs["mayBeRetracted"] and theirs["delivered"] is None and theirs["read"] is None
    assert theirs["dateRow"] == {"isDate": True, "isMessage": False, "status": 0x24, "sameDay": True}
    assert theirs["timestamp"]["today"] == "Today" and theirs["timestamp"]["days"] == 0 and theirs["timestamp"]["time"]
    assert theirs["date"] == theirs["timestamp"]
    assert not theirs["isReply"] and not theirs["isRich"] and theirs["isPlain"] and not theirs["hasImage"]
    assert theirs["fileName"] == "" and not theirs["hasThumbnail"]
    assert bob.js("() => $scope.zeroMid || 0") == 0 and a0.js("() => $scope.zeroMid || 0") == 0

    # §5 read sessions: newest first, the end signal, unread count, receipts; the same objects
    read = bob.js("() => app.readConversation('alice', 10, true)")
    assert read == {"count": 1, "texts": ["hello bob"], "ends": 1, "unread": 1, "db": True, "last": True,
                    "sameObjects": 1, "getMessages": ["hello bob"]}
    for t in alice:
        wait_for(lambda t=t: t.describe("hello bob")["status"] == 3, 10, "READ in every tab of alice")
        d = t.describe("hello bob")
        assert d["read"]["today"] == "Today" and d["delivered"]["valid"]
        assert t.js("() => $scope.statusEvents.filter(e => e.status === 3).every(e => e.known)")
    wait_for(lambda: bob.js("() => app.readConversation('alice', 10, false).unread") == 0, 5, "read by bob")

    # §3, files on a message as the protocol carries them
    a0.js("() => app.send('bob', 'a picture', 0, {url: 'https://files.example/pic.png', filetype: MESIBO_FILETYPE_IMAGE})")
    a0.js("""() => app.send('bob', 'a document', 0, {file: {url: 'https://files.example/report.pdf', type: MESIBO_FILETYPE_OTHER,
              name: 'report.pdf', size: 10, thumb: 'data:image/png;base64,iVBORw0KGgo='}, title: 'Q3'})""")
    wait_for(lambda: len(bob.live("a ")) == 2, 10, "file messages at bob")
    # bob acknowledges both together: one DELIVERED event (`mids`) stands for both, and each message
    # gets its own status and its own Mesibo_onMessageStatus, in every tab
    _all(alice, lambda t: [t.describe(x)["status"] >= 2 for x in ("a picture", "a document")] == [True, True],
         "DELIVERED for both files in every tab")
    for t in alice:
        got = t.js("""(xs) => xs.map(x => app.find(x)[0].mid).map(mid =>
                        $scope.statusEvents.filter(e => e.mid === mid && e.status === 2).length)""",
                   ["a picture", "a document"])
        assert got == [1, 1], got
    pic, doc = bob.describe("a picture"), bob.describe("a document")
    assert pic["hasImage"] and pic["isRich"] and pic["fileName"] == "pic.png" and pic["filetype"] == 1
    assert pic["fileUrl"] == "https://files.example/pic.png" and not pic["hasThumbnail"]
    assert doc["hasDocument"] and not doc["hasImage"] and doc["hasThumbnail"] and doc["fileName"] == "report.pdf"
    assert doc["thumbnail"].startswith("data:image/png")

    # §6 profiles: publish, image object, values, fallback name, subscribe
    assert bob.js("() => app.subscribe('alice')") is True
    assert a0.js("() => app.saveSelf('Alice A', 'here', 'https://files.example/alice.png', 'Paris')") is True
    assert a0.js("() => $scope.published") == [True]
    wait_for(lambda: bob.js("() => app.profile('alice').name") == "Alice A", 10, "the profile reaches bob")
    pa = bob.js("() => app.profile('alice')")
    assert pa["image"] == {"object": "object", "thumbnail": "https://files.example/alice.png",
                           "full": "https://files.example/alice.png", "next": None, "empty": False}
    assert pa["values"]["name"] == "Alice A" and pa["values"]["status"] == "here" and pa["same"]
    assert pa["online"] and pa["lastSeen"] is None
    own = a0.js("() => app.profile(api.getSelfProfile().getAddress())")
    assert own["self"] and own["values"]["city"] == "Paris"
    carol = a0.js("() => app.profile('carol')")
    assert carol["name"] == "+carol" and carol["image"]["object"] == "object" and carol["image"]["thumbnail"] == ""
    assert carol["image"]["empty"] and carol["lastSeenFalsy"]

    # §8 presence: joined -> isChatting; group typing -> isTypingInGroup
    assert a0.js("() => app.subscribe('bob')") is True
    bob.js("() => app.presence('alice', 'joined')")
    _all(alice, lambda t: t.js("() => app.profile('bob').chatting"), "isChatting in every tab")

    # §7 groups and members, group messages
    gid = a0.js("() => app.group('Team', ['bob'])")
    members = a0.js("(g) => app.members(g)", gid)
    assert {m["address"]: (m["owner"], m["admin"], m["same"]) for m in members} == {"alice": (True, True, True), "bob": (False, False, True)}
    wait_for(lambda: bob.js("(g) => app.members(g).then(ms => ms.length)", gid) == 2, 10, "bob is a member")
    bob.js("(g) => app.send('', 'hi team', g)", gid)
    _all(alice, lambda t: t.live("hi team") == ["hi team"], "the group message in every tab")
    # its DELIVERED reaches bob in a status the members acknowledged together share (`peers`)
    wait_for(lambda: bob.js("() => app.deliveredTo('hi team', 'alice')") is True, 10, "alice's delivery time at bob")
    assert bob.describe("hi team")["status"] == 2 and bob.js("() => app.deliveredTo('hi team', 'carol')") is False
    g = a0.describe("hi team")
    assert g["groupProfile"] == gid and g["groupProfileSameObject"] and g["profile"] == "bob" and g["profileSameObject"]
    assert g["isGroup"] and g["destinedForPeer"]
    bob.js("(g) => app.presence('', 'typing', g)", gid)
    _all(alice, lambda t: t.js("(g) => app.typingInGroup('bob', g)", gid), "isTypingInGroup in every tab")

    # the summary session: one entry per conversation, newest first, kept current by live messages
    bob.js("() => app.send('alice', 'latest to alice')")
    _all(alice, lambda t: (t.js("() => app.summary()") or [{}])[0].get("text") == "latest to alice", "the chat list is current")
    a0.js("() => app.send('bob', 'my own reply')")
    _all(alice, lambda t: t.js("() => app.summary()")[0]["text"] == "my own reply", "own sends keep the chat list current")
    summary = a0.js("() => app.summary()")
    assert [(s["text"], s["gid"] == gid) for s in summary] == [("my own reply", False), ("hi team", True)]
    assert summary[0]["profile"] == "bob" and summary[1]["profile"] == "bob"
    assert a0.js("() => app.summaryUnread()") >= 1

    # wipe and recall updates the object the peer holds
    assert a0.js("() => app.wipe('hello bob')") is True
    wait_for(lambda: bob.describe("hello bob")["deleted"], 10, "wiped at bob")
    assert bob.js("() => $scope.updates.some(u => u.deleted && u.known)")
    assert not bob.describe("hello bob")["isRich"]

    # sync with nothing older on the server; deleteMessages empties the conversation
    assert bob.js("() => app.sync('alice', 20)") == {"count": 0, "session": True}
    bob.js("() => app.deleteConversation('alice')")
    wait_for(lambda: bob.js("() => app.readConversation('alice', 10, false).count") == 0, 10, "conversation deleted")
    assert bob.js("() => app.readConversation('alice', 10, false).ends") == 1

    # every tab of alice shows the same
    texts = ["hello bob", "a picture", "a document", "hi team", "latest to alice", "my own reply"]
    _all(alice, lambda t: t.js("(x) => app.report(x).described['my own reply'].status", texts) >= 1, "settled")
    time.sleep(0.3)
    reports = [t.js("(x) => app.report(x)", texts) for t in alice]
    for r in reports[1:]:
        assert r == reports[0]
    assert reports[0]["zeroMid"] == 0
    assert all(v["count"] == 1 for v in reports[0]["described"].values())

    # getLastSeen: null while online, a date once bob has gone
    for t in alice:
        assert t.js("() => app.profile('bob').lastSeen") is None
    bob.page.context.close()
    _all(alice, lambda t: t.js("() => app.profile('bob').lastSeen"), "bob's last seen", 15)
    assert a0.js("() => app.profile('bob').lastSeen") == {"days": 0, "valid": True}
    for t in alice:
        assert t.errors == []


def test_conformance_two_users(hub: Harness, pages: PageServer) -> None:
    run_conformance(hub, pages, cross=False)


def test_conformance_cross_tab_three_tabs(hub: Harness, pages: PageServer) -> None:
    run_conformance(hub, pages, cross=True)


def test_fresh_browser_shows_history_through_read_session_and_sync(hub: Harness, pages: PageServer) -> None:
    """A user with 500 stored messages opens the app in a fresh browser profile (a new device): the
    read session shows the newest first, and sync() pages back to the oldest, each message once."""
    server = hub.server
    total = 500
    server.token("alice", device="phone")   # alice exists (and got them on her phone)
    bob_token = hub.token("bob")

    async def fill() -> None:
        async with Client(server.ws_url, bob_token, server.appid) as bob:
            for i in range(total):
                await bob.send("alice", f"m{i:03d}")
    server.call(fill())
    hub.tokens["alice"] = server.token("alice", device="new-browser")   # a new device: it starts at the head
    (alice,) = open_app(hub, pages, hub.context(), "alice", 1, False)
    assert alice.js("() => app.readConversation('bob', 10, false)")["count"] == 0, "a fresh store holds nothing"
    got = alice.js("() => app.history('bob', 40)")
    want = [f"m{i:03d}" for i in range(total - 1, -1, -1)]
    assert got["texts"] == want, "newest first, back to the oldest, each once"
    first = next(b for b in got["batches"] if b)
    assert first == want[:40], "the first page shown is the newest"
    assert got["syncs"] >= total // 50 + 1
    # the history is stored: a second tab of this browser reads it without the server
    assert alice.js("() => app.readConversation('bob', 1000, false)")["count"] == total
