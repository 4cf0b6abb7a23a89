/**
 * The browser environment: which server (the script's own origin unless told), timers, the page's
 * tab identity, and the real dependencies (store, channel, locks, socket) of a session. Everything
 * here tolerates a worker or Node (no window, no document).
 */
import { noop } from '../util.js';
import { MemoryStore } from '../store/memory.js';
import { IdbStore } from '../store/idb.js';
import { LeaseLocks } from '../crosstab/lease-locks.js';
import { TabIdentity } from '../crosstab/tab-identity.js';

export const HAS_DOC = typeof document !== 'undefined';
var SCRIPT_EL = HAS_DOC && document.currentScript ? document.currentScript : null;
var SCRIPT_URL = SCRIPT_EL && SCRIPT_EL.src ? SCRIPT_EL.src : null;
var SCRIPT_SERVER = SCRIPT_EL && SCRIPT_EL.getAttribute ? SCRIPT_EL.getAttribute('data-server') : null;

/** ws(s)://host/ws from an http(s) or ws(s) URL; a bare origin gets the path /ws. */
export function normalizeServer(s) {
  var u = new URL(s, HAS_DOC ? location.href : undefined);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (!u.pathname || u.pathname === '/') u.pathname = '/ws';
  return u.toString();
}

export function defaultServer() {
  if (SCRIPT_SERVER) return normalizeServer(SCRIPT_SERVER);
  var base = SCRIPT_URL || (HAS_DOC ? location.href : 'http://localhost/');
  var u = new URL(base);
  return (u.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + u.host + '/ws';
}

export function legacyName(name) {
  return name.replace(/^Mesibo_on/, 'Mesibo_On').replace(/^MesiboJS_on/, 'MesiboJS_On');
}

export function utf8(s) {
  if (typeof TextEncoder === 'function') return new TextEncoder().encode(s || '');
  return s || '';
}

export function browserTimers() {
  return {
    setTimeout: function (f, ms) { return setTimeout(f, ms); },
    clearTimeout: function (t) { clearTimeout(t); },
    now: function () { return Date.now(); }
  };
}

var pageIdentity = null;
/** The page's TabIdentity (one per page, shared by every Mesibo instance in it). */
export function getPageIdentity() {
  if (pageIdentity) return pageIdentity;
  var storage = null;
  try { storage = globalThis.sessionStorage || null; } catch (e) { storage = null; }
  var locks = globalThis.navigator && globalThis.navigator.locks && globalThis.navigator.locks.request ? globalThis.navigator.locks : null;
  var channel = null;
  if (!locks && typeof BroadcastChannel === 'function') channel = new BroadcastChannel('hubbub-tabs');
  pageIdentity = new TabIdentity({ storage: storage, locks: locks, channel: channel, timers: browserTimers() });
  pageIdentity.confirm();
  return pageIdentity;
}

/**
 * The browser's real dependencies for a session. Tests pass their own through
 * api._setDependencies(factory).
 */
export function browserDependencies(scope, dbName) {
  var timers = browserTimers();
  var hasIdb = !!globalThis.indexedDB;
  var store = hasIdb ? new IdbStore(dbName) : new MemoryStore();
  // Without IndexedDB there is no shared store: each tab keeps its own connection (solo fallback).
  var channel = hasIdb && typeof BroadcastChannel === 'function' ? new BroadcastChannel('hubbub:' + scope) : null;
  var locks = null, lockKind = 'none';
  if (!channel) {
    locks = null;
  } else if (globalThis.navigator && globalThis.navigator.locks && typeof globalThis.navigator.locks.request === 'function') {
    locks = globalThis.navigator.locks; lockKind = 'weblocks';
  } else if (channel && hasIdb) {
    locks = new LeaseLocks(store, timers); lockKind = 'lease';
  }
  return {
    store: store, channel: channel, locks: locks, lockKind: lockKind, timers: timers,
    socketFactory: function (url) { return new WebSocket(url); },
    identity: getPageIdentity(),
    visible: function () { return !HAS_DOC || document.visibilityState === 'visible'; },
    log: globalThis.HUBBUB_DEBUG ? function (m) { console.debug('hubbub: ' + m); } : noop,
    // connection tuning set by the page before the script loads (docs/sdk.md), e.g. pingInterval
    config: globalThis.HUBBUB_CONFIG && typeof globalThis.HUBBUB_CONFIG === 'object' ? globalThis.HUBBUB_CONFIG : undefined
  };
}
