// Message, status, read-session, profile and listener logic of the mesibo API layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeServer, FakeBrowser, until, texts, sleep, sdk } from './fakes.mjs';

const C = sdk.constants;

async function online(b, name, opts) {
  const t = b.openTab(name, opts);
  await until(() => t.rec.status.includes(1), 2000, name + ' online');
  return t;
}

test('globals: Mesibo, MesiboReadSession and the MESIBO_* values of the reference', () => {
  assert.equal(typeof globalThis.Mesibo, 'function');
  assert.equal(typeof globalThis.MesiboReadSession, 'function');
  assert.equal(typeof globalThis.Mesibo.getInstance, 'function');
  assert.equal(globalThis.Mesibo.getInstance(), globalThis.Mesibo.getInstance());
  const expect = {
    MESIBO_STATUS_ONLINE: 1, MESIBO_STATUS_SIGNOUT: 3, MESIBO_STATUS_AUTHFAIL: 4, MESIBO_STATUS_CONNECTING: 6,
    MESIBO_STATUS_SHUTDOWN: 22, MESIBO_MSGSTATUS_RECEIVEDNEW: 0x12, MESIBO_MSGSTATUS_WIPED: 0x22,
    MESIBO_MSGSTATUS_NOTMEMBER: 0x91, MESIBO_FLAG_DEFAULT: 3, MESIBO_FLAG_FORWARDED: 0x40,
    MESIBO_ACTIVITY_LEFT: 11, MESIBO_CALLSTATUS_COMPLETE: 0x40, MESIBO_CALLSTATUS_NETWORKERROR: 0x62,
    MESIBO_FILETYPE_OTHER: 10, MESIBO_MEMBERFLAG_ALL: 0x1f, MESIBO_MEMBERFLAG_ADMIN: 0x1000, MESIBO_RESULT_FAIL: 0x80,
  };
  for (const [k, v] of Object.entries(expect)) assert.equal(globalThis[k], v, k);
  assert.ok(Object.keys(C).length >= 90);
});

test('api.random() gives distinct, increasing, safe integers', () => {
  const api = new sdk.Mesibo();
  const ids = Array.from({ length: 1000 }, () => api.random());
  assert.equal(new Set(ids).size, 1000);
  assert.ok(ids.every((x, i) => Number.isSafeInteger(x) && (i === 0 || x > ids[i - 1])));
});

test('ids: cid is the app id; resend keeps the app id with a new cid', () => {
  assert.equal(sdk.appIdFromCid('12345'), 12345);
  assert.equal(sdk.appIdFromCid('12345.2'), 12345);
  assert.equal(sdk.appIdFromCid('k2j3h4'), null);
  const out = new sdk.MesiboMessage({}, { dir: 'out', mid: 9, cid: '77' });
  assert.equal(out.id, 77);
  const foreign = new sdk.MesiboMessage({}, { dir: 'out', mid: 9, cid: 'abc' });
  assert.equal(foreign.id, 9);
  const inc = new sdk.MesiboMessage({}, { dir: 'in', mid: 10 });
  assert.equal(inc.id, 10);
});

test('records: status, edit, delete and recall events', () => {
  const r = sdk.recordFromMsg({ k: 'msg', mid: 1, cid: '5', dir: 'out', from: 'alice', peer: 'bob', gid: 0, message: 'hi', flag: 3, ts: 10, seq: 1 });
  assert.equal(r.status, C.MESIBO_MSGSTATUS_SENT);
  assert.equal(r.conv, 'u:bob');
  const d = sdk.reduceRecord(r, { k: 'status', mid: 1, peer: 'bob', status: 2, ts: 20 });
  assert.equal(d.status, 2);
  assert.equal(d.receipts.bob.delivered, 20);
  const rd = sdk.reduceRecord(d, { k: 'status', mid: 1, peer: 'bob', status: 3, ts: 30 });
  assert.equal(rd.status, 3);
  assert.equal(sdk.reduceRecord(rd, { k: 'status', mid: 1, peer: 'bob', status: 2, ts: 40 }).status, 3, 'never goes back');
  assert.equal(sdk.reduceRecord(r, { k: 'update', mid: 1, op: 'edit', message: 'new' }).message, 'new');
  assert.ok(sdk.reduceRecord(r, { k: 'update', mid: 1, op: 'delete' }).deleted);
  const w = sdk.reduceRecord(r, { k: 'update', mid: 1, op: 'recall' });
  assert.equal(w.message, '');
  assert.equal(w.status, C.MESIBO_MSGSTATUS_WIPED);
  const inc = sdk.recordFromMsg({ k: 'msg', mid: 2, dir: 'in', from: 'bob', peer: 'bob', gid: 0, message: 'yo' });
  assert.equal(inc.status, C.MESIBO_MSGSTATUS_RECEIVEDNEW);
  assert.equal(sdk.reduceRecord(inc, { k: 'status', mid: 2, status: 0x13 }).status, 0x13);
  const g = sdk.recordFromMsg({ k: 'msg', mid: 3, dir: 'in', from: 'bob', peer: '', gid: 5 });
  assert.equal(g.conv, 'g:5');
  assert.equal(g.peer, 'bob');
});

test('records: a group status names its members in peers, each keeping its own times', () => {
  const g = sdk.recordFromMsg({ k: 'msg', mid: 2, cid: '6', dir: 'out', from: 'alice', peer: '', gid: 7, message: 'hi', ts: 10, seq: 2 });
  const d = sdk.reduceRecord(g, { k: 'status', mid: 2, cid: '6', peers: ['bob', 'carol'], gid: 7, status: 2, ts: 20 });
  assert.equal(d.status, 2);
  assert.deepEqual(Object.keys(d.receipts).sort(), ['bob', 'carol']);
  assert.equal(d.receipts.carol.delivered, 20);
  const later = sdk.reduceRecord(d, { k: 'status', mid: 2, cid: '6', peers: ['carol', 'dave'], gid: 7, status: 2, ts: 30 });
  assert.equal(later.receipts.carol.delivered, 20, 'the first delivery time stays');
  assert.equal(later.receipts.dave.delivered, 30);
  assert.equal(later.receipts.bob.read, undefined);
  const read = sdk.reduceRecord(later, { k: 'status', mid: 2, cid: '6', peer: 'bob', gid: 7, status: 3, ts: 40 });
  assert.equal(read.receipts.bob.read, 40);
});

test('incoming message: fields and predicates', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  server.incoming('hello', { title: 'T', file: { url: '/files/x', type: 1, size: 12, name: 'x.png' } });
  await until(() => t.rec.messages.length === 1);
  const m = t.rec.messages[0];
  assert.equal(m.id, 1000);
  assert.equal(m.mid, 1000);
  assert.equal(m.peer, 'bob');
  assert.equal(m.message, 'hello');
  assert.equal(m.title, 'T');
  assert.equal(m.status, C.MESIBO_MSGSTATUS_RECEIVEDNEW);
  assert.ok(m.isIncoming() && !m.isOutgoing() && m.isRealtimeMessage() && !m.isDbMessage() && !m.isGroupMessage());
  assert.equal(m.fileurl, '/files/x');
  assert.equal(m.filetype, 1);
  assert.equal(m.size, 12);
  assert.ok(m.getTimestamp() > 0);
  assert.equal(m.getProfile().getAddress(), 'bob');
  t.close();
});

test('sending: both styles, failures, and status callbacks with the app id', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  const api = t.api;
  const p = api.getProfile('bob');
  const m = p.newMessage();
  m.message = 'new style';
  m.title = 'hello';
  const id = m.send();
  assert.ok(id > 0);
  assert.equal(m.id, id);
  await until(() => t.rec.statuses.length === 1);
  assert.equal(t.rec.statuses[0].id, id);
  assert.equal(server.sendFrames[0].cid, String(id));
  assert.equal(server.sendFrames[0].title, 'hello');
  assert.equal(server.sendFrames[0].flag, C.MESIBO_FLAG_DEFAULT);
  // forward
  const fw = m.forward('carol');
  fw.send();
  await until(() => server.sendFrames.length === 2);
  assert.equal(server.sendFrames[1].to, 'carol');
  assert.ok(server.sendFrames[1].flag & C.MESIBO_FLAG_FORWARDED);
  // p.sendMessage and sendFile carry the file object
  p.sendMessage(api.random(), 'plain');
  p.sendFile(api.random(), { message: 'pic', fileurl: 'https://x/y.png', filetype: C.MESIBO_FILETYPE_IMAGE });
  await until(() => server.sendFrames.length === 4);
  assert.deepEqual(server.sendFrames[3].file, { url: 'https://x/y.png', type: 1 });
  // a failure status from the server
  server.cids.set('42', { ok: true, cid: '42', status: C.MESIBO_MSGSTATUS_USEROFFLINE });
  api.sendMessage({ peer: 'bob', expiry: 0 }, 42, 'offline');
  await until(() => t.rec.statuses.some((s) => s.id === 42));
  assert.equal(t.rec.statuses.find((s) => s.id === 42).status, C.MESIBO_MSGSTATUS_USEROFFLINE);
  assert.equal(server.sendFrames.at(-1).expiry, 0);
  // no peer: INVALIDDEST at once
  api.sendMessage({}, 43, 'nowhere');
  await until(() => t.rec.statuses.some((s) => s.id === 43));
  assert.equal(t.rec.statuses.find((s) => s.id === 43).status, C.MESIBO_MSGSTATUS_INVALIDDEST);
  t.close();
});

test('records: a status naming several messages in mids stands for one status each', () => {
  const ev = { k: 'status', seq: 9, mid: 4, cid: '40', peer: 'bob', gid: 0, status: 2, ts: 20, mids: [4, 5], cids: ['40', '41'] };
  const parts = sdk.eventParts(ev);
  assert.deepEqual(parts, [
    { k: 'status', seq: 9, mid: 4, cid: '40', peer: 'bob', gid: 0, status: 2, ts: 20 },
    { k: 'status', seq: 9, mid: 5, cid: '41', peer: 'bob', gid: 0, status: 2, ts: 20 }]);
  assert.deepEqual(sdk.eventParts({ k: 'status', mid: 4, cid: '40', peer: 'bob', status: 3 }).length, 1);
  assert.equal(sdk.eventParts({ k: 'msg', mid: 4, mids: [1, 2] }).length, 1, 'only a status is shared');
});

test('store: a shared status updates each message it names', async () => {
  const store = new sdk.MemoryStore();
  await store.open();
  const out = (mid, cid) => ({ k: 'msg', seq: mid, mid, cid, dir: 'out', from: 'alice', peer: 'bob', gid: 0, message: 'm', status: 1, ts: 1 });
  await store.applyEvents([out(1, '10'), out(2, '11'), out(3, '12')], null);
  await store.applyEvents([{ k: 'status', seq: 4, mid: 1, cid: '10', peer: 'bob', gid: 0, status: 2, ts: 9, mids: [1, 2], cids: ['10', '11'] }], null);
  const snap = await store.snapshot();
  const byMid = new Map(snap.messages.map((m) => [m.mid, m]));
  assert.equal(byMid.get(1).status, 2);
  assert.equal(byMid.get(2).status, 2);
  assert.equal(byMid.get(2).receipts.bob.delivered, 9);
  assert.equal(byMid.get(3).status, 1, 'a message it does not name keeps its status');
  assert.equal(snap.lastSeq, 4);
});

test('a shared DELIVERED status reaches each message: a callback each, in every tab, stored', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const a = await online(b, 'a');
  const c = await online(b, 'c');
  try {
    a.api.sendMessage({ peer: 'bob' }, 70, 'one');
    a.api.sendMessage({ peer: 'bob' }, 71, 'two');
    await until(() => server.sendFrames.length === 2);
    await until(() => c.rec.messages.length === 2);  // the other tab has both through the log
    const [m1, m2] = server.sendFrames.map((f) => server.cids.get(f.cid).mid);
    server.status({ mid: m1, cid: '70', peer: 'bob', gid: 0, status: C.MESIBO_MSGSTATUS_DELIVERED, ts: 5, mids: [m1, m2], cids: ['70', '71'] });
    const delivered = (t) => t.rec.statuses.filter((s) => s.status === C.MESIBO_MSGSTATUS_DELIVERED);
    await until(() => delivered(a).length === 2 && delivered(c).length === 2);
    assert.deepEqual(delivered(a).map((s) => s.id).sort(), [70, 71]);
    assert.deepEqual(delivered(c).map((s) => s.mid).sort(), [m1, m2].sort());
    for (const m of c.rec.messages) assert.equal(m.status, C.MESIBO_MSGSTATUS_DELIVERED);
  } finally {
    a.close();
    c.close();
  }
});

test('resend after a failure uses a fresh cid but reports the same id', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  let msg = null;
  t.api.addListener({ Mesibo_onMessageStatus: (m) => { msg = m; } });
  server.cids.set('50', { ok: true, cid: '50', status: C.MESIBO_MSGSTATUS_USEROFFLINE });
  t.api.sendMessage({ peer: 'bob' }, 50, 'x');
  await until(() => msg && msg.isFailed());
  msg.resend();
  await until(() => msg.status === C.MESIBO_MSGSTATUS_SENT);
  assert.equal(server.sendFrames.at(-1).cid, '50.1');
  assert.equal(msg.id, 50);
  t.close();
});

test('edit, delete and recall: requests and update callbacks in every tab', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const a = await online(b, 'a');
  const c = await online(b, 'c');
  server.incoming('orig');
  await until(() => c.rec.messages.length === 1 && a.rec.messages.length === 1);
  const m = c.rec.messages[0];
  await m.delete();
  assert.deepEqual(server.requests.at(-1), { t: 'delete', mid: m.mid, r: server.requests.at(-1).r });
  server._append({ k: 'update', mid: m.mid, op: 'edit', message: 'changed', peer: 'bob', gid: 0 });
  await until(() => a.rec.updates.length === 1 && c.rec.updates.length === 1);
  assert.ok(a.rec.updates[0].isModified());
  assert.equal(a.rec.updates[0].message, 'changed');
  server._append({ k: 'update', mid: m.mid, op: 'recall', peer: 'bob', gid: 0 });
  await until(() => c.rec.updates.length === 2);
  assert.ok(c.rec.updates[1].isDeleted());
  a.close(); c.close();
});

test('read sessions: read(n) from the store, summary, sync from history', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  for (let i = 0; i < 4; i++) server.incoming('b' + i);
  server.incoming('c0', { from: 'carol', peer: 'carol' });
  await until(() => t.rec.messages.length === 5);
  const got = [];
  const rs = t.api.getProfile('bob').createReadSession({ Mesibo_onMessage: (m) => got.push(m), Mesibo_onSync: (s, n) => got.push(s === rs ? 'sync:' + n : 'bad session') });
  assert.equal(rs.read(2), 2);
  assert.deepEqual(got.map((m) => m.message), ['b3', 'b2']);
  assert.ok(got[1].isLastMessage() && !got[0].isLastMessage());
  assert.equal(rs.read(5), 2);
  assert.equal(got.at(-1), null, 'end of stored messages: Mesibo_onMessage(null) after the short batch');
  assert.equal(got.filter((m) => m === null).length, 1);
  assert.equal(rs.read(5), 0);
  assert.equal(got.filter((m) => m === null).length, 2, 'again after an empty read');
  server.history = [
    { mid: 10, dir: 'in', from: 'bob', peer: 'bob', gid: 0, message: 'older1', ts: 1, status: 0x13 },
    { mid: 9, dir: 'out', cid: '900', from: 'alice', peer: 'bob', gid: 0, message: 'older0', ts: 0, status: 3 },
  ];
  rs.sync(10);
  await until(() => got.includes('sync:2'), 2000, 'onSync');
  assert.equal(server.requests.find((f) => f.t === 'history').before, 1000);
  const more = [];
  const rs2 = t.api.getProfile('bob').createReadSession({ Mesibo_onMessage: (m) => { if (m) more.push(m); } });
  assert.equal(rs2.read(10), 6);
  assert.equal(more[5].message, 'older0');
  assert.equal(more[5].id, 900);
  assert.ok(more[5].isReadByPeer());
  const sum = [];
  const ss = MesiboReadSession.createReadSummarySession({ Mesibo_onMessage: (m) => { if (m) sum.push(m.message); } });
  assert.equal(ss.read(10), 2);
  assert.deepEqual(sum, ['c0', 'b3']);
  assert.deepEqual(t.api.getSortedProfiles().map((p) => p.getAddress()), ['carol', 'bob']);
  let legacy = null;
  t.api.getProfile('carol').readDbSession({}, (list) => { legacy = list; });
  assert.equal(legacy.length, 1);
  t.close();
});

test('read receipts: only from an enabled session, only while visible; every unread message is marked read (the server tells the sender only when its flag asks)', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  server.incoming('r1');
  server.incoming('no receipt', { flag: C.MESIBO_FLAG_DELIVERYRECEIPT });
  await until(() => t.rec.messages.length === 2);
  const rs = t.api.getProfile('bob').createReadSession({ Mesibo_onMessage: () => {} });
  rs.read(10);
  await sleep(20);
  assert.equal(server.reads.length, 0, 'not enabled: no receipts');
  const rs2 = t.api.getProfile('bob').createReadSession({ Mesibo_onMessage: () => {} });
  rs2.enableReadReceipt(true);
  t.d.visible.v = false;
  rs2.read(10);
  await sleep(20);
  assert.equal(server.reads.length, 0, 'hidden tab: no receipts');
  t.d.visible.v = true;
  t.api._flushReads();
  await until(() => server.reads.length === 1);
  assert.deepEqual(server.reads[0].sort(), [1000, 1001]);
  // a realtime message in the open, receipt-enabled conversation is marked read too
  server.incoming('live');
  await until(() => server.reads.length === 2);
  assert.deepEqual(server.reads[1], [1002]);
  t.close();
});

test('legacy listener spelling (Mesibo_On...) is called when the listener has it', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const seen = [];
  const listener = {
    Mesibo_OnConnectionStatus: (s) => seen.push(['status', s]),
    Mesibo_OnMessage: (m, data) => seen.push(['msg', m.message, new TextDecoder().decode(data)]),
    Mesibo_OnMessageStatus: (m) => seen.push(['mstatus', m.status]),
  };
  const t = b.openTab('t', { listener });
  await until(() => seen.some((x) => x[0] === 'status' && x[1] === 1));
  server.incoming('héllo');
  t.api.sendMessage({ peer: 'bob' }, 7, 'x');
  await until(() => seen.some((x) => x[0] === 'msg') && seen.some((x) => x[0] === 'mstatus'));
  assert.deepEqual(seen.find((x) => x[0] === 'msg' && x[1] === 'héllo'), ['msg', 'héllo', 'héllo']);
  assert.deepEqual(seen.find((x) => x[0] === 'msg' && x[1] === 'x'), ['msg', 'x', 'x'], 'the own send is echoed');
  t.close();
});

test('profiles, presence, subscribe, block, groups', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  const api = t.api;
  assert.equal(api.getSelfProfile().getAddress(), 'alice');
  assert.ok(api.getSelfProfile().isSelfProfile());
  const bob = api.getProfile('bob');
  assert.equal(api.getProfile('bob'), bob, 'cached');
  await until(() => bob.getName() === 'BOB', 1000, 'profile fetched');
  assert.equal(+bob.getLastSeen(), 5, 'a MesiboDateTime (valueOf: ts)');
  assert.equal(bob.getLastSeen().ts, 5);
  await bob.subscribe(true);
  await bob.block(true);
  assert.ok(bob.isBlocked());
  assert.ok(server.requests.some((f) => f.t === 'subscribe' && f.address === 'bob' && f.on === true));
  const self = api.getSelfProfile();
  self.setName('Alice A');
  self.setStatus('here');
  await self.save();
  assert.ok(server.requests.some((f) => f.t === 'profile' && f.name === 'Alice A' && f.status === 'here'));
  bob.sendTyping();
  await until(() => server.requests.some((f) => f.t === 'presence' && f.activity === 3 && f.to === 'bob'));
  // incoming presence
  server.active.push({ t: 'presence', from: 'bob', gid: 0, activity: 3, ts: 1 });
  await until(() => t.rec.presence.length === 1);
  assert.ok(t.rec.presence[0].isTyping());
  assert.ok(bob.isTyping());
  server.active.push({ t: 'presence', from: 'bob', gid: 0, activity: 0, ts: 99 });
  await until(() => t.rec.presence.length === 2);
  assert.ok(t.rec.presence[1].isOffline());
  assert.equal(bob.getLastSeen().ts, 99);
  // profile event
  server._append({ k: 'profile', address: 'bob', name: 'Robert', status: 'away' });
  await until(() => bob.getName() === 'Robert');
  // groups
  let gp = null;
  await api.createGroup('Team', 0, (p) => { gp = p; });
  assert.equal(gp.getGroupId(), 5);
  assert.ok(gp.isGroup());
  await gp.getGroupProfile().addMembers(['bob', 'carol'], MESIBO_MEMBERFLAG_ALL, 0);
  assert.ok(server.requests.some((f) => f.t === 'group_members' && f.add.join() === 'bob,carol'));
  let members = null;
  await gp.getMembers(10, false, { Mesibo_onGroupMembers: (p, m) => { members = m; } });
  assert.deepEqual(members.map((m) => m.getAddress()), ['alice', 'bob']);
  assert.ok(members[0].isAdmin());
  // a group event carries the change, not the list: the SDK applies it to the list it fetched
  let announced = null;
  api.setListener({ Mesibo_onGroupMembers: (p, m) => { announced = m; } });
  server._append({ k: 'group', op: 'members', gid: 5, name: 'Team', flag: 0, count: 2,
    added: [{ address: 'carol', flags: 31, admin: false }], removed: ['bob'] });
  await until(() => announced !== null, 1000, 'members after the delta');
  assert.deepEqual(announced.map((m) => m.getAddress()), ['alice', 'carol']);
  assert.equal(announced[0].isAdmin(), true);
  t.close();
});

test('server url: ws/wss from http/https, /ws appended to a bare origin', () => {
  assert.equal(sdk.normalizeServer('https://chat.example.com'), 'wss://chat.example.com/ws');
  assert.equal(sdk.normalizeServer('http://127.0.0.1:8080/'), 'ws://127.0.0.1:8080/ws');
  assert.equal(sdk.normalizeServer('wss://h/custom'), 'wss://h/custom');
});

test('AUTHFAIL: wrong app name gets MESIBO_STATUS_AUTHFAIL and no reconnect', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = b.openTab('t', { appid: 'com.other' });
  await until(() => t.rec.status.includes(MESIBO_STATUS_AUTHFAIL), 2000);
  await sleep(100);
  assert.equal(server.connects, 1);
  t.close();
});

test('the first leader of a fresh store starts at the server resume point (no replay of old history)', async () => {
  const server = new FakeServer();
  for (let i = 0; i < 10; i++) server.incoming('old' + i);
  server.cursor = 10;  // acknowledged by this device earlier (store cleared since)
  const b = new FakeBrowser(server);
  const [a, c] = [await online(b, 'a'), await online(b, 'c')];
  server.incoming('fresh');
  await until(() => texts(a).length === 1 && texts(c).length === 1);
  assert.deepEqual(texts(c), ['fresh']);
  a.close(); c.close();
});

test('desktop notification: shown once (by the leader) while no tab is visible, not once per tab', async () => {
  const shown = [];
  globalThis.Notification = class { constructor(title, opts) { shown.push([title, opts.tag]); } };
  globalThis.Notification.permission = 'granted';
  try {
    const server = new FakeServer();
    const b = new FakeBrowser(server);
    const tabs = [await online(b, 'a'), await online(b, 'b'), await online(b, 'c')];
    tabs.forEach((t) => t.api.enableNotifications(true));
    server.incoming('while visible');
    await until(() => tabs.every((t) => t.rec.messages.length === 1));
    assert.equal(shown.length, 0, 'a visible tab shows it in the app');
    tabs.forEach((t) => { t.d.visible.v = false; t.api._session.visibilityChanged(); });
    await sleep(20);
    server.incoming('while hidden');
    await until(() => tabs.every((t) => t.rec.messages.length === 2));
    await sleep(20);
    assert.equal(shown.length, 1);
    assert.equal(shown[0][1], 'hubbub-1001');
    // presence reaches every tab, not only the leader
    server.active.push({ t: 'presence', from: 'bob', gid: 0, activity: 10, ts: 1 });
    await until(() => tabs.every((t) => t.rec.presence.length === 1 && t.rec.presence[0].hasJoined()));
    tabs.forEach((t) => t.close());
  } finally {
    delete globalThis.Notification;
  }
});
