// The mesibo surface by name: every constant (with its value), class member, message property and
// listener name of the mesibo JavaScript API that docs/mesibo-compat.md lists, checked against the
// built script, so a member that goes missing (or a value that changes) fails here. Behaviour is
// tested elsewhere (api, messages, crosstab, calls, files tests and the browser conformance test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { FakeServer, FakeBrowser, until, sdk } from './fakes.mjs';

const BUILT = readFileSync(new URL('../../src/hubbub/sdk/mesibo.js', import.meta.url), 'utf8');
const DTS = readFileSync(new URL('../../src/hubbub/sdk/mesibo.d.ts', import.meta.url), 'utf8');

/** Constant groups as mesibo numbers them: prefix -> { NAME: value }. */
const CONSTANTS = {
  MESIBO_STATUS_: { UNKNOWN: 0, ONLINE: 1, OFFLINE: 2, SIGNOUT: 3, AUTHFAIL: 4, STOPPED: 5, CONNECTING: 6,
    CONNECTFAILURE: 7, NONETWORK: 8, ONPREMISEERROR: 9, SUSPEND: 10, UPDATE: 20, MANDUPDATE: 21, SHUTDOWN: 22,
    ACTIVITY: -1 },
  MESIBO_MSGSTATUS_: { OUTBOX: 0, SENT: 1, DELIVERED: 2, READ: 3, RECEIVEDNEW: 0x12, RECEIVEDREAD: 0x13,
    CALLMISSED: 0x15, CALLINCOMING: 0x16, CALLOUTGOING: 0x17, CUSTOM: 0x20, DELETED: 0x21, WIPED: 0x22,
    E2E: 0x23, DATETIME: 0x24, HEADER: 0x25, INVISIBLE: 0x26, EMPTY: 0x27, TIMESTAMP: 0x30, FAIL: 0x80,
    USEROFFLINE: 0x81, INBOXFULL: 0x82, INVALIDDEST: 0x83, EXPIRED: 0x84, BLOCKED: 0x88, GROUPPAUSED: 0x90,
    NOTMEMBER: 0x91 },
  // FORWARDED is 0x40, not Flutter's 0x80, and BROADCAST is Flutter's 0x80000 (iOS 2021 says 0x20):
  // deliberate, see docs/mesibo-compat.md §11.
  MESIBO_FLAG_: { DELIVERYRECEIPT: 0x1, READRECEIPT: 0x2, TRANSIENT: 0x4, PRESENCE: 0x8, DEFAULT: 0x3,
    FORWARDED: 0x40, TLV: 0x100, MODIFY: 0x40000, BROADCAST: 0x80000, LASTMESSAGE: 0x800000, EORS: 0x4000000 },
  MESIBO_ORIGIN_: { REALTIME: 0, DBMESSAGE: 1, DBSUMMARY: 2, DBPENDING: 3, FILTER: 4, MESSAGESTATUS: 5 },
  MESIBO_READFLAG_: { READRECEIPT: 1, SENDLAST: 2, FIFO: 4, SUMMARY: 0x10, SENDEOR: 0x20, WITHFILES: 0x80 },
  MESIBO_ACTIVITY_: { NONE: 0, ONLINE: 1, ONLINERESP: 2, TYPING: 3, TYPINGCLEARED: 4, JOINED: 10, LEFT: 11 },
  MESIBO_PRESENCE_: { REQUEST: 0, ONLINE: 1, OFFLINE: 2, TYPING: 3, TYPINGCLEARED: 4, JOINED: 10, LEFT: 11 },
  MESIBO_RETRACT_: { MODIFY: 1, WIPE: 2, DELETE: 4, DELUNREAD: 0x10, DELREAD: 0x20, DELMEDIA: 0x40,
    DELTHREAD: 0x80, DELALL: 0x100, DELCONTACT: 0x1000 },
  MESIBO_MEMBERFLAG_: { SEND: 1, RECV: 2, PUBL: 4, SUBS: 8, LIST: 0x10, RECORD: 0x20, ALL: 0x1F, ADMIN: 0x1000,
    NOSELFDELETE: 0x2000, SHAREDPIN: 0x8000, DELETE: 0x80000000 },
  MESIBO_ADMINFLAG_: { MODIFY: 1, ADDUSER: 0x10, REMUSER: 0x20, ADDADMIN: 0x40, REMADMIN: 0x80, REMOWNER: 0x100,
    REMGROUP: 0x200, CALLCONTROL: 0x400, HANGUP: 0x800, OWNER: 0x1000, ADDPIN: 0x2000, REMOVEPIN: 0x4000,
    LISTPIN: 0x8000, ALL: 0xEFFF },
  MESIBO_OWNERFLAG_: { ALL: 0xFFFF },
  MESIBO_GROUPFLAG_: { SENDBYSELECTED: 1, SENDBYANYONE: 2, AUTOADDMEMBER: 8, RECVBYSELECTED: 0x10,
    RECVROUNDROBIN: 0x20, NOSTORAGE: 0x40, RECVLOOPBACK: 0x80, PUBBYSELECTED: 0x100, PUBBYANYONE: 0x200,
    SUBBYSELECTED: 0x1000, SUBBYANYONE: 0x2000, LISTBYSELECTED: 0x10000, LISTBYANYONE: 0x20000,
    NOSELFDELETE: 0x40000, PAUSE: 0x8000000 },
  MESIBO_GROUPERROR_: { NOTMEMBER: 1, PERMISSION: 2, BADPIN: 3, ACCESSDENIED: 4, NOTSHAREDPIN: 5, GENERAL: 10,
    DELETED: 11 },
  MESIBO_RESULT_: { OK: 0, FAIL: 0x80, GENERROR: 0x81, NOSUCHERROR: 0x83, INBOXFULL: 0x84, BADREQ: 0x85,
    OVERCAPACITY: 0x86, RETRYLATER: 0x87, E2EERROR: 0x8A, TIMEOUT: 0xB0, CONNECTFAIL: 0xB1, DISCONNECTED: 0xB2,
    REQINPROGRESS: 0xB3, BUFFERFULL: 0xB4, AUTHFAIL: 0xC0, DENIED: 0xC1 },
  // files (mesibo-files.md §8); LOCATION: the 2019-2021 value (the JS value is not established)
  MESIBO_FILETYPE_: { AUTO: 0, IMAGE: 1, VIDEO: 2, AUDIO: 3, LOCATION: 4, PROFILEIMAGE: 5, PROFILETHUMBNAIL: 6,
    OTHER: 10, MASK: 0xFF },
  MESIBO_FILESOURCE_: { MESSAGE: 0, PROFILE: 1, GROUPPROFILE: 2, PROFILETN: 2, THUMBNAIL: 3, UNKNOWN: 99,
    CUSTOM: 100 },
  MESIBO_FILESTATUS_: { IDLE: 0, INPROGRESS: 1, RETRYLATER: 2, FAILED: 3 },
  MESIBO_FILEMODE_: { DOWNLOAD: 0, UPLOAD: 1 },
  MESIBO_FILEACTION_: { START: 0, STOP: 1 },
  // calls (mesibo-calls.md §4); the conference constants (MESIBOCALL_*, MESIBO_GROUPCALLFLAG_*,
  // MESIBO_RESOLUTION_*) belong to groupCall, which Hubbub does not provide (docs/mesibo-compat.md)
  MESIBO_CALLSTATUS_: { NONE: 0, INCOMING: 1, INPROGRESS: 2, RINGING: 3, ANSWER: 5, UPDATE: 6, DTMF: 7, SDP: 8,
    MUTE: 9, UNMUTE: 0xA, HOLD: 0xB, UNHOLD: 0xC, DUREXCEED: 19, SRCRINGING: 20, SRCANSWERED: 21, USERINPUT: 22,
    PING: 0x21, INFO: 0x23, ECHO: 0x24, REDIRECT: 0x25, CONNECTED: 0x30, CHANNELUP: 0x30, QUALITY: 0x31,
    RECONNECTING: 0x32, COMPLETE: 0x40, CANCEL: 0x41, NOANSWER: 0x42, BUSY: 0x43, UNREACHABLE: 0x44,
    OFFLINE: 0x45, INVALIDDEST: 0x46, INVALIDSTATE: 0x47, NOCALLS: 0x48, NOVIDEOCALLS: 0x49, NOTALLOWED: 0x4A,
    BLOCKED: 0x4B, DURATIONEXCEEDED: 0x4C, AUTHFAIL: 0x50, NOCREDITS: 0x51, NONTRINGMEDEST: 0x52,
    INCOMPATIBLE: 0x53, BADCALLID: 0x54, ERROR: 0x60, HWERROR: 0x61, NETWORKERROR: 0x62, NETWORKBLOCKED: 0x63 },
  MESIBO_CALLFLAG_: { AUDIO: 1, VIDEO: 2, STARTCALL: 4, CALLWAITING: 8, WIFI: 0x10, SLOWNETWORK: 0x20,
    MISSED: 0x1000 },
  MESIBO_MUTESTATUS_: { AUDIO: 1, VIDEO: 2, HOLD: 4 },
  MESIBO_CONFIGTYPE_: { CALLREQTO: 0x110, CALLANSTO: 0x111, CALLCONNECTTO: 0x112 },
};

/** Members by object, as mesibo-api.md §1-§9, mesibo-files.md and mesibo-calls.md name them. */
const MEMBERS = {
  MesiboStatic: ['getInstance', 'printVersion', 'initServiceWorker'],
  Mesibo: ['startServiceWorker', 'setAppName', 'setAccessToken', 'setCredentials', 'setListener', 'addListener',
    'setDatabase', 'enableCrossTabSessions', 'start', 'stop', 'getProfile', 'getSelfProfile', 'getSortedProfiles',
    'createGroup', 'createhttpRequest', 'setupVideoCall', 'setupVoiceCall', 'call', 'answer', 'hangup', 'mute',
    'toggleAudioMute', 'toggleVideoMute', 'setUserObject', 'getUserObject', 'getTabId', 'readDbSession',
    'sendMessage', 'sendFile', 'random', 'setUploadUrl'],
  MesiboMessage: ['send', 'resend', 'forward', 'delete', 'wipeAndRecall', 'mayBeRetracted', 'getMessageId',
    'getStatus', 'getTimestamp', 'getDeliveryTimestamp', 'getReadTimestamp', 'isIncoming', 'isOutgoing',
    'isGroupMessage', 'isRealtimeMessage', 'isDbMessage', 'isDbSummaryMessage', 'isLastMessage', 'isMessage',
    'isDate', 'cloneDate', 'isDestinedFor', 'isRichMessage', 'isPlainMessage', 'hasImage', 'hasVideo', 'hasAudio',
    'hasDocument', 'hasLocation', 'hasThumbnail', 'getThumbnail', 'getFileName', 'getFileSize', 'getFileType',
    'getMimeType', 'hasFile', 'isReply', 'isForwarded', 'isModified', 'isDeleted', 'isWiped', 'isDelivered',
    'isReadByPeer', 'isSent', 'isInOutbox', 'isFailed', 'isUnread', 'isReadByUs', 'isCall', 'isVideoCall',
    'isVoiceCall', 'isMissedCall', 'isIncomingCall', 'isOutgoingCall', 'getCallDuration', 'setContent',
    'setContentType', 'setInReplyTo', 'getInReplyTo', 'isPresence', 'isCustom', 'getReadSession'],
  MesiboMessageFields: ['mid', 'peer', 'groupid', 'profile', 'groupProfile', 'message', 'title', 'subtitle',
    'footer', 'data', 'latitude', 'longitude', 'status', 'ts', 'date', 'type', 'expiry', 'flags', 'flag',
    'origin', 'refid', 'presence', 'filetype', 'fileurl', 'file', 'id'],
  MesiboFile: ['url', 'name', 'loadImageFromCache'],
  MesiboDateTimeFields: ['ts', 'year', 'month', 'day', 'hour', 'min', 'sec', 'wday'],
  MesiboDateTime: ['getDate', 'getTime', 'getDaysElapsed', 'getDateInNaturalLanguage', 'isToday', 'isYesterday',
    'getSecondsElapsed', 'getMonthName', 'isValid'],
  MesiboReadSessionStatic: ['createReadSummarySession'],
  MesiboReadSession: ['enableReadReceipt', 'enableFifo', 'enableFiles', 'enableMessages', 'enableCalls',
    'enableMissedCalls', 'enableIncomingCalls', 'enableOutgoingCalls', 'setQuery', 'read', 'sync', 'getMessages',
    'getUnreadCount', 'stop', 'enableSummary'],
  MesiboProfile: ['getAddress', 'getGroupId', 'isGroup', 'isSelfProfile', 'getName', 'getNameOrAddress', 'getString',
    'getInt', 'getLong', 'getDouble', 'getBoolean', 'getValues', 'setName', 'setString', 'setInt', 'setLong',
    'setDouble', 'setBoolean', 'reset', 'setImage', 'save', 'getImage', 'getThumbnail', 'getImageOrThumbnail',
    'getStatus', 'getLastSeen', 'isOnline', 'isTyping', 'isChatting', 'isTypingInGroup', 'block', 'isBlocked',
    'subscribe', 'setContact', 'newMessage', 'sendTyping', 'sendJoined', 'sendLeft', 'createReadSession',
    'deleteMessages', 'deleteMessagesOlderThan', 'getUnreadMessageCount', 'getGroupProfile', 'getMembers', 'addMembers', 'removeMembers',
    'deleteGroup', 'leave', 'sendMessage', 'readDbSession'],
  MesiboProfileImage: ['getThumbnail', 'getImage', 'getImageOrThumbnail', 'getNext', 'getPrevious', 'getIndex',
    'isEmpty', 'getUrl', 'getProfile'],
  MesiboGroupMember: ['getProfile', 'getAddress', 'isOwner', 'isAdmin'],
  MesiboPresence: ['profile', 'groupProfile', 'presence', 'value', 'isTyping', 'isTypingCleared', 'isOnline',
    'isOffline', 'isChatting', 'hasJoined', 'hasLeft', 'isRequest'],
  MesiboHttpRequest: ['setUrl', 'setPostData', 'send'],
};

/** Listener methods the SDK calls (mesibo-api.md §2, §10; mesibo-calls.md §3). */
const LISTENERS = ['Mesibo_onConnectionStatus', 'Mesibo_onMessage', 'Mesibo_onMessageStatus', 'Mesibo_onMessageUpdate',
  'Mesibo_onSync', 'Mesibo_onPresence', 'Mesibo_onProfileUpdated', 'Mesibo_onGroupMembers', 'Mesibo_onGroupCreated',
  'Mesibo_onGroupJoined', 'Mesibo_onGroupLeft', 'Mesibo_onGroupMembersJoined', 'Mesibo_onGroupMembersRemoved',
  'Mesibo_onGroupError', 'MesiboProfile_onPublish', 'Mesibo_onGetProfileName', 'Mesibo_onGetProfileImage',
  'Mesibo_onCustomizeProfile', 'Mesibo_onCall', 'Mesibo_onCallStatus', 'MesiboJS_onUserObject'];

function missing(obj, names) {
  return names.filter((k) => !(k in obj));
}

function code(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

test('every mesibo constant is a global of the built script, with mesibo\'s value, and declared', () => {
  const ctx = vm.createContext({ console, URL, setTimeout, clearTimeout, Promise, TextEncoder });
  ctx.globalThis = ctx;
  vm.runInContext(BUILT, ctx);
  const wrong = [];
  let n = 0;
  for (const [prefix, group] of Object.entries(CONSTANTS)) {
    for (const [k, v] of Object.entries(group)) {
      const name = prefix + k;
      n++;
      if (ctx[name] !== v) wrong.push(name + ' = ' + ctx[name] + ', expected ' + v);
      const m = DTS.match(new RegExp('declare const ' + name + ': (-?(?:0x[0-9A-Fa-f]+|[0-9]+));'));
      if (!m || Number(m[1]) !== v) wrong.push(name + ' not declared in mesibo.d.ts with ' + v);
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(n >= 230, 'the table is complete: ' + n);
  // names the app declares itself stay free
  for (const k of ['MesiboCall', 'MessengerFile', 'MesiboRecorder', 'MesiboLog', 'ErrorLog', 'MESIBO_ACCESS_TOKEN',
    'MESIBO_APP_ID', 'MESIBO_DEFAULT_PROFILE_IMAGE', 'MESIBO_DEFAULT_GROUP_IMAGE']) assert.ok(!(k in ctx), k + ' is the app\'s');
  assert.equal(typeof ctx.Mesibo, 'function');
  assert.equal(typeof ctx.MesiboReadSession, 'function');
  // group calls are not provided: none of their names is half-defined
  for (const k of Object.keys(ctx)) assert.ok(!/^MESIBOCALL_|^MESIBO_GROUPCALLFLAG_|^MESIBO_RESOLUTION_/.test(k), k);
});

test('every mesibo class member exists on the objects an app gets', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = b.openTab('t');
  await until(() => t.rec.status.includes(MESIBO_STATUS_ONLINE), 5000, 'online');
  try {
    members(t.api);
  } finally {
    t.close();
  }
});

function members(api) {
  const bob = api.getProfile('bob');
  const m = bob.newMessage();
  const group = api.getProfile('', 7);
  const rs = bob.createReadSession(null);
  const summary = MesiboReadSession.createReadSummarySession(null);
  const pres = new sdk.MesiboPresence(api, { from: 'bob', activity: MESIBO_ACTIVITY_TYPING });
  const objects = {
    MesiboStatic: Mesibo, Mesibo: api, MesiboMessage: m, MesiboMessageFields: m, MesiboFile: m.file,
    MesiboDateTimeFields: m.getTimestamp(), MesiboDateTime: m.getTimestamp(),
    MesiboReadSessionStatic: MesiboReadSession, MesiboReadSession: rs, MesiboProfile: bob,
    MesiboProfileImage: bob.getImage(), MesiboPresence: pres, MesiboHttpRequest: api.createhttpRequest(),
    MesiboGroupMember: new (sdk.MesiboGroupMember)(api, { address: 'bob', flags: 0, admin: false }),
  };
  const gaps = [];
  for (const [what, names] of Object.entries(MEMBERS)) {
    for (const k of missing(objects[what], names)) gaps.push(what + '.' + k);
  }
  assert.deepEqual(gaps, []);
  assert.equal(Mesibo.getInstance(), Mesibo.getInstance(), 'getInstance: one shared instance');
  assert.ok(summary.getMessages() instanceof Array);
  assert.equal(group.getGroupProfile(), group);
}

test('the SDK calls every listener method of the reference, by that name', () => {
  const body = code(BUILT);
  const absent = LISTENERS.filter((n) => !body.includes('"' + n + '"') && !body.includes('.' + n + '('));
  assert.deepEqual(absent, []);
  const iface = DTS.slice(DTS.indexOf('interface MesiboListener {'));
  const decl = iface.slice(0, iface.indexOf('\n}'));
  const legacy = ['Mesibo_OnConnectionStatus', 'Mesibo_OnMessage', 'Mesibo_OnMessageStatus', 'Mesibo_OnCall', 'Mesibo_OnCallStatus'];
  const undeclared = LISTENERS.concat(legacy).filter((n) => !new RegExp('\\n  ' + n + '\\?\\(').test(decl));
  assert.deepEqual(undeclared, [], 'declared in mesibo.d.ts MesiboListener');
});

test('presence numbers: p.presence uses MESIBO_PRESENCE_* (offline 2, an online answer 1); activity stays raw', () => {
  const api = new Mesibo();
  const p = (activity) => new sdk.MesiboPresence(api, { from: 'bob', activity });
  const off = p(0);
  assert.equal(off.presence, MESIBO_PRESENCE_OFFLINE, 'offline is not REQUEST (0)');
  assert.ok(off.isOffline() && !off.isRequest() && off.activity === 0);
  const resp = p(MESIBO_ACTIVITY_ONLINERESP);
  assert.equal(resp.presence, MESIBO_PRESENCE_ONLINE, 'an online answer is not OFFLINE (2)');
  assert.ok(resp.isOnline());
  for (const [a, want] of [[MESIBO_ACTIVITY_ONLINE, MESIBO_PRESENCE_ONLINE], [MESIBO_ACTIVITY_TYPING, MESIBO_PRESENCE_TYPING],
    [MESIBO_ACTIVITY_TYPINGCLEARED, MESIBO_PRESENCE_TYPINGCLEARED], [MESIBO_ACTIVITY_JOINED, MESIBO_PRESENCE_JOINED],
    [MESIBO_ACTIVITY_LEFT, MESIBO_PRESENCE_LEFT]]) {
    assert.equal(p(a).presence, want, 'activity ' + a);
  }
});

test('read() without a count delivers every stored message, then the end-of-read null', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = b.openTab('t');
  try {
    await until(() => t.rec.status.includes(MESIBO_STATUS_ONLINE), 5000, 'online');
    server.incoming('one');
    server.incoming('two');
    await until(() => t.rec.messages.length === 2, 5000, 'two messages');
    const got = [];
    const rs = t.api.getProfile('bob').createReadSession({ Mesibo_onMessage: (m) => got.push(m) });
    assert.equal(rs.read(), 2);
    assert.deepEqual(got.map((m) => m && m.message), ['two', 'one', null], 'newest first, then null once');
    assert.ok(got[1].isLastMessage());
    assert.equal(rs.read(10), 0);
    assert.deepEqual(got.slice(3), [null], 'nothing left: null again');
  } finally {
    t.close();
  }
});

test('profile.deleteMessagesOlderThan(sec) deletes up to now - sec', async () => {
  const api = new Mesibo();
  const bob = api.getProfile('bob');
  let asked = null;
  bob.deleteMessages = (ts) => { asked = ts; return Promise.resolve(0); };
  const before = Date.now();
  assert.equal(await bob.deleteMessagesOlderThan(3600), 0);
  assert.ok(asked <= Date.now() - 3600 * 1000 && asked >= before - 3600 * 1000, String(asked));
});

test('setContent(url) and the legacy sendFile take the file type from the URL unless the app sets one', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = b.openTab('t');
  try {
    await until(() => t.rec.status.includes(MESIBO_STATUS_ONLINE), 5000, 'online');
    const bob = t.api.getProfile('bob');
    const kinds = (m) => [m.filetype, m.hasImage(), m.hasVideo(), m.hasAudio(), m.hasDocument()];
    const m = bob.newMessage();
    m.setContent('https://cdn.example.com/a/photo.JPG?size=large');
    assert.deepEqual(kinds(m), [MESIBO_FILETYPE_IMAGE, true, false, false, false]);
    const v = bob.newMessage();
    v.setContent('https://cdn.example.com/clip.webm');
    assert.ok(v.hasVideo() && v.isRichMessage());
    const a = bob.newMessage();
    a.setContent('/media/voice.mp3');
    assert.ok(a.hasAudio());
    const d = bob.newMessage();
    d.setContent('https://cdn.example.com/report.pdf');
    assert.deepEqual(kinds(d), [MESIBO_FILETYPE_AUTO, false, false, false, true], 'unknown: AUTO, a document');
    const set = bob.newMessage();
    set.setContentType(MESIBO_FILETYPE_VIDEO);
    set.setContent('https://cdn.example.com/still.png');
    assert.equal(set.filetype, MESIBO_FILETYPE_VIDEO, 'the app\'s type wins');
    const after = bob.newMessage();
    after.setContent('https://cdn.example.com/still.png');
    after.setContentType(MESIBO_FILETYPE_OTHER);
    assert.equal(after.filetype, MESIBO_FILETYPE_OTHER);
    assert.equal(after.file.type, MESIBO_FILETYPE_OTHER, 'm.file follows');
    assert.equal(m.file.type, MESIBO_FILETYPE_IMAGE);
    // legacy api.sendFile with no filetype: the echo carries the detected type
    const before = t.rec.messages.length;
    t.api.sendFile({ peer: 'bob' }, t.api.random(), { fileurl: 'https://cdn.example.com/x.png', message: 'see' });
    await until(() => t.rec.messages.length === before + 1, 5000, 'the echo');
    assert.ok(t.rec.messages[before].hasImage());
  } finally {
    t.close();
  }
});

test('a file message: echo, then Mesibo_onMessageUpdate once the file is uploaded, then its statuses', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = b.openTab('t');
  try {
    await until(() => t.rec.status.includes(MESIBO_STATUS_ONLINE), 5000, 'online');
    const order = [];
    t.api.addListener({
      Mesibo_onMessage: (m) => order.push('message:' + m.status),
      Mesibo_onMessageUpdate: (m) => order.push('update:' + m.file.url),
      Mesibo_onMessageStatus: (m) => order.push('status:' + m.status),
    });
    let release;
    const uploaded = new Promise((r) => { release = r; });
    t.api.setUploadHandler(() => uploaded);
    const m = t.api.getProfile('bob').newMessage();
    m.setContent(new Blob(['png bytes'], { type: 'image/png' }));
    m.send();
    await until(() => order.length === 1, 5000, 'the echo');
    release({ url: 'https://files.example.com/p.png', type: MESIBO_FILETYPE_IMAGE, size: 9 });
    await until(() => order.includes('status:' + MESIBO_MSGSTATUS_SENT), 5000, 'sent');
    assert.deepEqual(order, ['message:' + MESIBO_MSGSTATUS_OUTBOX, 'update:https://files.example.com/p.png',
      'status:' + MESIBO_MSGSTATUS_SENT]);
    assert.equal(t.rec.updates[0], m, 'the object the app holds');
    assert.ok(m.hasImage());
  } finally {
    t.close();
  }
});

test('a read session\'s legacy Mesibo_OnMessage(m, data) gets the text\'s bytes too, then (null, null)', async () => {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const t = b.openTab('t');
  try {
    await until(() => t.rec.status.includes(MESIBO_STATUS_ONLINE), 5000, 'online');
    server.incoming('héllo');
    await until(() => t.rec.messages.length === 1, 5000, 'the message');
    const got = [];
    const rs = t.api.getProfile('bob').createReadSession({ Mesibo_OnMessage: (m, data) => got.push([m && m.message, data]) });
    rs.read(5);
    assert.equal(got.length, 2);
    assert.equal(got[0][0], 'héllo');
    assert.equal(new TextDecoder().decode(got[0][1]), 'héllo');
    assert.deepEqual(got[1], [null, null]);
  } finally {
    t.close();
  }
});
