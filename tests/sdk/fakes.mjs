// Fakes for the SDK's injected dependencies: a BroadcastChannel hub, a Web Locks manager with
// queueing and release-on-close, a socket + a small protocol-speaking fake server, timers, and a
// helper that opens "tabs" of one browser profile. Not a test file itself.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
export const sdk = require('../../src/hubbub/sdk/mesibo.js');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function until(pred, ms = 10000, what = 'condition') {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for ' + what);
    await sleep(5);
  }
}

export const timers = {
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (t) => clearTimeout(t),
  now: () => Date.now(),
};

/** In-memory BroadcastChannel: delivers structured clones, asynchronously, in order, to the others. */
export class ChannelHub {
  constructor() { this.members = new Map(); this.posted = 0; this.drop = null; }
  channel(name) {
    const hub = this;
    if (!this.members.has(name)) this.members.set(name, new Set());
    const ch = {
      onmessage: null,
      closed: false,
      postMessage(msg) {
        if (ch.closed) throw new Error('channel closed');
        hub.posted++;
        const data = structuredClone(msg);
        for (const other of hub.members.get(name)) {
          if (other === ch) continue;
          if (hub.drop && hub.drop(data, other)) continue;
          setImmediate(() => { if (!other.closed && other.onmessage) other.onmessage({ data }); });
        }
      },
      close() { ch.closed = true; hub.members.get(name).delete(ch); },
    };
    this.members.get(name).add(ch);
    return ch;
  }
}

/** Web Locks: exclusive, FIFO queue per name, ifAvailable, signal, release when the owner closes. */
export class LockHub {
  constructor() { this.held = new Map(); this.queues = new Map(); }
  manager(owner) {
    const hub = this;
    return {
      request(name, opts, cb) {
        if (typeof opts === 'function') { cb = opts; opts = {}; }
        return new Promise((resolve, reject) => {
          const req = { owner, name, cb, resolve, reject, opts };
          if (hub.held.has(name)) {
            if (opts.ifAvailable) { Promise.resolve(cb(null)).then(resolve, reject); return; }
            if (!hub.queues.has(name)) hub.queues.set(name, []);
            hub.queues.get(name).push(req);
            if (opts.signal) opts.signal.addEventListener('abort', () => {
              const q = hub.queues.get(name) || [];
              const i = q.indexOf(req);
              if (i >= 0) { q.splice(i, 1); reject(new Error('AbortError')); }
            });
            return;
          }
          hub._grant(req);
        });
      },
    };
  }
  _grant(req) {
    this.held.set(req.name, req);
    Promise.resolve().then(() => req.cb({ name: req.name, mode: 'exclusive' })).then(
      (v) => { this._release(req); req.resolve(v); },
      (e) => { this._release(req); req.reject(e); });
  }
  _release(req) {
    if (this.held.get(req.name) !== req) return;
    this.held.delete(req.name);
    const q = this.queues.get(req.name) || [];
    const next = q.shift();
    if (next) this._grant(next);
  }
  /** The owner's page closed or crashed: release its locks, drop its queued requests. */
  closeOwner(owner) {
    for (const [name, q] of this.queues) this.queues.set(name, q.filter((r) => r.owner !== owner));
    for (const req of [...this.held.values()]) if (req.owner === owner) this._release(req);
  }
}

/** A socket the SDK holds; the fake server sits on the other end. */
class FakeSocket {
  constructor(server, url) {
    this.server = server;
    this.url = url;
    this.readyState = 0;
    this.onopen = this.onmessage = this.onclose = this.onerror = null;
    this.sent = [];
    this.dead = false;
    server._accept(this);
  }
  send(data) {
    if (this.readyState !== 1) throw new Error('not open');
    if (this.frozen) return;  // a hung node or a black-holed network: nothing arrives, nothing closes
    const f = JSON.parse(data);
    this.sent.push(f);
    setImmediate(() => this.server._onFrame(this, f));
  }
  close(code = 1000, reason = '') {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    setImmediate(() => this.server._onClose(this));
    setImmediate(() => { if (!this.dead && this.onclose) this.onclose({ code, reason }); });
  }
  // server side
  push(frame) {
    if (this.readyState !== 1 || this.dead || this.frozen) return;
    const data = JSON.stringify(frame);
    setImmediate(() => { if (!this.dead && this.readyState === 1 && this.onmessage) this.onmessage({ data }); });
  }
  serverClose(code, reason = '') {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.server._onClose(this);
    setImmediate(() => { if (!this.dead && this.onclose) this.onclose({ code, reason }); });
  }
}

/**
 * A fake Hubbub server for one user ("alice") talking to "bob": auth/welcome, the event log with
 * seq, cumulative acks, send with cid idempotency, res frames, one connection per device (4002),
 * and simple answers for the other requests.
 */
export class FakeServer {
  constructor(opts = {}) {
    this.address = opts.address || 'alice';
    this.token = opts.token || 'tok-alice';
    this.appid = opts.appid || 'com.example.web';
    this.log = [];
    this.cursor = 0;
    this.sockets = new Set();
    this.active = null;
    this.connects = 0;
    this.cids = new Map();
    this.sendFrames = [];
    this.peerInbox = [];     // what bob receives, once per accepted (non-dup) send
    this.reads = [];
    this.requests = [];
    this.nextMid = 1000;
    this.tabConnections = !!opts.tabConnections;
  }
  get openCount() { return [...this.sockets].filter((s) => s.readyState === 1 && s.authed).length; }
  socketFactory() { return (url) => new FakeSocket(this, url); }
  _accept(sock) {
    this.sockets.add(sock);
    this.connects++;
    setImmediate(() => { if (sock.readyState === 0) { sock.readyState = 1; if (sock.onopen) sock.onopen({}); } });
  }
  _onClose(sock) { this.sockets.delete(sock); if (this.active === sock) this.active = null; }
  _push(sock, events) { if (sock) sock.push({ t: 'events', events }); }
  _append(ev) {
    ev.seq = this.log.length + 1;
    ev.ts = ev.ts || Date.now();
    this.log.push(ev);
    for (const s of this.sockets) if (s.authed && s.readyState === 1) this._push(s, [ev]);
    return ev;
  }
  /** bob sends alice a message */
  incoming(text, extra = {}) {
    const mid = this.nextMid++;
    return this._append(Object.assign({ k: 'msg', mid, dir: 'in', from: 'bob', peer: 'bob', gid: 0, message: text, title: '', flag: 3, expiry: 3600, type: 0 }, extra));
  }
  status(ev) { return this._append(Object.assign({ k: 'status' }, ev)); }
  _onFrame(sock, f) {
    if (sock.readyState !== 1) return;
    const res = (r, body) => { if (r !== undefined) sock.push(Object.assign({ t: 'res', r }, body)); };
    const refused = f.t !== 'auth' && this.refuse ? this.refuse(f) : null;   // a test's failure answer
    if (refused) { res(f.r, refused); return; }
    if (f.t === 'auth') {
      if (f.token !== this.token || f.appid !== this.appid) {
        sock.push({ t: 'error', code: 'AUTHFAIL', reason: 'unknown token' });
        sock.serverClose(4001);
        return;
      }
      if (f.tab !== undefined && f.after === undefined) {  // as the server: a tab says where it resumes
        sock.push({ t: 'error', code: 'BADREQUEST', reason: 'auth: a connection with `tab` must send `after`' });
        sock.serverClose(4000);
        return;
      }
      for (const other of this.sockets) {
        if (other !== sock && other.authed && other.readyState === 1 && !(this.tabConnections && f.tab && other.tab !== f.tab)) {
          other.push({ t: 'signout', reason: 'replaced by a newer connection of this device' });
          other.serverClose(4002);
        }
      }
      sock.authed = true;
      sock.tab = f.tab;
      this.active = sock;
      const seq = typeof f.after === 'number' ? Math.min(f.after, this.log.length) : undefined;
      const after = seq !== undefined ? seq : this.cursor;  // none, or 'cursor': the device's cursor
      if (seq !== undefined && seq > this.cursor) this.cursor = seq;
      sock.push({ t: 'welcome', v: 1, uid: 7, address: this.address, device: 'web', head: this.log.length, after, ts: Date.now(), limits: {} });
      const backlog = this.log.slice(after);
      for (let i = 0; i < backlog.length; i += 50) this._push(sock, backlog.slice(i, i + 50));
      return;
    }
    if (!sock.authed) { sock.serverClose(4000); return; }
    switch (f.t) {
      case 'ack': if (f.seq > this.cursor) this.cursor = f.seq; return;
      case 'send': {
        this.sendFrames.push(f);
        if (this.cids.has(f.cid)) { res(f.r, Object.assign({}, this.cids.get(f.cid), { dup: true })); return; }
        const mid = this.nextMid++;
        const ts = Date.now();
        const answer = { ok: true, mid, cid: f.cid, status: 1, ts };
        this.cids.set(f.cid, answer);
        this.peerInbox.push({ mid, cid: f.cid, message: f.message, to: f.to });
        res(f.r, answer);
        this._append({ k: 'msg', mid, cid: f.cid, dir: 'out', from: this.address, peer: f.to, gid: f.gid || 0, message: f.message, title: f.title || '', flag: f.flag, expiry: f.expiry || 604800, type: f.type || 0, status: 1, ts, ...(f.file ? { file: f.file } : {}) });
        return;
      }
      case 'read': this.reads.push(f.mids); res(f.r, { ok: true, count: f.mids.length }); return;
      case 'history': {
        this.requests.push(f);
        const msgs = (this.history || []).filter((m) => !f.before || m.mid < f.before).slice(0, f.limit);
        res(f.r, { ok: true, messages: msgs, more: false });
        return;
      }
      case 'conversations': {
        this.requests.push(f);
        const rest = (this.conversations || []).filter((m) => !f.before || m.mid < f.before);
        res(f.r, { ok: true, messages: rest.slice(0, f.limit), more: rest.length > f.limit });
        return;
      }
      case 'profiles': res(f.r, { ok: true, profiles: f.addresses.map((a) => ({ address: a, name: a.toUpperCase(), status: '', picture: '', online: false, lastseen: 5 })) }); return;
      case 'group_create': res(f.r, { ok: true, gid: 5 }); return;
      case 'group_get': res(f.r, { ok: true, group: { gid: f.gid, name: 'Team', flag: 0, members: [{ address: 'alice', flags: 31, admin: true }, { address: 'bob', flags: 31, admin: false }] } }); return;
      case 'presence': this.requests.push(f); return;
      default: this.requests.push(f); res(f.r, { ok: true });
    }
  }
  /** Server-side close of every connection (e.g. restart); the SDK reconnects. */
  dropAll(code = 1001) { for (const s of [...this.sockets]) s.serverClose(code); }
}

const fastConfig = { backoffMin: 10, backoffMax: 50, fillRetry: 20, ackDelay: 10, requestTimeout: 3000, beatInterval: 50 };

/**
 * One browser profile: tabs share a channel hub, a lock hub and a store (IndexedDB).
 * mode: 'weblocks' (default), 'lease' (no navigator.locks), 'nochannel' (no BroadcastChannel either).
 */
export class FakeBrowser {
  constructor(server, opts = {}) {
    this.server = server;
    this.mode = opts.mode || 'weblocks';
    this.channels = new ChannelHub();
    this.locks = new LockHub();
    this.store = new sdk.MemoryStore({ delay: opts.storeDelay || 0 });
    this.config = Object.assign({}, fastConfig, opts.config || {});
    this.tabs = [];
    this.n = 0;
    this.storages = new Map();
  }
  /** Dependencies for a tab (as api._setDependencies expects). */
  deps(tabName, storage) {
    const owner = tabName + '#' + (++this.n);
    const lockMgr = this.locks.manager(owner);
    let locks = null, lockKind = 'none';
    const channel = this.mode === 'nochannel' ? null : this.channels.channel('hubbub:scope');
    if (this.mode === 'weblocks') { locks = lockMgr; lockKind = 'weblocks'; }
    else if (this.mode === 'lease') { locks = new sdk.LeaseLocks(this.store, timers, { ttl: 200, beat: 40 }); lockKind = 'lease'; }
    const identity = new sdk.TabIdentity({
      storage, timers,
      locks: this.mode === 'weblocks' ? lockMgr : null,
      channel: this.mode === 'weblocks' ? null : (this.mode === 'lease' ? this.channels.channel('hubbub-tabs') : null),
    });
    const visible = { v: true };
    return { owner, lockMgr, channel, locks, lockKind, identity, visible,
      deps: { store: this.store, channel, locks, lockKind, timers, identity, socketFactory: this.server.socketFactory(),
        visible: () => visible.v, noPageEvents: true, config: this.config } };
  }
  storage(tabName) {
    if (!this.storages.has(tabName)) {
      const m = new Map();
      this.storages.set(tabName, { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), _m: m });
    }
    return this.storages.get(tabName);
  }
  /** Opens a tab running the mesibo API with a recording listener. */
  openTab(name, opts = {}) {
    const storage = this.storage(name);
    const d = this.deps(name, storage);
    const api = new sdk.Mesibo();
    api._setDependencies(() => d.deps);
    const rec = { status: [], messages: [], statuses: [], updates: [], uobj: [], presence: [], sync: [], profiles: [] };
    const listener = {
      Mesibo_onConnectionStatus: (s) => rec.status.push(s),
      Mesibo_onMessage: (m) => rec.messages.push(m),
      Mesibo_onMessageStatus: (m) => rec.statuses.push({ id: m.id, mid: m.mid, status: m.status }),
      Mesibo_onMessageUpdate: (m) => rec.updates.push(m),
      MesiboJS_onUserObject: (n, o) => rec.uobj.push([n, o]),
      Mesibo_onPresence: (p) => rec.presence.push(p),
      Mesibo_onSync: (c) => rec.sync.push(c),
      Mesibo_onProfileUpdated: (p) => rec.profiles.push(p),
    };
    api.setAppName(opts.appid || 'com.example.web');
    api.setAccessToken(opts.token || this.server.token);
    api.setListener(opts.listener || listener);
    api.enableCrossTabSessions(opts.crossTab !== false);
    api.start();
    const tab = { name, api, rec, d, alive: true, storage };
    tab.close = () => { tab.alive = false; api.stop(); this.locks.closeOwner(d.owner); d.identity.release(); };
    tab.crash = () => {
      // Renderer crash: no goodbye, no graceful close. The page's objects die with it.
      tab.alive = false;
      const s = api._session;
      s.running = false;
      if (s.ws) { s.ws.dead = true; s.ws.serverClose(1006); }
      if (d.channel) { d.channel.onmessage = null; d.channel.close(); }
      this.locks.closeOwner(d.owner);
      if (d.identity.channel) d.identity.channel.close();
      const dead = { setTimeout: () => 0, clearTimeout: () => {}, now: () => Date.now() };
      s.timers = dead;
      if (d.locks && d.locks.timers) d.locks.timers = dead;  // a lease holder's heartbeat dies too
      s.h = {};
      api._listeners = [];
    };
    this.tabs.push(tab);
    return tab;
  }
  live() { return this.tabs.filter((t) => t.alive); }
  leaders() { return this.live().filter((t) => t.api.isConnectionOwner()); }
}

/** Text of the realtime messages a tab's listener got, in order. */
export const texts = (tab) => tab.rec.messages.filter((m) => m.isRealtimeMessage()).map((m) => m.message);
