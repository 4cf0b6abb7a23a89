/*
 * Hubbub browser SDK: the mesibo JavaScript API over the Hubbub protocol, with cross-tab sessions.
 * A classic script: <script src=".../sdk/mesibo.js"></script> (or importScripts() in a worker).
 * GENERATED from sdk/ by scripts/build-sdk.mjs (npm run build); edit the modules, not this file.
 */
(() => {
  // sdk/protocol/constants.js
  var C = {
    MESIBO_STATUS_UNKNOWN: 0,
    MESIBO_STATUS_ONLINE: 1,
    MESIBO_STATUS_OFFLINE: 2,
    MESIBO_STATUS_SIGNOUT: 3,
    MESIBO_STATUS_AUTHFAIL: 4,
    MESIBO_STATUS_STOPPED: 5,
    MESIBO_STATUS_CONNECTING: 6,
    MESIBO_STATUS_CONNECTFAILURE: 7,
    MESIBO_STATUS_NONETWORK: 8,
    MESIBO_STATUS_ONPREMISEERROR: 9,
    MESIBO_STATUS_SUSPEND: 10,
    MESIBO_STATUS_UPDATE: 20,
    MESIBO_STATUS_MANDUPDATE: 21,
    MESIBO_STATUS_SHUTDOWN: 22,
    MESIBO_MSGSTATUS_OUTBOX: 0,
    MESIBO_MSGSTATUS_SENT: 1,
    MESIBO_MSGSTATUS_DELIVERED: 2,
    MESIBO_MSGSTATUS_READ: 3,
    MESIBO_MSGSTATUS_RECEIVEDNEW: 18,
    MESIBO_MSGSTATUS_RECEIVEDREAD: 19,
    MESIBO_MSGSTATUS_CALLMISSED: 21,
    MESIBO_MSGSTATUS_CALLINCOMING: 22,
    MESIBO_MSGSTATUS_CALLOUTGOING: 23,
    MESIBO_MSGSTATUS_CUSTOM: 32,
    MESIBO_MSGSTATUS_DELETED: 33,
    MESIBO_MSGSTATUS_WIPED: 34,
    MESIBO_MSGSTATUS_FAIL: 128,
    MESIBO_MSGSTATUS_USEROFFLINE: 129,
    MESIBO_MSGSTATUS_INBOXFULL: 130,
    MESIBO_MSGSTATUS_INVALIDDEST: 131,
    MESIBO_MSGSTATUS_EXPIRED: 132,
    MESIBO_MSGSTATUS_BLOCKED: 136,
    MESIBO_MSGSTATUS_GROUPPAUSED: 144,
    MESIBO_MSGSTATUS_NOTMEMBER: 145,
    MESIBO_FLAG_DELIVERYRECEIPT: 1,
    MESIBO_FLAG_READRECEIPT: 2,
    MESIBO_FLAG_TRANSIENT: 4,
    MESIBO_FLAG_PRESENCE: 8,
    MESIBO_FLAG_DEFAULT: 3,
    MESIBO_FLAG_FORWARDED: 64,
    MESIBO_ACTIVITY_ONLINE: 1,
    MESIBO_ACTIVITY_ONLINERESP: 2,
    MESIBO_ACTIVITY_TYPING: 3,
    MESIBO_ACTIVITY_TYPINGCLEARED: 4,
    MESIBO_ACTIVITY_JOINED: 10,
    MESIBO_ACTIVITY_LEFT: 11,
    MESIBO_CALLSTATUS_INCOMING: 1,
    MESIBO_CALLSTATUS_INPROGRESS: 2,
    MESIBO_CALLSTATUS_RINGING: 3,
    MESIBO_CALLSTATUS_ANSWER: 5,
    MESIBO_CALLSTATUS_UPDATE: 6,
    MESIBO_CALLSTATUS_DTMF: 7,
    MESIBO_CALLSTATUS_SDP: 8,
    MESIBO_CALLSTATUS_MUTE: 9,
    MESIBO_CALLSTATUS_UNMUTE: 10,
    MESIBO_CALLSTATUS_HOLD: 11,
    MESIBO_CALLSTATUS_UNHOLD: 12,
    MESIBO_CALLSTATUS_CONNECTED: 48,
    MESIBO_CALLSTATUS_QUALITY: 49,
    MESIBO_CALLSTATUS_RECONNECTING: 50,
    MESIBO_CALLSTATUS_COMPLETE: 64,
    MESIBO_CALLSTATUS_CANCEL: 65,
    MESIBO_CALLSTATUS_NOANSWER: 66,
    MESIBO_CALLSTATUS_BUSY: 67,
    MESIBO_CALLSTATUS_UNREACHABLE: 68,
    MESIBO_CALLSTATUS_OFFLINE: 69,
    MESIBO_CALLSTATUS_INVALIDDEST: 70,
    MESIBO_CALLSTATUS_INVALIDSTATE: 71,
    MESIBO_CALLSTATUS_NOTALLOWED: 74,
    MESIBO_CALLSTATUS_BLOCKED: 75,
    MESIBO_CALLSTATUS_DURATIONEXCEEDED: 76,
    MESIBO_CALLSTATUS_AUTHFAIL: 80,
    MESIBO_CALLSTATUS_ERROR: 96,
    MESIBO_CALLSTATUS_HWERROR: 97,
    MESIBO_CALLSTATUS_NETWORKERROR: 98,
    MESIBO_FILETYPE_AUTO: 0,
    MESIBO_FILETYPE_IMAGE: 1,
    MESIBO_FILETYPE_VIDEO: 2,
    MESIBO_FILETYPE_AUDIO: 3,
    MESIBO_FILETYPE_LOCATION: 4,
    MESIBO_FILETYPE_PROFILEIMAGE: 5,
    MESIBO_FILETYPE_PROFILETHUMBNAIL: 6,
    MESIBO_FILETYPE_OTHER: 10,
    MESIBO_FILESOURCE_MESSAGE: 0,
    MESIBO_FILESOURCE_PROFILE: 1,
    MESIBO_FILESOURCE_GROUPPROFILE: 2,
    MESIBO_FILESTATUS_IDLE: 0,
    MESIBO_FILESTATUS_INPROGRESS: 1,
    MESIBO_FILESTATUS_RETRYLATER: 2,
    MESIBO_FILESTATUS_FAILED: 3,
    MESIBO_FILEMODE_DOWNLOAD: 0,
    MESIBO_FILEMODE_UPLOAD: 1,
    MESIBO_MEMBERFLAG_SEND: 1,
    MESIBO_MEMBERFLAG_RECV: 2,
    MESIBO_MEMBERFLAG_PUBL: 4,
    MESIBO_MEMBERFLAG_SUBS: 8,
    MESIBO_MEMBERFLAG_LIST: 16,
    MESIBO_MEMBERFLAG_ALL: 31,
    MESIBO_MEMBERFLAG_ADMIN: 4096,
    MESIBO_RESULT_OK: 0,
    MESIBO_RESULT_FAIL: 128
  };
  var PROTOCOL_VERSION = 1;

  // sdk/protocol/records.js
  function appIdFromCid(cid) {
    if (typeof cid !== "string") return null;
    var base = cid.split(".")[0];
    if (/^[0-9]{1,16}$/.test(base)) {
      var n = Number(base);
      if (Number.isSafeInteger(n)) return n;
    }
    return null;
  }
  function convKey(peer, gid) {
    return gid ? "g:" + gid : "u:" + (peer || "");
  }
  function recordFromMsg(ev) {
    var out = ev.dir === "out";
    var status = ev.status;
    if (out) {
      if (status === void 0 || status === null) status = C.MESIBO_MSGSTATUS_SENT;
    } else if (!(status >= 18)) {
      status = C.MESIBO_MSGSTATUS_RECEIVEDNEW;
    }
    var peer = out ? ev.peer || "" : ev.from || ev.peer || "";
    var rec = {
      mid: ev.mid,
      cid: ev.cid || null,
      dir: out ? "out" : "in",
      from: ev.from || "",
      peer,
      gid: ev.gid || 0,
      message: ev.message || "",
      title: ev.title || "",
      flag: ev.flag === void 0 ? C.MESIBO_FLAG_DEFAULT : ev.flag,
      expiry: ev.expiry === void 0 ? 0 : ev.expiry,
      type: ev.type || 0,
      file: ev.file || null,
      status,
      ts: ev.ts || 0,
      fwd: !!ev.fwd,
      seq: ev.seq || 0,
      conv: convKey(out ? ev.peer : ev.from || ev.peer, ev.gid),
      receipts: {},
      edited: false,
      deleted: false,
      recalled: false
    };
    if (ev.call) rec.call = ev.call;
    if (ev.deleted) rec.deleted = true;
    if (ev.recalled) {
      rec.recalled = true;
      rec.status = C.MESIBO_MSGSTATUS_WIPED;
    }
    return rec;
  }
  function reduceRecord(rec, ev) {
    if (ev.k === "msg") return rec ? rec : recordFromMsg(ev);
    if (!rec) return null;
    var r = Object.assign({}, rec, { receipts: Object.assign({}, rec.receipts || {}) });
    if (ev.k === "status") {
      var s = ev.status;
      if (s === C.MESIBO_MSGSTATUS_RECEIVEDREAD) {
        r.status = s;
      } else if (r.dir === "out") {
        if (ev.peer) {
          var pr = Object.assign({}, r.receipts[ev.peer] || {});
          if (s === C.MESIBO_MSGSTATUS_DELIVERED && !pr.delivered) pr.delivered = ev.ts || 1;
          if (s === C.MESIBO_MSGSTATUS_READ) {
            pr.read = ev.ts || 1;
            if (!pr.delivered) pr.delivered = ev.ts || 1;
          }
          if (s > 127) pr.failed = s;
          r.receipts[ev.peer] = pr;
        }
        if (s > 127) r.status = s;
        else if (r.status <= 127 && s > r.status) r.status = s;
      }
      return r;
    }
    if (ev.k === "update") {
      if (ev.op === "edit") {
        r.message = ev.message || "";
        r.edited = true;
      } else if (ev.op === "delete") {
        r.deleted = true;
        r.status = C.MESIBO_MSGSTATUS_DELETED;
      } else if (ev.op === "recall") {
        r.recalled = true;
        r.message = "";
        r.title = "";
        r.file = null;
        r.status = C.MESIBO_MSGSTATUS_WIPED;
      }
      return r;
    }
    return null;
  }

  // sdk/util.js
  function hash53(str) {
    var h1 = 3735928559, h2 = 1103547991;
    for (var i = 0; i < str.length; i++) {
      var ch = str.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ h1 >>> 16, 2246822507) ^ Math.imul(h2 ^ h2 >>> 13, 3266489909);
    h2 = Math.imul(h2 ^ h2 >>> 16, 2246822507) ^ Math.imul(h1 ^ h1 >>> 13, 3266489909);
    var n = 4294967296 * (2097151 & h2) + (h1 >>> 0);
    return ("00000000000000" + n.toString(16)).slice(-14);
  }
  var lastRandom = 0;
  function randomId() {
    var v = Date.now() * 2048 + Math.floor(Math.random() * 2048);
    if (v <= lastRandom) v = lastRandom + 1;
    lastRandom = v;
    return v;
  }
  function newTabId() {
    return 1 + Math.floor(Math.random() * 2147483646);
  }
  function assertDataOnly(value, path, seen) {
    seen = seen || /* @__PURE__ */ new Set();
    var t = typeof value;
    if (t === "function") throw new TypeError("setUserObject: user objects must be data-only, but " + path + " is a function");
    if (t === "symbol") throw new TypeError("setUserObject: user objects must be data-only, but " + path + " is a symbol");
    if (value === null || t !== "object") return;
    if (seen.has(value)) return;
    seen.add(value);
    if (typeof Node !== "undefined" && value instanceof Node) {
      throw new TypeError("setUserObject: user objects must be data-only, but " + path + " is a DOM node");
    }
    var keys = Object.keys(value);
    for (var i = 0; i < keys.length; i++) assertDataOnly(value[keys[i]], path + "." + keys[i], seen);
    if (value instanceof Map) value.forEach(function(v, k) {
      assertDataOnly(v, path + ".get(" + String(k) + ")", seen);
    });
    if (value instanceof Set) value.forEach(function(v) {
      assertDataOnly(v, path + "[set item]", seen);
    });
  }
  function cloneData(value) {
    if (typeof structuredClone === "function") return structuredClone(value);
    return value === void 0 ? void 0 : JSON.parse(JSON.stringify(value));
  }
  function noop() {
  }
  function sortedSeqs(map) {
    return Array.from(map.keys()).sort(function(a, b) {
      return a - b;
    });
  }
  function installMethods(Cls, methods) {
    Object.keys(methods).forEach(function(k) {
      Object.defineProperty(Cls.prototype, k, { value: methods[k], writable: true, configurable: true, enumerable: false });
    });
  }

  // sdk/store/fenced.js
  function fencedError() {
    var e = new Error("a newer leader holds the session (term fenced)");
    e.code = "FENCED";
    return e;
  }

  // sdk/store/memory.js
  var MemoryStore = class {
    constructor(opts) {
      this.opts = opts || {};
      this.meta = /* @__PURE__ */ new Map();
      this.events = /* @__PURE__ */ new Map();
      this.messages = /* @__PURE__ */ new Map();
      this.outbox = /* @__PURE__ */ new Map();
      this.uobj = /* @__PURE__ */ new Map();
      this.keepEvents = this.opts.keepEvents || 5e3;
    }
    _later(fn) {
      var self = this;
      return new Promise(function(resolve, reject) {
        var run = function() {
          try {
            resolve(fn.call(self));
          } catch (e) {
            reject(e);
          }
        };
        if (self.opts.delay) setTimeout(run, self.opts.delay);
        else Promise.resolve().then(run);
      });
    }
    _m(k, d) {
      return this.meta.has(k) ? this.meta.get(k) : d;
    }
    open() {
      return this._later(function() {
        return true;
      });
    }
    snapshot() {
      return this._later(function() {
        return {
          term: this._m("term", 0),
          lastSeq: this._m("lastSeq", 0),
          floor: this._m("floor", 0),
          messages: Array.from(this.messages.values()).map(cloneData)
        };
      });
    }
    bumpTerm() {
      return this._later(function() {
        var t = this._m("term", 0) + 1;
        this.meta.set("term", t);
        return t;
      });
    }
    getTerm() {
      return this._later(function() {
        return this._m("term", 0);
      });
    }
    getLastSeq() {
      return this._later(function() {
        return this._m("lastSeq", 0);
      });
    }
    applyEvents(events, term) {
      return this._later(function() {
        if (term !== null && term !== void 0 && this._m("term", 0) !== term) throw fencedError();
        var last = this._m("lastSeq", 0);
        for (var i = 0; i < events.length; i++) {
          var ev = events[i];
          if (ev.seq <= last) continue;
          this.events.set(ev.seq, cloneData(ev));
          if (ev.mid !== void 0) {
            var nr = reduceRecord(this.messages.get(ev.mid) || null, ev);
            if (nr) this.messages.set(ev.mid, nr);
          }
          last = ev.seq;
        }
        this.meta.set("lastSeq", last);
        var low = last - this.keepEvents;
        if (low > 0 && this.events.size > this.keepEvents * 1.2) {
          var self = this;
          this.events.forEach(function(v, k) {
            if (k <= low) self.events.delete(k);
          });
        }
        return last;
      });
    }
    setFloor(seq) {
      return this._later(function() {
        if (this._m("lastSeq", 0) < seq) this.meta.set("lastSeq", seq);
        if (this._m("floor", 0) < seq) this.meta.set("floor", seq);
      });
    }
    getEvents(lo, hi) {
      return this._later(function() {
        var out = [];
        for (var s = lo; s <= hi; s++) {
          if (!this.events.has(s)) break;
          out.push(cloneData(this.events.get(s)));
        }
        return { events: out, floor: this._m("floor", 0), lastSeq: this._m("lastSeq", 0) };
      });
    }
    putMessages(records) {
      return this._later(function() {
        var added = [];
        for (var i = 0; i < records.length; i++) {
          if (!this.messages.has(records[i].mid)) {
            this.messages.set(records[i].mid, cloneData(records[i]));
            added.push(records[i]);
          }
        }
        return added;
      });
    }
    outboxPut(entry) {
      return this._later(function() {
        this.outbox.set(entry.cid, cloneData(entry));
      });
    }
    outboxDelete(cid) {
      return this._later(function() {
        this.outbox.delete(cid);
      });
    }
    outboxAll() {
      return this._later(function() {
        return Array.from(this.outbox.values()).map(cloneData).sort(function(a, b) {
          return a.ts - b.ts;
        });
      });
    }
    userObjectPut(rec) {
      return this._later(function() {
        var cur = this.uobj.get(rec.name);
        if (cur && cur.ver > rec.ver) return false;
        this.uobj.set(rec.name, cloneData(rec));
        return true;
      });
    }
    userObjectGet(name) {
      return this._later(function() {
        var r = this.uobj.get(name);
        return r ? cloneData(r) : null;
      });
    }
    userObjectAll() {
      return this._later(function() {
        return Array.from(this.uobj.values()).map(cloneData);
      });
    }
    leaseTry(name, holder, now, ttl) {
      return this._later(function() {
        var rec = this.meta.get("lease:" + name);
        if (!rec || rec.expires < now || rec.holder === holder) {
          this.meta.set("lease:" + name, { holder, expires: now + ttl });
          return true;
        }
        return false;
      });
    }
    leaseRelease(name, holder) {
      return this._later(function() {
        var rec = this.meta.get("lease:" + name);
        if (rec && rec.holder === holder) this.meta.delete("lease:" + name);
      });
    }
    close() {
    }
  };

  // sdk/store/idb.js
  function idbReq(req) {
    return new Promise(function(resolve, reject) {
      req.onsuccess = function() {
        resolve(req.result);
      };
      req.onerror = function() {
        reject(req.error);
      };
    });
  }
  function idbDone(tx) {
    return new Promise(function(resolve, reject) {
      tx.oncomplete = function() {
        resolve();
      };
      tx.onerror = function() {
        reject(tx.error || new Error("IndexedDB transaction failed"));
      };
      tx.onabort = function() {
        reject(tx.error || fencedError());
      };
    });
  }
  var IdbStore = class {
    constructor(dbName, idb) {
      this.dbName = dbName;
      this.idb = idb || globalThis.indexedDB;
      this.db = null;
      this.keepEvents = 5e3;
    }
    open() {
      var self = this;
      if (this._opening) return this._opening;
      this._opening = new Promise(function(resolve, reject) {
        var req = self.idb.open(self.dbName, 1);
        req.onupgradeneeded = function() {
          var db = req.result;
          db.createObjectStore("meta", { keyPath: "k" });
          db.createObjectStore("events", { keyPath: "seq" });
          db.createObjectStore("messages", { keyPath: "mid" });
          db.createObjectStore("outbox", { keyPath: "cid" });
          db.createObjectStore("uobj", { keyPath: "name" });
        };
        req.onsuccess = function() {
          self.db = req.result;
          self.db.onversionchange = function() {
            self.db.close();
          };
          resolve(true);
        };
        req.onerror = function() {
          reject(req.error);
        };
        req.onblocked = function() {
        };
      });
      return this._opening;
    }
    _tx(names, mode) {
      var opts = mode === "readwrite" ? { durability: "relaxed" } : void 0;
      try {
        return this.db.transaction(names, mode, opts);
      } catch (e) {
        return this.db.transaction(names, mode);
      }
    }
    async _meta(store, k, d) {
      var r = await idbReq(store.get(k));
      return r ? r.v : d;
    }
    async snapshot() {
      var tx = this._tx(["meta", "messages"], "readonly");
      var meta = tx.objectStore("meta");
      var term = await this._meta(meta, "term", 0);
      var lastSeq = await this._meta(meta, "lastSeq", 0);
      var floor = await this._meta(meta, "floor", 0);
      var messages = await idbReq(tx.objectStore("messages").getAll());
      return { term, lastSeq, floor, messages };
    }
    async bumpTerm() {
      var tx = this._tx(["meta"], "readwrite");
      var meta = tx.objectStore("meta");
      var t = await this._meta(meta, "term", 0) + 1;
      meta.put({ k: "term", v: t });
      await idbDone(tx);
      return t;
    }
    async getTerm() {
      var tx = this._tx(["meta"], "readonly");
      return this._meta(tx.objectStore("meta"), "term", 0);
    }
    async getLastSeq() {
      var tx = this._tx(["meta"], "readonly");
      return this._meta(tx.objectStore("meta"), "lastSeq", 0);
    }
    async applyEvents(events, term) {
      var tx = this._tx(["meta", "events", "messages"], "readwrite");
      var done = idbDone(tx);
      done.catch(noop);
      var meta = tx.objectStore("meta"), evs = tx.objectStore("events"), msgs = tx.objectStore("messages");
      if (term !== null && term !== void 0) {
        var cur = await this._meta(meta, "term", 0);
        if (cur !== term) {
          try {
            tx.abort();
          } catch (e) {
          }
          throw fencedError();
        }
      }
      var last = await this._meta(meta, "lastSeq", 0);
      var first = last;
      for (var i = 0; i < events.length; i++) {
        var ev = events[i];
        if (ev.seq <= last) continue;
        evs.put(ev);
        if (ev.mid !== void 0) {
          var old = await idbReq(msgs.get(ev.mid));
          var nr = reduceRecord(old || null, ev);
          if (nr) msgs.put(nr);
        }
        last = ev.seq;
      }
      meta.put({ k: "lastSeq", v: last });
      if (Math.floor(last / 1e3) !== Math.floor(first / 1e3) && last > this.keepEvents) {
        evs.delete(IDBKeyRange.upperBound(last - this.keepEvents));
      }
      await done;
      return last;
    }
    async setFloor(seq) {
      var tx = this._tx(["meta"], "readwrite");
      var meta = tx.objectStore("meta");
      if (await this._meta(meta, "lastSeq", 0) < seq) meta.put({ k: "lastSeq", v: seq });
      if (await this._meta(meta, "floor", 0) < seq) meta.put({ k: "floor", v: seq });
      await idbDone(tx);
    }
    async getEvents(lo, hi) {
      if (hi < lo) hi = lo;
      var tx = this._tx(["meta", "events"], "readonly");
      var list = await idbReq(tx.objectStore("events").getAll(IDBKeyRange.bound(lo, hi)));
      var floor = await this._meta(tx.objectStore("meta"), "floor", 0);
      var lastSeq = await this._meta(tx.objectStore("meta"), "lastSeq", 0);
      var out = [];
      for (var i = 0; i < list.length && list[i].seq === lo + i; i++) out.push(list[i]);
      return { events: out, floor, lastSeq };
    }
    async putMessages(records) {
      var tx = this._tx(["messages"], "readwrite");
      var msgs = tx.objectStore("messages");
      var added = [];
      for (var i = 0; i < records.length; i++) {
        var old = await idbReq(msgs.get(records[i].mid));
        if (!old) {
          msgs.put(records[i]);
          added.push(records[i]);
        }
      }
      await idbDone(tx);
      return added;
    }
    async outboxPut(entry) {
      var tx = this._tx(["outbox"], "readwrite");
      tx.objectStore("outbox").put(entry);
      await idbDone(tx);
    }
    async outboxDelete(cid) {
      var tx = this._tx(["outbox"], "readwrite");
      tx.objectStore("outbox").delete(cid);
      await idbDone(tx);
    }
    async outboxAll() {
      var tx = this._tx(["outbox"], "readonly");
      var all = await idbReq(tx.objectStore("outbox").getAll());
      return all.sort(function(a, b) {
        return a.ts - b.ts;
      });
    }
    async userObjectPut(rec) {
      var tx = this._tx(["uobj"], "readwrite");
      var st = tx.objectStore("uobj");
      var cur = await idbReq(st.get(rec.name));
      if (cur && cur.ver > rec.ver) {
        await idbDone(tx);
        return false;
      }
      st.put(rec);
      await idbDone(tx);
      return true;
    }
    async userObjectGet(name) {
      var tx = this._tx(["uobj"], "readonly");
      return await idbReq(tx.objectStore("uobj").get(name)) || null;
    }
    async userObjectAll() {
      var tx = this._tx(["uobj"], "readonly");
      return idbReq(tx.objectStore("uobj").getAll());
    }
    async leaseTry(name, holder, now, ttl) {
      var tx = this._tx(["meta"], "readwrite");
      var meta = tx.objectStore("meta");
      var rec = await this._meta(meta, "lease:" + name, null);
      var ok = !rec || rec.expires < now || rec.holder === holder;
      if (ok) meta.put({ k: "lease:" + name, v: { holder, expires: now + ttl } });
      await idbDone(tx);
      return ok;
    }
    async leaseRelease(name, holder) {
      var tx = this._tx(["meta"], "readwrite");
      var meta = tx.objectStore("meta");
      var rec = await this._meta(meta, "lease:" + name, null);
      if (rec && rec.holder === holder) meta.delete("lease:" + name);
      await idbDone(tx);
    }
    close() {
      if (this.db) this.db.close();
    }
  };

  // sdk/crosstab/lease-locks.js
  var LeaseLocks = class {
    constructor(store, timers, opts) {
      opts = opts || {};
      this.store = store;
      this.timers = timers;
      this.holder = opts.holder || "h" + randomId();
      this.ttl = opts.ttl || 2500;
      this.beat = opts.beat || 500;
      this.waiting = /* @__PURE__ */ new Set();
    }
    /** Try the waiting requests now (after a leader said goodbye). */
    poke() {
      this.waiting.forEach(function(w) {
        w();
      });
    }
    request(name, opts, cb) {
      var self = this;
      if (typeof opts === "function") {
        cb = opts;
        opts = {};
      }
      return new Promise(function(resolve, reject) {
        var timer = null, busy = false;
        var attempt = function() {
          if (busy) return;
          if (timer) {
            self.timers.clearTimeout(timer);
            timer = null;
          }
          if (opts.signal && opts.signal.aborted) {
            self.waiting.delete(attempt);
            reject(new Error("AbortError"));
            return;
          }
          busy = true;
          self.store.leaseTry(name, self.holder, self.timers.now(), self.ttl).then(function(ok) {
            busy = false;
            if (ok) {
              self.waiting.delete(attempt);
              held();
            } else if (opts.ifAvailable) {
              self.waiting.delete(attempt);
              Promise.resolve(cb(null)).then(resolve, reject);
            } else timer = self.timers.setTimeout(attempt, self.beat);
          }, function() {
            busy = false;
            timer = self.timers.setTimeout(attempt, self.beat);
          });
        };
        var held = function() {
          var lock = { name, mode: "exclusive", lost: false, onlost: null };
          var released = false, beatTimer = null;
          var renew = function() {
            if (released) return;
            self.store.leaseTry(name, self.holder, self.timers.now(), self.ttl).then(function(ok) {
              if (released) return;
              if (!ok) {
                lock.lost = true;
                if (lock.onlost) lock.onlost();
                return;
              }
              beatTimer = self.timers.setTimeout(renew, self.beat);
            }, function() {
              if (!released) beatTimer = self.timers.setTimeout(renew, self.beat);
            });
          };
          beatTimer = self.timers.setTimeout(renew, self.beat);
          var finish = function() {
            released = true;
            if (beatTimer) self.timers.clearTimeout(beatTimer);
            if (!lock.lost) self.store.leaseRelease(name, self.holder).catch(noop);
          };
          Promise.resolve().then(function() {
            return cb(lock);
          }).then(function(v) {
            finish();
            resolve(v);
          }, function(e) {
            finish();
            reject(e);
          });
        };
        self.waiting.add(attempt);
        attempt();
      });
    }
  };

  // sdk/crosstab/tab-identity.js
  var TabIdentity = class {
    /**
     * @param {{storage?: {getItem, setItem}, locks?: object, channel?: object, timers: object}} deps
     */
    constructor(deps) {
      this.storage = deps.storage || null;
      this.locks = deps.locks || null;
      this.channel = deps.channel || null;
      this.timers = deps.timers;
      this.key = "hubbub.tabId";
      var stored = null;
      try {
        stored = this.storage && this.storage.getItem(this.key);
      } catch (e) {
        stored = null;
      }
      this.id = stored && /^[0-9]+$/.test(stored) ? Number(stored) : newTabId();
      this._save();
      this.confirmed = null;
      this.nonce = randomId();
      var self = this;
      if (this.channel && !this.locks) {
        this.channel.onmessage = function(e) {
          var m = e.data || {};
          if (m.q === "tabid" && m.id === self.id && m.nonce !== self.nonce && self._done) {
            self.channel.postMessage({ a: "taken", id: m.id, nonce: m.nonce });
          } else if (m.a === "taken" && m.nonce === self.nonce && m.id === self.id && self._clash) {
            self._clash();
          }
        };
      }
    }
    _save() {
      try {
        if (this.storage) this.storage.setItem(this.key, String(this.id));
      } catch (e) {
      }
    }
    _wait(ms) {
      var t = this.timers;
      return new Promise(function(r) {
        t.setTimeout(r, ms);
      });
    }
    _claim(id) {
      var self = this;
      return new Promise(function(resolve) {
        self.locks.request("hubbub-tab:" + id, { ifAvailable: true }, function(lock) {
          if (!lock) {
            resolve(false);
            return null;
          }
          resolve(true);
          return new Promise(function(release) {
            self._release = release;
          });
        }).catch(function() {
          resolve(false);
        });
      });
    }
    /** Resolves with this tab's id once it is known to be unique among the open tabs. */
    confirm() {
      if (this.confirmed) return this.confirmed;
      var self = this;
      this.confirmed = (async function() {
        if (self.locks) {
          var delays = [0, 120, 300];
          for (var i = 0; i < delays.length; i++) {
            if (delays[i]) await self._wait(delays[i]);
            if (await self._claim(self.id)) {
              self._done = true;
              return self.id;
            }
          }
          for (; ; ) {
            self.id = newTabId();
            if (await self._claim(self.id)) break;
          }
          self._save();
        } else if (self.channel) {
          for (var n = 0; n < 5; n++) {
            var clashed = await new Promise(function(resolve) {
              self._clash = function() {
                resolve(true);
              };
              self.channel.postMessage({ q: "tabid", id: self.id, nonce: self.nonce });
              self.timers.setTimeout(function() {
                resolve(false);
              }, 80);
            });
            self._clash = null;
            if (!clashed) break;
            self.id = newTabId();
          }
          self._save();
        }
        self._done = true;
        return self.id;
      })();
      return this.confirmed;
    }
    /** Releases the id (page closing or tests). */
    release() {
      if (this._release) this._release();
      if (this.channel && this.channel.close) this.channel.close();
    }
  };

  // sdk/crosstab/session.js
  var SESSION_DEFAULTS = {
    ackEvery: 100,
    ackDelay: 50,
    backoffMin: 250,
    backoffMax: 1e4,
    fillRetry: 150,
    requestTimeout: 3e4,
    rateLimitRetry: 500,
    beatInterval: 500
  };
  var TabSession = class {
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
      this.cfg = Object.assign({}, SESSION_DEFAULTS, o.config || {});
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
      this.term = 0;
      this.knownTerm = 0;
      this.leaderTab = null;
      this.applied = 0;
      this.pending = /* @__PURE__ */ new Map();
      this.filling = false;
      this.fillTimer = null;
      this.status = C.MESIBO_STATUS_UNKNOWN;
      this.info = {};
      this.mySends = /* @__PURE__ */ new Map();
      this.shadow = /* @__PURE__ */ new Map();
      this.myReqs = /* @__PURE__ */ new Map();
      this.reqSeq = 0;
      this.tabVisibility = /* @__PURE__ */ new Map();
      this.ws = null;
      this.connGen = 0;
      this.connected = false;
      this.welcomed = false;
      this.signedOut = false;
      this.authFailed = false;
      this.backoff = 0;
      this.reconnectTimer = null;
      this.rseq = 0;
      this.inflight = /* @__PURE__ */ new Map();
      this.reqQueue = [];
      this.pendingSends = /* @__PURE__ */ new Map();
      this.sendingCids = /* @__PURE__ */ new Set();
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
      if (this.channel) this.channel.onmessage = function(e) {
        self._onChannel(e.data);
      };
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
        this._post({ type: "hello", visible: this._visible() });
        this._seekLeadership();
      } else {
        this._becomeLeader(null);
      }
    }
    /** Stops: closes the socket, gives up leadership and leaves the channel. */
    stop() {
      if (!this.running) return;
      this.log("stop");
      this.running = false;
      if (this.crossTab) this._post({ type: "bye" });
      this._stepDown("stop");
      if (this.abort) {
        try {
          this.abort.abort();
        } catch (e) {
        }
      }
      if (this.channel) {
        this.channel.onmessage = null;
        try {
          this.channel.close();
        } catch (e) {
        }
      }
      if (this.fillTimer) this.timers.clearTimeout(this.fillTimer);
      var tm = this.timers;
      this.myReqs.forEach(function(q) {
        tm.clearTimeout(q.timer);
        q.resolve({ ok: false, error: "STOPPED" });
      });
      this.myReqs.clear();
      this._setStatus(C.MESIBO_STATUS_STOPPED, {}, true);
    }
    _visible() {
      return this.o.visible ? !!this.o.visible() : true;
    }
    /** Tells the other tabs whether this tab is visible (for notifications and read receipts). */
    visibilityChanged() {
      var v = this._visible();
      this.tabVisibility.set(this.tabId, v);
      if (this.crossTab) this._post({ type: "vis", visible: v });
    }
    /** True when some open tab of this session is visible (the leader's view). */
    anyTabVisible() {
      if (this._visible()) return true;
      var any = false;
      this.tabVisibility.forEach(function(v) {
        if (v) any = true;
      });
      return any;
    }
    // ----- leadership ---------------------------------------------------------------------------
    _seekLeadership() {
      if (!this.running || !this.crossTab) return;
      var self = this;
      var ctl = typeof AbortController !== "undefined" ? new AbortController() : null;
      this.abort = ctl;
      var opts = { mode: "exclusive" };
      if (ctl) opts.signal = ctl.signal;
      var name = "hubbub-leader:" + this.o.scope;
      this.locks.request(name, opts, function(lock) {
        if (!self.running || !lock) return null;
        return new Promise(function(release) {
          self.release = release;
          if (lock.onlost !== void 0) lock.onlost = function() {
            self._stepDown("lease lost");
          };
          self._becomeLeader(lock);
        });
      }).catch(noop);
    }
    async _becomeLeader(lock) {
      if (!this.running) {
        if (this.release) this.release();
        return;
      }
      var term = null;
      if (this.crossTab) {
        term = await this.store.bumpTerm();
        if (!this.running || lock && lock.lost) {
          if (this.release) this.release();
          return;
        }
        this.term = term;
        this.knownTerm = Math.max(this.knownTerm, term);
      }
      this.isLeader = true;
      this.leaderTab = this.tabId;
      this.signedOut = false;
      this.authFailed = false;
      this.pendingSends.clear();
      var pend = this.pendingSends;
      this.shadow.forEach(function(e, cid) {
        pend.set(cid, e);
      });
      this.reqQueue = [];
      var seq = await this.store.getLastSeq();
      this.committedSeq = seq;
      this.ackedSeq = 0;
      if (this.crossTab) {
        this._post({ type: "leader", seq });
        this._beat();
      }
      if (this.h.onLeader) this.h.onLeader(true);
      if (seq > this.applied) this._fill(seq);
      var self = this;
      this.myReqs.forEach(function(q, id) {
        self._leaderRequest(q.frame, function(res) {
          self._resolveReq(id, res);
        });
      });
      this._connect();
    }
    /** While leading: tell the tabs the committed seq now and then, so a lost tail is noticed. */
    _beat() {
      var self = this;
      if (this.beatTimer) this.timers.clearTimeout(this.beatTimer);
      this.beatTimer = this.timers.setTimeout(function() {
        self.beatTimer = null;
        if (!self.isLeader || !self.running) return;
        if (self.committedSeq !== self._beatSeq) {
          self._beatSeq = self.committedSeq;
          self._post({ type: "beat", seq: self.committedSeq });
        }
        self._beat();
      }, this.cfg.beatInterval);
    }
    _stepDown(why) {
      var was = this.isLeader;
      this.isLeader = false;
      this.connGen++;
      this.connected = false;
      if (this.reconnectTimer) {
        this.timers.clearTimeout(this.reconnectTimer);
        this.reconnectTimer = null;
      }
      if (this.ackTimer) {
        this.timers.clearTimeout(this.ackTimer);
        this.ackTimer = null;
      }
      if (this.beatTimer) {
        this.timers.clearTimeout(this.beatTimer);
        this.beatTimer = null;
      }
      if (this.ws) {
        var ws = this.ws;
        this.ws = null;
        try {
          ws.close(1e3, "leader stepped down");
        } catch (e) {
        }
      }
      this.inflight.clear();
      this.sendingCids.clear();
      this.reqQueue = [];
      this.pendingSends.clear();
      this.inq = [];
      if (this.release) {
        var r = this.release;
        this.release = null;
        r();
      }
      if (was) {
        this.log("step down: " + why);
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
      ws.onopen = function() {
        if (gen !== self.connGen) return;
        var auth = { t: "auth", v: PROTOCOL_VERSION, token: self.o.token, appid: self.o.appid };
        if (self.o.tabField) {
          auth.tab = String(self.tabId);
          auth.after = after > 0 || self.welcomed ? after : "cursor";
        } else if (after > 0) auth.after = after;
        ws.send(JSON.stringify(auth));
      };
      ws.onmessage = function(e) {
        if (gen !== self.connGen) return;
        var f;
        try {
          f = JSON.parse(e.data);
        } catch (err) {
          return;
        }
        self._onFrame(f, gen);
      };
      ws.onclose = function(e) {
        self._onClose(gen, e && e.code, e && e.reason);
      };
      ws.onerror = noop;
    }
    _onClose(gen, code, reason) {
      if (gen !== this.connGen) return;
      this.ws = null;
      this.connected = false;
      if (this.ackTimer) {
        this.timers.clearTimeout(this.ackTimer);
        this.ackTimer = null;
      }
      var self = this;
      var back = [];
      this.inflight.forEach(function(x) {
        if (x.kind === "req") back.push(x.entry);
      });
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
          this.store.getTerm().then(function(t) {
            if (t > self.term) self._stepDown("superseded");
            else {
              self.signedOut = true;
              self._setStatus(C.MESIBO_STATUS_SIGNOUT, self.info);
            }
          });
        } else {
          this.signedOut = true;
          this._setStatus(C.MESIBO_STATUS_SIGNOUT, this.info);
        }
        return;
      }
      if (code === 4e3) {
        this._setStatus(C.MESIBO_STATUS_CONNECTFAILURE, this.info);
        return;
      }
      this._setStatus(code === 4003 ? C.MESIBO_STATUS_CONNECTFAILURE : C.MESIBO_STATUS_OFFLINE, this.info);
      var delay = Math.min(this.cfg.backoffMax, this.cfg.backoffMin * Math.pow(2, this.backoff));
      if (code === 4003) delay = this.cfg.backoffMax;
      this.backoff = Math.min(this.backoff + 1, 10);
      delay = Math.round(delay * (0.75 + Math.random() * 0.5));
      this.reconnectTimer = this.timers.setTimeout(function() {
        self.reconnectTimer = null;
        self._connect();
      }, delay);
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
      if (this.reconnectTimer) {
        this.timers.clearTimeout(this.reconnectTimer);
        this.reconnectTimer = null;
      }
      var gen = this.connGen;
      if (this.ws) {
        try {
          this.ws.close(1e3, "reconnect");
        } catch (e) {
        }
      }
      this._onClose(gen, 1006, "reconnect");
    }
    _wsSend(obj) {
      if (!this.ws || !this.connected) return false;
      try {
        this.ws.send(JSON.stringify(obj));
        return true;
      } catch (e) {
        return false;
      }
    }
    _onFrame(f, gen) {
      var self = this;
      switch (f.t) {
        case "welcome":
          this.connected = true;
          this.welcomed = true;
          this.backoff = 0;
          this.info = { address: f.address, uid: f.uid, device: f.device, head: f.head, ts: f.ts, limits: f.limits, ice: f.ice || [] };
          this.store.getLastSeq().then(function(last) {
            if (gen !== self.connGen) return;
            var go = function() {
              if (gen !== self.connGen) return;
              self._setStatus(C.MESIBO_STATUS_ONLINE, self.info);
              self._flush();
            };
            if (f.after > last) {
              self.store.setFloor(f.after).then(function() {
                self.committedSeq = Math.max(self.committedSeq, f.after);
                self._post({ type: "jump", seq: f.after });
                self._jump(f.after);
                go();
              });
            } else go();
          });
          break;
        case "events":
          if (Array.isArray(f.events) && f.events.length) {
            for (var i = 0; i < f.events.length; i++) this.inq.push(f.events[i]);
            if (!this.committing) this._commitLoop();
          }
          break;
        case "res":
          this._onRes(f);
          break;
        case "presence":
          this._post({ type: "presence", frame: f });
          if (this.h.onPresence) this.h.onPresence(f);
          break;
        case "signout":
          this.signedOut = true;
          break;
        case "error":
          if (f.code === "AUTHFAIL") this.authFailed = true;
          this.log("server error " + f.code + ": " + (f.reason || ""));
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
            if (e && e.code === "FENCED") {
              this._stepDown("fenced");
              return;
            }
            this.log("store error: " + e);
            this.inq = [];
            this.reconnect();
            return;
          }
          var top = batch[batch.length - 1].seq;
          if (top > this.committedSeq) this.committedSeq = top;
          if (this.crossTab) this._post({ type: "ev", events: batch });
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
      if (this.committedSeq - this.ackedSeq >= this.cfg.ackEvery) {
        this._sendAck();
        return;
      }
      if (!this.ackTimer) this.ackTimer = this.timers.setTimeout(function() {
        self.ackTimer = null;
        self._sendAck();
      }, this.cfg.ackDelay);
    }
    _sendAck() {
      if (this.ackTimer) {
        this.timers.clearTimeout(this.ackTimer);
        this.ackTimer = null;
      }
      if (this.committedSeq > this.ackedSeq && this._wsSend({ t: "ack", seq: this.committedSeq })) this.ackedSeq = this.committedSeq;
    }
    async _flush() {
      var gen = this.connGen;
      var entries = await this.store.outboxAll();
      if (gen !== this.connGen || !this.connected) return;
      for (var i = 0; i < entries.length; i++) {
        var e = entries[i];
        if (!this.pendingSends.has(e.cid)) this.pendingSends.set(e.cid, { frame: e.frame, origin: e.origin, ts: e.ts });
      }
      var list = Array.from(this.pendingSends.entries()).sort(function(a, b) {
        return a[1].ts - b[1].ts;
      });
      for (var j = 0; j < list.length; j++) this._transmitSend(list[j][0]);
      var q = this.reqQueue;
      this.reqQueue = [];
      for (var k = 0; k < q.length; k++) this._transmitReq(q[k]);
    }
    _transmitSend(cid) {
      var p = this.pendingSends.get(cid);
      if (!p || !this.connected || this.sendingCids.has(cid)) return;
      var r = ++this.rseq;
      var frame = Object.assign({}, p.frame, { r, cid });
      if (this._wsSend(frame)) {
        this.log("transmit " + cid);
        this.inflight.set(r, { kind: "send", cid });
        this.sendingCids.add(cid);
      }
    }
    _transmitReq(entry) {
      if (!this.connected) {
        this.reqQueue.push(entry);
        return;
      }
      var r = ++this.rseq;
      if (this._wsSend(Object.assign({}, entry.frame, { r }))) this.inflight.set(r, { kind: "req", entry });
      else this.reqQueue.push(entry);
    }
    _leaderRequest(frame, done) {
      this._transmitReq({ frame, done });
    }
    _leaderSend(cid, frame, origin, ts) {
      if (!this.pendingSends.has(cid)) this.pendingSends.set(cid, { frame, origin, ts: ts || 0 });
      this._transmitSend(cid);
    }
    _onRes(f) {
      var x = this.inflight.get(f.r);
      if (!x) return;
      this.inflight.delete(f.r);
      var self = this;
      if (x.kind === "req") {
        x.entry.done(f);
        return;
      }
      var cid = x.cid;
      this.sendingCids.delete(cid);
      if (!f.ok && f.error === "RATELIMIT") {
        this.timers.setTimeout(function() {
          self._transmitSend(cid);
        }, this.cfg.rateLimitRetry);
        return;
      }
      var p = this.pendingSends.get(cid);
      this.pendingSends.delete(cid);
      var origin = p ? p.origin : null;
      var res = Object.assign({}, f);
      delete res.r;
      this.log("res " + cid + " ok=" + f.ok + " status=" + f.status + (f.dup ? " dup" : ""));
      this.store.outboxDelete(cid).then(function() {
        if (self.crossTab) self._post({ type: "sent", cid, res, origin });
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
      var f = Object.assign({}, frame, { t: "send", cid });
      delete f.r;
      var self = this;
      var p = new Promise(function(resolve) {
        self.mySends.set(cid, { resolve });
      });
      var ts = this.timers.now();
      this.log("send " + cid + " " + f.message);
      var put = this.store.outboxPut({ cid, frame: f, origin: this.tabId, ts });
      if (this.crossTab) this._post({ type: "send", cid, frame: f, origin: this.tabId, ts });
      if (this.isLeader) this._leaderSend(cid, f, this.tabId, ts);
      try {
        await put;
        this.log("outbox " + cid + " leader=" + this.isLeader);
        if (!this.mySends.has(cid)) await this.store.outboxDelete(cid);
      } catch (e) {
        this.log("outbox write failed for " + cid + ": " + e);
      }
      return p;
    }
    /** Sends a request frame (read, history, profile, ...) through the leader; resolves with its res. */
    request(frame) {
      var self = this;
      var f = Object.assign({}, frame);
      delete f.r;
      return new Promise(function(resolve, reject) {
        var id = self.tabId + ":" + ++self.reqSeq;
        var timer = self.timers.setTimeout(function() {
          self.myReqs.delete(id);
          resolve({ ok: false, error: "TIMEOUT" });
        }, self.cfg.requestTimeout);
        self.myReqs.set(id, { frame: f, resolve, reject, timer });
        if (self.isLeader) self._leaderRequest(f, function(res) {
          self._resolveReq(id, res);
        });
        else if (self.crossTab) self._post({ type: "req", id, frame: f });
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
      if (this.isLeader) {
        this._wsSend(frame);
        return;
      }
      if (this.crossTab) this._post({ type: "fire", frame });
    }
    /** Stores a user object and tells every tab (including this one). */
    async setUserObject(name, obj) {
      var rec = { name, obj: cloneData(obj), ver: this.timers.now() * 1e3 + Math.floor(Math.random() * 1e3) };
      await this.store.userObjectPut(rec);
      if (this.crossTab) this._post({ type: "uobj", rec });
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
      if (this.isLeader && this.crossTab && !localOnly) this._post({ type: "status", status, info: this.info, seq: this.committedSeq });
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
        if (typeof ev.seq !== "number" || ev.seq <= this.applied || this.pending.has(ev.seq)) continue;
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
      this.pending.forEach(function(v, k) {
        if (k <= seq) self.pending.delete(k);
      });
      this._drain();
    }
    /** Fills the gap between the applied seq and the first buffered one (or `upTo`) from the store. */
    async _fill(upTo) {
      if (this.filling) {
        if (upTo) this._fillTo = Math.max(this._fillTo || 0, upTo);
        return;
      }
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
          this._jump(Math.min(got.floor, hi));
        } else if (!got.events.length && got.lastSeq >= hi) {
          this.log("resync: events " + lo + ".." + hi + " were pruned");
          this._jump(hi);
          if (this.h.onResync) this.h.onResync();
        }
        var evs = got.events.filter(function(e) {
          return e.seq > 0;
        });
        for (var i = 0; i < evs.length; i++) {
          if (evs[i].seq === this.applied + 1) {
            this.applied++;
            this._deliverOne(evs[i]);
          }
        }
        var self = this;
        this.pending.forEach(function(v, k) {
          if (k <= self.applied) self.pending.delete(k);
        });
        var stillGap = this.pending.size && sortedSeqs(this.pending)[0] > this.applied + 1 || !this.pending.size && hi > this.applied;
        if (stillGap && !this.isLeader && this.crossTab) {
          this._post({ type: "need", lo: this.applied + 1, hi: this.pending.size ? sortedSeqs(this.pending)[0] - 1 : hi });
        }
        if (stillGap && !this.fillTimer) {
          this.fillTimer = this.timers.setTimeout(function() {
            self.fillTimer = null;
            self._fill(hi);
          }, this.cfg.fillRetry);
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
      try {
        this.channel.postMessage(msg);
      } catch (e) {
        this.log("channel: " + e);
      }
    }
    _onChannel(m) {
      if (!m || typeof m !== "object" || !m.type) return;
      if (!this.ready) {
        this._chanBuffer.push(m);
        return;
      }
      if (!this.running) return;
      var term = m.term || 0;
      if (term > this.knownTerm) {
        this.knownTerm = term;
        if (this.isLeader && term > this.term) this._stepDown("newer term " + term);
      }
      if (m.leader) {
        if (term < this.knownTerm) return;
        if (this.isLeader && term === this.term && m.from !== this.tabId) return;
        this.leaderTab = m.from;
      }
      var self = this;
      switch (m.type) {
        case "hello":
          this.tabVisibility.set(m.from, !!m.visible);
          if (this.isLeader) this._post({ type: "status", status: this.status, info: this.info, seq: this.committedSeq, to: m.from });
          break;
        case "bye":
          this.tabVisibility.delete(m.from);
          if (m.leader && this.locks && this.locks.poke) this.locks.poke();
          break;
        case "vis":
          this.tabVisibility.set(m.from, !!m.visible);
          break;
        case "leader":
          this.myReqs.forEach(function(q, id) {
            self._post({ type: "req", id, frame: q.frame });
          });
          this._post({ type: "vis", visible: this._visible() });
          if (m.seq > this.applied) this._fill(m.seq);
          break;
        case "status":
          if (!m.leader) break;
          this._statusLocal(m.status, m.info);
          if (m.seq > this.applied) this._fill(m.seq);
          break;
        case "ev":
          if (m.leader) this._receive(m.events || []);
          break;
        case "jump":
          if (m.leader) this._jump(m.seq);
          break;
        case "beat":
          if (m.leader && m.seq > this.applied) this._fill(m.seq);
          break;
        case "need":
          if (this.isLeader) {
            this.store.getEvents(m.lo, m.hi).then(function(got) {
              if (got.events.length) self._post({ type: "ev", events: got.events });
              else if (got.floor >= m.lo) self._post({ type: "jump", seq: got.floor });
            });
          }
          break;
        case "send":
          this.shadow.set(m.cid, { frame: m.frame, origin: m.origin, ts: m.ts });
          if (this.isLeader) this._leaderSend(m.cid, m.frame, m.origin, m.ts);
          break;
        case "sent":
          this.shadow.delete(m.cid);
          if (m.leader) this._onSentLocal(m.cid, m.res);
          break;
        case "req":
          if (this.isLeader) this._leaderRequest(m.frame, function(res) {
            self._post({ type: "res", id: m.id, res, to: m.from });
          });
          break;
        case "res":
          if (m.leader && m.to === this.tabId) this._resolveReq(m.id, m.res);
          break;
        case "fire":
          if (this.isLeader) this._wsSend(m.frame);
          break;
        case "presence":
          if (m.leader && this.h.onPresence) this.h.onPresence(m.frame);
          break;
        case "uobj":
          if (this.h.onUserObject && m.rec) this.h.onUserObject(m.rec.name, cloneData(m.rec.obj));
          break;
        default:
          if (this.h.onChannel) this.h.onChannel(m);
      }
    }
  };

  // sdk/api/env.js
  var HAS_DOC = typeof document !== "undefined";
  var SCRIPT_EL = HAS_DOC && document.currentScript ? document.currentScript : null;
  var SCRIPT_URL = SCRIPT_EL && SCRIPT_EL.src ? SCRIPT_EL.src : null;
  var SCRIPT_SERVER = SCRIPT_EL && SCRIPT_EL.getAttribute ? SCRIPT_EL.getAttribute("data-server") : null;
  function normalizeServer(s) {
    var u = new URL(s, HAS_DOC ? location.href : void 0);
    if (u.protocol === "http:") u.protocol = "ws:";
    else if (u.protocol === "https:") u.protocol = "wss:";
    if (!u.pathname || u.pathname === "/") u.pathname = "/ws";
    return u.toString();
  }
  function defaultServer() {
    if (SCRIPT_SERVER) return normalizeServer(SCRIPT_SERVER);
    var base = SCRIPT_URL || (HAS_DOC ? location.href : "http://localhost/");
    var u = new URL(base);
    return (u.protocol === "https:" ? "wss:" : "ws:") + "//" + u.host + "/ws";
  }
  function legacyName(name) {
    return name.replace(/^Mesibo_on/, "Mesibo_On").replace(/^MesiboJS_on/, "MesiboJS_On");
  }
  function utf8(s) {
    if (typeof TextEncoder === "function") return new TextEncoder().encode(s || "");
    return s || "";
  }
  function browserTimers() {
    return {
      setTimeout: function(f, ms) {
        return setTimeout(f, ms);
      },
      clearTimeout: function(t) {
        clearTimeout(t);
      },
      now: function() {
        return Date.now();
      }
    };
  }
  var pageIdentity = null;
  function getPageIdentity() {
    if (pageIdentity) return pageIdentity;
    var storage = null;
    try {
      storage = globalThis.sessionStorage || null;
    } catch (e) {
      storage = null;
    }
    var locks = globalThis.navigator && globalThis.navigator.locks && globalThis.navigator.locks.request ? globalThis.navigator.locks : null;
    var channel = null;
    if (!locks && typeof BroadcastChannel === "function") channel = new BroadcastChannel("hubbub-tabs");
    pageIdentity = new TabIdentity({ storage, locks, channel, timers: browserTimers() });
    pageIdentity.confirm();
    return pageIdentity;
  }
  function browserDependencies(scope, dbName) {
    var timers = browserTimers();
    var hasIdb = !!globalThis.indexedDB;
    var store = hasIdb ? new IdbStore(dbName) : new MemoryStore();
    var channel = hasIdb && typeof BroadcastChannel === "function" ? new BroadcastChannel("hubbub:" + scope) : null;
    var locks = null, lockKind = "none";
    if (!channel) {
      locks = null;
    } else if (globalThis.navigator && globalThis.navigator.locks && typeof globalThis.navigator.locks.request === "function") {
      locks = globalThis.navigator.locks;
      lockKind = "weblocks";
    } else if (channel && hasIdb) {
      locks = new LeaseLocks(store, timers);
      lockKind = "lease";
    }
    return {
      store,
      channel,
      locks,
      lockKind,
      timers,
      socketFactory: function(url) {
        return new WebSocket(url);
      },
      identity: getPageIdentity(),
      visible: function() {
        return !HAS_DOC || document.visibilityState === "visible";
      },
      log: globalThis.HUBBUB_DEBUG ? function(m) {
        console.debug("hubbub: " + m);
      } : noop
    };
  }

  // sdk/files/index.js
  var RENEW_MS = 5 * 60 * 1e3;
  var FILE_ID = /^[0-9a-f]{64}$/;
  var DENIED_MS = 60 * 1e3;
  function httpBase(ws) {
    return String(ws).replace(/^ws(s?):\/\//i, "http$1://").replace(/\/ws\/?$/, "");
  }
  function fileTypeOf(mime) {
    var major = String(mime || "").split("/")[0];
    return major === "image" ? C.MESIBO_FILETYPE_IMAGE : major === "video" ? C.MESIBO_FILETYPE_VIDEO : major === "audio" ? C.MESIBO_FILETYPE_AUDIO : C.MESIBO_FILETYPE_OTHER;
  }
  function isFileId(v) {
    return typeof v === "string" && FILE_ID.test(v);
  }
  function contentFromValue(content, filetype) {
    if (!content) return null;
    if (typeof content === "string") {
      if (/^[a-z]+:\/\//i.test(content) || content.charAt(0) === "/") return { file: { url: content, type: filetype || 0 } };
      var el = HAS_DOC ? document.getElementById(content) : null;
      if (el && el.files && el.files[0]) return { blob: el.files[0] };
      return { file: { url: content, type: filetype || 0 } };
    }
    if (typeof Blob !== "undefined" && content instanceof Blob) return { blob: content };
    if (typeof content === "object") return { file: Object.assign({}, content) };
    return null;
  }
  var FileUrls = class {
    constructor(api) {
      this._api = api;
      this._urls = /* @__PURE__ */ new Map();
      this._pending = /* @__PURE__ */ new Map();
      this._denied = /* @__PURE__ */ new Map();
    }
    _fresh(id) {
      var e = this._urls.get(id);
      if (e && e.until - RENEW_MS > Date.now()) return true;
      var d = this._denied.get(id);
      return !!d && d > Date.now();
    }
    /** The URL now ('' until the first one arrives); asks for a new one when it is old. @param {string} id */
    url(id) {
      if (!this._fresh(id)) this.ensure([id]);
      var e = this._urls.get(id);
      return e && e.until > Date.now() ? e.url : "";
    }
    /** Remembers a URL the server gave (the upload's answer). */
    put(id, url, ttl) {
      if (id && url) this._urls.set(id, { url: this._abs(url), until: Date.now() + (ttl || 3600) * 1e3 });
    }
    _abs(url) {
      return /^https?:/i.test(url) ? url : httpBase(this._api.getServer()) + url;
    }
    /** Resolves once every id has a fresh URL (or was denied). @param {string[]} ids @returns {Promise<void>} */
    ensure(ids) {
      var self = this;
      var want = [];
      var waits = [];
      ids.forEach(function(id) {
        if (!isFileId(id) || self._fresh(id)) return;
        if (self._pending.has(id)) waits.push(self._pending.get(id));
        else if (want.indexOf(id) < 0) want.push(id);
      });
      if (want.length) {
        var p = httpJson(this._api, "POST", "/files/sign", { ids: want }).then(function(res) {
          Object.keys(res.urls || {}).forEach(function(id) {
            self.put(id, res.urls[id], res.ttl);
            self._denied.delete(id);
          });
          (res.denied || []).forEach(function(id) {
            self._denied.set(id, Date.now() + DENIED_MS);
          });
        }, function(e) {
          console.warn("Hubbub: could not get file URLs", e);
        }).then(function() {
          want.forEach(function(id) {
            self._pending.delete(id);
          });
        });
        want.forEach(function(id) {
          self._pending.set(id, p);
        });
        waits.push(p);
      }
      return Promise.all(waits).then(function() {
      });
    }
  };
  function authHeaders(api) {
    return { Authorization: "Bearer " + api._token, "X-Appid": api._appid };
  }
  function httpJson(api, method, path, body) {
    var headers = Object.assign({ "Content-Type": "application/json" }, authHeaders(api));
    return fetch(httpBase(api.getServer()) + path, { method, headers, body: JSON.stringify(body) }).then(function(r) {
      return r.json().then(function(j) {
        if (!r.ok) throw j;
        return j;
      });
    });
  }
  function uploadBlob(api, blob, opts) {
    opts = opts || {};
    return new Promise(function(resolve, reject) {
      var name = opts.name || blob.name || "";
      var url = httpBase(api.getServer()) + "/files/upload?name=" + encodeURIComponent(name) + (opts.image ? "&image=1" : "");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      var h = authHeaders(api);
      Object.keys(h).forEach(function(k) {
        xhr.setRequestHeader(k, h[k]);
      });
      if (xhr.upload && opts.onProgress) xhr.upload.onprogress = function(e) {
        opts.onProgress(e.loaded, e.total || blob.size);
      };
      xhr.onload = function() {
        var body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (e) {
        }
        if (xhr.status === 201 && body) resolve(body);
        else reject(body || { error: "UPLOAD", reason: "upload answered " + xhr.status });
      };
      xhr.onerror = function() {
        reject({ error: "UPLOAD", reason: "upload cut off (network)" });
      };
      xhr.onabort = function() {
        reject({ error: "UPLOAD", reason: "upload aborted" });
      };
      xhr.send(blob);
    });
  }
  function fileView(api, f, local) {
    var v = {
      id: f && f.id || "",
      name: f && f.name || "",
      size: f && f.size || 0,
      type: f ? f.type || 0 : 0,
      mimeType: f && f.mime || "",
      width: f && f.width || 0,
      height: f && f.height || 0,
      thumbnail: f && f.thumb || "",
      path: "",
      progress: 0,
      status: C.MESIBO_FILESTATUS_IDLE,
      source: C.MESIBO_FILESOURCE_MESSAGE
    };
    Object.defineProperty(v, "url", {
      enumerable: true,
      get: function() {
        if (!f) return "";
        if (f.id && api._fileUrls) return api._fileUrls.url(f.id) || local && local.url || "";
        return f.url || local && local.url || "";
      }
    });
    v.loadImageFromCache = function(img, cb) {
      if (!img || !f) return;
      var go = function() {
        var u = v.url;
        if (u) img.src = u;
        if (cb) cb(img, !!u);
      };
      if (f.id && !v.url && api._fileUrls) api._fileUrls.ensure([f.id]).then(go);
      else go();
    };
    return v;
  }
  function fileIdsOf(evs) {
    var ids = [];
    for (var i = 0; i < evs.length; i++) {
      var ev = evs[i];
      if (ev.k === "msg" && ev.file && isFileId(ev.file.id)) ids.push(ev.file.id);
      else if (ev.k === "profile" && isFileId(ev.picture)) ids.push(ev.picture);
    }
    return ids;
  }
  function applyWithUrls(api, evs, apply) {
    var ids = fileIdsOf(evs);
    var need = ids.filter(function(id) {
      return !api._fileUrls._fresh(id);
    });
    if (!need.length && !api._fileQueue) {
      apply(evs);
      return;
    }
    var run = function() {
      return api._fileUrls.ensure(need).then(function() {
        apply(evs);
      });
    };
    var tail = (api._fileQueue || Promise.resolve()).then(run, run);
    api._fileQueue = tail;
    tail.then(function() {
      if (api._fileQueue === tail) api._fileQueue = null;
    });
  }
  function progress(api, m, mode, done, total) {
    var v = m.file;
    v.progress = total ? Math.floor(done * 100 / total) : 0;
    v.status = C.MESIBO_FILESTATUS_INPROGRESS;
    v.mode = mode;
    v.message = m;
    api._emit("Mesibo_onFileTransferProgress", [v]);
  }
  function uploadThenSend(api, m, go) {
    if (!m._blob) return go();
    var blob = m._blob;
    var fail = function(e) {
      m.file.status = C.MESIBO_FILESTATUS_FAILED;
      api._emit("Mesibo_onFileTransferProgress", [m.file]);
      return { ok: false, error: e && e.error || "UPLOAD", reason: e && e.reason || String(e) };
    };
    if (api._uploader) {
      return Promise.resolve(api._uploader(blob, m)).then(function(file) {
        m._blob = null;
        m._setFile(file);
        return go();
      }, fail);
    }
    if (!m._file) {
      m._setFile(
        { name: blob.name || "", size: blob.size, mime: blob.type || "", type: m.filetype || fileTypeOf(blob.type) },
        { url: typeof URL !== "undefined" && URL.createObjectURL ? URL.createObjectURL(blob) : "" }
      );
    }
    var local = m._local;
    return uploadBlob(api, blob, { name: blob.name || "", onProgress: function(d, t) {
      progress(api, m, C.MESIBO_FILEMODE_UPLOAD, d, t);
    } }).then(function(meta) {
      api._fileUrls.put(meta.id, meta.url, meta.ttl);
      m._blob = null;
      var f = {
        id: meta.id,
        name: blob.name || meta.name || "",
        type: m._file.type || meta.type,
        size: meta.size,
        mime: meta.mime,
        width: meta.width,
        height: meta.height,
        thumb: meta.thumb || m._file.thumb || ""
      };
      m._setFile(f, local);
      m.file.progress = 100;
      api._emit("Mesibo_onFileTransferProgress", [m.file]);
      return go();
    }, fail);
  }
  var fileMethods = {
    /**
     * Optional: the app uploads files itself. fn(blob, message) -> Promise<{url, type, size, name, mime}>;
     * the message then carries that URL (nothing is stored on the Hubbub server).
     * @param {function(Blob, object): Promise<object>} fn
     */
    setUploadHandler(fn) {
      this._uploader = fn;
    },
    /** Accepted for compatibility; the Hubbub server stores files itself, so nothing changes. */
    setUploadUrl() {
    },
    /**
     * Registers the app's service worker; failure is ignored (files load through the HTTP cache).
     * @param {string} url
     */
    startServiceWorker(url) {
      try {
        if (typeof navigator !== "undefined" && navigator.serviceWorker) navigator.serviceWorker.register(url).catch(function() {
        });
      } catch (e) {
      }
    },
    /**
     * Downloads a message's file as a Blob with progress: onProgress(done, total), also reported to
     * Mesibo_onFileTransferProgress(file) (Hubbub addition: mesibo downloads for the app).
     * @param {object} m a message with a file @param {function(number, number)} [onProgress] @returns {Promise<Blob>}
     */
    downloadFile(m, onProgress) {
      var api = this;
      var f = m._file;
      var ready = f && f.id ? this._fileUrls.ensure([f.id]) : Promise.resolve();
      return ready.then(function() {
        return fetch(m.file.url);
      }).then(function(r) {
        if (!r.ok) throw new Error("download answered " + r.status);
        var total = Number(r.headers.get("content-length")) || f && f.size || 0;
        if (!r.body || !r.body.getReader) return r.blob();
        var reader = r.body.getReader();
        var parts = [];
        var done = 0;
        var pump = function() {
          return reader.read().then(function(x) {
            if (x.done) return new Blob(parts, { type: f && f.mime || "" });
            parts.push(x.value);
            done += x.value.length;
            if (onProgress) onProgress(done, total);
            progress(api, m, C.MESIBO_FILEMODE_DOWNLOAD, done, total);
            return pump();
          });
        };
        return pump();
      });
    }
  };
  function uploadPicture(api, content) {
    var c = contentFromValue(content, C.MESIBO_FILETYPE_IMAGE);
    if (!c) return Promise.resolve(null);
    if (c.file) return Promise.resolve(c.file.url || "");
    return uploadBlob(api, c.blob, { name: c.blob.name || "picture", image: true }).then(function(meta) {
      api._fileUrls.put(meta.id, meta.url, meta.ttl);
      return meta.id;
    });
  }
  function profileImage(profile) {
    var api = profile._api;
    var pic = profile.picture || "";
    var url = function() {
      return isFileId(pic) ? api._fileUrls ? api._fileUrls.url(pic) : "" : pic;
    };
    return {
      getThumbnail: function() {
        return profile._thumb || url();
      },
      getImage: function() {
        return url() || profile._thumb;
      },
      getImageOrThumbnail: function() {
        return url() || profile._thumb;
      },
      getUrl: function() {
        return url();
      },
      getNext: function() {
        return null;
      },
      getPrevious: function() {
        return null;
      },
      getIndex: function() {
        return 0;
      },
      isEmpty: function() {
        return !pic;
      },
      getProfile: function() {
        return profile;
      }
    };
  }

  // sdk/api/member.js
  var MesiboGroupMember = class {
    constructor(api, m) {
      this._api = api;
      this.address = m.address;
      this.flags = m.flags || 0;
      this.admin = !!m.admin;
    }
    /** @returns {string} */
    getAddress() {
      return this.address;
    }
    /** @returns {MesiboProfile} */
    getProfile() {
      return this._api.getProfile(this.address, 0);
    }
    /** @returns {boolean} */
    isAdmin() {
      return this.admin;
    }
    /** @returns {number} member flags (MESIBO_MEMBERFLAG_*) */
    getFlags() {
      return this.flags;
    }
  };

  // sdk/api/read-session.js
  var MesiboReadSession = class {
    constructor(api, filter, listener, summary) {
      this._api = api;
      this._filter = filter;
      this._listener = listener || null;
      this._summary = !!summary;
      this._receipts = false;
      this._pos = 0;
      this._stopped = false;
      api._readSessions.add(this);
    }
    /**
     * A session over the latest message of every conversation (the chat list), on the current api.
     * @param {object} listener @returns {MesiboReadSession}
     */
    static createReadSummarySession(listener) {
      return Mesibo._current().createReadSummarySession(listener);
    }
    /** Send read receipts for the messages this session shows (only from a visible tab). @param {boolean} on */
    enableReadReceipt(on) {
      this._receipts = on !== false;
      if (this._receipts) this._api._flushReads();
    }
    /** @returns {boolean} */
    isReadReceiptEnabled() {
      return this._receipts;
    }
    _list() {
      if (this._summary) return this._api._summary();
      return this._api._conversation(convKey(this._filter.peer, this._filter.gid));
    }
    _matches(rec) {
      if (this._stopped || this._summary) return false;
      return rec.conv === convKey(this._filter.peer, this._filter.gid);
    }
    /**
     * Delivers up to n stored messages, newest first, to Mesibo_onMessage (isDbMessage() true; the
     * last of the batch has isLastMessage() true). Each call continues where the previous stopped.
     * @param {number} n @returns {number} how many were delivered
     */
    read(n) {
      var list = this._list();
      var batch = list.slice(this._pos, this._pos + (n > 0 ? n : list.length));
      this._pos += batch.length;
      var api = this._api, self = this;
      batch.forEach(function(rec, i) {
        var m = api._msg(rec, { db: true, last: i === batch.length - 1 });
        self._deliver("Mesibo_onMessage", [m]);
      });
      if (this._receipts && !this._summary) api._markRead(batch);
      return batch.length;
    }
    /**
     * Fetches up to k older messages of the conversation from the server into the local store, then
     * calls Mesibo_onSync(count); read() then delivers them.
     * @param {number} k
     */
    sync(k) {
      var self = this, api = this._api;
      if (this._summary) {
        api._later(function() {
          self._deliver("Mesibo_onSync", [0]);
        });
        return;
      }
      var conv = api._conversation(convKey(this._filter.peer, this._filter.gid));
      var before = 0;
      conv.forEach(function(r) {
        if (r.mid && (!before || r.mid < before)) before = r.mid;
      });
      var frame = { t: "history", peer: this._filter.peer || "", gid: this._filter.gid || 0, limit: k || 50 };
      if (before) frame.before = before;
      api._request(frame).then(function(res) {
        var msgs = res.ok && Array.isArray(res.messages) ? res.messages : [];
        return api._storeHistory(msgs.map(recordFromMsg));
      }).then(function(added) {
        self._deliver("Mesibo_onSync", [added ? added.length : 0]);
      });
    }
    /** Stops this session (no more read receipts from it). */
    stop() {
      this._stopped = true;
      this._api._readSessions.delete(this);
    }
    _deliver(name, args) {
      var l = this._listener;
      var fn = l && (l[name] || l[legacyName(name)]);
      if (fn) {
        try {
          fn.apply(l, args);
        } catch (e) {
          console.error(e);
        }
      } else this._api._emit(name, args);
    }
  };

  // sdk/api/profile.js
  var MesiboProfile = class {
    constructor(api, address, gid) {
      this._api = api;
      this.address = gid ? "" : address || "";
      this.groupid = gid || 0;
      this.name = "";
      this.status = "";
      this.picture = "";
      this._thumb = "";
      this._online = false;
      this._lastseen = 0;
      this._typingUntil = 0;
      this._blocked = false;
      this._subscribed = false;
      this._contact = false;
      this._members = null;
      this._fetched = false;
      this._dirty = {};
    }
    /** @returns {string} */
    getAddress() {
      return this.address;
    }
    /** @returns {number} */
    getGroupId() {
      return this.groupid;
    }
    /** @returns {boolean} */
    isGroup() {
      return this.groupid > 0;
    }
    /** @returns {boolean} */
    isSelfProfile() {
      return !this.groupid && !!this.address && this.address === this._api._selfAddress();
    }
    /** @returns {string} */
    getName() {
      return this.name;
    }
    /** @returns {string} the name, else the address */
    getNameOrAddress() {
      return this.name || this.address || (this.groupid ? "group " + this.groupid : "");
    }
    /** @returns {string} */
    getStatus() {
      return this.status;
    }
    /** @returns {string} a string field ("name", "status", "picture") */
    getString(k) {
      return this[k === "image" ? "picture" : k] || "";
    }
    /** The picture object (never null; isEmpty() without a picture). @returns {object} */
    getImage() {
      return profileImage(this);
    }
    /** The picture's thumbnail (a data: URL), else its URL; '' without a picture. @returns {string} */
    getThumbnail() {
      return profileImage(this).getThumbnail() || "";
    }
    /** The picture's URL, else its thumbnail. @returns {string} */
    getImageOrThumbnail() {
      return profileImage(this).getImageOrThumbnail() || "";
    }
    /** @returns {number} ms since the epoch the user was last online; 0 when online or unknown */
    getLastSeen() {
      return this._online ? 0 : this._lastseen;
    }
    /** @returns {boolean} */
    isOnline() {
      return this._online;
    }
    /** @returns {boolean} */
    isTyping() {
      return this._typingUntil > Date.now();
    }
    /** @returns {boolean} */
    isBlocked() {
      return this._blocked;
    }
    /** @returns {boolean} */
    isSubscribed() {
      return this._subscribed;
    }
    /** @param {string} name */
    setName(name) {
      this.name = name || "";
      this._dirty.name = this.name;
    }
    /** @param {string} s */
    setStatus(s) {
      this.status = s || "";
      this._dirty.status = this.status;
    }
    /** @param {string} k "name" | "status" | "picture" @param {string} v */
    setString(k, v) {
      if (k === "name") this.setName(v);
      else if (k === "status") this.setStatus(v);
      else if (k === "picture" || k === "image") this.setImage(v);
    }
    /**
     * Sets the picture, published by save(): a File/Blob, the id of an <input type=file>, or a URL.
     * `index` (mesibo's several pictures per profile) is accepted; Hubbub keeps one picture.
     * @param {string|File|Blob} img @param {number} [index]
     */
    setImage(img, index) {
      var el = typeof img === "string" && HAS_DOC ? document.getElementById(img) : null;
      if (el && el.files) {
        if (el.files[0]) this._dirty.pictureContent = el.files[0];
        return;
      }
      if (typeof img === "string") {
        this.picture = img;
        this._dirty.picture = img;
        return;
      }
      if (img) this._dirty.pictureContent = img;
    }
    /** Marks this user as a contact (local only). @param {boolean} on */
    setContact(on) {
      this._contact = on !== false;
    }
    /**
     * Saves changes: the own profile (name, status, picture) or a group's name (admins).
     * @returns {Promise<object>} the server's answer
     */
    save() {
      var d = this._dirty;
      this._dirty = {};
      if (this.groupid) return this._api._request(Object.assign({ t: "group_set", gid: this.groupid }, d.name !== void 0 ? { name: d.name } : {}));
      if (!this.isSelfProfile() && this.address) return Promise.resolve({ ok: false, error: "FORBIDDEN", reason: "only the own profile can be saved" });
      var self = this;
      var api = this._api;
      var content = d.pictureContent;
      delete d.pictureContent;
      var ready = content ? uploadPicture(api, content).then(function(id) {
        if (id) d.picture = id;
      }) : Promise.resolve();
      return ready.then(function() {
        return api._request(Object.assign({ t: "profile" }, d));
      }, function(e) {
        return { ok: false, error: e && e.error || "UPLOAD", reason: e && e.reason || String(e) };
      }).then(function(res) {
        api._emit("MesiboProfile_onPublish", [self, !!res.ok]);
        return res;
      });
    }
    /** Get profile changes and online/offline presence of this user. @param {boolean} on */
    subscribe(on) {
      this._subscribed = on !== false;
      return this._api._request({ t: "subscribe", address: this.address, on: this._subscribed });
    }
    /** Blocks (or unblocks) this user: its messages to you fail with BLOCKED. @param {boolean} on */
    block(on) {
      this._blocked = on !== false;
      return this._api._request({ t: "block", address: this.address, on: this._blocked });
    }
    /** A new outgoing message to this profile; set .message/.title, then .send(). @returns {MesiboMessage} */
    newMessage() {
      var m = new MesiboMessage(this._api, { dir: "out", peer: this.address, gid: this.groupid, status: C.MESIBO_MSGSTATUS_OUTBOX });
      m.id = 0;
      return m;
    }
    /** Sends a text message. @param {number} id from api.random() @param {string} text @returns {number} */
    sendMessage(id, text) {
      var m = this.newMessage();
      m.id = id || this._api.random();
      m.message = text || "";
      return m.send();
    }
    /**
     * Sends a file message. @param {number} id
     * @param {{message?: string, title?: string, file?: File|object, fileurl?: string, filetype?: number}} opts
     * @returns {number}
     */
    sendFile(id, opts) {
      opts = opts || {};
      var m = this.newMessage();
      m.id = id || this._api.random();
      m.message = opts.message || "";
      m.title = opts.title || "";
      m.filetype = opts.filetype || 0;
      m.setContent(opts.file || opts.fileurl);
      if (opts.filetype) m.setContentType(opts.filetype);
      if (m._file) m._setFile(m._file);
      return m.send();
    }
    /** Sends typing. */
    sendTyping() {
      this._api._presence(this, C.MESIBO_ACTIVITY_TYPING);
    }
    /** Sends typing cleared. */
    sendTypingCleared() {
      this._api._presence(this, C.MESIBO_ACTIVITY_TYPINGCLEARED);
    }
    /** Sends joined (the user opened this conversation). */
    sendJoined() {
      this._api._presence(this, C.MESIBO_ACTIVITY_JOINED);
    }
    /** Sends left. */
    sendLeft() {
      this._api._presence(this, C.MESIBO_ACTIVITY_LEFT);
    }
    /** Sends online. */
    sendOnline() {
      this._api._presence(this, C.MESIBO_ACTIVITY_ONLINE);
    }
    /** A read session over this conversation's stored messages. @param {object} listener @returns {MesiboReadSession} */
    createReadSession(listener) {
      return new MesiboReadSession(this._api, { peer: this.address, gid: this.groupid }, listener);
    }
    /**
     * Legacy: calls cb(messages) with this conversation's stored messages, newest first.
     * @param {object} query (unused; kept for compatibility) @param {function(MesiboMessage[])} cb
     */
    readDbSession(query, cb) {
      if (typeof query === "function") cb = query;
      var api = this._api;
      var list = api._conversation(convKey(this.address, this.groupid)).map(function(r) {
        return api._msg(r, { db: true });
      });
      if (list.length) list[list.length - 1]._last = true;
      if (cb) cb(list);
      return list.length;
    }
    /** The group profile (this profile for groups, null otherwise). @returns {MesiboProfile|null} */
    getGroupProfile() {
      return this.groupid ? this : null;
    }
    /**
     * Adds members to this group (admins). @param {string[]|string} addresses
     * @param {number} flags MESIBO_MEMBERFLAG_* @param {number} adminFlags non-zero to make them admins
     */
    addMembers(addresses, flags, adminFlags) {
      if (typeof addresses === "string") addresses = addresses.split(",");
      return this._api._request({ t: "group_members", gid: this.groupid, add: addresses, flags: flags === void 0 ? C.MESIBO_MEMBERFLAG_ALL : flags, admin: !!adminFlags });
    }
    /** Removes members from this group (admins; anyone may remove itself). @param {string[]|string} addresses */
    removeMembers(addresses) {
      if (typeof addresses === "string") addresses = addresses.split(",");
      return this._api._request({ t: "group_members", gid: this.groupid, remove: addresses });
    }
    /**
     * Fetches the members; calls listener.Mesibo_onGroupMembers(profile, members) (and the api listeners').
     * @param {number} count @param {boolean} restart @param {object} listener
     */
    getMembers(count, restart, listener) {
      var self = this, api = this._api;
      return api._request({ t: "group_get", gid: this.groupid }).then(function(res) {
        if (!res.ok || !res.group) return [];
        var members = (res.group.members || []).map(function(m) {
          return new MesiboGroupMember(api, m);
        });
        if (count > 0) members = members.slice(0, count);
        self._members = members;
        if (res.group.name !== void 0) self.name = res.group.name;
        if (listener && typeof listener.Mesibo_onGroupMembers === "function") listener.Mesibo_onGroupMembers(self, members);
        else api._emit("Mesibo_onGroupMembers", [self, members]);
        return members;
      });
    }
    /** Leaves this group. */
    leave() {
      return this.removeMembers([this._api._selfAddress()]);
    }
    /** Deletes this group (admins). */
    deleteGroup() {
      return this._api._request({ t: "group_delete", gid: this.groupid });
    }
  };

  // sdk/api/message.js
  var MesiboMessage = class _MesiboMessage {
    constructor(api, rec, how) {
      this._api = api;
      rec = rec || {};
      how = how || {};
      this.mid = rec.mid || 0;
      this.cid = rec.cid || null;
      var own = rec.dir === "out" ? appIdFromCid(rec.cid) : null;
      this.id = own !== null ? own : rec.mid || 0;
      this._dir = rec.dir || "out";
      this.peer = rec.peer || "";
      this.from = rec.from || "";
      this.groupid = rec.gid || 0;
      this.message = rec.message || "";
      this.title = rec.title || "";
      this.status = rec.status === void 0 ? C.MESIBO_MSGSTATUS_OUTBOX : rec.status;
      this.ts = rec.ts || 0;
      this.expiry = rec.expiry;
      this.flag = rec.flag === void 0 ? C.MESIBO_FLAG_DEFAULT : rec.flag;
      this.type = rec.type || 0;
      this._setFile(rec.file || null, rec._local || null);
      this._fwd = !!rec.fwd;
      this._edited = !!rec.edited;
      this._deleted = !!(rec.deleted || rec.recalled);
      this._receipts = rec.receipts || {};
      this._call = rec.call || null;
      this._realtime = !!how.realtime;
      this._db = !!how.db;
      this._last = !!how.last;
      this._attempt = 0;
      this._blob = null;
    }
    /** file: the protocol's file object (or null); local: {url} of the sender's own copy (a blob: URL). */
    _setFile(file, local) {
      this._file = file;
      this._local = local || null;
      this.file = fileView(this._api, file, this._local);
      this.filetype = file ? file.type || 0 : null;
      this.size = file ? file.size || 0 : 0;
      this.filename = file ? file.name || "" : "";
    }
    /** The file's URL (a stored file's signed URL, renewed as it ages). @returns {string} */
    get fileurl() {
      return this.file ? this.file.url : "";
    }
    /** @returns {boolean} */
    isIncoming() {
      return this._dir === "in";
    }
    /** @returns {boolean} */
    isOutgoing() {
      return this._dir === "out";
    }
    /** @returns {boolean} */
    isGroupMessage() {
      return this.groupid > 0;
    }
    /** @returns {boolean} true for a message that arrived live (not read from the database) */
    isRealtimeMessage() {
      return this._realtime;
    }
    /** @returns {boolean} true for a message delivered by a read session */
    isDbMessage() {
      return this._db;
    }
    /** @returns {boolean} true for the last message of a read batch */
    isLastMessage() {
      return this._last;
    }
    /** @returns {boolean} */
    isFailed() {
      return this.status > 127;
    }
    /** @returns {boolean} */
    isReadByPeer() {
      return this.status === C.MESIBO_MSGSTATUS_READ;
    }
    /** @returns {boolean} */
    isDelivered() {
      return this.status === C.MESIBO_MSGSTATUS_DELIVERED || this.status === C.MESIBO_MSGSTATUS_READ;
    }
    /** @returns {boolean} */
    isDeleted() {
      return this._deleted || this.status === C.MESIBO_MSGSTATUS_DELETED || this.status === C.MESIBO_MSGSTATUS_WIPED;
    }
    /** @returns {boolean} */
    isModified() {
      return this._edited;
    }
    /** @returns {boolean} */
    isForwarded() {
      return this._fwd || !!(this.flag & C.MESIBO_FLAG_FORWARDED);
    }
    /** @returns {boolean} */
    isCall() {
      return !!this._call;
    }
    /** @returns {boolean} */
    isMissedCall() {
      return !!this._call && (!!this._call.missed || this.status === C.MESIBO_MSGSTATUS_CALLMISSED);
    }
    /** @returns {boolean} */
    isIncomingCall() {
      return !!this._call && this._dir === "in";
    }
    /** @returns {boolean} */
    isOutgoingCall() {
      return !!this._call && this._dir === "out";
    }
    /** @returns {boolean} */
    isVideoCall() {
      return !!this._call && !!this._call.video;
    }
    /** @returns {boolean} */
    isVoiceCall() {
      return !!this._call && !this._call.video;
    }
    /** Seconds the call was answered (0 for a missed or refused call). @returns {number} */
    getCallDuration() {
      return this._call ? this._call.duration || 0 : 0;
    }
    /** True for a content message; false for call records. @returns {boolean} */
    isMessage() {
      return !this._call;
    }
    /** @returns {boolean} true when the message carries a file */
    hasFile() {
      return !!(this._file || this._blob);
    }
    _isType(t) {
      return !!this._file && (this._file.type || 0) === t;
    }
    /** @returns {boolean} */
    hasImage() {
      return this._isType(C.MESIBO_FILETYPE_IMAGE);
    }
    /** @returns {boolean} */
    hasVideo() {
      return this._isType(C.MESIBO_FILETYPE_VIDEO);
    }
    /** @returns {boolean} */
    hasAudio() {
      return this._isType(C.MESIBO_FILETYPE_AUDIO);
    }
    /** @returns {boolean} */
    hasLocation() {
      return this._isType(C.MESIBO_FILETYPE_LOCATION);
    }
    /** @returns {boolean} a file that is not a picture, video, audio or location */
    hasDocument() {
      return !!this._file && [C.MESIBO_FILETYPE_IMAGE, C.MESIBO_FILETYPE_VIDEO, C.MESIBO_FILETYPE_AUDIO, C.MESIBO_FILETYPE_LOCATION].indexOf(this._file.type || 0) < 0;
    }
    /** @returns {boolean} */
    hasThumbnail() {
      return !!(this._file && this._file.thumb);
    }
    /** A preview usable as <img src> (a data: URL), '' when none. @returns {string} */
    getThumbnail() {
      return this._file && this._file.thumb || "";
    }
    /** @returns {string} */
    getFileName() {
      return this._file && this._file.name || "";
    }
    /** @returns {number} bytes */
    getFileSize() {
      return this._file && this._file.size || 0;
    }
    /** @returns {number} MESIBO_FILETYPE_* (null without a file) */
    getFileType() {
      return this.filetype;
    }
    /** @returns {string} */
    getMimeType() {
      return this._file && this._file.mime || "";
    }
    /** @returns {string} the file's URL */
    getFileUrl() {
      return this.fileurl;
    }
    /** True for a message with content beyond text (a file, a title), false once deleted. @returns {boolean} */
    isRichMessage() {
      return !this.isDeleted() && !!(this._file || this._blob || this.title);
    }
    /** Sets the file type of content set (or to be set) with setContent. @param {number} t MESIBO_FILETYPE_* */
    setContentType(t) {
      this.filetype = t;
      if (this._file) this._file.type = t;
    }
    /** @returns {number} ms since the epoch */
    getTimestamp() {
      return this.ts;
    }
    /** The peer's (or group's) profile. @returns {MesiboProfile} */
    getProfile() {
      return this._api.getProfile(this.groupid ? "" : this.peer, this.groupid);
    }
    /** The sender's profile (for group messages the member who sent it). @returns {MesiboProfile} */
    getSenderProfile() {
      return this._api.getProfile(this._dir === "out" ? this._api._selfAddress() : this.from || this.peer, 0);
    }
    /**
     * Calls cb(ts) with the time `peer` got the message (0 if not yet). Without a peer: the 1:1 peer.
     * @param {string} peer @param {function(number)} cb
     */
    getDeliveryTimestamp(peer, cb) {
      if (typeof peer === "function") {
        cb = peer;
        peer = null;
      }
      var r = this._receipts[peer || this.peer] || {};
      var v = r.delivered || 0;
      if (cb) cb(v);
      return v;
    }
    /** Calls cb(ts) with the time `peer` read the message (0 if not yet). @param {string} peer @param {function(number)} cb */
    getReadTimestamp(peer, cb) {
      if (typeof peer === "function") {
        cb = peer;
        peer = null;
      }
      var r = this._receipts[peer || this.peer] || {};
      var v = r.read || 0;
      if (cb) cb(v);
      return v;
    }
    /**
     * Attaches a file: a File/Blob, the id of an <input type=file>, a URL, or a protocol file object
     * {url, type, size, name, mime, thumb}.
     * @param {File|Blob|string|object} content
     */
    setContent(content) {
      var c = contentFromValue(content, this.filetype);
      if (c && c.blob) {
        this._blob = c.blob;
        this._file = null;
      } else if (c && c.file) this._setFile(c.file);
    }
    /** Sends this message (new messages from profile.newMessage()). @returns {number} the message id */
    send() {
      return this._api._sendMessageObject(this);
    }
    /** Sends a failed message again (same id). @returns {number} */
    resend() {
      this._attempt++;
      return this._api._sendMessageObject(this);
    }
    /**
     * A copy of this message addressed to `to` (an address, a group id, or a profile), marked forwarded;
     * call .send() on it.
     * @param {string|number|MesiboProfile} to @returns {MesiboMessage}
     */
    forward(to) {
      var f = new _MesiboMessage(this._api, { dir: "out", message: this.message, title: this.title, file: this._file, flag: this.flag | C.MESIBO_FLAG_FORWARDED, type: this.type, fwd: true });
      if (to instanceof MesiboProfile) {
        f.peer = to.getAddress();
        f.groupid = to.getGroupId();
      } else if (typeof to === "number") f.groupid = to;
      else f.peer = String(to);
      f.id = 0;
      f._blob = this._blob;
      return f;
    }
    /** Deletes the message from this user's devices and tabs. @returns {Promise<object>} */
    delete() {
      return this._api._messageOp("delete", this);
    }
    /** Wipes the message for everyone (own messages). @returns {Promise<object>} */
    wipeAndRecall() {
      return this._api._messageOp("recall", this);
    }
    /** Replaces the text of an own message for everyone (Hubbub addition). @param {string} text @returns {Promise<object>} */
    edit(text) {
      return this._api._messageOp("edit", this, text);
    }
  };

  // sdk/api/presence.js
  var MesiboPresence = class {
    constructor(api, f) {
      this._api = api;
      this.peer = f.from || "";
      this.groupid = f.gid || 0;
      this.activity = f.activity;
      this.ts = f.ts || 0;
    }
    /** @returns {boolean} */
    isTyping() {
      return this.activity === C.MESIBO_ACTIVITY_TYPING;
    }
    /** @returns {boolean} */
    isTypingCleared() {
      return this.activity === C.MESIBO_ACTIVITY_TYPINGCLEARED;
    }
    /** @returns {boolean} */
    isOnline() {
      return this.activity === C.MESIBO_ACTIVITY_ONLINE || this.activity === C.MESIBO_ACTIVITY_ONLINERESP;
    }
    /** @returns {boolean} */
    isOffline() {
      return this.activity === 0;
    }
    /** @returns {boolean} */
    hasJoined() {
      return this.activity === C.MESIBO_ACTIVITY_JOINED;
    }
    /** @returns {boolean} */
    hasLeft() {
      return this.activity === C.MESIBO_ACTIVITY_LEFT;
    }
    /** @returns {boolean} */
    isGroupMessage() {
      return this.groupid > 0;
    }
    /** @returns {MesiboProfile} the sender's profile */
    getProfile() {
      return this._api.getProfile(this.peer, 0);
    }
    /** @returns {MesiboProfile|null} the group's profile */
    getGroupProfile() {
      return this.groupid ? this._api.getProfile("", this.groupid) : null;
    }
  };

  // sdk/calls/manager.js
  var TERMINAL = C.MESIBO_CALLSTATUS_COMPLETE;
  var CallManager = class {
    /**
     * @param {object} o
     * @param {function(object): Promise<object>} o.request a request through the leader (TabSession.request)
     * @param {function(object): void} o.post a message to the other tabs (TabSession._post), or null
     * @param {function(string, Array): void} o.emit the listener callback dispatcher (Mesibo._emit)
     * @param {function(): boolean} o.isLeader
     * @param {function(): Array} o.iceServers the ICE servers of the welcome
     * @param {string} o.scope the session's scope (for lock names)
     * @param {object|null} o.locks navigator.locks, or null (then a crashed owner is found by the server's grace)
     * @param {object} o.env {RTCPeerConnection, getUserMedia(constraints), element(id), notify(title, body, tag)}
     */
    constructor(o) {
      this.o = o;
      this.setup = { video: true, local: null, remote: null, audio: null };
      this.cur = null;
      this.known = /* @__PURE__ */ new Map();
      this.watching = /* @__PURE__ */ new Set();
    }
    // ----- the app's API ----------------------------------------------------------------------
    setupVideoCall(localId, remoteId, video) {
      this.setup = { video: video !== false, local: localId, remote: remoteId, audio: null };
    }
    setupVoiceCall(audioId) {
      this.setup = { video: false, local: null, remote: null, audio: audioId };
    }
    /** Places a call from this tab (leader or not). Statuses come to Mesibo_onCallStatus. */
    call(address, video) {
      if (this.cur) {
        this._later(C.MESIBO_CALLSTATUS_INVALIDSTATE, 0);
        return 0;
      }
      var c = this.cur = {
        callid: 0,
        peer: String(address),
        video: video === void 0 ? this.setup.video : !!video,
        dir: "out",
        state: "placing",
        pc: null,
        stream: null,
        ice: [],
        connected: false
      };
      var self = this;
      c.media = this._media(c.video);
      this.o.request({ t: "call", to: c.peer, video: c.video }).then(function(res) {
        if (!res.ok) {
          self._finish(c, C.MESIBO_CALLSTATUS_ERROR);
          return;
        }
        if (res.status >= TERMINAL) {
          self._finish(c, res.status);
          return;
        }
        self._adopt(c, res.callid);
        if (c.hungup) self._hangupAtServer(c);
      });
      return 0;
    }
    /** Answers the ringing call in this tab, which then owns its media. */
    answer() {
      var c = this.cur;
      if (!c || c.state !== "ringing") return 0;
      c.state = "answering";
      c.media = this._media(c.video && this.setup.video !== false);
      var self = this;
      this._own(c).then(function() {
        return self.o.request({ t: "call_answer", callid: c.callid });
      }).then(function(res) {
        if (!res.ok) self._finish(c, res.error === "INVALIDSTATE" ? C.MESIBO_CALLSTATUS_CANCEL : C.MESIBO_CALLSTATUS_INVALIDSTATE);
      });
      return 0;
    }
    /** Ends, declines or cancels the current call; silent and idempotent when there is none. */
    hangup() {
      var c = this.cur;
      if (!c || c.hungup) return 0;
      c.hungup = true;
      if (c.callid) this._hangupAtServer(c);
      return 0;
    }
    /** mute(audio, video, enable): enable=false disables the flagged local tracks; true re-enables them (all when none flagged). */
    mute(audio, video, enable) {
      var c = this.cur;
      if (!c || !c.stream) return 0;
      var all = !audio && !video;
      c.stream.getTracks().forEach(function(t) {
        if (t.kind === "audio" && (audio || enable && all) || t.kind === "video" && (video || enable && all)) t.enabled = !!enable;
      });
      this._sendMute(c);
      return 0;
    }
    toggleAudioMute() {
      return this._toggle("audio");
    }
    toggleVideoMute() {
      return this._toggle("video");
    }
    /** Hubbub addition: bytes sent and received by the current call's RTCPeerConnection. */
    async stats() {
      var c = this.cur;
      if (!c || !c.pc) return null;
      var out = { bytesReceived: 0, bytesSent: 0, state: c.pc.connectionState };
      (await c.pc.getStats()).forEach(function(r) {
        if (r.type === "inbound-rtp") out.bytesReceived += r.bytesReceived || 0;
        if (r.type === "outbound-rtp") out.bytesSent += r.bytesSent || 0;
      });
      return out;
    }
    /** Hubbub addition: the current call as an object, or null. */
    active() {
      var c = this.cur, self = this;
      if (!c) return null;
      return {
        callid: c.callid,
        peer: c.peer,
        video: c.video,
        incoming: c.dir === "in",
        state: c.state,
        answer: function() {
          return self.answer();
        },
        hangup: function() {
          return self.hangup();
        },
        stats: function() {
          return self.stats();
        }
      };
    }
    // ----- from the leader's connection and from the other tabs -------------------------------
    /** A server frame about calls (`call` or `call_signal`), in every tab. */
    onFrame(f) {
      if (f.t === "call_signal") {
        this._onSignal(f);
        return;
      }
      if (f.t !== "call") return;
      var c = this.cur;
      if (c && c.state === "placing" && !c.callid && f.dir === "out" && !f.elsewhere && f.peer === c.peer) this._adopt(c, f.callid);
      c = this.cur;
      var mine = c && c.callid === f.callid;
      if (f.elsewhere) {
        if (mine && c.state === "ringing") this._finish(c, C.MESIBO_CALLSTATUS_CANCEL);
        return;
      }
      if (f.status === C.MESIBO_CALLSTATUS_INCOMING) {
        this._incoming(f);
        return;
      }
      if (!mine) {
        if (f.status >= TERMINAL) {
          this.watching.delete(f.callid);
          this.known.set(f.callid, "over");
        }
        return;
      }
      if (f.status >= TERMINAL) {
        this._finish(c, f.status);
        return;
      }
      if (f.status === C.MESIBO_CALLSTATUS_ANSWER) {
        if (c.state === "ringing") {
          this._finish(c, C.MESIBO_CALLSTATUS_CANCEL);
          return;
        }
        if (c.state === "answering" || c.state === "placing") {
          c.state = "answered";
          this.o.emit("Mesibo_onCallStatus", [c.callid, f.status]);
          if (c.dir === "out") this._offer(c);
          else this._peer(c);
        }
        return;
      }
      if (c.lastStatus === f.status) return;
      c.lastStatus = f.status;
      this.o.emit("Mesibo_onCallStatus", [c.callid, f.status]);
    }
    /** A tab-to-tab message about calls. */
    onChannel(m) {
      if (m.type === "callown" && m.from !== void 0) this._watch(m.callid);
    }
    /** The page goes away: end the owned call now rather than after the lock hand-over. */
    close() {
      var c = this.cur;
      if (c && c.callid && c.state !== "ringing") this._hangupAtServer(c);
    }
    // ----- inside --------------------------------------------------------------------------------
    _incoming(f) {
      if (this.known.has(f.callid)) return;
      this.known.set(f.callid, "ringing");
      if (this.cur) return;
      this.cur = {
        callid: f.callid,
        peer: f.peer,
        video: !!f.video,
        dir: "in",
        state: "ringing",
        pc: null,
        stream: null,
        ice: [],
        connected: false
      };
      this.o.emit("Mesibo_onCall", [f.callid, f.peer, !!f.video]);
      if (this.o.isLeader() && this.o.env.notify) {
        this.o.env.notify("Incoming " + (f.video ? "video" : "voice") + " call", f.peer, "hubbub-call-" + f.callid);
      }
    }
    _adopt(c, callid) {
      if (c.callid) return;
      c.callid = callid;
      this.known.set(callid, "mine");
      this._own(c);
    }
    /** Take the call's lock, then tell the other tabs: they wait on it to notice this tab dying. */
    _own(c) {
      var locks = this.o.locks, self = this;
      if (!locks || !this.o.post) return Promise.resolve();
      return new Promise(function(granted) {
        locks.request(self._lockName(c.callid), function() {
          granted();
          return new Promise(function(release) {
            c.release = release;
          });
        }).catch(function() {
          granted();
        });
      }).then(function() {
        self.o.post({ type: "callown", callid: c.callid });
      });
    }
    _watch(callid) {
      var locks = this.o.locks, self = this;
      if (!locks || this.cur && this.cur.callid === callid && this.cur.release) return;
      if (this.watching.has(callid) || this.known.get(callid) === "over") return;
      this.watching.add(callid);
      locks.request(this._lockName(callid), function() {
        if (self.watching.delete(callid)) self.o.request({ t: "call_hangup", callid });
        return null;
      }).catch(function() {
      });
    }
    _lockName(callid) {
      return "hubbub-call:" + this.o.scope() + ":" + callid;
    }
    _hangupAtServer(c) {
      var self = this;
      this.o.request({ t: "call_hangup", callid: c.callid }).then(function(res) {
        if (!res.ok && self.cur === c) self._finish(c, C.MESIBO_CALLSTATUS_COMPLETE);
      });
    }
    _finish(c, status) {
      if (c.state === "ended") return;
      var callid = c.callid;
      c.state = "ended";
      if (callid) this.known.set(callid, "over");
      if (c.pc) {
        try {
          c.pc.close();
        } catch (e) {
        }
      }
      if (c.media) c.media.then(function(s) {
        if (s) s.getTracks().forEach(function(t) {
          t.stop();
        });
      });
      if (c.release) {
        var r = c.release;
        c.release = null;
        r();
      }
      if (this.cur === c) this.cur = null;
      this.o.emit("Mesibo_onCallStatus", [callid, status]);
    }
    _later(status, callid) {
      var self = this;
      Promise.resolve().then(function() {
        self.o.emit("Mesibo_onCallStatus", [callid, status]);
      });
    }
    _media(video) {
      var self = this;
      return this.o.env.getUserMedia({ audio: true, video: !!video }).then(function(s) {
        if (self.cur && self.cur.state !== "ended") self.cur.stream = s;
        self._show(self.setup.local, s, true);
        return s;
      }, function(e) {
        console.warn("Hubbub: no camera/microphone for the call", e);
        return null;
      });
    }
    _show(id, stream, muted) {
      var el = id ? this.o.env.element(id) : null;
      if (!el) return;
      el.srcObject = stream;
      if (muted) el.muted = true;
      if (el.play) {
        var p = el.play();
        if (p && p.catch) p.catch(function() {
        });
      }
    }
    /** The call's RTCPeerConnection with the local tracks added (one promise, however many callers). */
    _peer(c) {
      if (!c.ready) c.ready = this._makePeer(c);
      return c.ready;
    }
    async _makePeer(c) {
      var pc = c.pc = new this.o.env.RTCPeerConnection({ iceServers: this.o.iceServers() || [] });
      var self = this;
      pc.onicecandidate = function(e) {
        if (e.candidate && c.state !== "ended") self.o.request({ t: "call_signal", callid: c.callid, kind: "ice", data: e.candidate.toJSON() });
      };
      pc.ontrack = function(e) {
        var stream2 = e.streams && e.streams[0] ? e.streams[0] : new MediaStream([e.track]);
        self._show(c.video ? self.setup.remote : self.setup.audio || self.setup.remote, stream2, false);
      };
      pc.onconnectionstatechange = function() {
        if (c.state === "ended") return;
        if (pc.connectionState === "connected" && !c.connected) {
          c.connected = true;
          self.o.emit("Mesibo_onCallStatus", [c.callid, C.MESIBO_CALLSTATUS_CONNECTED]);
        } else if (pc.connectionState === "disconnected") {
          self.o.emit("Mesibo_onCallStatus", [c.callid, C.MESIBO_CALLSTATUS_RECONNECTING]);
        } else if (pc.connectionState === "failed") {
          self.hangup();
        }
      };
      var stream = await c.media;
      if (stream && c.state !== "ended") stream.getTracks().forEach(function(t) {
        pc.addTrack(t, stream);
      });
      return pc;
    }
    async _offer(c) {
      var pc = await this._peer(c);
      if (c.state === "ended") return;
      var offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      this.o.request({ t: "call_signal", callid: c.callid, kind: "sdp", data: { type: offer.type, sdp: offer.sdp } });
    }
    async _onSignal(f) {
      var c = this.cur;
      if (!c || c.callid !== f.callid || c.state === "ended" || c.state === "ringing") return;
      var d = f.data || {};
      if (f.kind === "mute") {
        this.o.emit("Mesibo_onCallStatus", [c.callid, d.audio || d.video ? C.MESIBO_CALLSTATUS_MUTE : C.MESIBO_CALLSTATUS_UNMUTE]);
        return;
      }
      var self = this;
      c.chain = (c.chain || Promise.resolve()).then(function() {
        return self._apply(c, f.kind, d);
      }).catch(function(e) {
        console.warn("Hubbub: call negotiation failed", e);
      });
    }
    async _apply(c, kind, d) {
      var pc = await this._peer(c);
      if (c.state === "ended") return;
      if (kind === "ice") {
        if (!pc.remoteDescription) {
          c.ice.push(d);
          return;
        }
        await pc.addIceCandidate(d);
        return;
      }
      await pc.setRemoteDescription(d);
      for (var i = 0; i < c.ice.length; i++) await pc.addIceCandidate(c.ice[i]);
      c.ice = [];
      if (d.type === "offer") {
        var answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        this.o.request({ t: "call_signal", callid: c.callid, kind: "sdp", data: { type: answer.type, sdp: answer.sdp } });
      }
    }
    _toggle(kind) {
      var c = this.cur;
      if (!c || !c.stream) return false;
      var muted = false;
      c.stream.getTracks().forEach(function(t) {
        if (t.kind === kind) {
          t.enabled = !t.enabled;
          muted = !t.enabled;
        }
      });
      this._sendMute(c);
      return muted;
    }
    _sendMute(c) {
      if (!c.callid || c.state !== "answered" || !c.stream) return;
      var off = function(kind) {
        return c.stream.getTracks().some(function(t) {
          return t.kind === kind && !t.enabled;
        });
      };
      this.o.request({ t: "call_signal", callid: c.callid, kind: "mute", data: { audio: off("audio"), video: off("video") } });
    }
  };

  // sdk/calls/index.js
  function browserCallEnv(api) {
    var hasNav = typeof navigator !== "undefined";
    return {
      RTCPeerConnection: typeof RTCPeerConnection === "function" ? RTCPeerConnection : null,
      getUserMedia: function(c) {
        if (!hasNav || !navigator.mediaDevices) return Promise.reject(new Error("no media devices (needs https or localhost)"));
        return navigator.mediaDevices.getUserMedia(c);
      },
      element: function(id) {
        return typeof document !== "undefined" ? document.getElementById(id) : null;
      },
      notify: function(title, body, tag) {
        if (!api._notify || typeof Notification !== "function" || Notification.permission !== "granted") return;
        try {
          new Notification(title, { body, tag, requireInteraction: true });
        } catch (e) {
        }
      }
    };
  }
  var callMethods = {
    /** Video elements for the next call: a muted one for the camera, one for the peer. */
    setupVideoCall(localId, remoteId, video) {
      this._calls().setupVideoCall(localId, remoteId, video);
    },
    /** The audio element that plays the peer in the next (voice) call. */
    setupVoiceCall(audioId) {
      this._calls().setupVoiceCall(audioId);
    },
    /** Calls `address` (video or voice per the last setup). Statuses come to Mesibo_onCallStatus. @returns {number} */
    call(address) {
      return this._calls().call(address);
    },
    /** Hubbub addition: a video call whatever the last setup. */
    videoCall(address) {
      return this._calls().call(address, true);
    },
    /** Hubbub addition: a voice call whatever the last setup. */
    voiceCall(address) {
      return this._calls().call(address, false);
    },
    /** Answers the call ringing in this tab; this tab then owns the camera, microphone and connection. */
    answer(video) {
      return this._calls().answer();
    },
    /** Ends, declines or cancels the current call; silent when there is none. @param {number} callid 0 = current */
    hangup(callid) {
      return this._calls().hangup();
    },
    /** mute(audio, video, enable), as mesibo's apps call it. */
    mute(audio, video, enable) {
      return this._calls().mute(audio, video, enable);
    },
    /** @returns {boolean} whether the microphone is now muted */
    toggleAudioMute() {
      return this._calls().toggleAudioMute();
    },
    /** @returns {boolean} whether the camera is now off */
    toggleVideoMute() {
      return this._calls().toggleVideoMute();
    },
    /** Hubbub addition: the current call ({callid, peer, video, incoming, state, answer(), hangup(), stats()}) or null. */
    getActiveCall() {
      return this._calls().active();
    },
    _calls() {
      if (this._callManager) return this._callManager;
      var self = this;
      var deps = this._deps || {};
      var env = deps.calls || browserCallEnv(this);
      var locks = deps.callLocks !== void 0 ? deps.callLocks : typeof navigator !== "undefined" && navigator.locks ? navigator.locks : null;
      this._callManager = new CallManager({
        request: function(frame) {
          return self._request(frame);
        },
        post: function(m) {
          if (self._session && self._session.crossTab) self._session._post(m);
        },
        emit: function(name, args) {
          self._emit(name, args);
        },
        isLeader: function() {
          return !!(self._session && self._session.isLeader);
        },
        iceServers: function() {
          return self._session && self._session.info && self._session.info.ice || [];
        },
        scope: function() {
          return self._scope || "";
        },
        locks: locks && (!self._session || self._session.crossTab) ? locks : null,
        env
      });
      return this._callManager;
    },
    /** The leader got a call frame from the server: every tab handles it. */
    _callFrame(f) {
      if (this._session && this._session.crossTab) this._session._post({ type: "callframe", frame: f });
      this._calls().onFrame(f);
    },
    /** A tab message: a call frame the leader broadcast, or another tab taking a call. */
    _callChannel(m) {
      if (m.type === "callframe") {
        if (m.leader) this._calls().onFrame(m.frame);
        return true;
      }
      if (m.type === "callown") {
        this._calls().onChannel(m);
        return true;
      }
      return false;
    }
  };

  // sdk/api/mesibo.js
  var instances = { shared: null, last: null };
  var Mesibo = class _Mesibo {
    constructor() {
      this._appid = "";
      this._token = "";
      this._listeners = [];
      this._dbName = "mesibo";
      this._dbCb = null;
      this._crossTab = false;
      this._server = null;
      this._started = false;
      this._session = null;
      this._deps = null;
      this._depsFactory = null;
      this._profiles = /* @__PURE__ */ new Map();
      this._mirror = /* @__PURE__ */ new Map();
      this._mySent = /* @__PURE__ */ new Map();
      this._statusSeen = /* @__PURE__ */ new Map();
      this._readSessions = /* @__PURE__ */ new Set();
      this._readSent = /* @__PURE__ */ new Set();
      this._readQueue = /* @__PURE__ */ new Map();
      this._notify = false;
      this._status = C.MESIBO_STATUS_UNKNOWN;
      this._info = {};
      this._uploader = null;
      this._fileUrls = new FileUrls(this);
      this._fileQueue = null;
      this._readyResolve = null;
      var self = this;
      this._ready = new Promise(function(r) {
        self._readyResolve = r;
      });
      this._onVis = null;
      this._onHide = null;
      instances.last = this;
    }
    /** The shared instance (created on first use). @returns {Mesibo} */
    static getInstance() {
      if (!instances.shared) instances.shared = new _Mesibo();
      return instances.shared;
    }
    /**
     * Called inside the app's service worker after importScripts(mesibo.js). Files load through the
     * browser's HTTP cache (immutable, ETag), so the worker has nothing to install.
     */
    static initServiceWorker(caches, self) {
      return !!(caches && self);
    }
    static _current() {
      return instances.last || _Mesibo.getInstance();
    }
    // ----- set-up -------------------------------------------------------------------------------
    /** The app id the token was issued for. @param {string} name */
    setAppName(name) {
      this._appid = String(name || "");
    }
    /** The user access token from the backend API. @param {string} token */
    setAccessToken(token) {
      this._token = String(token || "");
    }
    /** Alias of setAccessToken. @param {string} token */
    setCredentials(token) {
      this.setAccessToken(token);
    }
    /** Replaces the listeners with this one. @param {object} listener */
    setListener(listener) {
      this._listeners = listener ? [listener] : [];
    }
    /** Adds a listener. @param {object} listener */
    addListener(listener) {
      if (listener && this._listeners.indexOf(listener) < 0) this._listeners.push(listener);
    }
    /** Removes a listener. @param {object} listener */
    removeListener(listener) {
      this._listeners = this._listeners.filter(function(l) {
        return l !== listener;
      });
    }
    /**
     * Names the local IndexedDB store; cb(true) once it is open and loaded (after start()).
     * @param {string} name @param {function(boolean)} [cb]
     */
    setDatabase(name, cb) {
      if (name) this._dbName = String(name);
      this._dbCb = cb || null;
    }
    /**
     * Share one login and one connection between this user's tabs and windows. Call before start();
     * after start() it has no effect (and says so in the console).
     * @param {boolean} enable
     */
    enableCrossTabSessions(enable) {
      if (this._started) {
        console.warn("Hubbub: enableCrossTabSessions() has no effect after start(); call it before start()");
        return;
      }
      this._crossTab = enable !== false;
    }
    /**
     * Talks to another server than the one this script was loaded from (Hubbub addition).
     * Accepts ws(s)://host/ws or http(s)://host (then /ws is used). Call before start().
     * @param {string} url
     */
    setServer(url) {
      this._server = normalizeServer(url);
    }
    /** The WebSocket URL in use. @returns {string} */
    getServer() {
      return this._server || defaultServer();
    }
    /** Show a desktop notification for incoming messages while no tab of the app is visible (once, not once per tab). @param {boolean} enable */
    enableNotifications(enable) {
      this._notify = enable !== false;
    }
    /** Test hook: fn(scope, dbName) -> dependencies ({store, channel, locks, socketFactory, timers, identity, visible}). */
    _setDependencies(fn) {
      this._depsFactory = fn;
    }
    /**
     * Starts: opens the store, joins the other tabs (cross-tab sessions) and connects.
     * @returns {number} MESIBO_RESULT_OK, or MESIBO_RESULT_FAIL without app name or token
     */
    start() {
      if (this._started) {
        if (this._session && this._session.signedOut) this._session.resume();
        return C.MESIBO_RESULT_OK;
      }
      if (!this._token || !this._appid) {
        console.error("Hubbub: setAppName() and setAccessToken() must be called before start()");
        return C.MESIBO_RESULT_FAIL;
      }
      this._started = true;
      instances.last = this;
      if (this._session) {
        var me = this;
        this._ready = new Promise(function(r) {
          me._readyResolve = r;
        });
      }
      var server = this.getServer();
      var key = hash53(server + "|" + this._appid + "|" + this._token);
      this._scope = key;
      var dbName = "hubbub-" + this._dbName + "-" + this._appid + "-" + key;
      var deps = (this._depsFactory || browserDependencies)(key, dbName);
      this._deps = deps;
      var wantCross = this._crossTab;
      var cross = wantCross && !!deps.channel && !!deps.locks;
      this._mode = cross ? deps.lockKind === "lease" ? "lease" : "weblocks" : wantCross ? "solo-fallback" : "solo";
      if (wantCross && !cross) console.warn("Hubbub: BroadcastChannel is missing: this tab keeps its own connection");
      if (!cross && deps.channel && deps.channel.close) {
        try {
          deps.channel.close();
        } catch (e) {
        }
      }
      var self = this;
      var s = new TabSession({
        url: server,
        token: this._token,
        appid: this._appid,
        scope: key,
        crossTab: cross,
        channel: cross ? deps.channel : null,
        locks: cross ? deps.locks : null,
        socketFactory: deps.socketFactory,
        store: deps.store,
        timers: deps.timers,
        identity: deps.identity,
        visible: deps.visible,
        tabField: wantCross && !cross,
        config: deps.config,
        log: deps.log,
        handlers: {
          onSnapshot: function(snap) {
            self._onSnapshot(snap);
          },
          onEvents: function(evs) {
            applyWithUrls(self, evs, function(list) {
              for (var i = 0; i < list.length; i++) self._applyEvent(list[i]);
            });
          },
          onStatus: function(st, info) {
            self._onStatus(st, info);
          },
          onPresence: function(f) {
            self._onPresence(f);
          },
          onUserObject: function(name, obj) {
            self._emit("MesiboJS_onUserObject", [name, obj]);
          },
          onLeader: function(isLeader) {
            self._emit("MesiboJS_onLeader", [isLeader]);
          },
          onFrame: function(f) {
            if (f.t === "call" || f.t === "call_signal") self._callFrame(f);
          },
          onChannel: function(m) {
            if (m.type === "stored" && Array.isArray(m.records)) self._mergeRecords(m.records);
            else self._callChannel(m);
          }
        }
      });
      this._session = s;
      if (HAS_DOC && typeof window !== "undefined" && window.addEventListener && !deps.noPageEvents) {
        this._onVis = function() {
          s.visibilityChanged();
          if (s._visible()) self._flushReads();
        };
        this._onHide = function() {
          if (self._callManager) self._callManager.close();
          self.stop();
          if (self._onShow) window.addEventListener("pageshow", self._onShow);
        };
        this._onShow = function(e) {
          if (e && e.persisted) {
            window.removeEventListener("pageshow", self._onShow);
            self.start();
          }
        };
        document.addEventListener("visibilitychange", this._onVis);
        window.addEventListener("pagehide", this._onHide);
      }
      s.start().then(function() {
        self._readyResolve(s);
      }, function(e) {
        console.error("Hubbub: could not start", e);
        if (self._dbCb) self._dbCb(false);
        self._onStatus(C.MESIBO_STATUS_CONNECTFAILURE, {});
      });
      return C.MESIBO_RESULT_OK;
    }
    /** Stops: closes the connection (another tab takes it over) and stops callbacks. */
    stop() {
      if (!this._session) return;
      if (this._onVis) document.removeEventListener("visibilitychange", this._onVis);
      if (this._onHide) window.removeEventListener("pagehide", this._onHide);
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
    isConnectionOwner() {
      return !!(this._session && this._session.isLeader);
    }
    /** 'weblocks' | 'lease' | 'solo' | 'solo-fallback' (Hubbub addition). @returns {string} */
    getSessionMode() {
      return this._mode || (this._crossTab ? "weblocks" : "solo");
    }
    /** The last connection status (MESIBO_STATUS_*). @returns {number} */
    getConnectionStatus() {
      return this._status;
    }
    /** A new message id. @returns {number} */
    random() {
      return randomId();
    }
    // ----- user objects ---------------------------------------------------------------------------
    /**
     * Stores a data-only object under `name`, shared by every tab; every tab (this one included)
     * gets MesiboJS_onUserObject(name, obj). Throws a TypeError if obj holds a function.
     * @param {string} name @param {*} obj @returns {Promise<void>}
     */
    setUserObject(name, obj) {
      assertDataOnly(obj, String(name));
      try {
        cloneData(obj);
      } catch (e) {
        throw new TypeError("setUserObject: " + name + " is not data-only: " + e.message);
      }
      var copy = cloneData(obj);
      return this._ready.then(function(s) {
        return s.setUserObject(String(name), copy);
      });
    }
    /**
     * Calls cb(obj) with the object stored under `name` by any tab (null when unset).
     * @param {string} name @param {function(*)} cb @returns {Promise<*>}
     */
    getUserObject(name, cb) {
      return this._ready.then(function(s) {
        return s.getUserObject(String(name));
      }).then(function(obj) {
        if (cb) cb(obj);
        return obj;
      });
    }
    // ----- profiles, groups -----------------------------------------------------------------------
    _selfAddress() {
      return this._info && this._info.address ? this._info.address : "";
    }
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
        if (this._started) this._fetchProfile(p);
      }
      return p;
    }
    /** The own profile (known once online). @returns {MesiboProfile} */
    getSelfProfile() {
      return this.getProfile(this._selfAddress(), 0);
    }
    /** Profiles of the conversations in the store, latest first. @returns {MesiboProfile[]} */
    getSortedProfiles() {
      var self = this;
      return this._summary().map(function(r) {
        return self.getProfile(r.gid ? "" : r.peer, r.gid);
      });
    }
    /**
     * Creates a group; cb(profile) with its profile (null on failure).
     * @param {string} name @param {number} flags @param {function(MesiboProfile)} cb @returns {Promise<MesiboProfile>}
     */
    createGroup(name, flags, cb) {
      var self = this;
      return this._request({ t: "group_create", name: name || "", flag: flags || 0, members: [] }).then(function(res) {
        var p = res.ok ? self.getProfile("", res.gid) : null;
        if (p) p.name = name || "";
        if (cb) cb(p);
        return p;
      });
    }
    /** A read session over the latest message of every conversation. @param {object} listener @returns {MesiboReadSession} */
    createReadSummarySession(listener) {
      return new MesiboReadSession(this, null, listener, true);
    }
    _fetchProfile(p) {
      if (p._fetched) return;
      p._fetched = true;
      var self = this;
      if (p.groupid) {
        this._request({ t: "group_get", gid: p.groupid }).then(function(res) {
          if (res.ok && res.group) {
            p.name = res.group.name || p.name;
            self._emit("Mesibo_onProfileUpdated", [p]);
          }
        });
        return;
      }
      if (!p.address) {
        p._fetched = false;
        return;
      }
      this._request({ t: "profiles", addresses: [p.address] }).then(function(res) {
        var list = res.ok && res.profiles ? res.profiles : [];
        if (!list.length) return;
        self._applyProfile(list[0]);
      });
    }
    _applyProfile(d) {
      var p = this._profiles.get(convKey(d.address, 0));
      if (!p) {
        p = new MesiboProfile(this, d.address, 0);
        p._fetched = true;
        this._profiles.set(convKey(d.address, 0), p);
      }
      if (d.name !== void 0) p.name = d.name || "";
      if (d.status !== void 0) p.status = d.status || "";
      if (d.picture !== void 0) p.picture = d.picture || "";
      if (d.thumb !== void 0) p._thumb = d.thumb || "";
      if (d.online !== void 0) p._online = !!d.online;
      if (d.lastseen !== void 0) p._lastseen = d.lastseen || 0;
      this._emit("Mesibo_onProfileUpdated", [p]);
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
      var m = new MesiboMessage(this, { dir: "out", peer: params.peer || "", gid: params.groupid || 0, status: C.MESIBO_MSGSTATUS_OUTBOX, flag: params.flag, type: params.type });
      m.id = id || this.random();
      m.message = text === void 0 || text === null ? "" : String(text);
      m.title = params.title || "";
      if (params.expiry !== void 0) m.expiry = params.expiry;
      if (params.file || params.fileurl) m.setContent(params.file || params.fileurl);
      return m.send();
    }
    /** Forwards a stored message (by id or mid) to `to`. @returns {number} the new id */
    forwardMessage(to, m) {
      return m.forward(to).send();
    }
    _sendMessageObject(m) {
      var self = this;
      if (!m.id) m.id = this.random();
      if (!m.peer && !m.groupid) {
        console.error("Hubbub: a message needs a peer or a groupid");
        m.status = C.MESIBO_MSGSTATUS_INVALIDDEST;
        this._later(function() {
          self._emit("Mesibo_onMessageStatus", [m]);
        });
        return m.id;
      }
      var cid = String(m.id) + (m._attempt ? "." + m._attempt : "");
      m.cid = cid;
      m._dir = "out";
      m.status = C.MESIBO_MSGSTATUS_OUTBOX;
      m.ts = Date.now();
      this._mySent.set(cid, m);
      var go = function() {
        var frame = {
          t: "send",
          cid,
          to: m.groupid ? "" : m.peer,
          gid: m.groupid || 0,
          message: m.message || "",
          title: m.title || "",
          flag: m.flag === void 0 ? C.MESIBO_FLAG_DEFAULT : m.flag,
          type: m.type || 0
        };
        if (m.expiry !== void 0 && m.expiry !== null) frame.expiry = m.expiry;
        var f = m._file;
        if (f) frame.file = f.id ? { id: f.id, name: f.name || "", type: f.type || 0 } : f;
        if (m.isForwarded()) frame.fwd = true;
        return self._ready.then(function(s) {
          return s.send(frame);
        });
      };
      var p = uploadThenSend(this, m, go);
      p.then(function(res) {
        self._onSendResult(cid, m, res);
      }, function(e) {
        self._onSendResult(cid, m, { ok: false, error: "INTERNAL", reason: String(e) });
      });
      return m.id;
    }
    _onSendResult(cid, m, res) {
      if (res.ok) {
        if (res.mid) m.mid = res.mid;
        if (res.ts) m.ts = res.ts;
        var st = res.status === void 0 ? C.MESIBO_MSGSTATUS_SENT : res.status;
        var rec = m.mid ? this._mirror.get(m.mid) : null;
        if (rec && rec.status > st && rec.status <= 127 && st <= 127) st = rec.status;
        m.status = st;
      } else {
        m.status = C.MESIBO_MSGSTATUS_FAIL;
      }
      this._reportOwnStatus(cid, m);
    }
    _reportOwnStatus(cid, m) {
      if (this._statusSeen.get(cid) === m.status) return;
      this._statusSeen.set(cid, m.status);
      this._emit("Mesibo_onMessageStatus", [m]);
    }
    _messageOp(op, m, text) {
      if (!m.mid) return Promise.resolve({ ok: false, error: "NOTFOUND", reason: "the message has no server id yet" });
      var f = { t: op, mid: m.mid };
      if (op === "edit") f.message = text || "";
      return this._request(f);
    }
    _presence(p, activity) {
      if (!this._session) return;
      this._session.fire({ t: "presence", to: p.groupid ? "" : p.address, gid: p.groupid || 0, activity });
    }
    _request(frame) {
      return this._ready.then(function(s) {
        return s.request(frame);
      });
    }
    _later(fn) {
      Promise.resolve().then(fn);
    }
    // ----- incoming -------------------------------------------------------------------------------
    _emit(name, args) {
      var legacy = legacyName(name);
      var ls = this._listeners.slice();
      for (var i = 0; i < ls.length; i++) {
        var l = ls[i];
        try {
          if (typeof l[name] === "function") l[name].apply(l, args);
          else if (typeof l[legacy] === "function") {
            if (legacy === "Mesibo_OnMessage") l[legacy](args[0], utf8(args[0].message));
            else l[legacy].apply(l, args);
          }
        } catch (e) {
          console.error("Hubbub: listener " + name + " threw", e);
        }
      }
    }
    _msg(rec, how) {
      var m = new MesiboMessage(this, rec, how);
      return m;
    }
    _onSnapshot(snap) {
      var mirror = /* @__PURE__ */ new Map();
      for (var i = 0; i < snap.messages.length; i++) mirror.set(snap.messages[i].mid, snap.messages[i]);
      this._mirror = mirror;
      if (this._dbCb) {
        var cb = this._dbCb;
        this._later(function() {
          cb(true);
        });
      }
    }
    _onStatus(st, info) {
      this._status = st;
      this._info = info || {};
      if (st === C.MESIBO_STATUS_ONLINE && this._info.address) {
        var key = convKey(this._info.address, 0);
        if (!this._profiles.has(key)) this.getProfile(this._info.address, 0);
        var self = this;
        this._profiles.forEach(function(p) {
          if (!p._fetched) self._fetchProfile(p);
        });
      }
      this._emit("Mesibo_onConnectionStatus", [st, 0]);
    }
    _conversation(conv) {
      var out = [];
      this._mirror.forEach(function(r) {
        if (r.conv === conv && !r.deleted) out.push(r);
      });
      out.sort(function(a, b) {
        return b.ts - a.ts || b.mid - a.mid;
      });
      return out;
    }
    _summary() {
      var latest = /* @__PURE__ */ new Map();
      this._mirror.forEach(function(r) {
        if (r.deleted) return;
        var cur = latest.get(r.conv);
        if (!cur || r.ts > cur.ts || r.ts === cur.ts && r.mid > cur.mid) latest.set(r.conv, r);
      });
      return Array.from(latest.values()).sort(function(a, b) {
        return b.ts - a.ts || b.mid - a.mid;
      });
    }
    _storeHistory(records) {
      var self = this;
      return this._ready.then(function(s) {
        return s.store.putMessages(records);
      }).then(function(added) {
        self._mergeRecords(added);
        if (added.length && self._session) self._session._post({ type: "stored", records: added });
        return added;
      });
    }
    _mergeRecords(records) {
      for (var i = 0; i < records.length; i++) if (!this._mirror.has(records[i].mid)) this._mirror.set(records[i].mid, records[i]);
    }
    _applyEvent(ev) {
      var rec, old, m;
      switch (ev.k) {
        case "msg": {
          old = this._mirror.get(ev.mid) || null;
          rec = old || recordFromMsg(ev);
          this._mirror.set(ev.mid, rec);
          var mine = rec.dir === "out" && rec.cid ? this._mySent.get(rec.cid) : null;
          if (mine) {
            if (!mine.mid) mine.mid = rec.mid;
            return;
          }
          m = this._msg(rec, { realtime: true });
          this._emit("Mesibo_onMessage", [m]);
          if (rec.dir === "in") {
            this._maybeNotify(rec);
            var self = this;
            this._readSessions.forEach(function(rs) {
              if (rs._receipts && rs._matches(rec)) self._markRead([rec]);
            });
          }
          return;
        }
        case "status": {
          old = this._mirror.get(ev.mid) || null;
          rec = reduceRecord(old, ev);
          if (rec) this._mirror.set(ev.mid, rec);
          var base = rec || { mid: ev.mid, cid: ev.cid, dir: ev.cid ? "out" : "in", peer: ev.peer, gid: ev.gid, status: ev.status, ts: ev.ts };
          m = this._msg(base, { realtime: true });
          m.status = ev.status;
          if (ev.peer) m.peer = ev.peer;
          var own = ev.cid ? this._mySent.get(ev.cid) : null;
          if (own) {
            own.status = ev.status;
            own._receipts = m._receipts;
            if (ev.mid) own.mid = ev.mid;
            this._reportOwnStatus(ev.cid, own);
          } else {
            this._emit("Mesibo_onMessageStatus", [m]);
          }
          return;
        }
        case "update": {
          old = this._mirror.get(ev.mid) || null;
          rec = reduceRecord(old, ev);
          if (rec) this._mirror.set(ev.mid, rec);
          m = this._msg(rec || { mid: ev.mid, peer: ev.peer, gid: ev.gid, message: ev.message || "", dir: "in" }, { realtime: true });
          if (!rec) {
            if (ev.op === "edit") m._edited = true;
            else m._deleted = true;
          }
          this._emit("Mesibo_onMessageUpdate", [m]);
          return;
        }
        case "profile":
          this._applyProfile(ev);
          return;
        case "group": {
          var p = this.getProfile("", ev.gid);
          if (ev.name !== void 0) p.name = ev.name;
          if (ev.op === "removed" || ev.op === "delete") {
            p._members = null;
          } else if (Array.isArray(p._members) && (ev.added || ev.removed)) {
            var api = this, added = ev.added || [];
            var drop = new Set((ev.removed || []).concat(added.map(function(x) {
              return x.address;
            })));
            p._members = p._members.filter(function(m2) {
              return !drop.has(m2.address);
            }).concat(added.map(function(x) {
              return new MesiboGroupMember(api, x);
            }));
            this._emit("Mesibo_onGroupMembers", [p, p._members]);
          }
          this._emit("Mesibo_onProfileUpdated", [p]);
          return;
        }
        default:
          return;
      }
    }
    _onPresence(f) {
      var addr = f.from || "";
      var p = this._profiles.get(convKey(addr, 0));
      if (!p) {
        p = new MesiboProfile(this, addr, 0);
        this._profiles.set(convKey(addr, 0), p);
      }
      var a = f.activity;
      if (a === C.MESIBO_ACTIVITY_ONLINE || a === C.MESIBO_ACTIVITY_ONLINERESP) p._online = true;
      else if (a === 0) {
        p._online = false;
        p._lastseen = f.ts || Date.now();
        p._typingUntil = 0;
      } else if (a === C.MESIBO_ACTIVITY_TYPING) p._typingUntil = Date.now() + 1e4;
      else if (a === C.MESIBO_ACTIVITY_TYPINGCLEARED) p._typingUntil = 0;
      this._emit("Mesibo_onPresence", [new MesiboPresence(this, f)]);
    }
    _maybeNotify(rec) {
      if (!this._notify || !this._session || !this._session.isLeader) return;
      if (typeof Notification !== "function" || Notification.permission !== "granted") return;
      if (this._session.anyTabVisible()) return;
      try {
        var p = this.getProfile(rec.gid ? "" : rec.peer, rec.gid);
        new Notification(p.getNameOrAddress() || rec.from, { body: rec.message || rec.title || "", tag: "hubbub-" + rec.mid });
      } catch (e) {
      }
    }
    _markRead(records) {
      for (var i = 0; i < records.length; i++) {
        var r = records[i];
        if (r.dir !== "in" || !(r.flag & C.MESIBO_FLAG_READRECEIPT) || r.status === C.MESIBO_MSGSTATUS_RECEIVEDREAD) continue;
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
      mids.forEach(function(mid) {
        self._readSent.add(mid);
      });
      this._request({ t: "read", mids });
    }
  };
  installMethods(Mesibo, callMethods);
  installMethods(Mesibo, fileMethods);

  // sdk/index.js
  var internals = {
    constants: C,
    hash53,
    randomId,
    assertDataOnly,
    cloneData,
    appIdFromCid,
    convKey,
    recordFromMsg,
    reduceRecord,
    normalizeServer,
    MemoryStore,
    IdbStore,
    LeaseLocks,
    TabIdentity,
    TabSession,
    Mesibo,
    MesiboMessage,
    MesiboProfile,
    MesiboReadSession,
    MesiboPresence,
    CallManager
  };
  Object.keys(C).forEach(function(k) {
    globalThis[k] = C[k];
  });
  globalThis.Mesibo = Mesibo;
  globalThis.MesiboReadSession = MesiboReadSession;
  globalThis.HubbubSDK = internals;
})();
if (typeof module === 'object' && module && module.exports) module.exports = globalThis.HubbubSDK;
