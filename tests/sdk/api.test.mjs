// mesibo's shapes: dates, profile images, message members, read-session signals, the service worker
// entry points, and mesibo.d.ts kept true to the code (every constant and public method declared).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { FakeServer, FakeBrowser, until, sdk } from './fakes.mjs';

const DTS = readFileSync(new URL('../../src/hubbub/sdk/mesibo.d.ts', import.meta.url), 'utf8');
const BUILT = readFileSync(new URL('../../src/hubbub/sdk/mesibo.js', import.meta.url), 'utf8');

async function online(b, name) {
  const t = b.openTab(name);
  await until(() => t.rec.status.includes(MESIBO_STATUS_ONLINE), 2000, name + ' online');
  return t;
}

test('mesibo.d.ts declares every constant with its value and every public method', () => {
  for (const [k, v] of Object.entries(sdk.constants)) {
    const m = DTS.match(new RegExp('declare const ' + k + ': (-?(?:0x[0-9A-Fa-f]+|[0-9]+));'));
    assert.ok(m, k + ' is declared');
    assert.equal(Number(m[1]), v, k);
  }
  const classes = { Mesibo: sdk.Mesibo, MesiboMessage: sdk.MesiboMessage, MesiboProfile: sdk.MesiboProfile,
    MesiboReadSession: sdk.MesiboReadSession, MesiboPresence: sdk.MesiboPresence };
  for (const [name, cls] of Object.entries(classes)) {
    const block = DTS.slice(DTS.indexOf('declare class ' + name + ' {'));
    const body = block.slice(0, block.indexOf('\n}'));
    const own = Object.getOwnPropertyNames(cls.prototype).filter((k) => k !== 'constructor' && !k.startsWith('_'));
    for (const k of own) assert.match(body, new RegExp('\\n  (readonly )?' + k + '[(?:]'), name + '.' + k + ' is declared');
    for (const k of Object.getOwnPropertyNames(cls).filter((k) => !['length', 'name', 'prototype'].includes(k) && !k.startsWith('_'))) {
      assert.match(body, new RegExp('static ' + k + '\\('), name + '.' + k + ' (static) is declared');
    }
  }
});

test('MesiboDateTime: fields, texts, days elapsed; unknown stays null', () => {
  const now = new Date(2026, 10, 28, 15, 4, 5).getTime();
  const clock = () => now;
  const { MesiboDateTime } = sdk;
  const d = new MesiboDateTime(now - 60 * 1000, clock);
  assert.deepEqual([d.year, d.month, d.day, d.hour, d.min], [2026, 11, 28, 15, 3]);
  assert.equal(d.getDaysElapsed(), 0);
  assert.equal(d.getDate(true, 'Today', 'Yesterday'), 'Today');
  assert.equal(d.getDate(true), '11/28/2026');
  assert.equal(d.getDate(false), '28/11/2026');
  assert.equal(d.getTime(), '15:03');
  assert.equal(d.getTime(true), '15:03:05');
  assert.equal(d.getDateInNaturalLanguage(0), '1 minute ago');
  assert.ok(d.isToday() && !d.isYesterday() && d.isValid());
  assert.equal(+d, now - 60000);
  const y = new MesiboDateTime(new Date(2026, 10, 27, 23, 59).getTime(), clock);
  assert.equal(y.getDaysElapsed(), 1);
  assert.equal(y.getDate(true, 'Today', 'Yesterday'), 'Yesterday');
  assert.equal(y.getDateInNaturalLanguage(0), 'yesterday');
  assert.equal(new MesiboDateTime(new Date(2026, 10, 20).getTime(), clock).getDateInNaturalLanguage(0), '20/11/2026');
  assert.equal(y.getMonthName(), 'November');
  assert.equal(sdk.dateOrNull(0), null);
  assert.equal(sdk.dateOrNull(undefined), null);
});

test('message members: echo, dates, rows, files as the protocol carries them, receipts', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  const api = t.api;
  const bob = api.getProfile('bob');
  const m = bob.newMessage();
  assert.equal(m.filetype, null, 'no file: filetype null');
  assert.equal(typeof m.file, 'object');
  assert.equal(m.file.url, '');
  m.message = 'hi';
  m.send();
  assert.equal(t.rec.messages.length, 0, 'the echo comes after send() returns');
  await until(() => t.rec.messages.length === 1);
  assert.equal(t.rec.messages[0], m, 'the echo is the object the app sent');
  assert.ok(m.mid > 0 && m.isOutgoing() && m.isRealtimeMessage() && m.origin === MESIBO_ORIGIN_REALTIME);
  await until(() => m.status === MESIBO_MSGSTATUS_SENT);
  assert.equal(m.getMessageId(), m.mid);
  assert.equal(m.profile, bob);
  assert.equal(m.groupProfile, null);
  assert.ok(m.isMessage() && !m.isDate() && m.mayBeRetracted() && !m.isReply() && !m.isRichMessage());
  assert.ok(m.isDestinedFor(bob) && !m.isDestinedFor(api.getProfile('carol')) && !m.isDestinedFor(api.getProfile('', 5)));
  const row = m.cloneDate();
  assert.ok(row.isDate() && !row.isMessage() && row.status === MESIBO_MSGSTATUS_DATETIME && row.ts === m.ts);
  assert.equal(m.getTimestamp().ts, m.ts);
  let d = 'unset';
  m.getDeliveryTimestamp(null, (x) => { d = x; });
  assert.equal(d, null, 'not delivered yet: null');
  server.status({ mid: m.mid, cid: m.cid, peer: 'bob', gid: 0, status: 2, ts: 1234 });
  await until(() => m.status === 2);
  m.getDeliveryTimestamp(null, (x) => { d = x; });
  assert.equal(d.ts, 1234);
  m.getReadTimestamp(null, (x) => { d = x; });
  assert.equal(d, null);
  // files as carried: hasImage etc.
  server.incoming('pic', { file: { url: 'https://x/a%20b.png', type: 1, size: 5 } });
  server.incoming('doc', { file: { url: '/files/r', type: 10, name: 'r.pdf', thumb: 'data:image/jpeg;base64,QUJD' } });
  await until(() => t.rec.messages.length === 3);
  const [pic, doc] = t.rec.messages.slice(1);
  assert.ok(pic.hasImage() && !pic.hasVideo() && !pic.hasAudio() && !pic.hasDocument() && pic.isRichMessage());
  assert.equal(pic.getFileName(), 'a b.png');
  assert.equal(pic.filetype, 1);
  assert.ok(!pic.mayBeRetracted(), 'incoming');
  assert.ok(doc.hasDocument() && doc.hasThumbnail());
  assert.equal(doc.getThumbnail(), 'data:image/jpeg;base64,QUJD');
  assert.equal(doc.getFileName(), 'r.pdf');
  assert.equal(doc.profile, bob);
  // in place: a deletion updates the object the app holds
  server._append({ k: 'update', op: 'recall', mid: pic.mid, peer: 'bob', gid: 0 });
  await until(() => t.rec.updates.length === 1);
  assert.equal(t.rec.updates[0], pic);
  assert.ok(pic.isDeleted() && !pic.isRichMessage());
  t.close();
});

test('profiles: image object, values, reset, fallback name, unread count, chatting and group typing', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  const api = t.api;
  api.addListener({ Mesibo_onGetProfileName: (p) => (p.isGroup() ? null : '+' + p.getAddress()) });
  assert.equal(api.getProfile('erin').getName(), '+erin', 'the fallback name');
  const dave = api.getProfile('dave');
  assert.equal(dave.getImage().getThumbnail(), '');
  assert.ok(dave.getImage().isEmpty());
  assert.equal(dave.getImage().getNext(), null);
  dave.picture = 'https://x/d.png';
  assert.equal(dave.getImage().getImageOrThumbnail(), 'https://x/d.png');
  assert.equal(api.getProfile('', 9).getName(), '', 'groups: the fallback listener returns null');
  const me = api.getSelfProfile();
  me.setName('A'); me.setString('city', 'Paris'); me.setInt('age', 41.7); me.setBoolean('vip', true);
  assert.deepEqual(me.getValues(), { name: 'A', city: 'Paris', age: '41', vip: 'true' });
  assert.equal(me.getInt('age', 0), 41);
  assert.equal(me.getBoolean('vip'), true);
  assert.equal(me.getString('missing', 'def'), 'def');
  me.reset();
  assert.deepEqual(me.getValues(), {});
  const published = [];
  api.addListener({ MesiboProfile_onPublish: (p, ok) => published.push([p, ok]) });
  me.setName('B');
  await me.save();
  assert.deepEqual(published, [[me, true]]);
  assert.ok(server.requests.some((f) => f.t === 'profile' && f.name === 'B' && f.status === '' && f.picture === ''));
  server.incoming('u1'); server.incoming('u2');
  await until(() => t.rec.messages.length === 2);
  const bob = api.getProfile('bob');
  assert.equal(bob.getUnreadCount(), 2);
  let n = null; bob.getUnreadCount((c) => { n = c; });
  assert.equal(n, 2);
  server.active.push({ t: 'presence', from: 'bob', gid: 0, activity: MESIBO_ACTIVITY_JOINED, ts: 1 });
  server.active.push({ t: 'presence', from: 'bob', gid: 7, activity: MESIBO_ACTIVITY_TYPING, ts: 1 });
  await until(() => t.rec.presence.length === 2);
  assert.ok(bob.isChatting() && bob.isTypingInGroup(7) && !bob.isTypingInGroup(8) && !bob.isTyping());
  bob.sendLeft();
  await until(() => server.requests.some((f) => f.t === 'presence' && f.to === 'bob' && f.activity === MESIBO_ACTIVITY_LEFT));
  server.active.push({ t: 'presence', from: 'bob', gid: 0, activity: MESIBO_ACTIVITY_LEFT, ts: 2 });
  await until(() => t.rec.presence.length === 3);
  assert.ok(!bob.isChatting() && t.rec.presence[2].hasLeft() && !t.rec.presence[2].isRequest() && t.rec.presence[2].value === 0);
  assert.equal(t.rec.presence[1].groupProfile, api.getProfile('', 7));
  assert.equal(t.rec.presence[0].profile, bob);
  t.close();
});

test('read sessions: getMessages of the summary kept current, getUnreadCount, fifo, sync(n, fn)', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  server.incoming('b0'); server.incoming('c0', { from: 'carol', peer: 'carol' });
  await until(() => t.rec.messages.length === 2);
  const ss = MesiboReadSession.createReadSummarySession(null);
  assert.deepEqual(ss.getMessages().map((m) => m.message), ['c0', 'b0']);
  assert.equal(ss.getMessages()[0], t.rec.messages[1], 'the objects the app got');
  t.api.getProfile('bob').newMessage().message = 'unsent';
  const m = t.api.getProfile('bob').newMessage(); m.message = 'mine'; m.send();
  assert.deepEqual(ss.getMessages().map((x) => x.message), ['mine', 'c0'], 'own sends keep it current at once');
  await until(() => m.status === MESIBO_MSGSTATUS_SENT);
  assert.equal(ss.getMessages()[0], m, 'still the same object once the server has it');
  server.incoming('b1', { ts: Date.now() + 1000 });
  await until(() => ss.getMessages()[0].message === 'b1');
  let unread = null; ss.getUnreadCount((n) => { unread = n; });
  assert.equal(unread, 3);
  const got = [];
  const rs = t.api.getProfile('bob').createReadSession({ Mesibo_onMessage: (x) => got.push(x && x.message) });
  rs.enableFifo(true);
  assert.equal(rs.read(2), 2);
  assert.deepEqual(got, ['mine', 'b1'], 'fifo: the batch oldest first');
  server.history = [];
  const seen = await new Promise((resolve) => rs.sync(5, function (count) { resolve([this === rs, count]); }));
  assert.deepEqual(seen, [true, 0]);
  assert.equal(server.requests.filter((f) => f.t === 'history').at(-1).limit, 5);
  t.close();
});

test('a summary session on a new device fetches the chat list with sync(n), page by page', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  const row = (mid, peer, text, extra) => Object.assign({ k: 'msg', mid, dir: 'in', from: peer, peer, gid: 0, message: text, title: '', flag: 0, expiry: 0, type: 0, status: MESIBO_MSGSTATUS_RECEIVEDNEW, ts: 1000 + mid }, extra || {});
  server.conversations = [row(9, '', 'in the group', { gid: 7, from: 'bob' }), row(8, 'carol', 'carol says'),
    row(5, 'dave', 'to dave', { dir: 'out', from: 'me', cid: 'x', status: MESIBO_MSGSTATUS_READ })];
  const got = [];
  const ss = MesiboReadSession.createReadSummarySession({ Mesibo_onMessage: (m) => got.push(m && m.message) });
  assert.equal(ss.read(10), 0, 'nothing stored yet');
  const first = await new Promise((resolve) => ss.sync(2, function (count) { resolve(count); }));
  assert.equal(first, 2);
  assert.deepEqual(server.requests.filter((f) => f.t === 'conversations').map((f) => [f.limit, f.before]), [[2, undefined]]);
  const second = await new Promise((resolve) => ss.sync(2, function (count) { resolve(count); }));
  assert.equal(second, 1);
  assert.equal(server.requests.filter((f) => f.t === 'conversations').at(-1).before, 8, 'continues below the last row');
  const third = await new Promise((resolve) => ss.sync(2, function (count) { resolve(count); }));
  assert.equal(third, 0, 'the server said there are no more');
  assert.equal(server.requests.filter((f) => f.t === 'conversations').length, 2, 'and is not asked again');
  got.length = 0;
  assert.equal(ss.read(10), 3);
  assert.deepEqual(got.slice(0, 3), ['in the group', 'carol says', 'to dave']);
  assert.deepEqual(ss.getMessages().map((m) => [m.message, m.isOutgoing()]), [['in the group', false], ['carol says', false], ['to dave', true]]);
  t.close();
});

test('loads in a service worker (no window, no document); initServiceWorker installs handlers', () => {
  const handlers = {};
  const self = { addEventListener: (type, fn) => { handlers[type] = fn; }, skipWaiting: () => Promise.resolve(), clients: { claim: () => Promise.resolve('claimed') } };
  const ctx = vm.createContext({ self, console, URL, setTimeout, clearTimeout, Promise, TextEncoder });
  ctx.globalThis = ctx;
  vm.runInContext(BUILT, ctx);
  assert.equal(typeof ctx.Mesibo, 'function');
  assert.equal(ctx.MESIBO_MSGSTATUS_EMPTY, 0x27);
  assert.equal(ctx.Mesibo.initServiceWorker({}, self), true);
  assert.ok(handlers.install && handlers.activate);
  const waited = [];
  handlers.activate({ waitUntil: (p) => waited.push(p) });
  assert.equal(waited.length, 1);
  const logged = [];
  const log = console.log; console.log = (s) => logged.push(s);
  try { assert.equal(typeof ctx.Mesibo.printVersion('a', 'b'), 'string'); } finally { console.log = log; }
  assert.match(logged[0], /Hubbub .* a b$/);
  const api = new ctx.Mesibo();
  return api.startServiceWorker('sw.js').then((r) => assert.equal(r, null, 'no service worker support: resolves null, never throws'));
});

test('group callbacks: created, members joined and removed, left, errors', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  const seen = [];
  const names = ['Mesibo_onGroupCreated', 'Mesibo_onGroupJoined', 'Mesibo_onGroupLeft'];
  const l = {};
  names.forEach((n) => { l[n] = (p) => seen.push([n, p.getGroupId()]); });
  l.Mesibo_onGroupMembersJoined = (p, ms) => seen.push(['joined', ms.map((m) => m.getAddress())]);
  l.Mesibo_onGroupMembersRemoved = (p, ms) => seen.push(['removed', ms.map((m) => m.getAddress())]);
  l.Mesibo_onGroupError = (p, e) => seen.push(['error', e]);
  t.api.addListener(l);
  let created = null;
  await t.api.createGroup('G', 0, (p) => { created = p; });
  assert.deepEqual(seen, [['Mesibo_onGroupCreated', created.getGroupId()]], 'created: in the api that created it');
  seen.length = 0;
  server._append({ k: 'group', op: 'create', gid: 8, name: 'G' });
  server._append({ k: 'group', op: 'members', gid: 8, name: 'G', added: [{ address: 'carol', flags: 31, admin: false }], removed: ['bob'] });
  server._append({ k: 'group', op: 'delete', gid: 8 });
  server._append({ k: 'group', op: 'joined', gid: 9, name: 'H', flags: 31, admin: false });
  server._append({ k: 'group', op: 'removed', gid: 9 });
  await until(() => seen.length >= 7);
  assert.deepEqual(seen, [['Mesibo_onGroupJoined', 8], ['joined', ['carol']], ['removed', ['bob']],
    ['Mesibo_onGroupLeft', 8], ['error', MESIBO_GROUPERROR_DELETED], ['Mesibo_onGroupJoined', 9], ['Mesibo_onGroupLeft', 9]]);
  // a refused request: Mesibo_onGroupError(profile, PERMISSION)
  server.refuse = (f) => (f.t === 'group_delete' ? { ok: false, error: 'FORBIDDEN' } : null);
  await t.api.getProfile('', 9).deleteGroup();
  assert.deepEqual(seen.at(-1), ['error', MESIBO_GROUPERROR_PERMISSION]);
  t.close();
});

test('createhttpRequest: form-encoded POST, text to the callback, null on failure', async () => {
  const http = await import('node:http');
  const got = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { got.push([req.method, req.headers['content-type'], body]); res.end('{"result":true}'); });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const api = new sdk.Mesibo();
  const h = api.createhttpRequest();
  h.setUrl(`http://127.0.0.1:${srv.address().port}/login`);
  h.setPostData({ op: 'login', phone: '+1 555' }, true);
  const text = await new Promise((resolve) => assert.ok(h.send('cb', (cbdata, t) => resolve([cbdata, t]))));
  assert.deepEqual(text, ['cb', '{"result":true}']);
  assert.deepEqual(got, [['POST', 'application/x-www-form-urlencoded', 'op=login&phone=%2B1+555']]);
  srv.close();
  const bad = api.createhttpRequest();
  bad.setUrl('http://127.0.0.1:1/nothing');
  assert.deepEqual(await new Promise((resolve) => bad.send(1, (c, t) => resolve([c, t]))), [1, null]);
  assert.equal(api.createhttpRequest().send(0, () => {}), false, 'no URL');
});

test('profile hooks, legacy read sessions and sends, filters, predicates; app globals do not clash', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = await online(b, 't');
  const api = t.api;
  const customized = [];
  api.addListener({
    Mesibo_onGetProfileImage: (p) => (p.getAddress() === 'zed' ? 'https://x/default.png' : null),
    Mesibo_onCustomizeProfile: (p) => { customized.push(p.getAddress()); return true; },
  });
  const zed = api.getProfile('zed');
  assert.deepEqual(customized, ['zed']);
  assert.equal(zed.getImage().getThumbnail(), 'https://x/default.png', 'Mesibo_onGetProfileImage fills a missing picture');
  assert.ok(zed.getImage().isEmpty());
  assert.equal(api.getProfile('yan').getImage().getThumbnail(), '');
  const img = zed.getImage();
  assert.equal(img.getProfile(), zed);
  assert.equal(img.getIndex(), 0);
  assert.equal(img.getPrevious(), null);
  // legacy sends and predicates
  api.sendFile({ peer: 'bob' }, 77, { filetype: MESIBO_FILETYPE_VIDEO, fileurl: 'https://x/v.mp4', message: 'vid', size: 9 });
  await until(() => server.sendFrames.length === 1);
  assert.deepEqual(server.sendFrames[0].file, { url: 'https://x/v.mp4', type: 2, size: 9, name: '' });
  server.incoming('one', { ts: Date.now() + 10 });
  server.incoming('two words', { ts: Date.now() + 20, file: { url: 'https://x/s.mp3', type: 3 } });
  await until(() => t.rec.messages.length === 3);
  const [vid, one, two] = t.rec.messages;
  assert.ok(vid.hasVideo() && vid.isInOutbox() === (vid.status === 0) && vid.getStatus() === vid.status);
  await until(() => vid.isSent());
  assert.ok(one.isUnread() && !one.isReadByUs() && !one.isWiped() && !one.isCustom() && !one.isPresence());
  assert.ok(two.hasAudio() && !two.isPlainMessage() && one.isPlainMessage());
  assert.equal(one.getReadSession(), null);
  one.setInReplyTo(5);
  assert.ok(one.isReply() && one.getInReplyTo() === 5);
  // read-session filters and the legacy forms
  const texts = (rs) => { const out = []; rs._listener = { Mesibo_onMessage: (m) => { if (m) out.push(m.message); } }; rs.read(10); return out; };
  const q = api.getProfile('bob').createReadSession(null); q.setQuery('WORDS');
  assert.deepEqual(texts(q), ['two words']);
  const nf = api.getProfile('bob').createReadSession(null); nf.enableFiles(false);
  assert.deepEqual(texts(nf), ['one']);
  const nm = api.getProfile('bob').createReadSession(null); nm.enableMessages(false);
  assert.deepEqual(texts(nm), ['two words', 'vid']);
  const nc = api.getProfile('bob').createReadSession(null); nc.enableCalls(false); nc.enableMissedCalls(false); nc.enableIncomingCalls(false); nc.enableOutgoingCalls(false);
  assert.equal(texts(nc).length, 3, 'no call records among them');
  let counted = null;
  const legacy = api.readDbSession('bob', 0, null, function (count) { counted = [count, this.getMessages().length]; });
  legacy.read(2);
  assert.deepEqual(counted, [2, 2]);
  const legacySummary = api.readDbSession('', 0, null, null);
  legacySummary.enableSummary(true);
  assert.equal(legacySummary.read(5), 1);
  const rsRead = [];
  const dbrs = api.getProfile('bob').createReadSession({ Mesibo_onMessage: (m) => m && rsRead.push(m) });
  dbrs.read(1);
  assert.equal(rsRead[0].getReadSession(), dbrs);
  // a later classic script of the app may declare these names itself
  const ctx = vm.createContext({ console, URL, setTimeout, clearTimeout, Promise, TextEncoder });
  ctx.globalThis = ctx;
  vm.runInContext(BUILT, ctx);
  vm.runInContext('const MESIBO_FILETYPE_IMAGE = 1; const MesiboCall = 2; function MesiboLog() {} var ErrorLog = 3; const MESIBO_APP_ID = "x";', ctx);
  assert.equal(vm.runInContext('typeof Mesibo', ctx), 'function');
  t.close();
});
