import { C } from '../protocol/constants.js';
import { convKey, eventParts, recordFromMsg, reduceRecord } from '../protocol/records.js';
import { hash53, randomId, assertDataOnly, cloneData, installMethods } from '../util.js';
import { TabSession } from '../crosstab/session.js';
import { HAS_DOC, normalizeServer, defaultServer, legacyName, utf8, getPageIdentity, browserDependencies } from './env.js';
import { MesiboMessage } from './message.js';
import { MesiboPresence } from './presence.js';
import { MesiboGroupMember } from './member.js';
import { MesiboProfile } from './profile.js';
import { MesiboReadSession } from './read-session.js';
import { MesiboHttpRequest } from './http.js';
import { callMethods } from '../calls/index.js';
import { FileUrls, applyWithUrls, fileMethods, fileTypeOfUrl, uploadThenSend } from '../files/index.js';

var instances = { shared: null, last: null };

/** The SDK's version (printVersion). */
export const SDK_VERSION = '0.1.0';

/** What Mesibo.initServiceWorker() was given (for the files layer's handlers). */
export const serviceWorker = { caches: null, scope: null };

/**
 * The Hubbub implementation of the mesibo JavaScript API.
 * var api = new Mesibo(); api.setAppName(appid); api.setAccessToken(token);
 * api.setListener(listener); api.enableCrossTabSessions(true); api.start();
 */
export class Mesibo {
  constructor() {
    this._appid = '';
    this._token = '';
    this._listeners = [];
    this._dbName = 'mesibo';
    this._dbCb = null;
    this._crossTab = false;
    this._server = null;
    this._started = false;
    this._session = null;
    this._deps = null;
    this._depsFactory = null;
    this._profiles = new Map();
    this._mirror = new Map();
    this._mySent = new Map();     // cid -> MesiboMessage sent from this tab
    this._objects = new Map();    // mid -> the MesiboMessage this tab gave the app (one object per message)
    this._statusSeen = new Map(); // cid -> last status reported for own sends
    this._readSessions = new Set();
    this._readSent = new Set();
    this._readQueue = new Map();
    this._notify = false;
    this._status = C.MESIBO_STATUS_UNKNOWN;
    this._info = {};
    this._uploader = null;
    this._fileUrls = new FileUrls(this);
    this._fileQueue = null;
    this._readyResolve = null;
    var self = this;
    this._ready = new Promise(function (r) { self._readyResolve = r; });
    this._onVis = null;
    this._onHide = null;
    instances.last = this;
  }

  /** The shared instance (created on first use). @returns {Mesibo} */
  static getInstance() {
    if (!instances.shared) instances.shared = new Mesibo();
    return instances.shared;
  }


  static _current() { return instances.last || Mesibo.getInstance(); }

  /**
   * Logs the SDK's version (mesibo apps call it while they set up; the arguments are free text).
   * @param {string} [a] @param {string} [b] @returns {string} the version
   */
  static printVersion(a, b) {
    var v = 'Hubbub mesibo-compatible SDK ' + SDK_VERSION;
    if (typeof console !== 'undefined') console.log(v + (a ? ' ' + a : '') + (b ? ' ' + b : ''));
    return SDK_VERSION;
  }

  /**
   * Inside a service worker, after importScripts() of this script: takes control of the app's pages
   * at once (install: skipWaiting, activate: clients.claim). Requests go to the network as usual; the
   * browser's HTTP cache keeps downloaded files. Never throws.
   * @param {CacheStorage} caches @param {ServiceWorkerGlobalScope} self
   * @returns {boolean} true when the handlers were installed
   */
  static initServiceWorker(caches, self) {
    var scope = self || globalThis;
    serviceWorker.caches = caches || null;
    serviceWorker.scope = scope;
    if (!scope || typeof scope.addEventListener !== 'function') return false;
    try {
      scope.addEventListener('install', function (e) { if (scope.skipWaiting) e.waitUntil(scope.skipWaiting()); });
      scope.addEventListener('activate', function (e) { if (scope.clients && scope.clients.claim) e.waitUntil(scope.clients.claim()); });
    } catch (e) {
      return false;
    }
    return true;
  }

  // ----- set-up -------------------------------------------------------------------------------

  /** The app id the token was issued for. @param {string} name */
  setAppName(name) { this._appid = String(name || ''); }
  /** The user access token from the backend API. @param {string} token */
  setAccessToken(token) { this._token = String(token || ''); }
  /** Alias of setAccessToken. @param {string} token */
  setCredentials(token) { this.setAccessToken(token); }
  /** Replaces the listeners with this one. @param {object} listener */
  setListener(listener) { this._listeners = listener ? [listener] : []; }
  /** Adds a listener. @param {object} listener */
  addListener(listener) { if (listener && this._listeners.indexOf(listener) < 0) this._listeners.push(listener); }
  /** Removes a listener. @param {object} listener */
  removeListener(listener) { this._listeners = this._listeners.filter(function (l) { return l !== listener; }); }
  /**
   * Names the local IndexedDB store; cb(true) once it is open and loaded (after start()).
   * @param {string} name @param {function(boolean)} [cb]
   */
  setDatabase(name, cb) { if (name) this._dbName = String(name); this._dbCb = cb || null; }
  /**
   * Registers the app's service worker script (mesibo apps call it while they set up). Never throws:
   * a failed registration (another origin, no service worker support) is logged and ignored.
   * @param {string} url the worker script @returns {Promise<ServiceWorkerRegistration|null>}
   */
  startServiceWorker(url) {
    try {
      var nav = globalThis.navigator;
      if (!url || !nav || !nav.serviceWorker || typeof nav.serviceWorker.register !== 'function') return Promise.resolve(null);
      return nav.serviceWorker.register(url).catch(function (e) {
        console.warn('Hubbub: startServiceWorker(' + url + ') failed: ' + (e && e.message ? e.message : e));
        return null;
      });
    } catch (e) {
      console.warn('Hubbub: startServiceWorker(' + url + ') failed: ' + (e && e.message ? e.message : e));
      return Promise.resolve(null);
    }
  }
  /**
   * Share one login and one connection between this user's tabs and windows. Call before start();
   * after start() it has no effect (and says so in the console).
   * @param {boolean} enable
   */
  enableCrossTabSessions(enable) {
    if (this._started) {
      console.warn('Hubbub: enableCrossTabSessions() has no effect after start(); call it before start()');
      return;
    }
    this._crossTab = enable !== false;
  }
  /**
   * Talks to another server than the one this script was loaded from (Hubbub addition).
   * Accepts ws(s)://host/ws or http(s)://host (then /ws is used). Call before start().
   * @param {string} url
   */
  setServer(url) { this._server = normalizeServer(url); }
  /** The WebSocket URL in use. @returns {string} */
  getServer() { return this._server || defaultServer(); }
  /** Show a desktop notification for incoming messages while no tab of the app is visible (once, not once per tab). @param {boolean} enable */
  enableNotifications(enable) { this._notify = enable !== false; }
  /** Test hook: fn(scope, dbName) -> dependencies ({store, channel, locks, socketFactory, timers, identity, visible}). */
  _setDependencies(fn) { this._depsFactory = fn; }

  /**
   * Starts: opens the store, joins the other tabs (cross-tab sessions) and connects.
   * @returns {number} MESIBO_RESULT_OK, or MESIBO_RESULT_FAIL without app name or token
   */
  start() {
    if (this._started) {
      // Signed out (another tab or device took the connection): take it back.
      if (this._session && this._session.signedOut) this._session.resume();
      return C.MESIBO_RESULT_OK;
    }
    if (!this._token || !this._appid) {
      console.error('Hubbub: setAppName() and setAccessToken() must be called before start()');
      return C.MESIBO_RESULT_FAIL;
    }
    this._started = true;
    instances.last = this;
    if (this._session) {
      // Started again after stop(): a fresh session and a fresh readiness promise.
      var me = this;
      this._ready = new Promise(function (r) { me._readyResolve = r; });
    }
    var server = this.getServer();
    var key = hash53(server + '|' + this._appid + '|' + this._token);
    this._scope = key;
    var dbName = 'hubbub-' + this._dbName + '-' + this._appid + '-' + key;
    var deps = (this._depsFactory || browserDependencies)(key, dbName);
    this._deps = deps;
    var wantCross = this._crossTab;
    var cross = wantCross && !!deps.channel && !!deps.locks;
    this._mode = cross ? (deps.lockKind === 'lease' ? 'lease' : 'weblocks') : (wantCross ? 'solo-fallback' : 'solo');
    if (wantCross && !cross) console.warn('Hubbub: BroadcastChannel is missing: this tab keeps its own connection');
    if (!cross && deps.channel && deps.channel.close) { try { deps.channel.close(); } catch (e) { /* ignore */ } }
    var self = this;
    var s = new TabSession({
      url: server, token: this._token, appid: this._appid, scope: key, crossTab: cross,
      channel: cross ? deps.channel : null, locks: cross ? deps.locks : null, socketFactory: deps.socketFactory,
      store: deps.store, timers: deps.timers, identity: deps.identity, visible: deps.visible,
      tabField: wantCross && !cross, config: deps.config, log: deps.log,
      handlers: {
        onSnapshot: function (snap) { self._onSnapshot(snap); },
        onEvents: function (evs) {
          // a message with a file is handed out once its signed URL is known (order kept)
          applyWithUrls(self, evs, function (list) { for (var i = 0; i < list.length; i++) self._applyEvent(list[i]); });
        },
        onStatus: function (st, info) { self._onStatus(st, info); },
        onPresence: function (f) { self._onPresence(f); },
        onUserObject: function (name, obj) { self._emit('MesiboJS_onUserObject', [name, obj]); },
        onLeader: function (isLeader) { self._emit('MesiboJS_onLeader', [isLeader]); },
        onFrame: function (f) { if (f.t === 'call' || f.t === 'call_signal') self._callFrame(f); },
        onChannel: function (m) {
          if (m.type === 'stored' && Array.isArray(m.records)) self._mergeRecords(m.records);
          else self._callChannel(m);
        }
      }
    });
    this._session = s;
    if (HAS_DOC && typeof window !== 'undefined' && window.addEventListener && !deps.noPageEvents) {
      this._onVis = function () { s.visibilityChanged(); if (s._visible()) self._flushReads(); };
      // Leaving the page (also into the back/forward cache) hands the connection over at once;
      // coming back from that cache starts again.
      this._onHide = function () { if (self._callManager) self._callManager.close(); self.stop(); if (self._onShow) window.addEventListener('pageshow', self._onShow); };
      this._onShow = function (e) { if (e && e.persisted) { window.removeEventListener('pageshow', self._onShow); self.start(); } };
      document.addEventListener('visibilitychange', this._onVis);
      window.addEventListener('pagehide', this._onHide);
    }
    s.start().then(function () { self._readyResolve(s); }, function (e) {
      console.error('Hubbub: could not start', e);
      if (self._dbCb) self._dbCb(false);
      self._onStatus(C.MESIBO_STATUS_CONNECTFAILURE, {});
    });
    return C.MESIBO_RESULT_OK;
  }

  /** Stops: closes the connection (another tab takes it over) and stops callbacks. */
  stop() {
    if (!this._session) return;
    if (this._onVis) document.removeEventListener('visibilitychange', this._onVis);
    if (this._onHide) window.removeEventListener('pagehide', this._onHide);
    this._session.stop();
    this._started = false;
  }

  /** Tab id: unique among the open tabs, kept across a reload of this tab. @returns {number} */
  getTabId() {
    if (this._session) return this._session.tabId;
    if (this._depsFactory) return 0;
    return getPageIdentity().id;
  }
  /** True when this tab holds the connection for its tabs (Hubbub addition). @returns {boolean} */
  isConnectionOwner() { return !!(this._session && this._session.isLeader); }
  /** 'weblocks' | 'lease' | 'solo' | 'solo-fallback' (Hubbub addition). @returns {string} */
  getSessionMode() { return this._mode || (this._crossTab ? 'weblocks' : 'solo'); }
  /** The last connection status (MESIBO_STATUS_*). @returns {number} */
  getConnectionStatus() { return this._status; }
  /** A new message id. @returns {number} */
  random() { return randomId(); }

  // ----- user objects ---------------------------------------------------------------------------

  /**
   * Stores a data-only object under `name`, shared by every tab; every tab (this one included)
   * gets MesiboJS_onUserObject(name, obj). Throws a TypeError if obj holds a function.
   * @param {string} name @param {*} obj @returns {Promise<void>}
   */
  setUserObject(name, obj) {
    assertDataOnly(obj, String(name));
    try { cloneData(obj); } catch (e) { throw new TypeError('setUserObject: ' + name + ' is not data-only: ' + e.message); }
    var copy = cloneData(obj);
    return this._ready.then(function (s) { return s.setUserObject(String(name), copy); });
  }
  /**
   * Calls cb(obj) with the object stored under `name` by any tab (null when unset).
   * @param {string} name @param {function(*)} cb @returns {Promise<*>}
   */
  getUserObject(name, cb) {
    return this._ready.then(function (s) { return s.getUserObject(String(name)); }).then(function (obj) {
      if (cb) cb(obj);
      return obj;
    });
  }

  // ----- profiles, groups -----------------------------------------------------------------------

  _selfAddress() { return this._info && this._info.address ? this._info.address : ''; }

  /**
   * The profile of a user (address) or a group (groupid > 0). Cached: the same object every time.
   * @param {string} address @param {number} [groupid] @returns {MesiboProfile}
   */
  getProfile(address, groupid) {
    var gid = Number(groupid) || 0;
    var key = convKey(address, gid);
    var p = this._profiles.get(key);
    if (!p) {
      p = new MesiboProfile(this, address, gid);
      this._profiles.set(key, p);
      this._customize(p);
      if (this._started) this._fetchProfile(p);
    }
    return p;
  }
  /** The own profile (known once online). @returns {MesiboProfile} */
  getSelfProfile() { return this.getProfile(this._selfAddress(), 0); }
  /** Profiles of the conversations in the store, latest first. @returns {MesiboProfile[]} */
  getSortedProfiles() {
    var self = this;
    return this._summary().map(function (r) { return self.getProfile(r.gid ? '' : r.peer, r.gid); });
  }
  /**
   * Creates a group; cb(profile) with its profile (null on failure).
   * @param {string} name @param {number} flags @param {function(MesiboProfile)} cb @returns {Promise<MesiboProfile>}
   */
  createGroup(name, flags, cb) {
    var self = this;
    return this._request({ t: 'group_create', name: name || '', flag: flags || 0, members: [] }).then(function (res) {
      var p = res.ok ? self.getProfile('', res.gid) : null;
      if (p) { p.name = name || ''; self._emit('Mesibo_onGroupCreated', [p]); }
      if (cb) cb(p);
      return p;
    });
  }
  /** A read session over the latest message of every conversation. @param {object} listener @returns {MesiboReadSession} */
  createReadSummarySession(listener) { return new MesiboReadSession(this, null, listener, true); }
  /**
   * Legacy read session: on_read(count) runs after each read(n), with `this` the session (use
   * this.getMessages()); enableSummary(true) turns it into the summary session.
   * @param {string} peer @param {number} gid @param {object} [query] @param {function(number)} [onRead]
   * @returns {MesiboReadSession}
   */
  readDbSession(peer, gid, query, onRead) {
    if (typeof query === 'function') { onRead = query; query = null; }
    var rs = new MesiboReadSession(this, { peer: gid ? '' : (peer || ''), gid: Number(gid) || 0 }, null, !peer && !gid);
    rs._onRead = onRead || null;
    return rs;
  }

  /** The listeners' Mesibo_onGetProfileName(profile) for a profile without a name. */
  _fallbackName(p) {
    if (this._inFallback) return '';
    this._inFallback = true;
    try {
      for (var i = 0; i < this._listeners.length; i++) {
        var l = this._listeners[i];
        if (typeof l.Mesibo_onGetProfileName !== 'function') continue;
        try { var n = l.Mesibo_onGetProfileName(p); if (typeof n === 'string' && n) return n; } catch (e) { console.error(e); }
      }
      return '';
    } finally {
      this._inFallback = false;
    }
  }

  /** The listeners' Mesibo_onGetProfileImage(profile) for a profile without a picture (a URL, or an image object). */
  _fallbackImage(p) {
    if (this._inFallback) return '';
    this._inFallback = true;
    try {
      for (var i = 0; i < this._listeners.length; i++) {
        var l = this._listeners[i];
        if (typeof l.Mesibo_onGetProfileImage !== 'function') continue;
        try {
          var v = l.Mesibo_onGetProfileImage(p);
          if (typeof v === 'string' && v) return v;
          if (v && typeof v.getImageOrThumbnail === 'function') return v.getImageOrThumbnail() || '';
        } catch (e) { console.error(e); }
      }
      return '';
    } finally {
      this._inFallback = false;
    }
  }

  /** Lets the listeners adjust a new profile (Mesibo_onCustomizeProfile). */
  _customize(p) {
    var ls = this._listeners;
    for (var i = 0; i < ls.length; i++) {
      if (typeof ls[i].Mesibo_onCustomizeProfile === 'function') { try { ls[i].Mesibo_onCustomizeProfile(p); } catch (e) { console.error(e); } }
    }
  }

  /** RECEIVEDNEW messages of conversation `conv` (all conversations when null). */
  _unreadCount(conv) {
    var n = 0;
    this._mirror.forEach(function (r) {
      if ((conv === null || r.conv === conv) && !r.deleted && r.dir === 'in' && r.status === C.MESIBO_MSGSTATUS_RECEIVEDNEW) n++;
    });
    return n;
  }

  _fetchProfile(p) {
    if (p._fetched) return;
    p._fetched = true;
    var self = this;
    if (p.groupid) {
      this._request({ t: 'group_get', gid: p.groupid }).then(function (res) {
        if (res.ok && res.group) { p.name = res.group.name || p.name; self._emit('Mesibo_onProfileUpdated', [p]); }
      });
      return;
    }
    if (!p.address) { p._fetched = false; return; }
    this._request({ t: 'profiles', addresses: [p.address] }).then(function (res) {
      var list = res.ok && res.profiles ? res.profiles : [];
      if (!list.length) return;
      self._applyProfile(list[0]);
    });
  }

  _applyProfile(d) {
    var p = this._profiles.get(convKey(d.address, 0));
    if (!p) { p = new MesiboProfile(this, d.address, 0); p._fetched = true; this._profiles.set(convKey(d.address, 0), p); }
    if (d.name !== undefined) p.name = d.name || '';
    if (d.status !== undefined) p.status = d.status || '';
    if (d.picture !== undefined) p.picture = d.picture || '';
    if (d.thumb !== undefined) p._thumb = d.thumb || '';
    if (d.online !== undefined) p._online = !!d.online;
    if (d.lastseen !== undefined) p._lastseen = d.lastseen || 0;
    this._emit('Mesibo_onProfileUpdated', [p]);
  }

  // ----- sending --------------------------------------------------------------------------------

  /**
   * Older style: sends text to params.peer (or params.groupid).
   * @param {{peer?: string, groupid?: number, expiry?: number, flag?: number, title?: string, type?: number}} params
   * @param {number} id from api.random(): the message's id in every status callback, in every tab
   * @param {string} text @returns {number} the id
   */
  sendMessage(params, id, text) {
    params = params || {};
    var m = new MesiboMessage(this, { dir: 'out', peer: params.peer || '', gid: params.groupid || 0, status: C.MESIBO_MSGSTATUS_OUTBOX, flag: params.flag, type: params.type });
    m.id = id || this.random();
    m.message = text === undefined || text === null ? '' : String(text);
    m.title = params.title || '';
    if (params.expiry !== undefined) m.expiry = params.expiry;
    if (params.file || params.fileurl) m.setContent(params.file || params.fileurl);
    return m.send();
  }

  /**
   * Older style: sends an already hosted file (no upload) to params.peer (or params.groupid).
   * @param {{peer?: string, groupid?: number, expiry?: number, flag?: number}} params @param {number} id
   * @param {{filetype?: number, size?: number, fileurl: string, title?: string, message?: string, name?: string}} file
   * @returns {number} the id
   */
  sendFile(params, id, file) {
    params = params || {};
    file = file || {};
    var m = new MesiboMessage(this, { dir: 'out', peer: params.peer || '', gid: params.groupid || 0, status: C.MESIBO_MSGSTATUS_OUTBOX, flag: params.flag });
    m.id = id || this.random();
    m.message = file.message || '';
    m.title = file.title || '';
    if (params.expiry !== undefined) m.expiry = params.expiry;
    var url = file.fileurl || file.url || '';
    m._setFile({ url: url, type: file.filetype || fileTypeOfUrl(url), size: file.size || 0, name: file.name || '' });
    return m.send();
  }

  /** Forwards a stored message (by id or mid) to `to`. @returns {number} the new id */
  forwardMessage(to, m) { return m.forward(to).send(); }

  _sendMessageObject(m) {
    var self = this;
    if (!m.id) m.id = this.random();
    if (!m.peer && !m.groupid) {
      console.error('Hubbub: a message needs a peer or a groupid');
      m.status = C.MESIBO_MSGSTATUS_INVALIDDEST;
      this._later(function () { self._emit('Mesibo_onMessageStatus', [m]); });
      return m.id;
    }
    var cid = String(m.id) + (m._attempt ? '.' + m._attempt : '');
    m.cid = cid;
    m._dir = 'out';
    m.status = C.MESIBO_MSGSTATUS_OUTBOX;
    m.ts = Date.now();
    this._mySent.set(cid, m);
    if (!m._echoed) {
      // As in mesibo, the sending tab gets its own message through Mesibo_onMessage (outgoing,
      // realtime, a non-zero mid: the app's id until the server gives its own), then its statuses.
      m._echoed = true;
      if (!m.mid) m.mid = m.id;
      m._how({ realtime: true });
      this._later(function () { self._emit('Mesibo_onMessage', [m]); });
    }
    var go = function () {
      var frame = { t: 'send', cid: cid, to: m.groupid ? '' : m.peer, gid: m.groupid || 0, message: m.message || '', title: m.title || '',
        flag: m.flag === undefined ? C.MESIBO_FLAG_DEFAULT : m.flag, type: m.type || 0 };
      if (m.expiry !== undefined && m.expiry !== null) frame.expiry = m.expiry;
      var f = m._file;
      if (f) frame.file = f.id ? { id: f.id, name: f.name || '', type: f.type || 0 } : f;
      if (m.isForwarded()) frame.fwd = true;
      return self._ready.then(function (s) { return s.send(frame); });
    };
    var p = uploadThenSend(this, m, go);
    p.then(function (res) { self._onSendResult(cid, m, res); }, function (e) {
      self._onSendResult(cid, m, { ok: false, error: 'INTERNAL', reason: String(e) });
    });
    return m.id;
  }

  _onSendResult(cid, m, res) {
    if (res.ok) {
      if (res.mid) { m.mid = res.mid; m._serverMid = true; this._objects.set(res.mid, m); }
      if (res.ts) m.ts = res.ts;
      var st = res.status === undefined ? C.MESIBO_MSGSTATUS_SENT : res.status;
      var rec = m.mid ? this._mirror.get(m.mid) : null;
      // A DELIVERED/READ that arrived before the answer already moved the status on.
      if (rec && rec.status > st && rec.status <= 0x7f && st <= 0x7f) st = rec.status;
      m.status = st;
    } else {
      m.status = C.MESIBO_MSGSTATUS_FAIL;
    }
    this._reportOwnStatus(cid, m);
  }

  _reportOwnStatus(cid, m) {
    if (this._statusSeen.get(cid) === m.status) return;
    this._statusSeen.set(cid, m.status);
    this._emit('Mesibo_onMessageStatus', [m]);
  }

  _messageOp(op, m, text) {
    if (!m.mid || !m._serverMid) return Promise.resolve({ ok: false, error: 'NOTFOUND', reason: 'the message has no server id yet' });
    var f = { t: op, mid: m.mid };
    if (op === 'edit') f.message = text || '';
    return this._request(f);
  }

  _presence(p, activity) {
    if (!this._session) return;
    this._session.fire({ t: 'presence', to: p.groupid ? '' : p.address, gid: p.groupid || 0, activity: activity });
  }

  _request(frame) {
    return this._ready.then(function (s) { return s.request(frame); });
  }

  _later(fn) { Promise.resolve().then(fn); }

  // ----- incoming -------------------------------------------------------------------------------

  _emit(name, args) {
    var legacy = legacyName(name);
    var ls = this._listeners.slice();
    for (var i = 0; i < ls.length; i++) {
      var l = ls[i];
      try {
        if (typeof l[name] === 'function') l[name].apply(l, args);
        else if (typeof l[legacy] === 'function') {
          if (legacy === 'Mesibo_OnMessage') l[legacy](args[0], args[0] ? utf8(args[0].message) : null);
          else l[legacy].apply(l, args);
        }
      } catch (e) {
        console.error('Hubbub: listener ' + name + ' threw', e);
      }
    }
  }

  /**
   * The message object for record `rec`: the one this tab already gave the app (updated in place),
   * else a new one. `how` (realtime, db, summary, last) describes this delivery; null keeps it.
   */
  _msg(rec, how) {
    if (rec._obj) { if (how) rec._obj._how(how); return rec._obj; }
    var m = rec.mid ? this._objects.get(rec.mid) : null;
    if (m) {
      m._update(rec);
      if (how) m._how(how);
      return m;
    }
    m = new MesiboMessage(this, rec, how);
    if (rec.mid) this._objects.set(rec.mid, m);
    return m;
  }

  /** Own sends of this tab the store does not hold yet (no server answer): records for the views. */
  _pending() {
    var out = [], mirror = this._mirror;
    this._mySent.forEach(function (m) {
      if (m._serverMid && mirror.has(m.mid)) return;
      if (m.isDeleted()) return;
      out.push({ mid: m.mid, cid: m.cid, dir: 'out', peer: m.peer, gid: m.groupid, ts: m.ts, status: m.status,
        conv: convKey(m.peer, m.groupid), deleted: false, _obj: m });
    });
    return out;
  }

  _onSnapshot(snap) {
    var mirror = new Map();
    for (var i = 0; i < snap.messages.length; i++) mirror.set(snap.messages[i].mid, snap.messages[i]);
    this._mirror = mirror;
    if (this._dbCb) { var cb = this._dbCb; this._later(function () { cb(true); }); }
  }

  _onStatus(st, info) {
    this._status = st;
    this._info = info || {};
    if (st === C.MESIBO_STATUS_ONLINE && this._info.address) {
      var key = convKey(this._info.address, 0);
      if (!this._profiles.has(key)) this.getProfile(this._info.address, 0);
      var self = this;
      this._profiles.forEach(function (p) { if (!p._fetched) self._fetchProfile(p); });
    }
    this._emit('Mesibo_onConnectionStatus', [st, 0]);
  }

  _conversation(conv) {
    var out = [];
    this._mirror.forEach(function (r) { if (r.conv === conv && !r.deleted) out.push(r); });
    this._pending().forEach(function (r) { if (r.conv === conv) out.push(r); });
    out.sort(function (a, b) { return (b.ts - a.ts) || (b.mid - a.mid); });
    return out;
  }

  _summary() {
    var latest = new Map();
    var all = Array.from(this._mirror.values()).concat(this._pending());
    all.forEach(function (r) {
      if (r.deleted) return;
      var cur = latest.get(r.conv);
      if (!cur || r.ts > cur.ts || (r.ts === cur.ts && r.mid > cur.mid)) latest.set(r.conv, r);
    });
    return Array.from(latest.values()).sort(function (a, b) { return (b.ts - a.ts) || (b.mid - a.mid); });
  }

  _storeHistory(records) {
    var self = this;
    return this._ready.then(function (s) { return s.store.putMessages(records); }).then(function (added) {
      self._mergeRecords(added);
      if (added.length && self._session) self._session._post({ type: 'stored', records: added });
      return added;
    });
  }

  _mergeRecords(records) {
    for (var i = 0; i < records.length; i++) if (!this._mirror.has(records[i].mid)) this._mirror.set(records[i].mid, records[i]);
  }

  _applyEvent(ev) {
    var rec, old, m;
    switch (ev.k) {
      case 'msg': {
        old = this._mirror.get(ev.mid) || null;
        rec = old || recordFromMsg(ev);
        this._mirror.set(ev.mid, rec);
        var mine = rec.dir === 'out' && rec.cid ? this._mySent.get(rec.cid) : null;
        if (mine) {
          // Sent from this tab: it got Mesibo_onMessage when it was sent; now it has the server's mid.
          mine.mid = rec.mid;
          mine._serverMid = true;
          this._objects.set(rec.mid, mine);
          return;
        }
        m = this._msg(rec, { realtime: true });
        this._emit('Mesibo_onMessage', [m]);
        if (rec.dir === 'in') {
          this._maybeNotify(rec);
          var self = this;
          this._readSessions.forEach(function (rs) { if (rs._receipts && rs._matches(rec)) self._markRead([rec]); });
        }
        return;
      }
      case 'status': {
        if (Array.isArray(ev.mids)) {  // one recipient's messages delivered together: a status each
          var parts = eventParts(ev);
          for (var i = 0; i < parts.length; i++) this._applyEvent(parts[i]);
          return;
        }
        old = this._mirror.get(ev.mid) || null;
        rec = reduceRecord(old, ev);
        if (rec) this._mirror.set(ev.mid, rec);
        var own = ev.cid ? this._mySent.get(ev.cid) : null;
        if (own) {
          own.status = ev.status;
          if (rec) own._receipts = rec.receipts;
          if (ev.mid) { own.mid = ev.mid; own._serverMid = true; this._objects.set(ev.mid, own); }
          this._reportOwnStatus(ev.cid, own);
          return;
        }
        var base = rec || { mid: ev.mid, cid: ev.cid, dir: ev.cid ? 'out' : 'in', peer: ev.peer, gid: ev.gid, status: ev.status, ts: ev.ts };
        m = this._msg(base, this._objects.has(ev.mid) ? null : { realtime: true });
        m.status = ev.status;
        this._emit('Mesibo_onMessageStatus', [m]);
        return;
      }
      case 'update': {
        old = this._mirror.get(ev.mid) || null;
        rec = reduceRecord(old, ev);
        if (rec) this._mirror.set(ev.mid, rec);
        var known = this._objects.has(ev.mid);
        m = this._msg(rec || { mid: ev.mid, peer: ev.peer, gid: ev.gid, message: ev.message || '', dir: 'in' }, known ? null : { realtime: true });
        if (!rec) { if (ev.op === 'edit') m._edited = true; else m._deleted = true; }
        this._emit('Mesibo_onMessageUpdate', [m]);
        return;
      }
      case 'profile':
        this._applyProfile(ev);
        return;
      case 'group':
        this._applyGroup(ev);
        return;
      default:
        return;
    }
  }

  /**
   * A group event (docs/protocol.md: create, set, members with added/removed, joined, removed,
   * delete): the profile changes, a member list fetched earlier with getMembers() takes the change,
   * and the native group callbacks say what happened.
   */
  _applyGroup(ev) {
    var p = this.getProfile('', ev.gid), api = this;
    if (ev.name !== undefined) p.name = ev.name;
    if (ev.op === 'removed' || ev.op === 'delete') {
      p._members = null;
      this._emit('Mesibo_onGroupLeft', [p]);
      if (ev.op === 'delete') this._emit('Mesibo_onGroupError', [p, C.MESIBO_GROUPERROR_DELETED]);
      this._emit('Mesibo_onProfileUpdated', [p]);
      return;
    }
    if (ev.op === 'create' || ev.op === 'joined') this._emit('Mesibo_onGroupJoined', [p]);
    var added = (ev.added || []).map(function (x) { return new MesiboGroupMember(api, x); });
    var removed = (ev.removed || []).map(function (a) { return new MesiboGroupMember(api, { address: a }); });
    if (Array.isArray(p._members) && (added.length || removed.length)) {
      var drop = new Set(removed.concat(added).map(function (m) { return m.address; }));
      p._members = p._members.filter(function (m) { return !drop.has(m.address); }).concat(added);
      this._emit('Mesibo_onGroupMembers', [p, p._members]);
    }
    if (added.length) this._emit('Mesibo_onGroupMembersJoined', [p, added]);
    if (removed.length) this._emit('Mesibo_onGroupMembersRemoved', [p, removed]);
    this._emit('Mesibo_onProfileUpdated', [p]);
  }

  /** A failed group request: Mesibo_onGroupError(profile, MESIBO_GROUPERROR_*). */
  _groupError(p, res) {
    if (res && res.ok) return;
    var e = res && res.error;
    var code = e === 'FORBIDDEN' ? C.MESIBO_GROUPERROR_PERMISSION : e === 'NOTFOUND' ? C.MESIBO_GROUPERROR_DELETED : C.MESIBO_GROUPERROR_GENERAL;
    this._emit('Mesibo_onGroupError', [p, code]);
  }

  /**
   * An HTTP request object for the app's own server (mesibo's OTP login pages use it):
   * h.setUrl(url); h.setPostData(obj, true); h.send(cbdata, function (cbdata, text) {...}).
   * @returns {MesiboHttpRequest}
   */
  createhttpRequest() { return new MesiboHttpRequest(); }

  _onPresence(f) {
    var addr = f.from || '';
    var p = this._profiles.get(convKey(addr, 0));
    if (!p) p = this.getProfile(addr, 0);
    var a = f.activity, gid = f.gid || 0;
    if (a === C.MESIBO_ACTIVITY_ONLINE || a === C.MESIBO_ACTIVITY_ONLINERESP) p._online = true;
    else if (a === 0) { p._online = false; p._lastseen = f.ts || Date.now(); p._typingUntil = 0; p._typingIn.clear(); p._chatting = false; }
    else if (a === C.MESIBO_ACTIVITY_TYPING) { if (gid) p._typingIn.set(gid, Date.now() + 10000); else p._typingUntil = Date.now() + 10000; }
    else if (a === C.MESIBO_ACTIVITY_TYPINGCLEARED) { if (gid) p._typingIn.delete(gid); else p._typingUntil = 0; }
    else if (a === C.MESIBO_ACTIVITY_JOINED && !gid) p._chatting = true;
    else if (a === C.MESIBO_ACTIVITY_LEFT && !gid) p._chatting = false;
    this._emit('Mesibo_onPresence', [new MesiboPresence(this, f)]);
  }

  _maybeNotify(rec) {
    if (!this._notify || !this._session || !this._session.isLeader) return;
    if (typeof Notification !== 'function' || Notification.permission !== 'granted') return;
    if (this._session.anyTabVisible()) return;
    try {
      var p = this.getProfile(rec.gid ? '' : rec.peer, rec.gid);
      new Notification(p.getNameOrAddress() || rec.from, { body: rec.message || rec.title || '', tag: 'hubbub-' + rec.mid });
    } catch (e) { /* notifications not allowed here */ }
  }

  _markRead(records) {
    for (var i = 0; i < records.length; i++) {
      var r = records[i];
      // every unread incoming message is marked read (the unread count drops); the server tells the
      // sender (READ) only when its flag asked for it
      if (r.dir !== 'in' || !r.mid || r.status === C.MESIBO_MSGSTATUS_RECEIVEDREAD) continue;
      if (this._readSent.has(r.mid)) continue;
      this._readQueue.set(r.mid, r);
    }
    this._flushReads();
  }

  _flushReads() {
    if (!this._readQueue.size || !this._session) return;
    var visible = this._session._visible();
    if (!visible) return;
    var mids = Array.from(this._readQueue.keys());
    this._readQueue.clear();
    var self = this;
    mids.forEach(function (mid) { self._readSent.add(mid); });
    this._request({ t: 'read', mids: mids });
  }
}

installMethods(Mesibo, callMethods);
installMethods(Mesibo, fileMethods);
