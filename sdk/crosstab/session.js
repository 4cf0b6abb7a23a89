import { C, PROTOCOL_VERSION } from '../protocol/constants.js';
import { newTabId, noop, sortedSeqs, cloneData } from '../util.js';

// TabSession: the cross-tab coordinator.
//
// Each tab runs one. All tabs of one (server, app, user) share a channel, a leader lock and a
// store. The leader owns the socket: it commits server events to the store (fenced by its term),
// then broadcasts them and applies them itself; every tab applies events strictly in seq order,
// buffering gaps and filling them from the store or by asking the leader. Sends go through the
// store's outbox first. Without a channel or a lock (solo mode) the tab is its own leader.
//
// Handlers (all optional): onEvents(events), onStatus(status, info), onSent(cid, res),
// onPresence(frame), onUserObject(name, obj), onLeader(isLeader), onSnapshot(snap), onVisibility().

/** Close code of a draining node: reconnect now, to any node (docs/protocol.md). */
export const CLOSE_RECONNECT = 4004;

export const SESSION_DEFAULTS = {
  ackEvery: 100, ackDelay: 50, backoffMin: 250, backoffMax: 10000, reconnectJitter: 250, fillRetry: 150,
  requestTimeout: 30000, rateLimitRetry: 500, beatInterval: 500,
  // A node that hangs, or a network that drops packets without closing, leaves the socket open and
  // silent: after pingInterval ms without a frame the leader pings; after pingTimeout more (or no
  // welcome within both), it drops the socket and reconnects (to another node behind a balancer).
  pingInterval: 20000, pingTimeout: 10000
};

/**
 * The session's tuning: SESSION_DEFAULTS with what the page set (window.HUBBUB_CONFIG). A value that
 * is not a finite number >= 0, or a name the session does not know, is left out with a warning: a
 * typo must not turn a 20 s ping into a timer that fires every few milliseconds.
 * @param {object} [config] @returns {object}
 */
export function sessionConfig(config) {
  var cfg = Object.assign({}, SESSION_DEFAULTS);
  if (!config || typeof config !== 'object') return cfg;
  Object.keys(config).forEach(function (k) {
    var v = config[k];
    if (!Object.prototype.hasOwnProperty.call(SESSION_DEFAULTS, k)) {
      console.warn('Hubbub: HUBBUB_CONFIG.' + k + ' is not a setting; ignored');
    } else if (typeof v !== 'number' || !isFinite(v) || v < 0) {
      console.warn('Hubbub: HUBBUB_CONFIG.' + k + ' must be a number >= 0, not ' + JSON.stringify(v) + '; default ' + SESSION_DEFAULTS[k] + ' kept');
    } else cfg[k] = v;
  });
  return cfg;
}

export class TabSession {
  /**
   * @param {object} o
   * @param {string} o.url WebSocket URL of the server (ws://host/ws)
   * @param {string} o.token user access token
   * @param {string} o.appid app id (setAppName)
   * @param {string} o.scope session scope name (server + app + user key)
   * @param {boolean} o.crossTab share one connection between tabs (needs channel and locks)
   * @param {object|null} o.channel BroadcastChannel-like {postMessage, onmessage, close}
   * @param {object|null} o.locks navigator.locks-like {request(name, opts, cb)}
   * @param {function(string): object} o.socketFactory url -> WebSocket-like
   * @param {object} o.store MemoryStore / IdbStore
   * @param {{setTimeout, clearTimeout, now}} o.timers
   * @param {TabIdentity|{confirm, id}} o.identity
   * @param {object} [o.handlers]
   * @param {object} [o.config]
   */
  constructor(o) {
    this.o = o;
    this.cfg = sessionConfig(o.config);
    this.timers = o.timers;
    this.store = o.store;
    this.h = o.handlers || {};
    this.crossTab = !!(o.crossTab && o.channel && o.locks);
    this.channel = this.crossTab ? o.channel : null;
    this.locks = this.crossTab ? o.locks : null;
    this.identity = o.identity;
    this.tabId = o.identity ? o.identity.id : newTabId();
    this.log = o.log || noop;

    this.running = false;
    this.ready = false;
    this.isLeader = false;
    this.term = 0;          // this tab's term while it leads
    this.knownTerm = 0;     // highest term seen
    this.leaderTab = null;

    this.applied = 0;       // last seq delivered to this tab's handlers
    this.pending = new Map();
    this.filling = false;
    this.fillTimer = null;

    this.status = C.MESIBO_STATUS_UNKNOWN;
    this.info = {};

    this.mySends = new Map();   // cid -> {resolve}: sends started in this tab
    this.shadow = new Map();    // cid -> {frame, origin, ts}: sends announced by tabs, not yet reported sent
    this.myReqs = new Map();    // id -> {frame, resolve, reject, timer}
    this.reqSeq = 0;
    this.tabVisibility = new Map();

    // leader state
    this.ws = null;
    this.connGen = 0;
    this.connected = false;
    this.welcomed = false;  // a welcome came at least once (tab mode then always resumes from `applied`)
    // The outbox went out on this connection (`_flush`): until then a new send waits in `pendingSends`,
    // so it cannot overtake older unanswered sends and be stored before them.
    this.flushed = false;
    this.signedOut = false;
    this.authFailed = false;
    this.backoff = 0;
    this.reconnectTimer = null;
    this.heardAt = 0;               // when the socket last brought a frame (or was made)
    this.livenessTimer = null;
    this.rseq = 0;
    this.inflight = new Map();      // r -> {kind:'req'|'send', entry}
    this.reqQueue = [];             // [{frame, done}]
    this.pendingSends = new Map();  // cid -> {frame, origin, ts}
    this.sendingCids = new Set();
    this.inq = [];
    this.committing = false;
    this.committedSeq = 0;
    this.ackedSeq = 0;
    this.ackTimer = null;
    this.release = null;
    this.abort = null;
    this._chanBuffer = [];
  }

  // ----- life cycle ---------------------------------------------------------------------------

  /** Starts the session: confirms the tab id, reads the store, joins the tabs, seeks leadership. */
  async start() {
    if (this.running) return;
    this.running = true;
    var self = this;
    if (this.channel) this.channel.onmessage = function (e) { self._onChannel(e.data); };
    if (this.identity && this.identity.confirm) this.tabId = await this.identity.confirm();
    await this.store.open();
    var snap = await this.store.snapshot();
    this.applied = snap.lastSeq;
    this.knownTerm = Math.max(this.knownTerm, snap.term);
    if (this.h.onSnapshot) this.h.onSnapshot(snap);
    this.ready = true;
    var buf = this._chanBuffer;
    this._chanBuffer = [];
    for (var i = 0; i < buf.length; i++) this._onChannel(buf[i]);
    if (!this.running) return;
    if (this.crossTab) {
      this._post({ type: 'hello', visible: this._visible() });
      this._seekLeadership();
    } else {
      this._becomeLeader(null);
    }
  }

  /** Stops: closes the socket, gives up leadership and leaves the channel. */
  stop() {
    if (!this.running) return;
    this.log('stop');
    this.running = false;
    if (this.crossTab) this._post({ type: 'bye' });
    this._stepDown('stop');
    if (this.abort) { try { this.abort.abort(); } catch (e) { /* ignore */ } }
    if (this.channel) { this.channel.onmessage = null; try { this.channel.close(); } catch (e) { /* ignore */ } }
    if (this.fillTimer) this.timers.clearTimeout(this.fillTimer);
    var tm = this.timers;
    this.myReqs.forEach(function (q) { tm.clearTimeout(q.timer); q.resolve({ ok: false, error: 'STOPPED' }); });
    this.myReqs.clear();
    this._setStatus(C.MESIBO_STATUS_STOPPED, {}, true);
  }

  _visible() { return this.o.visible ? !!this.o.visible() : true; }

  /** Tells the other tabs whether this tab is visible (for notifications and read receipts). */
  visibilityChanged() {
    var v = this._visible();
    this.tabVisibility.set(this.tabId, v);
    if (this.crossTab) this._post({ type: 'vis', visible: v });
  }

  /** True when some open tab of this session is visible (the leader's view). */
  anyTabVisible() {
    if (this._visible()) return true;
    var any = false;
    this.tabVisibility.forEach(function (v) { if (v) any = true; });
    return any;
  }

  // ----- leadership ---------------------------------------------------------------------------

  _seekLeadership() {
    if (!this.running || !this.crossTab) return;
    var self = this;
    var ctl = typeof AbortController !== 'undefined' ? new AbortController() : null;
    this.abort = ctl;
    var opts = { mode: 'exclusive' };
    if (ctl) opts.signal = ctl.signal;
    var name = 'hubbub-leader:' + this.o.scope;
    this.locks.request(name, opts, function (lock) {
      if (!self.running || !lock) return null;
      return new Promise(function (release) {
        self.release = release;
        if (lock.onlost !== undefined) lock.onlost = function () { self._stepDown('lease lost'); };
        self._becomeLeader(lock);
      });
    }).catch(noop);
  }

  async _becomeLeader(lock) {
    if (!this.running) { if (this.release) this.release(); return; }
    var term = null;
    if (this.crossTab) {
      term = await this.store.bumpTerm();
      if (!this.running || (lock && lock.lost)) { if (this.release) this.release(); return; }
      this.term = term;
      this.knownTerm = Math.max(this.knownTerm, term);
    }
    this.isLeader = true;
    this.leaderTab = this.tabId;
    this.signedOut = false;
    this.authFailed = false;
    this.pendingSends.clear();
    // Sends other tabs announced that no leader has reported sent yet (their outbox write may
    // not have finished when the tab died).
    var pend = this.pendingSends;
    this.shadow.forEach(function (e, cid) { pend.set(cid, e); });
    this.reqQueue = [];
    var seq = await this.store.getLastSeq();
    this.committedSeq = seq;
    this.ackedSeq = 0;
    if (this.crossTab) { this._post({ type: 'leader', seq: seq }); this._beat(); }
    if (this.h.onLeader) this.h.onLeader(true);
    // Catch this tab up with what earlier leaders committed.
    if (seq > this.applied) this._fill(seq);
    // Requests this tab made to a previous leader are now this tab's own.
    var self = this;
    this.myReqs.forEach(function (q, id) { self._leaderRequest(q.frame, function (res) { self._resolveReq(id, res); }); });
    this._connect();
  }

  /** While leading: tell the tabs the committed seq now and then, so a lost tail is noticed. */
  _beat() {
    var self = this;
    if (this.beatTimer) this.timers.clearTimeout(this.beatTimer);
    this.beatTimer = this.timers.setTimeout(function () {
      self.beatTimer = null;
      if (!self.isLeader || !self.running) return;
      if (self.committedSeq !== self._beatSeq) { self._beatSeq = self.committedSeq; self._post({ type: 'beat', seq: self.committedSeq }); }
      self._beat();
    }, this.cfg.beatInterval);
  }

  _stepDown(why) {
    var was = this.isLeader;
    this.isLeader = false;
    this.connGen++;
    this.connected = false;
    if (this.reconnectTimer) { this.timers.clearTimeout(this.reconnectTimer); this.reconnectTimer = null; }
    if (this.ackTimer) { this.timers.clearTimeout(this.ackTimer); this.ackTimer = null; }
    if (this.beatTimer) { this.timers.clearTimeout(this.beatTimer); this.beatTimer = null; }
    if (this.livenessTimer) { this.timers.clearTimeout(this.livenessTimer); this.livenessTimer = null; }
    if (this.ws) { var ws = this.ws; this.ws = null; try { ws.close(1000, 'leader stepped down'); } catch (e) { /* ignore */ } }
    this.inflight.clear();
    this.sendingCids.clear();
    this.reqQueue = [];
    this.pendingSends.clear();
    this.inq = [];
    if (this.release) { var r = this.release; this.release = null; r(); }
    if (was) {
      this.log('step down: ' + why);
      if (this.h.onLeader) this.h.onLeader(false);
      if (this.running && this.crossTab) this._seekLeadership();
    }
  }

  // ----- the socket (leader only) -------------------------------------------------------------

  async _connect() {
    if (!this.isLeader || !this.running) return;
    var gen = ++this.connGen;
    this._setStatus(C.MESIBO_STATUS_CONNECTING, this.info);
    var after = this.crossTab ? await this.store.getLastSeq() : this.applied;
    if (gen !== this.connGen || !this.isLeader) return;
    var self = this, ws;
    try {
      ws = this.o.socketFactory(this.o.url);
    } catch (e) {
      this._onClose(gen, 1006, String(e));
      return;
    }
    this.ws = ws;
    this.heardAt = this.timers.now();
    this._watch(gen);
    ws.onopen = function () {
      if (gen !== self.connGen) return;
      var auth = { t: 'auth', v: PROTOCOL_VERSION, token: self.o.token, appid: self.o.appid };
      if (self.o.tabField) {
        // A tab's connection must say where it resumes (the device's cursor moves with other tabs'
        // acks): the seq it applied, or 'cursor' while it has never been welcomed and holds nothing.
        auth.tab = String(self.tabId);
        auth.after = after > 0 || self.welcomed ? after : 'cursor';
      } else if (after > 0) auth.after = after;
      ws.send(JSON.stringify(auth));
    };
    ws.onmessage = function (e) {
      if (gen !== self.connGen) return;
      self.heardAt = self.timers.now();
      var f;
      try { f = JSON.parse(e.data); } catch (err) { return; }
      self._onFrame(f, gen);
    };
    ws.onclose = function (e) { self._onClose(gen, e && e.code, e && e.reason); };
    ws.onerror = noop;
  }

  /** Liveness of socket `gen` (see pingInterval): ping when it is silent, drop it when it stays so. */
  _watch(gen) {
    var self = this;
    if (this.livenessTimer) this.timers.clearTimeout(this.livenessTimer);
    var tick = Math.max(20, Math.min(this.cfg.pingInterval, this.cfg.pingTimeout) / 2);
    this.livenessTimer = this.timers.setTimeout(function () {
      self.livenessTimer = null;
      if (gen !== self.connGen || !self.ws) return;
      var silent = self.timers.now() - self.heardAt;
      if (silent >= self.cfg.pingInterval + self.cfg.pingTimeout) {
        self.log('no frame for ' + silent + ' ms: dropping the socket');
        self._dropSocket(gen, 'silent');
        return;
      }
      if (silent >= self.cfg.pingInterval && self.connected) self._wsSend({ t: 'ping', r: ++self.rseq });
      self._watch(gen);
    }, tick);
  }

  _onClose(gen, code, reason) {
    if (gen !== this.connGen) return;
    this.ws = null;
    this.connected = false;
    if (this.livenessTimer) { this.timers.clearTimeout(this.livenessTimer); this.livenessTimer = null; }
    if (this.ackTimer) { this.timers.clearTimeout(this.ackTimer); this.ackTimer = null; }
    var self = this;
    // Requests in flight go back to the queue (they are idempotent); sends stay in the outbox.
    var back = [];
    this.inflight.forEach(function (x) { if (x.kind === 'req') back.push(x.entry); });
    this.inflight.clear();
    this.sendingCids.clear();
    this.reqQueue = back.concat(this.reqQueue);
    if (!this.isLeader || !this.running) return;
    if (code === 4001 || this.authFailed) {
      this._setStatus(C.MESIBO_STATUS_AUTHFAIL, this.info);
      return;
    }
    if (code === 4002 || this.signedOut) {
      if (this.crossTab) {
        // A newer leader of this browser replaced us: step down quietly. Otherwise another device
        // (or a tab without cross-tab sessions) took the connection: sign out, no reconnect.
        this.store.getTerm().then(function (t) {
          if (t > self.term) self._stepDown('superseded');
          else { self.signedOut = true; self._setStatus(C.MESIBO_STATUS_SIGNOUT, self.info); }
        });
      } else {
        this.signedOut = true;
        this._setStatus(C.MESIBO_STATUS_SIGNOUT, this.info);
      }
      return;
    }
    if (code === 4000) { this._setStatus(C.MESIBO_STATUS_CONNECTFAILURE, this.info); return; }
    if (code === CLOSE_RECONNECT) {
      // The node is draining and spread its closes already: move at once (a little jitter), and
      // keep the backoff where it was, so a node that drains does not slow the next reconnects.
      this._setStatus(C.MESIBO_STATUS_CONNECTING, this.info);
      this.backoff = 0;
      var soon = Math.round(Math.random() * this.cfg.reconnectJitter);
      this.reconnectTimer = this.timers.setTimeout(function () { self.reconnectTimer = null; self._connect(); }, soon);
      return;
    }
    this._setStatus(code === 4003 ? C.MESIBO_STATUS_CONNECTFAILURE : C.MESIBO_STATUS_OFFLINE, this.info);
    var delay = Math.min(this.cfg.backoffMax, this.cfg.backoffMin * Math.pow(2, this.backoff));
    if (code === 4003) delay = this.cfg.backoffMax;
    this.backoff = Math.min(this.backoff + 1, 10);
    delay = Math.round(delay * (0.75 + Math.random() * 0.5));
    this.reconnectTimer = this.timers.setTimeout(function () { self.reconnectTimer = null; self._connect(); }, delay);
  }

  /** After a SIGNOUT or AUTHFAIL: connect again (the app asked for it with start()). */
  resume() {
    if (!this.running || !this.isLeader || this.ws) return;
    this.signedOut = false;
    this.authFailed = false;
    this.backoff = 0;
    this._connect();
  }

  /** Closes the socket and reconnects now (Hubbub addition, used by tests and on network change). */
  reconnect() {
    if (!this.isLeader) return;
    if (this.reconnectTimer) { this.timers.clearTimeout(this.reconnectTimer); this.reconnectTimer = null; }
    this._dropSocket(this.connGen, 'reconnect');
  }

  /**
   * Leaves socket `gen` now: it is closed without being heard from again (its late events are not
   * this connection's, and its close event would schedule a second connect), and the loss is
   * handled at once. @param {number} gen @param {string} reason
   */
  _dropSocket(gen, reason) {
    var ws = this.ws;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = noop;
      try { ws.close(1000, reason); } catch (e) { /* ignore */ }
    }
    this._onClose(gen, 1006, reason);
  }

  _wsSend(obj) {
    if (!this.ws || !this.connected) return false;
    try { this.ws.send(JSON.stringify(obj)); return true; } catch (e) { return false; }
  }

  _onFrame(f, gen) {
    var self = this;
    switch (f.t) {
      case 'welcome':
        this.connected = true;
        this.flushed = false;
        this.welcomed = true;
        this.backoff = 0;
        this.info = { address: f.address, uid: f.uid, device: f.device, head: f.head, ts: f.ts, limits: f.limits, ice: f.ice || [] };
        this.store.getLastSeq().then(function (last) {
          if (gen !== self.connGen) return;
          var go = function () {
            if (gen !== self.connGen) return;
            self._setStatus(C.MESIBO_STATUS_ONLINE, self.info);
            self._flush();
          };
          if (f.after > last) {
            // The server resumes past what this store holds (a new or cleared store): start there.
            self.store.setFloor(f.after).then(function () {
              self.committedSeq = Math.max(self.committedSeq, f.after);
              self._post({ type: 'jump', seq: f.after });
              self._jump(f.after);
              go();
            });
          } else go();
        });
        break;
      case 'events':
        if (Array.isArray(f.events) && f.events.length) {
          for (var i = 0; i < f.events.length; i++) this.inq.push(f.events[i]);
          if (!this.committing) this._commitLoop();
        }
        break;
      case 'res':
        this._onRes(f);
        break;
      case 'presence':
        this._post({ type: 'presence', frame: f });
        if (this.h.onPresence) this.h.onPresence(f);
        break;
      case 'signout':
        this.signedOut = true;
        break;
      case 'error':
        if (f.code === 'AUTHFAIL') this.authFailed = true;
        this.log('server error ' + f.code + ': ' + (f.reason || ''));
        break;
      default:
        if (this.h.onFrame) this.h.onFrame(f);
    }
  }

  async _commitLoop() {
    this.committing = true;
    try {
      while (this.inq.length && this.isLeader) {
        var batch = this.inq.splice(0, this.inq.length);
        try {
          await this.store.applyEvents(batch, this.crossTab ? this.term : null);
        } catch (e) {
          if (e && e.code === 'FENCED') { this._stepDown('fenced'); return; }
          this.log('store error: ' + e);
          // Not committed: not acknowledged either, the server sends it again after a reconnect.
          this.inq = [];
          this.reconnect();
          return;
        }
        var top = batch[batch.length - 1].seq;
        if (top > this.committedSeq) this.committedSeq = top;
        if (this.crossTab) this._post({ type: 'ev', events: batch });
        this._receive(batch);
        this._scheduleAck();
      }
    } finally {
      this.committing = false;
    }
  }

  _scheduleAck() {
    if (!this.connected) return;
    var self = this;
    if (this.committedSeq - this.ackedSeq >= this.cfg.ackEvery) { this._sendAck(); return; }
    if (!this.ackTimer) this.ackTimer = this.timers.setTimeout(function () { self.ackTimer = null; self._sendAck(); }, this.cfg.ackDelay);
  }

  _sendAck() {
    if (this.ackTimer) { this.timers.clearTimeout(this.ackTimer); this.ackTimer = null; }
    if (this.committedSeq > this.ackedSeq && this._wsSend({ t: 'ack', seq: this.committedSeq })) this.ackedSeq = this.committedSeq;
  }

  async _flush() {
    var gen = this.connGen;
    var entries = await this.store.outboxAll();
    if (gen !== this.connGen || !this.connected) return;
    this.flushed = true;
    for (var i = 0; i < entries.length; i++) {
      var e = entries[i];
      if (!this.pendingSends.has(e.cid)) this.pendingSends.set(e.cid, { frame: e.frame, origin: e.origin, ts: e.ts });
    }
    var list = Array.from(this.pendingSends.entries()).sort(function (a, b) { return a[1].ts - b[1].ts; });
    for (var j = 0; j < list.length; j++) this._transmitSend(list[j][0]);
    var q = this.reqQueue;
    this.reqQueue = [];
    for (var k = 0; k < q.length; k++) this._transmitReq(q[k]);
  }

  _transmitSend(cid) {
    var p = this.pendingSends.get(cid);
    if (!p || !this.connected || !this.flushed || this.sendingCids.has(cid)) return;
    var r = ++this.rseq;
    var frame = Object.assign({}, p.frame, { r: r, cid: cid });
    if (this._wsSend(frame)) {
      this.log('transmit ' + cid);
      this.inflight.set(r, { kind: 'send', cid: cid });
      this.sendingCids.add(cid);
    }
  }

  _transmitReq(entry) {
    if (!this.connected) { this.reqQueue.push(entry); return; }
    var r = ++this.rseq;
    if (this._wsSend(Object.assign({}, entry.frame, { r: r }))) this.inflight.set(r, { kind: 'req', entry: entry });
    else this.reqQueue.push(entry);
  }

  _leaderRequest(frame, done) {
    this._transmitReq({ frame: frame, done: done });
  }

  _leaderSend(cid, frame, origin, ts) {
    if (!this.pendingSends.has(cid)) this.pendingSends.set(cid, { frame: frame, origin: origin, ts: ts || 0 });
    this._transmitSend(cid);
  }

  _onRes(f) {
    var x = this.inflight.get(f.r);
    if (!x) return;
    this.inflight.delete(f.r);
    var self = this;
    if (x.kind === 'req') { x.entry.done(f); return; }
    var cid = x.cid;
    this.sendingCids.delete(cid);
    if (!f.ok && f.error === 'RATELIMIT') {
      this.timers.setTimeout(function () { self._transmitSend(cid); }, this.cfg.rateLimitRetry);
      return;
    }
    var p = this.pendingSends.get(cid);
    this.pendingSends.delete(cid);
    var origin = p ? p.origin : null;
    var res = Object.assign({}, f);
    delete res.r;
    this.log('res ' + cid + ' ok=' + f.ok + ' status=' + f.status + (f.dup ? ' dup' : ''));
    this.store.outboxDelete(cid).then(function () {
      if (self.crossTab) self._post({ type: 'sent', cid: cid, res: res, origin: origin });
      self._onSentLocal(cid, res);
    });
  }

  _onSentLocal(cid, res) {
    this.shadow.delete(cid);
    var s = this.mySends.get(cid);
    if (!s) return;
    this.mySends.delete(cid);
    s.resolve(res);
  }

  // ----- sending and requests (any tab) -------------------------------------------------------

  /**
   * Sends a `send` frame through the outbox. Resolves with the server's answer
   * ({ok, mid, cid, status, ts, dup} or {ok:false, error}). The entry stays in the shared
   * outbox until the server answers, whichever tab is the leader by then.
   */
  async send(frame) {
    var cid = String(frame.cid);
    var f = Object.assign({}, frame, { t: 'send', cid: cid });
    delete f.r;
    var self = this;
    var p = new Promise(function (resolve) { self.mySends.set(cid, { resolve: resolve }); });
    var ts = this.timers.now();
    this.log('send ' + cid + ' ' + f.message);
    // Three copies at once, so that no single death loses it: the shared outbox (IndexedDB), the
    // other tabs' memory (they keep it until the leader reports it sent), and the leader's socket.
    var put = this.store.outboxPut({ cid: cid, frame: f, origin: this.tabId, ts: ts });
    if (this.crossTab) this._post({ type: 'send', cid: cid, frame: f, origin: this.tabId, ts: ts });
    if (this.isLeader) this._leaderSend(cid, f, this.tabId, ts);
    try {
      await put;
      this.log('outbox ' + cid + ' leader=' + this.isLeader);
      // Answered before the write finished: the leader's delete may have come first.
      if (!this.mySends.has(cid)) await this.store.outboxDelete(cid);
    } catch (e) {
      this.log('outbox write failed for ' + cid + ': ' + e);
    }
    return p;
  }

  /** Sends a request frame (read, history, profile, ...) through the leader; resolves with its res. */
  request(frame) {
    var self = this;
    var f = Object.assign({}, frame);
    delete f.r;
    return new Promise(function (resolve, reject) {
      var id = self.tabId + ':' + (++self.reqSeq);
      var timer = self.timers.setTimeout(function () {
        self.myReqs.delete(id);
        resolve({ ok: false, error: 'TIMEOUT' });
      }, self.cfg.requestTimeout);
      self.myReqs.set(id, { frame: f, resolve: resolve, reject: reject, timer: timer });
      if (self.isLeader) self._leaderRequest(f, function (res) { self._resolveReq(id, res); });
      else if (self.crossTab) self._post({ type: 'req', id: id, frame: f });
    });
  }

  _resolveReq(id, res) {
    var q = this.myReqs.get(id);
    if (!q) return;
    this.myReqs.delete(id);
    this.timers.clearTimeout(q.timer);
    var out = Object.assign({}, res);
    delete out.r;
    q.resolve(out);
  }

  /** Sends a frame that needs no answer (presence, ack-less). Dropped when offline. */
  fire(frame) {
    if (this.isLeader) { this._wsSend(frame); return; }
    if (this.crossTab) this._post({ type: 'fire', frame: frame });
  }

  /** Stores a user object and tells every tab (including this one). */
  async setUserObject(name, obj) {
    var rec = { name: name, obj: cloneData(obj), ver: this.timers.now() * 1000 + Math.floor(Math.random() * 1000) };
    await this.store.userObjectPut(rec);
    if (this.crossTab) this._post({ type: 'uobj', rec: rec });
    if (this.h.onUserObject) this.h.onUserObject(rec.name, cloneData(rec.obj));
  }

  /** Reads a user object from the shared store (null when unset). */
  async getUserObject(name) {
    var rec = await this.store.userObjectGet(name);
    return rec ? rec.obj : null;
  }

  // ----- status ---------------------------------------------------------------------------------

  _setStatus(status, info, localOnly) {
    this.info = info || this.info;
    if (this.isLeader && this.crossTab && !localOnly) this._post({ type: 'status', status: status, info: this.info, seq: this.committedSeq });
    this._statusLocal(status, this.info);
  }

  _statusLocal(status, info) {
    var changed = status !== this.status;
    this.status = status;
    this.info = info || {};
    if (changed && this.h.onStatus) this.h.onStatus(status, this.info);
  }

  // ----- in-order, exactly-once application -----------------------------------------------------

  _receive(events) {
    for (var i = 0; i < events.length; i++) {
      var ev = events[i];
      if (typeof ev.seq !== 'number' || ev.seq <= this.applied || this.pending.has(ev.seq)) continue;
      this.pending.set(ev.seq, ev);
    }
    this._drain();
  }

  _drain() {
    var out = [];
    while (this.pending.has(this.applied + 1)) {
      var s = this.applied + 1;
      out.push(this.pending.get(s));
      this.pending.delete(s);
      this.applied = s;
    }
    if (out.length && this.h.onEvents) this.h.onEvents(out);
    if (this.pending.size) this._fill();
  }

  _jump(seq) {
    if (this.applied >= seq) return;
    this.applied = seq;
    var self = this;
    this.pending.forEach(function (v, k) { if (k <= seq) self.pending.delete(k); });
    this._drain();
  }

  /** Fills the gap between the applied seq and the first buffered one (or `upTo`) from the store. */
  async _fill(upTo) {
    if (this.filling) { if (upTo) this._fillTo = Math.max(this._fillTo || 0, upTo); return; }
    this.filling = true;
    try {
      var lo = this.applied + 1;
      var hi;
      if (this.pending.size) hi = sortedSeqs(this.pending)[0] - 1;
      else hi = Math.max(upTo || 0, this._fillTo || 0);
      this._fillTo = 0;
      if (hi < lo) return;
      var got = await this.store.getEvents(lo, hi);
      if (got.floor >= this.applied + 1 && (!got.events.length || got.events[0].seq !== this.applied + 1)) {
        // Seqs up to the floor were never stored (the server resumed past them).
        this._jump(Math.min(got.floor, hi));
      } else if (!got.events.length && got.lastSeq >= hi) {
        // Committed but already pruned from the store's recent events (this tab slept through
        // thousands of events): skip them; the messages themselves are in the store.
        this.log('resync: events ' + lo + '..' + hi + ' were pruned');
        this._jump(hi);
        if (this.h.onResync) this.h.onResync();
      }
      var evs = got.events.filter(function (e) { return e.seq > 0; });
      for (var i = 0; i < evs.length; i++) {
        if (evs[i].seq === this.applied + 1) { this.applied++; this._deliverOne(evs[i]); }
      }
      var self = this;
      this.pending.forEach(function (v, k) { if (k <= self.applied) self.pending.delete(k); });
      var stillGap = (this.pending.size && sortedSeqs(this.pending)[0] > this.applied + 1) || (!this.pending.size && hi > this.applied);
      if (stillGap && !this.isLeader && this.crossTab) {
        this._post({ type: 'need', lo: this.applied + 1, hi: this.pending.size ? sortedSeqs(this.pending)[0] - 1 : hi });
      }
      if (stillGap && !this.fillTimer) {
        this.fillTimer = this.timers.setTimeout(function () { self.fillTimer = null; self._fill(hi); }, this.cfg.fillRetry);
      }
    } finally {
      this.filling = false;
    }
    if (this.pending.has(this.applied + 1)) this._drain();
    else if (this._fillTo > this.applied) this._fill(this._fillTo);
  }

  _deliverOne(ev) {
    if (this.h.onEvents) this.h.onEvents([ev]);
  }

  // ----- the channel ----------------------------------------------------------------------------

  _post(msg) {
    if (!this.channel) return;
    msg.term = this.isLeader ? this.term : this.knownTerm;
    msg.from = this.tabId;
    msg.leader = this.isLeader;
    try { this.channel.postMessage(msg); } catch (e) { this.log('channel: ' + e); }
  }

  _onChannel(m) {
    if (!m || typeof m !== 'object' || !m.type) return;
    if (!this.ready) { this._chanBuffer.push(m); return; }
    if (!this.running) return;
    var term = m.term || 0;
    if (term > this.knownTerm) {
      this.knownTerm = term;
      if (this.isLeader && term > this.term) this._stepDown('newer term ' + term);
    }
    // Messages that speak for the leader are fenced by its term.
    if (m.leader) {
      if (term < this.knownTerm) return;
      if (this.isLeader && term === this.term && m.from !== this.tabId) return;
      this.leaderTab = m.from;
    }
    var self = this;
    switch (m.type) {
      case 'hello':
        this.tabVisibility.set(m.from, !!m.visible);
        if (this.isLeader) this._post({ type: 'status', status: this.status, info: this.info, seq: this.committedSeq, to: m.from });
        break;
      case 'bye':
        this.tabVisibility.delete(m.from);
        if (m.leader && this.locks && this.locks.poke) this.locks.poke();
        break;
      case 'vis':
        this.tabVisibility.set(m.from, !!m.visible);
        break;
      case 'leader':
        // A new leader: hand it the requests this tab still waits for.
        this.myReqs.forEach(function (q, id) { self._post({ type: 'req', id: id, frame: q.frame }); });
        this._post({ type: 'vis', visible: this._visible() });
        if (m.seq > this.applied) this._fill(m.seq);
        break;
      case 'status':
        if (!m.leader) break;
        this._statusLocal(m.status, m.info);
        if (m.seq > this.applied) this._fill(m.seq);
        break;
      case 'ev':
        if (m.leader) this._receive(m.events || []);
        break;
      case 'jump':
        if (m.leader) this._jump(m.seq);
        break;
      case 'beat':
        if (m.leader && m.seq > this.applied) this._fill(m.seq);
        break;
      case 'need':
        if (this.isLeader) {
          this.store.getEvents(m.lo, m.hi).then(function (got) {
            if (got.events.length) self._post({ type: 'ev', events: got.events });
            else if (got.floor >= m.lo) self._post({ type: 'jump', seq: got.floor });
          });
        }
        break;
      case 'send':
        this.shadow.set(m.cid, { frame: m.frame, origin: m.origin, ts: m.ts });
        if (this.isLeader) this._leaderSend(m.cid, m.frame, m.origin, m.ts);
        break;
      case 'sent':
        this.shadow.delete(m.cid);
        if (m.leader) this._onSentLocal(m.cid, m.res);
        break;
      case 'req':
        if (this.isLeader) this._leaderRequest(m.frame, function (res) { self._post({ type: 'res', id: m.id, res: res, to: m.from }); });
        break;
      case 'res':
        if (m.leader && m.to === this.tabId) this._resolveReq(m.id, m.res);
        break;
      case 'fire':
        if (this.isLeader) this._wsSend(m.frame);
        break;
      case 'presence':
        if (m.leader && this.h.onPresence) this.h.onPresence(m.frame);
        break;
      case 'uobj':
        if (this.h.onUserObject && m.rec) this.h.onUserObject(m.rec.name, cloneData(m.rec.obj));
        break;
      default:
        if (this.h.onChannel) this.h.onChannel(m);
    }
  }
}
