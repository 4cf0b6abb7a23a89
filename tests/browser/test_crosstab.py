"""Cross-tab sessions end to end: real server, headless Chromium, the example page.

Alice's tabs are pages of one browser context; bob (the peer) is another context.
"""

from __future__ import annotations

import time
from pathlib import Path


import pytest

from .conftest import NO_CHANNEL, NO_LOCKS, Harness, Tab, wait_for

pytestmark = pytest.mark.timeout(120)


def one_leader(tabs: list[Tab]) -> Tab:
    leaders = [t for t in tabs if t.leader()]
    assert len(leaders) == 1, f"{len(leaders)} leaders"
    return leaders[0]


def open_sockets(tabs: list[Tab]) -> int:
    return sum(t.sockets()["open"] for t in tabs)


@pytest.mark.parametrize("n", [1, 5, 20])
def test_one_websocket_for_n_tabs(hub: Harness, n: int) -> None:
    ctx = hub.context()
    tabs = hub.open(ctx, "alice", n)
    time.sleep(0.3)
    assert hub.connections_of("alice") == 1, "counted at the server"
    assert open_sockets(tabs) == 1, "counted in the browser"
    assert sum(t.sockets()["created"] for t in tabs) == 1
    one_leader(tabs)
    assert len({t.tab_id() for t in tabs}) == n, "tab ids are unique"


def test_incoming_once_in_order_and_sent_from_any_tab(hub: Harness) -> None:
    alice = hub.open(hub.context(), "alice", 3)
    (bob,) = hub.open(hub.context(), "bob", 1)
    want = [f"b{i}" for i in range(60)]
    bob.js("async (n) => { for (let i = 0; i < n; i++) { sendText('alice', 'b' + i); if (i % 10 == 9) await new Promise(r => setTimeout(r, 5)); } }", 60)
    for t in alice:
        wait_for(lambda t=t: len(t.shown("b")) >= 60, 15, "all of bob's messages")
    time.sleep(0.2)
    for t in alice:
        assert t.shown("b") == want
    # a message sent from each tab shows once in every tab and once at the peer
    ids = [t.send("bob", f"a-from-{i}") for i, t in enumerate(alice)]
    wait_for(lambda: len(bob.shown("a-from-")) == 3, 10, "bob got them")
    for t in alice:
        wait_for(lambda t=t: len(t.shown("a-from-")) == 3, 10, "every tab shows them")
    time.sleep(0.2)
    for t in alice:
        assert sorted(t.shown("a-from-")) == ["a-from-0", "a-from-1", "a-from-2"]
        # the same id in every tab: the sender's id
        seen = t.js("() => hubbubExample.shown.filter(s => s.text.startsWith('a-from-')).map(s => s.id)")
        assert sorted(seen) == sorted(ids)
    assert sorted(bob.shown("a-from-")) == ["a-from-0", "a-from-1", "a-from-2"]
    # status callbacks in the sending tab carry its id
    wait_for(lambda: alice[1].js("(id) => hubbubExample.statuses.some(s => s.id === id && s.status >= 1)", ids[1]), 5, "status")


STREAM = 200


def alice_head(tabs: list[Tab]) -> int:
    return max(t.js("() => mesibo._session.committedSeq") for t in tabs)


def _stream_with(hub: Harness, disrupt: str) -> None:
    ctx = hub.context(("window.HUBBUB_DEBUG = 1;",))
    alice = hub.open(ctx, "alice", 3)
    logs: list[tuple[int, str]] = []
    for k, t in enumerate(alice):
        t.page.on("console", lambda m, k=k: logs.append((k, m.text)))
    (bob,) = hub.open(hub.context(), "bob", 1)
    # bob streams 200 messages to alice from inside his page
    # started, not awaited: it runs while alice's tabs send and the leader goes away
    bob.js("""(n) => { window.__streamDone = false; (async () => {
        for (let i = 0; i < n; i++) { sendText('alice', 'in' + i); await new Promise(r => setTimeout(r, 10)); }
        window.__streamDone = true; })(); }""", STREAM)
    leader = one_leader(alice)
    others = [t for t in alice if t is not leader]
    survivor = others[-1]
    live = list(alice)
    replaced: list[Tab] = []
    for i in range(STREAM):
        sender = live[i % len(live)]
        sender.send("bob", f"out{i}")
        if i % 20 == 19:
            time.sleep(0.01)
        if i == STREAM // 2:
            time.sleep(0.05)  # let the leader's last sends reach its outbox
            if disrupt == "close":
                leader.page.close()
                live.remove(leader)
            elif disrupt == "crash":
                try:
                    leader.page.goto("chrome://crash", timeout=3000)
                except Exception:
                    pass
                live.remove(leader)
            elif disrupt == "reload":
                old_id = leader.tab_id()
                leader.page.reload()
                wait_for(lambda: leader.js("() => !!window.hubbubExample"), 10, "reloaded")
                assert leader.tab_id() == old_id, "tab id kept across a reload"
                replaced.append(leader)
    wait_for(lambda: bob.js("() => window.__streamDone"), 30, "bob's stream")
    try:
        wait_for(lambda: len(set(bob.shown("out"))) == STREAM, 30, "bob got all of alice's messages")
    except AssertionError:
        missing = sorted(set(f"out{i}" for i in range(STREAM)) - set(bob.shown("out")))
        outboxes = [t.js("async () => (await mesibo._session.store.outboxAll()).map(e => e.frame.message)") for t in live]
        in_alice_log = live[-1].js("(ms) => [...mesibo._mirror.values()].filter(r => ms.includes(r.message)).map(r => [r.message, r.mid, r.cid])", missing)
        trail = [f"tab{k}: {line}" for k, line in logs if any(m in line for m in missing)][-30:]
        raise AssertionError(f"bob is missing {missing}; alice's outbox: {outboxes}; in alice's own log: "
                             f"{in_alice_log}; SDK log: {trail}")
    for t in live:
        try:
            if t in replaced:  # may have come back after bob's stream ended: caught up with the store
                wait_for(lambda t=t: t.js("() => mesibo._session.applied") >= alice_head(live), 30, "caught up")
            else:
                wait_for(lambda t=t: (t.shown("in") or [""])[-1] == f"in{STREAM - 1}", 30, "alice's tabs got all of bob's")
        except AssertionError:
            state = [x.js("""() => { const s = mesibo._session; return {leader: s.isLeader, applied: s.applied,
                pending: s.pending.size, status: s.status, committed: s.committedSeq, term: s.term, known: s.knownTerm,
                conn: s.connected, last: hubbubExample.shown.filter(x => x.text.startsWith('in')).slice(-2).map(x => x.text)}; }""") for x in live]
            raise AssertionError(f"not all of bob's messages: {state}")
    # alice's own messages may sit in her log after bob's last one (her sends can outlast his
    # stream): wait until the tab that lived through it all has applied them too
    try:
        wait_for(lambda: len(set(survivor.shown("out"))) >= STREAM, 30, "the survivor shows all of alice's own")
    except AssertionError:
        st = survivor.js("() => { const s = mesibo._session; return {applied: s.applied, committed: s.committedSeq, "
                         "pending: [...s.pending.keys()], leader: s.isLeader}; }")
        missing = sorted(set(f"out{i}" for i in range(STREAM)) - set(survivor.shown("out")))
        raise AssertionError(f"survivor is missing {missing}; its session: {st}; head {alice_head(live)}")
    time.sleep(0.3)
    # at the peer: each of alice's messages exactly once
    got = bob.shown("out")
    assert len(got) == STREAM and len(set(got)) == STREAM
    want_in = [f"in{i}" for i in range(STREAM)]
    for t in live:
        ins = t.shown("in")
        if t in replaced:
            assert ins == want_in[STREAM - len(ins):], "a reloaded tab sees a gap-free tail"
        else:
            assert ins == want_in, "every incoming message once, in order"
        outs = t.shown("out")
        assert len(outs) == len(set(outs)), "no outgoing message doubled"
    # a tab that lived through it all shows all 200 of alice's own messages once
    assert sorted(survivor.shown("out")) == sorted(f"out{i}" for i in range(STREAM))
    assert hub.connections_of("alice") == 1
    one_leader(live)
    assert not any(t.errors for t in live), [t.errors for t in live]


@pytest.mark.parametrize("disrupt", ["close", "reload", "crash"])
def test_leader_change_during_stream_loses_and_doubles_nothing(hub: Harness, disrupt: str) -> None:
    _stream_with(hub, disrupt)


def test_tab_opened_mid_stream_catches_up(hub: Harness) -> None:
    ctx = hub.context()
    alice = hub.open(ctx, "alice", 2)
    (bob,) = hub.open(hub.context(), "bob", 1)
    # The stream holds after 30 messages until the late tab is open (however slow the machine), then goes on.
    bob.js("""() => { window.goOn = false; (async () => { for (let i = 0; i < 100; i++) {
        if (i === 30) while (!window.goOn) await new Promise(r => setTimeout(r, 20));
        sendText('alice', 'm' + i); await new Promise(r => setTimeout(r, 25)); } })(); }""")
    wait_for(lambda: len(alice[0].shown("m")) >= 20, 10, "a part of the stream")
    (late,) = hub.open(ctx, "alice", 1, wait=False)
    wait_for(late.online, 5, "the late tab knows the connection status")
    bob.js("() => { window.goOn = true; }")
    for t in alice + [late]:
        try:
            wait_for(lambda t=t: (t.shown("m") or [""])[-1] == "m99", 20, "stream end")
        except AssertionError:
            raise AssertionError(str([x.js("""() => { const s = mesibo._session; return {leader: s.isLeader,
                applied: s.applied, pending: s.pending.size, committed: s.committedSeq, tail: hubbubExample.shown.slice(-3)}; }""")
                for x in alice + [late]]) + " bob: " + str(bob.js("() => hubbubExample.statuses.length")))
    live = late.shown("m")
    assert 0 < len(live) < 100, "opened mid-stream"
    assert live == [f"m{i}" for i in range(100 - len(live), 100)], "a gap-free tail"
    stored = late.js("""() => { const got = [];
        const rs = mesibo.getProfile('bob').createReadSession({ Mesibo_onMessage: m => got.push(m.message) });
        rs.read(1000); return got; }""")
    assert sorted(set(stored) | set(live)) == sorted(f"m{i}" for i in range(100)), "store + live cover all"
    assert late.js("() => hubbubExample.connection[0]") == 1, "first status it reports is ONLINE"


def test_user_objects_and_tab_ids(hub: Harness) -> None:
    ctx = hub.context()
    a, b = hub.open(ctx, "alice", 2)
    # the seed's snippets ran in both pages
    assert a.js("() => hubbubExample.gotObject") == {"name": "Abc", "city": "Xyz"}
    a.js("() => mesibo.setUserObject('my_object', {name: 'Abc', city: 'Paris'})")
    wait_for(lambda: b.js("() => hubbubExample.userObjects.some(([n, o]) => n === 'my_object' && o.city === 'Paris')"), 5,
             "MesiboJS_onUserObject in the other tab")
    assert b.js("() => new Promise(r => mesibo.getUserObject('my_object', r))") == {"name": "Abc", "city": "Paris"}
    err = a.js("() => { try { mesibo.setUserObject('bad', {f: function () {}}); return ''; } catch (e) { return e.name + ': ' + e.message; } }")
    assert err.startswith("TypeError") and "function" in err
    # tab ids: unique, kept across a reload, re-issued for a duplicate (window.open copies sessionStorage)
    ida, idb = a.tab_id(), b.tab_id()
    assert ida != idb
    b.page.reload()
    wait_for(b.online, 10, "reloaded tab online")
    assert b.tab_id() == idb
    with ctx.expect_page() as info:
        a.js("() => { window.open(location.href); }")
    dup = Tab(info.value)
    wait_for(lambda: dup.js("() => !!window.hubbubExample") and dup.online(), 10, "duplicate online")
    assert dup.js("() => sessionStorage.getItem('hubbub.tabId')") is not None
    wait_for(lambda: dup.tab_id() not in (ida, idb), 5, "duplicate gets a new id")
    assert a.tab_id() == ida
    assert hub.connections_of("alice") == 1


SEED_SNIPPETS = """
mesibo.enableCrossTabSessions(true);
mesibo.start();
var someObject = {};
someObject.name = "Abc";
someObject.city = "Xyz";
mesibo.setUserObject('my_object', someObject);
mesibo.getUserObject('my_object', function(obj) {
someObject = obj;
});
var id = mesibo.getTabId();
"""


def test_seed_snippets_run_verbatim(hub: Harness) -> None:
    # /work/shared/reference from /work/main and from a worktree under /work/wt
    seeds = [p / "shared" / "reference" / "seed-cross-tab-sessions.txt" for p in Path(__file__).resolve().parents]
    seed = next((p for p in seeds if p.exists()), seeds[0])
    if seed.exists():
        text = seed.read_text()
        for line in SEED_SNIPPETS.strip().splitlines():
            assert line in text, f"snippet line not in the seed: {line}"
    ctx = hub.context()
    page = ctx.new_page()
    page.goto(f"{hub.server.url}/example")  # no token: the page only loads the SDK
    token = hub.token("alice")
    result = page.evaluate("""([token, appid, code]) => new Promise((resolve) => {
        var mesibo = new Mesibo();
        var seen = [];
        mesibo.setAppName(appid);
        mesibo.setAccessToken(token);
        mesibo.setListener({ MesiboJS_onUserObject: function (name, obj) { seen.push([name, obj]); } });
        eval(code);
        // wait for the state the asserts want (online, the callbacks run) with a generous deadline
        var t0 = Date.now();
        (function poll() {
            var done = mesibo.getConnectionStatus() === 1 && someObject.name === "Abc" && seen.length > 0;
            if (done || Date.now() - t0 > 20000) resolve({ someObject: someObject, id: id, seen: seen, status: mesibo.getConnectionStatus() });
            else setTimeout(poll, 50);
        })();
    })""", [token, hub.server.appid, SEED_SNIPPETS])
    assert result["someObject"] == {"name": "Abc", "city": "Xyz"}
    assert isinstance(result["id"], int) and result["id"] > 0
    assert ["my_object", {"name": "Abc", "city": "Xyz"}] in result["seen"]
    assert result["status"] == 1


def test_enable_after_start_warns(hub: Harness) -> None:
    ctx = hub.context()
    (a,) = hub.open(ctx, "alice", 1)
    msgs: list[str] = []
    a.page.on("console", lambda m: msgs.append(m.text))
    a.js("() => mesibo.enableCrossTabSessions(false)")
    wait_for(lambda: any("no effect after start" in m for m in msgs), 3, "console warning")


def test_without_cross_tab_second_tab_takes_over(hub: Harness) -> None:
    ctx = hub.context()
    (a,) = hub.open(ctx, "alice", 1, cross="0")
    (b,) = hub.open(ctx, "alice", 1, cross="0")
    wait_for(lambda: a.js("() => hubbubExample.connection.at(-1)") == 3, 5, "first tab gets SIGNOUT")
    time.sleep(1.0)
    assert a.js("() => hubbubExample.connection.at(-1)") == 3, "no reconnect (no ping-pong)"
    assert b.online()
    assert hub.connections_of("alice") == 1


def test_two_users_one_profile_separate_sessions(hub: Harness) -> None:
    ctx = hub.context()
    alice = hub.open(ctx, "alice", 2)
    carol = hub.open(ctx, "carol", 2)
    assert hub.connections_of("alice") == 1 and hub.connections_of("carol") == 1
    one_leader(alice)
    one_leader(carol)


def test_fallback_without_web_locks(hub: Harness) -> None:
    ctx = hub.context((NO_LOCKS,))
    tabs = hub.open(ctx, "alice", 3)
    assert tabs[0].js("() => navigator.locks === undefined")
    assert tabs[0].js("() => mesibo.getSessionMode()") == "lease"
    time.sleep(0.5)
    assert hub.connections_of("alice") == 1
    leader = one_leader(tabs)
    (bob,) = hub.open(hub.context(), "bob", 1)
    for i in range(10):
        bob.send("alice", f"f{i}")
    for t in tabs:
        wait_for(lambda t=t: len(t.shown("f")) == 10, 10, "messages in every tab")
    leader.page.close()
    rest = [t for t in tabs if t is not leader]
    wait_for(lambda: sum(1 for t in rest if t.leader()) == 1, 10, "a new leader by lease")
    for i in range(10, 20):
        bob.send("alice", f"f{i}")
    for t in rest:
        wait_for(lambda t=t: len(t.shown("f")) == 20, 10, "messages after the handover")
        assert t.shown("f") == [f"f{i}" for i in range(20)]
    wait_for(lambda: hub.connections_of("alice") == 1, 5, "one connection")


def test_fallback_without_broadcast_channel(hub: Harness) -> None:
    """Without BroadcastChannel (and Web Locks) every tab keeps its own connection."""
    ctx = hub.context((NO_LOCKS, NO_CHANNEL))
    tabs = hub.open(ctx, "alice", 2, wait=False)
    wait_for(lambda: all(t.js("() => !!window.mesibo") for t in tabs), 5, "pages loaded")
    assert tabs[0].js("() => mesibo.getSessionMode()") == "solo-fallback"
    assert all(t.sockets()["created"] == 1 for t in tabs)
    wait_for(lambda: any(t.online() for t in tabs), 10, "a tab online")
    time.sleep(0.5)
    states = [t.js("() => hubbubExample.connection.at(-1)") for t in tabs]
    assert hub.connections_of("alice") == 2, f"one connection per tab (auth.tab); statuses {states}"
    assert all(s == 1 for s in states)
    (bob,) = hub.open(hub.context(), "bob", 1)
    bob.send("alice", "solo")
    for t in tabs:
        wait_for(lambda t=t: t.shown("solo") == ["solo"], 10, "each tab gets it on its own connection")


def test_read_receipts_only_from_a_visible_tab(hub: Harness) -> None:
    hidden, shown = hub.open(hub.context(), "alice", 2)
    (bob,) = hub.open(hub.context(), "bob", 1)
    mid = bob.send("alice", "please read")
    for t in (hidden, shown):
        wait_for(lambda t=t: t.shown("please") == ["please read"], 10, "delivered to both tabs")
    read = """() => { const rs = mesibo.getProfile('bob').createReadSession({ Mesibo_onMessage: () => {} });
        rs.enableReadReceipt(true); return rs.read(10); }"""
    hidden.js("() => Object.defineProperty(document, 'visibilityState', { get: () => 'hidden', configurable: true })")
    assert hidden.js(read) >= 1
    time.sleep(0.7)
    assert not bob.js("(id) => hubbubExample.statuses.some(s => s.id === id && s.status === 3)", mid), "no receipt from a hidden tab"
    assert shown.js(read) >= 1
    wait_for(lambda: bob.js("(id) => hubbubExample.statuses.some(s => s.id === id && s.status === 3)", mid), 10,
             "READ from the visible tab")
