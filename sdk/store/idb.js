import { noop } from '../util.js';
import { eventParts, reduceRecord } from '../protocol/records.js';
import { fencedError } from './fenced.js';

function idbReq(req) {
  return new Promise(function (resolve, reject) {
    req.onsuccess = function () { resolve(req.result); };
    req.onerror = function () { reject(req.error); };
  });
}
function idbDone(tx) {
  return new Promise(function (resolve, reject) {
    tx.oncomplete = function () { resolve(); };
    tx.onerror = function () { reject(tx.error || new Error('IndexedDB transaction failed')); };
    tx.onabort = function () { reject(tx.error || fencedError()); };
  });
}

/**
 * IndexedDB store: one database per (database name, app, user). Object stores:
 * meta {k, v} (term, lastSeq, floor, leases), events {seq} (recent server events, for gap filling),
 * messages {mid}, outbox {cid}, uobj {name} (user objects).
 */
export class IdbStore {
  constructor(dbName, idb) {
    this.dbName = dbName;
    this.idb = idb || globalThis.indexedDB;
    this.db = null;
    this.keepEvents = 5000;
  }
  open() {
    var self = this;
    if (this._opening) return this._opening;
    this._opening = new Promise(function (resolve, reject) {
      var req = self.idb.open(self.dbName, 1);
      req.onupgradeneeded = function () {
        var db = req.result;
        db.createObjectStore('meta', { keyPath: 'k' });
        db.createObjectStore('events', { keyPath: 'seq' });
        db.createObjectStore('messages', { keyPath: 'mid' });
        db.createObjectStore('outbox', { keyPath: 'cid' });
        db.createObjectStore('uobj', { keyPath: 'name' });
      };
      req.onsuccess = function () {
        self.db = req.result;
        self.db.onversionchange = function () { self.db.close(); };
        resolve(true);
      };
      req.onerror = function () { reject(req.error); };
      req.onblocked = function () { /* another tab upgrades; wait */ };
    });
    return this._opening;
  }
  _tx(names, mode) {
    var opts = mode === 'readwrite' ? { durability: 'relaxed' } : undefined;
    try { return this.db.transaction(names, mode, opts); } catch (e) { return this.db.transaction(names, mode); }
  }
  async _meta(store, k, d) {
    var r = await idbReq(store.get(k));
    return r ? r.v : d;
  }
  async snapshot() {
    var tx = this._tx(['meta', 'messages'], 'readonly');
    var meta = tx.objectStore('meta');
    var term = await this._meta(meta, 'term', 0);
    var lastSeq = await this._meta(meta, 'lastSeq', 0);
    var floor = await this._meta(meta, 'floor', 0);
    var messages = await idbReq(tx.objectStore('messages').getAll());
    return { term: term, lastSeq: lastSeq, floor: floor, messages: messages };
  }
  async bumpTerm() {
    var tx = this._tx(['meta'], 'readwrite');
    var meta = tx.objectStore('meta');
    var t = (await this._meta(meta, 'term', 0)) + 1;
    meta.put({ k: 'term', v: t });
    await idbDone(tx);
    return t;
  }
  async getTerm() { var tx = this._tx(['meta'], 'readonly'); return this._meta(tx.objectStore('meta'), 'term', 0); }
  async getLastSeq() { var tx = this._tx(['meta'], 'readonly'); return this._meta(tx.objectStore('meta'), 'lastSeq', 0); }
  async applyEvents(events, term) {
    var tx = this._tx(['meta', 'events', 'messages'], 'readwrite');
    var done = idbDone(tx);
    done.catch(noop);
    var meta = tx.objectStore('meta'), evs = tx.objectStore('events'), msgs = tx.objectStore('messages');
    if (term !== null && term !== undefined) {
      var cur = await this._meta(meta, 'term', 0);
      if (cur !== term) { try { tx.abort(); } catch (e) { /* already done */ } throw fencedError(); }
    }
    var last = await this._meta(meta, 'lastSeq', 0);
    var first = last;
    for (var i = 0; i < events.length; i++) {
      var ev = events[i];
      if (ev.seq <= last) continue;
      evs.put(ev);
      var parts = eventParts(ev);
      for (var j = 0; j < parts.length; j++) {
        if (parts[j].mid === undefined) continue;
        var old = await idbReq(msgs.get(parts[j].mid));
        var nr = reduceRecord(old || null, parts[j]);
        if (nr) msgs.put(nr);
      }
      last = ev.seq;
    }
    meta.put({ k: 'lastSeq', v: last });
    // Keep the recent events only: prune once per 1000 seqs.
    if (Math.floor(last / 1000) !== Math.floor(first / 1000) && last > this.keepEvents) {
      evs.delete(IDBKeyRange.upperBound(last - this.keepEvents));
    }
    await done;
    return last;
  }
  async setFloor(seq) {
    var tx = this._tx(['meta'], 'readwrite');
    var meta = tx.objectStore('meta');
    if ((await this._meta(meta, 'lastSeq', 0)) < seq) meta.put({ k: 'lastSeq', v: seq });
    if ((await this._meta(meta, 'floor', 0)) < seq) meta.put({ k: 'floor', v: seq });
    await idbDone(tx);
  }
  async getEvents(lo, hi) {
    if (hi < lo) hi = lo;
    var tx = this._tx(['meta', 'events'], 'readonly');
    var list = await idbReq(tx.objectStore('events').getAll(IDBKeyRange.bound(lo, hi)));
    var floor = await this._meta(tx.objectStore('meta'), 'floor', 0);
    var lastSeq = await this._meta(tx.objectStore('meta'), 'lastSeq', 0);
    var out = [];
    for (var i = 0; i < list.length && list[i].seq === lo + i; i++) out.push(list[i]);
    return { events: out, floor: floor, lastSeq: lastSeq };
  }
  async putMessages(records) {
    var tx = this._tx(['messages'], 'readwrite');
    var msgs = tx.objectStore('messages');
    var added = [];
    for (var i = 0; i < records.length; i++) {
      var old = await idbReq(msgs.get(records[i].mid));
      if (!old) { msgs.put(records[i]); added.push(records[i]); }
    }
    await idbDone(tx);
    return added;
  }
  async outboxPut(entry) { var tx = this._tx(['outbox'], 'readwrite'); tx.objectStore('outbox').put(entry); await idbDone(tx); }
  async outboxDelete(cid) { var tx = this._tx(['outbox'], 'readwrite'); tx.objectStore('outbox').delete(cid); await idbDone(tx); }
  async outboxAll() {
    var tx = this._tx(['outbox'], 'readonly');
    var all = await idbReq(tx.objectStore('outbox').getAll());
    return all.sort(function (a, b) { return a.ts - b.ts; });
  }
  async userObjectPut(rec) {
    var tx = this._tx(['uobj'], 'readwrite');
    var st = tx.objectStore('uobj');
    var cur = await idbReq(st.get(rec.name));
    if (cur && cur.ver > rec.ver) { await idbDone(tx); return false; }
    st.put(rec);
    await idbDone(tx);
    return true;
  }
  async userObjectGet(name) { var tx = this._tx(['uobj'], 'readonly'); return (await idbReq(tx.objectStore('uobj').get(name))) || null; }
  async userObjectAll() { var tx = this._tx(['uobj'], 'readonly'); return idbReq(tx.objectStore('uobj').getAll()); }
  async leaseTry(name, holder, now, ttl) {
    var tx = this._tx(['meta'], 'readwrite');
    var meta = tx.objectStore('meta');
    var rec = await this._meta(meta, 'lease:' + name, null);
    var ok = !rec || rec.expires < now || rec.holder === holder;
    if (ok) meta.put({ k: 'lease:' + name, v: { holder: holder, expires: now + ttl } });
    await idbDone(tx);
    return ok;
  }
  async leaseRelease(name, holder) {
    var tx = this._tx(['meta'], 'readwrite');
    var meta = tx.objectStore('meta');
    var rec = await this._meta(meta, 'lease:' + name, null);
    if (rec && rec.holder === holder) meta.delete('lease:' + name);
    await idbDone(tx);
  }
  close() { if (this.db) this.db.close(); }
}
