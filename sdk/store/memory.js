import { cloneData } from '../util.js';
import { eventParts, reduceRecord } from '../protocol/records.js';
import { fencedError } from './fenced.js';

/**
 * In-memory store with the IndexedDB store's semantics (each call is atomic). Shared by the
 * "tabs" of a test, and used in browsers without IndexedDB.
 */
export class MemoryStore {
  constructor(opts) {
    this.opts = opts || {};
    this.meta = new Map();
    this.events = new Map();
    this.messages = new Map();
    this.outbox = new Map();
    this.uobj = new Map();
    this.keepEvents = this.opts.keepEvents || 5000;
  }
  _later(fn) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var run = function () { try { resolve(fn.call(self)); } catch (e) { reject(e); } };
      if (self.opts.delay) setTimeout(run, self.opts.delay); else Promise.resolve().then(run);
    });
  }
  _m(k, d) { return this.meta.has(k) ? this.meta.get(k) : d; }
  open() { return this._later(function () { return true; }); }
  snapshot() {
    return this._later(function () {
      return { term: this._m('term', 0), lastSeq: this._m('lastSeq', 0), floor: this._m('floor', 0),
        messages: Array.from(this.messages.values()).map(cloneData) };
    });
  }
  bumpTerm() { return this._later(function () { var t = this._m('term', 0) + 1; this.meta.set('term', t); return t; }); }
  getTerm() { return this._later(function () { return this._m('term', 0); }); }
  getLastSeq() { return this._later(function () { return this._m('lastSeq', 0); }); }
  applyEvents(events, term) {
    return this._later(function () {
      if (term !== null && term !== undefined && this._m('term', 0) !== term) throw fencedError();
      var last = this._m('lastSeq', 0);
      for (var i = 0; i < events.length; i++) {
        var ev = events[i];
        if (ev.seq <= last) continue;
        this.events.set(ev.seq, cloneData(ev));
        var parts = eventParts(ev);
        for (var j = 0; j < parts.length; j++) {
          var part = parts[j];
          if (part.mid === undefined) continue;
          var nr = reduceRecord(this.messages.get(part.mid) || null, part);
          if (nr) this.messages.set(part.mid, nr);
        }
        last = ev.seq;
      }
      this.meta.set('lastSeq', last);
      var low = last - this.keepEvents;
      if (low > 0 && this.events.size > this.keepEvents * 1.2) {
        var self = this;
        this.events.forEach(function (v, k) { if (k <= low) self.events.delete(k); });
      }
      return last;
    });
  }
  setFloor(seq) {
    return this._later(function () {
      if (this._m('lastSeq', 0) < seq) this.meta.set('lastSeq', seq);
      if (this._m('floor', 0) < seq) this.meta.set('floor', seq);
    });
  }
  getEvents(lo, hi) {
    return this._later(function () {
      var out = [];
      for (var s = lo; s <= hi; s++) { if (!this.events.has(s)) break; out.push(cloneData(this.events.get(s))); }
      return { events: out, floor: this._m('floor', 0), lastSeq: this._m('lastSeq', 0) };
    });
  }
  putMessages(records) {
    return this._later(function () {
      var added = [];
      for (var i = 0; i < records.length; i++) {
        if (!this.messages.has(records[i].mid)) { this.messages.set(records[i].mid, cloneData(records[i])); added.push(records[i]); }
      }
      return added;
    });
  }
  outboxPut(entry) { return this._later(function () { this.outbox.set(entry.cid, cloneData(entry)); }); }
  outboxDelete(cid) { return this._later(function () { this.outbox.delete(cid); }); }
  outboxAll() {
    return this._later(function () {
      return Array.from(this.outbox.values()).map(cloneData).sort(function (a, b) { return a.ts - b.ts; });
    });
  }
  userObjectPut(rec) {
    return this._later(function () {
      var cur = this.uobj.get(rec.name);
      if (cur && cur.ver > rec.ver) return false;
      this.uobj.set(rec.name, cloneData(rec));
      return true;
    });
  }
  userObjectGet(name) { return this._later(function () { var r = this.uobj.get(name); return r ? cloneData(r) : null; }); }
  userObjectAll() { return this._later(function () { return Array.from(this.uobj.values()).map(cloneData); }); }
  leaseTry(name, holder, now, ttl) {
    return this._later(function () {
      var rec = this.meta.get('lease:' + name);
      if (!rec || rec.expires < now || rec.holder === holder) {
        this.meta.set('lease:' + name, { holder: holder, expires: now + ttl });
        return true;
      }
      return false;
    });
  }
  leaseRelease(name, holder) {
    return this._later(function () {
      var rec = this.meta.get('lease:' + name);
      if (rec && rec.holder === holder) this.meta.delete('lease:' + name);
    });
  }
  close() {}
}
