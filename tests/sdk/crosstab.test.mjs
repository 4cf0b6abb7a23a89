// The cross-tab coordinator, with the channel, locks, socket and store injected (see fakes.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeServer, FakeBrowser, until, texts, sleep, sdk, timers, LockHub, ChannelHub } from './fakes.mjs';

const ONLINE = 1, SIGNOUT = 3, SENT = 1;

async function openOnline(b, names) {
  const tabs = names.map((n) => b.openTab(n));
  await until(() => tabs.every((t) => t.rec.status.includes(ONLINE)), 3000, 'all tabs online');
  return tabs;
}

/** Every realtime message text a tab saw, checking no doubles. */
function assertOnceInOrder(tab, expected) {
  assert.deepEqual(texts(tab), expected, 'tab ' + tab.name);
}

for (const n of [1, 5, 20]) {
  test(`one connection and one leader for ${n} tab(s)`, async () => {
    const server = new FakeServer();
    const b = new FakeBrowser(server);
    const tabs = await openOnline(b, Array.from({ length: n }, (_, i) => 't' + i));
    await sleep(30);
    assert.equal(server.openCount, 1);
    assert.equal(server.connects, 1);
    assert.equal(b.leaders().length, 1);
    const ids = new Set(tabs.map((t) => t.api.getTabId()));
    assert.equal(ids.size, n, 'tab ids are unique');
    tabs.forEach((t) => t.close());
  });
}

test('every tab gets every incoming message exactly once, in order', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const tabs = await openOnline(b, ['a', 'b', 'c', 'd']);
  const want = [];
  for (let i = 0; i < 200; i++) { server.incoming('m' + i); want.push('m' + i); if (i % 37 === 0) await sleep(1); }
  await until(() => tabs.every((t) => texts(t).length >= 200), 5000, '200 messages everywhere');
  await sleep(30);
  tabs.forEach((t) => assertOnceInOrder(t, want));
  await until(() => server.cursor === 200, 2000, 'acked');
  tabs.forEach((t) => t.close());
});

test('a message sent from any tab shows once in every tab and once at the peer; ids match', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const [a, f1, f2] = await openOnline(b, ['a', 'f1', 'f2']);
  const id = f1.api.random();
  f1.api.sendMessage({ peer: 'bob', flag: MESIBO_FLAG_DEFAULT }, id, 'from a follower');
  await until(() => f1.rec.statuses.length === 1, 2000, 'SENT in the sending tab');
  assert.deepEqual(f1.rec.statuses[0], { id, mid: 1000, status: SENT });
  await until(() => texts(a).length === 1 && texts(f2).length === 1, 2000, 'shown in the other tabs');
  for (const t of [a, f2]) {
    const m = t.rec.messages[0];
    assert.equal(m.id, id, 'same id in every tab');
    assert.ok(m.isOutgoing());
    assert.equal(m.peer, 'bob');
  }
  // As in mesibo, the sending tab gets it through Mesibo_onMessage too: once, outgoing, realtime, a
  // non-zero mid, before its first status callback; later statuses update that same object.
  assert.deepEqual(texts(f1), ['from a follower']);
  const echo = f1.rec.messages[0];
  assert.ok(echo.isOutgoing() && echo.isRealtimeMessage() && echo.mid && echo.id === id);
  assert.equal(echo.mid, 1000, 'the same object now carries the server mid');
  assert.equal(echo.profile, f1.api.getProfile('bob'), 'm.profile is the recipient, the same object as getProfile');
  assert.equal(server.peerInbox.length, 1);
  // Delivered and read statuses reach every tab with the app's id.
  server.status({ mid: 1000, cid: String(id), peer: 'bob', gid: 0, status: 2 });
  server.status({ mid: 1000, cid: String(id), peer: 'bob', gid: 0, status: 3 });
  await until(() => [a, f1, f2].every((t) => t.rec.statuses.filter((s) => s.status === 3).length === 1), 2000, 'READ everywhere');
  for (const t of [a, f1, f2]) assert.ok(t.rec.statuses.every((s) => s.id === id));
  assert.equal(echo.status, 3, 'the echoed object was updated in place');
  for (const t of [a, f1, f2]) assert.equal(texts(t).length, 1, 'once in every tab');
  [a, f1, f2].forEach((t) => t.close());
});

test('the outbox: a send from a tab while no leader exists goes out once when a leader appears', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const [a, f] = await openOnline(b, ['a', 'f']);
  a.crash();
  const id = f.api.random();
  f.api.sendMessage({ peer: 'bob' }, id, 'during handover');
  await until(() => f.rec.statuses.some((s) => s.status === SENT), 3000, 'sent after handover');
  await sleep(30);
  assert.equal(server.peerInbox.length, 1);
  assert.equal((await b.store.outboxAll()).length, 0, 'outbox drained');
  f.close();
});

test('after a reconnect a new send waits for the older unanswered ones: the server stores them in order', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const [a] = await openOnline(b, ['a']);
  // the welcome's handling reads the store before the outbox goes out: make that read slow
  const getLastSeq = b.store.getLastSeq.bind(b.store);
  b.store.getLastSeq = async () => { await sleep(40); return getLastSeq(); };
  server.dropAll(1006);  // the node died: sends made now wait in the outbox
  const connects = server.connects;
  for (let i = 0; i < 5; i++) a.api.sendMessage({ peer: 'bob' }, a.api.random(), 'old' + i);
  await until(() => server.connects > connects && server.active && server.active.authed, 3000, 'welcomed again');
  a.api.sendMessage({ peer: 'bob' }, a.api.random(), 'new');  // before the outbox went out
  try {
    await until(() => server.peerInbox.length === 6, 3000, 'all six stored');
    assert.deepEqual(server.peerInbox.map((m) => m.message), ['old0', 'old1', 'old2', 'old3', 'old4', 'new']);
  } finally {
    a.close();
  }
});

test('a silent socket (a hung node, a black-holed network) is pinged, then dropped: the leader reconnects', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server, { config: { pingInterval: 100, pingTimeout: 100 } });
  const [a, f] = await openOnline(b, ['a', 'f']);
  try {
    const sock = server.active;
    const before = server.sendFrames.length;
    await sleep(250);
    assert.ok(server.requests.some((r) => r.t === 'ping'), 'pinged when idle');
    assert.equal(server.connects, 1, 'answered pings keep the socket');
    sock.frozen = true;
    f.api.sendMessage({ peer: 'bob' }, f.api.random(), 'while hung');
    await until(() => server.connects === 2 && server.active && server.active !== sock, 3000, 'a new socket');
    await until(() => server.peerInbox.length === 1, 3000, 'the send went out on it');
    assert.equal(server.peerInbox[0].message, 'while hung');
    assert.ok(server.sendFrames.length > before);
    assert.equal(server.openCount, 1);
  } finally {
    a.close();
    f.close();
  }
});

test('reconnect() opens one new connection, not two (the old socket\'s close event is not a second loss)', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const [a] = await openOnline(b, ['a']);
  try {
    a.api._session.reconnect();
    await until(() => server.connects === 2 && server.openCount === 1, 3000, 'reconnected');
    await sleep(300);  // past the back-off of a second, mistaken connect
    assert.equal(server.connects, 2);
  } finally {
    a.close();
  }
});

async function streamWithDisruption(disrupt) {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const tabs = await openOnline(b, ['t0', 't1', 't2', 't3']);
  const N = 200;
  const want = [];
  const sentIds = new Map();
  for (let i = 0; i < N; i++) {
    server.incoming('in' + i);
    want.push('in' + i);
    const live = b.live();
    const from = live[i % live.length];
    const id = from.api.random();
    sentIds.set(id, from);
    from.api.sendMessage({ peer: 'bob' }, id, 'out' + i);
    if (i === 60 || i === 140) await disrupt(b, server);
    if (i % 10 === 0) await sleep(1);
  }
  const live = b.live();
  const ins = (t) => texts(t).filter((x) => x.startsWith('in'));
  // generous deadlines: they only bound a failure, and a loaded machine may be slow
  await until(() => server.peerInbox.length === N, 20000, 'all sends at the peer');
  await until(() => live.every((t) => ins(t).at(-1) === 'in' + (N - 1)), 20000, 'all incoming in every live tab');
  const survivorOuts = () => texts(live.find((t) => t.name === 't3')).filter((x) => x.startsWith('out')).length;
  // the other tabs' sends may follow the last incoming message in the log
  await until(() => survivorOuts() >= N, 20000, "the survivor shows every outgoing message");
  await sleep(50);
  // Nothing lost or doubled at the peer.
  const peerTexts = server.peerInbox.map((m) => m.message).sort();
  assert.equal(new Set(peerTexts).size, N);
  // Every live tab: each incoming once in order, and each outgoing once (shown by onMessage or as own send).
  for (const t of live) {
    // A tab opened (or reloaded) mid-stream sees a gap-free tail; the others see everything.
    const got = ins(t);
    assert.deepEqual(got, t.reloaded ? want.slice(N - got.length) : want, 'incoming in ' + t.name);
    const outs = texts(t).filter((x) => x.startsWith('out'));
    assert.equal(new Set(outs).size, outs.length, 'no doubles in ' + t.name);
  }
  // A tab that lived through the whole stream saw every outgoing message once through
  // Mesibo_onMessage: its own sends (echoed at send) and the other tabs' (from the log).
  const survivor = live.find((t) => t.name === 't3');
  assert.equal(texts(survivor).filter((x) => x.startsWith('out')).length, N);
  assert.equal(b.leaders().length, 1);
  assert.equal(server.openCount, 1);
  live.forEach((t) => t.close());
}

test('leader crash during a stream of 200 each way: nothing lost or doubled', async () => {
  await streamWithDisruption(async (b) => { b.leaders()[0].crash(); await sleep(2); });
});

test('leader graceful close during a stream: nothing lost or doubled', async () => {
  await streamWithDisruption(async (b) => { const l = b.leaders()[0]; if (l.name !== 't3') l.close(); await sleep(2); });
});

test('leader reload during a stream: the reloaded tab keeps its id and catches up', async () => {
  await streamWithDisruption(async (b) => {
    const l = b.leaders()[0];
    if (l.name === 't3') return;
    const id = l.api.getTabId();
    l.close();
    const again = b.openTab(l.name);
    await until(() => again.api._session && again.api._session.ready, 10000, 'reloaded');
    assert.equal(again.api.getTabId(), id, 'tab id kept across reload');
    again.reloaded = true;
  });
});

test('a late tab gets the connection status at once and reads the shared store', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const [a] = await openOnline(b, ['a']);
  for (let i = 0; i < 5; i++) server.incoming('old' + i);
  await until(() => texts(a).length === 5, 2000);
  const late = b.openTab('late');
  let dbReady = false;
  late.api.setDatabase('mesibo', () => { dbReady = true; });
  await until(() => late.rec.status.includes(ONLINE), 1000, 'status');
  await until(() => dbReady, 1000, 'db');
  assert.equal(texts(late).length, 0, 'old messages are not replayed as realtime');
  const got = [];
  const rs = late.api.getProfile('bob').createReadSession({ Mesibo_onMessage: (m) => got.push(m) });
  assert.equal(rs.read(3), 3);
  assert.deepEqual(got.map((m) => m.message), ['old4', 'old3', 'old2']);
  assert.ok(got.every((m) => m.isDbMessage() && !m.isRealtimeMessage()));
  assert.ok(got[2].isLastMessage());
  assert.equal(rs.read(10), 2);
  server.incoming('new');
  await until(() => texts(late).length === 1, 1000, 'new one live');
  a.close(); late.close();
});

test('a tab that misses broadcasts fills the gap from the store, in order', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const [a, f] = await openOnline(b, ['a', 'f']);
  let dropped = 0;
  b.channels.drop = (msg) => msg.type === 'ev' && msg.events.some((e) => e.seq % 3 === 0) && ++dropped > 0;
  for (let i = 0; i < 30; i++) server.incoming('g' + i);
  await until(() => texts(f).length === 30, 3000, 'gaps filled');
  assert.ok(dropped > 0);
  assert.deepEqual(texts(f), Array.from({ length: 30 }, (_, i) => 'g' + i));
  b.channels.drop = null;
  a.close(); f.close();
});

test('term fencing: leader messages of an older term are ignored; a leader seeing a newer term steps down', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const [a, f] = await openOnline(b, ['a', 'f']);
  const s = f.api._session;
  const term = s.knownTerm;
  const before = texts(f).length;
  s._onChannel({ type: 'ev', term: term - 1, from: 1, leader: true, events: [{ seq: 1, k: 'msg', mid: 1, dir: 'in', from: 'bob', message: 'stale' }] });
  await sleep(20);
  assert.equal(texts(f).length, before, 'stale leader ignored');
  const leader = a.api._session;
  assert.ok(leader.isLeader);
  leader._onChannel({ type: 'status', term: leader.term + 5, from: 99, leader: true, status: 1, info: {} });
  assert.equal(leader.isLeader, false, 'stepped down');
  a.close(); f.close();
});

test('the store fences a leader whose term is outdated', async () => {
  const store = new sdk.MemoryStore();
  const t1 = await store.bumpTerm();
  await store.bumpTerm();
  await assert.rejects(store.applyEvents([{ seq: 1, k: 'msg', mid: 1, dir: 'in' }], t1), (e) => e.code === 'FENCED');
  assert.equal(await store.getLastSeq(), 0);
});

test('without cross-tab sessions a second tab takes over and the first gets SIGNOUT without reconnecting', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const a = b.openTab('a', { crossTab: false });
  await until(() => a.rec.status.includes(ONLINE), 2000);
  const c = b.openTab('c', { crossTab: false });
  await until(() => c.rec.status.includes(ONLINE), 2000);
  await until(() => a.rec.status.at(-1) === SIGNOUT, 2000, 'signout');
  await sleep(150);
  assert.equal(a.rec.status.at(-1), SIGNOUT);
  assert.equal(server.connects, 2, 'no ping-pong');
  assert.equal(server.openCount, 1);
  // start() again takes the connection back
  a.api.start();
  await until(() => a.rec.status.at(-1) === ONLINE && c.rec.status.at(-1) === SIGNOUT, 2000, 'taken back');
  a.close(); c.close();
});

test('two users in one browser profile get separate sessions', async () => {
  const sa = new FakeServer({ token: 'tok-a', address: 'alice' });
  const sb = new FakeServer({ token: 'tok-b', address: 'bert' });
  const b = new FakeBrowser(sa);
  const scopes = [];
  const mk = (server) => {
    const api = new sdk.Mesibo();
    api._setDependencies((scope, db) => { scopes.push([scope, db]); return b.deps('x', b.storage('x' + scopes.length)).deps; });
    api.setAppName('com.example.web');
    api.setAccessToken(server.token);
    api.start();
    return api;
  };
  const a1 = mk(sa); const b1 = mk(sb);
  assert.notEqual(scopes[0][0], scopes[1][0]);
  assert.notEqual(scopes[0][1], scopes[1][1]);
  a1.stop(); b1.stop();
});

test('lease fallback (no Web Locks): one leader; a crashed leader is replaced after the lease expires', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server, { mode: 'lease' });
  const tabs = await openOnline(b, ['a', 'b', 'c']);
  await sleep(100);
  assert.equal(b.leaders().length, 1);
  assert.equal(server.openCount, 1);
  for (let i = 0; i < 20; i++) server.incoming('l' + i);
  await until(() => tabs.every((t) => texts(t).length === 20), 2000);
  b.leaders()[0].crash();
  for (let i = 20; i < 40; i++) server.incoming('l' + i);
  await until(() => b.leaders().length === 1 && server.openCount === 1, 3000, 'new leader');
  const live = b.live();
  await until(() => live.every((t) => texts(t).length === 40), 3000, 'caught up');
  for (const t of live) assert.deepEqual(texts(t), Array.from({ length: 40 }, (_, i) => 'l' + i));
  live.forEach((t) => t.close());
});

test('no BroadcastChannel: each tab keeps its own connection (auth carries the tab id)', async () => {
  const server = new FakeServer({ tabConnections: true });
  const b = new FakeBrowser(server, { mode: 'nochannel' });
  const tabs = await openOnline(b, ['a', 'b']);
  await sleep(50);
  assert.equal(server.openCount, 2);
  server.incoming('x');
  await until(() => tabs.every((t) => texts(t).length === 1), 2000);
  assert.equal(tabs[0].api.getSessionMode(), 'solo-fallback');
  // a tab says where it resumes: 'cursor' while it holds nothing, then the seq it applied
  const first = tabs[0].api._session.ws.sent.find((f) => f.t === 'auth');
  assert.equal(first.after, 'cursor');
  server.dropAll(1001);
  await until(() => server.openCount === 2 && tabs.every((t) => t.api._session.connected), 2000, 'reconnected');
  const again = tabs[0].api._session.ws.sent.find((f) => f.t === 'auth');
  assert.equal(again.after, 1);
  tabs.forEach((t) => t.close());
});

test('tab ids: kept across a reload, re-issued for a duplicated tab', async () => {
  const locks = new LockHub();
  const storage = new Map();
  const st = { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) };
  const one = new sdk.TabIdentity({ storage: st, locks: locks.manager('one'), timers });
  const id1 = await one.confirm();
  // duplicate: a copy of sessionStorage while the original is open
  const copy = new Map(storage);
  const st2 = { getItem: (k) => copy.get(k) ?? null, setItem: (k, v) => copy.set(k, v) };
  const dup = new sdk.TabIdentity({ storage: st2, locks: locks.manager('dup'), timers });
  assert.equal(dup.id, id1);
  const id2 = await dup.confirm();
  assert.notEqual(id2, id1);
  assert.equal(copy.get('hubbub.tabId'), String(id2));
  // reload of the original: same storage, its old page is gone
  locks.closeOwner('one');
  const again = new sdk.TabIdentity({ storage: st, locks: locks.manager('one-again'), timers });
  assert.equal(await again.confirm(), id1);
});

test('tab ids without Web Locks: a duplicate is detected over the channel', async () => {
  const hub = new ChannelHub();
  const storage = new Map();
  const st = { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) };
  const one = new sdk.TabIdentity({ storage: st, channel: hub.channel('hubbub-tabs'), timers });
  const id1 = await one.confirm();
  const copy = new Map(storage);
  const dup = new sdk.TabIdentity({ storage: { getItem: (k) => copy.get(k) ?? null, setItem: (k, v) => copy.set(k, v) }, channel: hub.channel('hubbub-tabs'), timers });
  assert.notEqual(await dup.confirm(), id1);
});

test('user objects: shared by every tab, announced to all, data-only', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const [a, c] = await openOnline(b, ['a', 'c']);
  const someObject = { name: 'Abc', city: 'Xyz' };
  await a.api.setUserObject('my_object', someObject);
  await until(() => c.rec.uobj.length === 1 && a.rec.uobj.length === 1, 1000, 'announced');
  assert.deepEqual(c.rec.uobj[0], ['my_object', someObject]);
  let got = null;
  await c.api.getUserObject('my_object', (obj) => { got = obj; });
  assert.deepEqual(got, someObject);
  assert.throws(() => a.api.setUserObject('bad', { x: 1, f() {} }), /data-only.*bad\.f is a function/);
  let none = 'unset';
  await c.api.getUserObject('nothing', (o) => { none = o; });
  assert.equal(none, null);
  a.close(); c.close();
});

test('acks are cumulative and resume uses the stored seq', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const [a] = await openOnline(b, ['a']);
  for (let i = 0; i < 250; i++) server.incoming('k' + i);
  await until(() => server.cursor === 250, 2000, 'acked');
  const acks = a.api._session.ws.sent.filter((f) => f.t === 'ack');
  assert.ok(acks.length < 250 / 2, 'batched acks: ' + acks.length);
  server.dropAll(1001);
  await until(() => server.connects === 2 && server.openCount === 1, 2000, 'reconnected');
  const auth = a.api._session.ws.sent.find((f) => f.t === 'auth');
  assert.equal(auth.after, 250);
  a.close();
});

test('enableCrossTabSessions after start() warns and changes nothing', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const [a] = await openOnline(b, ['a']);
  const warn = console.warn;
  const seen = [];
  console.warn = (m) => seen.push(String(m));
  try { a.api.enableCrossTabSessions(false); } finally { console.warn = warn; }
  assert.ok(seen.some((m) => /no effect after start/.test(m)));
  assert.equal(a.api.getSessionMode(), 'weblocks');
  a.close();
});

test('HUBBUB_CONFIG: a value that is not a number >= 0, or an unknown name, is ignored with a warning', () => {
  const warned = [];
  const warn = console.warn;
  console.warn = (m) => warned.push(m);
  try {
    const s = new sdk.TabSession({ config: { pingInterval: '5000', pingTimeout: -1, backoffMax: 3000, pingIntervall: 10 }, timers, store: new sdk.MemoryStore() });
    assert.equal(s.cfg.pingInterval, 20000, 'a string is not taken');
    assert.equal(s.cfg.pingTimeout, 10000, 'nor a negative number');
    assert.equal(s.cfg.backoffMax, 3000, 'a good value is');
    assert.equal(s.cfg.pingIntervall, undefined);
    assert.equal(warned.length, 3);
    assert.match(warned.join('\n'), /pingIntervall is not a setting/);
  } finally {
    console.warn = warn;
  }
});
