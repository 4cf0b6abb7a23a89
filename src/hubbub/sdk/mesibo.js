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
    MESIBO_STATUS_ACTIVITY: -1,
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
    MESIBO_MSGSTATUS_E2E: 35,
    MESIBO_MSGSTATUS_DATETIME: 36,
    MESIBO_MSGSTATUS_HEADER: 37,
    MESIBO_MSGSTATUS_INVISIBLE: 38,
    MESIBO_MSGSTATUS_EMPTY: 39,
    MESIBO_MSGSTATUS_TIMESTAMP: 48,
    MESIBO_FLAG_DELIVERYRECEIPT: 1,
    MESIBO_FLAG_READRECEIPT: 2,
    MESIBO_FLAG_TRANSIENT: 4,
    MESIBO_FLAG_PRESENCE: 8,
    MESIBO_FLAG_DEFAULT: 3,
    MESIBO_FLAG_FORWARDED: 64,
    MESIBO_FLAG_TLV: 256,
    MESIBO_FLAG_MODIFY: 262144,
    MESIBO_FLAG_BROADCAST: 524288,
    MESIBO_FLAG_LASTMESSAGE: 8388608,
    MESIBO_FLAG_EORS: 67108864,
    MESIBO_ORIGIN_REALTIME: 0,
    MESIBO_ORIGIN_DBMESSAGE: 1,
    MESIBO_ORIGIN_DBSUMMARY: 2,
    MESIBO_ORIGIN_DBPENDING: 3,
    MESIBO_ORIGIN_FILTER: 4,
    MESIBO_ORIGIN_MESSAGESTATUS: 5,
    MESIBO_READFLAG_READRECEIPT: 1,
    MESIBO_READFLAG_SENDLAST: 2,
    MESIBO_READFLAG_FIFO: 4,
    MESIBO_READFLAG_SUMMARY: 16,
    MESIBO_READFLAG_SENDEOR: 32,
    MESIBO_READFLAG_WITHFILES: 128,
    MESIBO_PRESENCE_REQUEST: 0,
    MESIBO_PRESENCE_ONLINE: 1,
    MESIBO_PRESENCE_OFFLINE: 2,
    MESIBO_PRESENCE_TYPING: 3,
    MESIBO_PRESENCE_TYPINGCLEARED: 4,
    MESIBO_PRESENCE_JOINED: 10,
    MESIBO_PRESENCE_LEFT: 11,
    MESIBO_RETRACT_MODIFY: 1,
    MESIBO_RETRACT_WIPE: 2,
    MESIBO_RETRACT_DELETE: 4,
    MESIBO_RETRACT_DELUNREAD: 16,
    MESIBO_RETRACT_DELREAD: 32,
    MESIBO_RETRACT_DELMEDIA: 64,
    MESIBO_RETRACT_DELTHREAD: 128,
    MESIBO_RETRACT_DELALL: 256,
    MESIBO_RETRACT_DELCONTACT: 4096,
    MESIBO_ADMINFLAG_MODIFY: 1,
    MESIBO_ADMINFLAG_ADDUSER: 16,
    MESIBO_ADMINFLAG_REMUSER: 32,
    MESIBO_ADMINFLAG_ADDADMIN: 64,
    MESIBO_ADMINFLAG_REMADMIN: 128,
    MESIBO_ADMINFLAG_REMOWNER: 256,
    MESIBO_ADMINFLAG_REMGROUP: 512,
    MESIBO_ADMINFLAG_CALLCONTROL: 1024,
    MESIBO_ADMINFLAG_HANGUP: 2048,
    MESIBO_ADMINFLAG_OWNER: 4096,
    MESIBO_ADMINFLAG_ADDPIN: 8192,
    MESIBO_ADMINFLAG_REMOVEPIN: 16384,
    MESIBO_ADMINFLAG_LISTPIN: 32768,
    MESIBO_OWNERFLAG_ALL: 65535,
    MESIBO_ADMINFLAG_ALL: 61439,
    MESIBO_GROUPFLAG_SENDBYSELECTED: 1,
    MESIBO_GROUPFLAG_SENDBYANYONE: 2,
    MESIBO_GROUPFLAG_AUTOADDMEMBER: 8,
    MESIBO_GROUPFLAG_RECVBYSELECTED: 16,
    MESIBO_GROUPFLAG_RECVROUNDROBIN: 32,
    MESIBO_GROUPFLAG_NOSTORAGE: 64,
    MESIBO_GROUPFLAG_RECVLOOPBACK: 128,
    MESIBO_GROUPFLAG_PUBBYSELECTED: 256,
    MESIBO_GROUPFLAG_PUBBYANYONE: 512,
    MESIBO_GROUPFLAG_SUBBYSELECTED: 4096,
    MESIBO_GROUPFLAG_SUBBYANYONE: 8192,
    MESIBO_GROUPFLAG_LISTBYSELECTED: 65536,
    MESIBO_GROUPFLAG_LISTBYANYONE: 131072,
    MESIBO_GROUPFLAG_NOSELFDELETE: 262144,
    MESIBO_GROUPFLAG_PAUSE: 134217728,
    MESIBO_GROUPERROR_NOTMEMBER: 1,
    MESIBO_GROUPERROR_PERMISSION: 2,
    MESIBO_GROUPERROR_BADPIN: 3,
    MESIBO_GROUPERROR_ACCESSDENIED: 4,
    MESIBO_GROUPERROR_NOTSHAREDPIN: 5,
    MESIBO_GROUPERROR_GENERAL: 10,
    MESIBO_GROUPERROR_DELETED: 11,
    MESIBO_ACTIVITY_NONE: 0,
    MESIBO_ACTIVITY_ONLINE: 1,
    MESIBO_ACTIVITY_ONLINERESP: 2,
    MESIBO_ACTIVITY_TYPING: 3,
    MESIBO_ACTIVITY_TYPINGCLEARED: 4,
    MESIBO_ACTIVITY_JOINED: 10,
    MESIBO_ACTIVITY_LEFT: 11,
    MESIBO_CALLSTATUS_NONE: 0,
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
    MESIBO_CALLSTATUS_DUREXCEED: 19,
    MESIBO_CALLSTATUS_SRCRINGING: 20,
    MESIBO_CALLSTATUS_SRCANSWERED: 21,
    MESIBO_CALLSTATUS_USERINPUT: 22,
    MESIBO_CALLSTATUS_PING: 33,
    MESIBO_CALLSTATUS_INFO: 35,
    MESIBO_CALLSTATUS_ECHO: 36,
    MESIBO_CALLSTATUS_REDIRECT: 37,
    MESIBO_CALLSTATUS_CONNECTED: 48,
    MESIBO_CALLSTATUS_CHANNELUP: 48,
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
    MESIBO_CALLSTATUS_NOCALLS: 72,
    MESIBO_CALLSTATUS_NOVIDEOCALLS: 73,
    MESIBO_CALLSTATUS_NOTALLOWED: 74,
    MESIBO_CALLSTATUS_BLOCKED: 75,
    MESIBO_CALLSTATUS_DURATIONEXCEEDED: 76,
    MESIBO_CALLSTATUS_AUTHFAIL: 80,
    MESIBO_CALLSTATUS_NOCREDITS: 81,
    MESIBO_CALLSTATUS_NONTRINGMEDEST: 82,
    MESIBO_CALLSTATUS_INCOMPATIBLE: 83,
    MESIBO_CALLSTATUS_BADCALLID: 84,
    MESIBO_CALLSTATUS_ERROR: 96,
    MESIBO_CALLSTATUS_HWERROR: 97,
    MESIBO_CALLSTATUS_NETWORKERROR: 98,
    MESIBO_CALLSTATUS_NETWORKBLOCKED: 99,
    MESIBO_CALLFLAG_AUDIO: 1,
    MESIBO_CALLFLAG_VIDEO: 2,
    MESIBO_CALLFLAG_STARTCALL: 4,
    MESIBO_CALLFLAG_CALLWAITING: 8,
    MESIBO_CALLFLAG_WIFI: 16,
    MESIBO_CALLFLAG_SLOWNETWORK: 32,
    MESIBO_CALLFLAG_MISSED: 4096,
    MESIBO_MUTESTATUS_AUDIO: 1,
    MESIBO_MUTESTATUS_VIDEO: 2,
    MESIBO_MUTESTATUS_HOLD: 4,
    MESIBO_CONFIGTYPE_CALLREQTO: 272,
    MESIBO_CONFIGTYPE_CALLANSTO: 273,
    MESIBO_CONFIGTYPE_CALLCONNECTTO: 274,
    MESIBO_FILETYPE_AUTO: 0,
    MESIBO_FILETYPE_IMAGE: 1,
    MESIBO_FILETYPE_VIDEO: 2,
    MESIBO_FILETYPE_AUDIO: 3,
    MESIBO_FILETYPE_LOCATION: 4,
    MESIBO_FILETYPE_PROFILEIMAGE: 5,
    MESIBO_FILETYPE_PROFILETHUMBNAIL: 6,
    MESIBO_FILETYPE_OTHER: 10,
    MESIBO_FILETYPE_MASK: 255,
    MESIBO_FILESOURCE_MESSAGE: 0,
    MESIBO_FILESOURCE_PROFILE: 1,
    MESIBO_FILESOURCE_GROUPPROFILE: 2,
    MESIBO_FILESOURCE_PROFILETN: 2,
    MESIBO_FILESOURCE_THUMBNAIL: 3,
    MESIBO_FILESOURCE_UNKNOWN: 99,
    MESIBO_FILESOURCE_CUSTOM: 100,
    MESIBO_FILESTATUS_IDLE: 0,
    MESIBO_FILESTATUS_INPROGRESS: 1,
    MESIBO_FILESTATUS_RETRYLATER: 2,
    MESIBO_FILESTATUS_FAILED: 3,
    MESIBO_FILEMODE_DOWNLOAD: 0,
    MESIBO_FILEMODE_UPLOAD: 1,
    MESIBO_FILEACTION_START: 0,
    MESIBO_FILEACTION_STOP: 1,
    MESIBO_MEMBERFLAG_SEND: 1,
    MESIBO_MEMBERFLAG_RECV: 2,
    MESIBO_MEMBERFLAG_PUBL: 4,
    MESIBO_MEMBERFLAG_SUBS: 8,
    MESIBO_MEMBERFLAG_LIST: 16,
    MESIBO_MEMBERFLAG_RECORD: 32,
    MESIBO_MEMBERFLAG_ALL: 31,
    MESIBO_MEMBERFLAG_ADMIN: 4096,
    MESIBO_MEMBERFLAG_NOSELFDELETE: 8192,
    MESIBO_MEMBERFLAG_SHAREDPIN: 32768,
    MESIBO_MEMBERFLAG_DELETE: 2147483648,
    MESIBO_RESULT_OK: 0,
    MESIBO_RESULT_FAIL: 128,
    MESIBO_RESULT_GENERROR: 129,
    MESIBO_RESULT_NOSUCHERROR: 131,
    MESIBO_RESULT_INBOXFULL: 132,
    MESIBO_RESULT_BADREQ: 133,
    MESIBO_RESULT_OVERCAPACITY: 134,
    MESIBO_RESULT_RETRYLATER: 135,
    MESIBO_RESULT_E2EERROR: 138,
    MESIBO_RESULT_TIMEOUT: 176,
    MESIBO_RESULT_CONNECTFAIL: 177,
    MESIBO_RESULT_DISCONNECTED: 178,
    MESIBO_RESULT_REQINPROGRESS: 179,
    MESIBO_RESULT_BUFFERFULL: 180,
    MESIBO_RESULT_AUTHFAIL: 192,
    MESIBO_RESULT_DENIED: 193
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
  function eventParts(ev) {
    if (ev.k !== "status" || !Array.isArray(ev.mids)) return [ev];
    var cids = Array.isArray(ev.cids) ? ev.cids : [];
    var out = [];
    for (var i = 0; i < ev.mids.length; i++) {
      var part = Object.assign({}, ev, { mid: ev.mids[i], cid: cids[i] === void 0 ? null : cids[i] });
      delete part.mids;
      delete part.cids;
      out.push(part);
    }
    return out;
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
        var peers = ev.peers || (ev.peer ? [ev.peer] : []);
        for (var i = 0; i < peers.length; i++) {
          var pr = Object.assign({}, r.receipts[peers[i]] || {});
          if (s === C.MESIBO_MSGSTATUS_DELIVERED && !pr.delivered) pr.delivered = ev.ts || 1;
          if (s === C.MESIBO_MSGSTATUS_READ) {
            pr.read = ev.ts || 1;
            if (!pr.delivered) pr.delivered = ev.ts || 1;
          }
          if (s > 127) pr.failed = s;
          r.receipts[peers[i]] = pr;
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
          var parts = eventParts(ev);
          for (var j = 0; j < parts.length; j++) {
            var part = parts[j];
            if (part.mid === void 0) continue;
            var nr = reduceRecord(this.messages.get(part.mid) || null, part);
            if (nr) this.messages.set(part.mid, nr);
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
        var parts = eventParts(ev);
        for (var j = 0; j < parts.length; j++) {
          if (parts[j].mid === void 0) continue;
          var old = await idbReq(msgs.get(parts[j].mid));
          var nr = reduceRecord(old || null, parts[j]);
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
  var CLOSE_RECONNECT = 4004;
  var SESSION_DEFAULTS = {
    ackEvery: 100,
    ackDelay: 50,
    backoffMin: 250,
    backoffMax: 1e4,
    reconnectJitter: 250,
    fillRetry: 150,
    requestTimeout: 3e4,
    rateLimitRetry: 500,
    beatInterval: 500,
    // A node that hangs, or a network that drops packets without closing, leaves the socket open and
    // silent: after pingInterval ms without a frame the leader pings; after pingTimeout more (or no
    // welcome within both), it drops the socket and reconnects (to another node behind a balancer).
    pingInterval: 2e4,
    pingTimeout: 1e4
  };
  function sessionConfig(config) {
    var cfg = Object.assign({}, SESSION_DEFAULTS);
    if (!config || typeof config !== "object") return cfg;
    Object.keys(config).forEach(function(k) {
      var v = config[k];
      if (!Object.prototype.hasOwnProperty.call(SESSION_DEFAULTS, k)) {
        console.warn("Hubbub: HUBBUB_CONFIG." + k + " is not a setting; ignored");
      } else if (typeof v !== "number" || !isFinite(v) || v < 0) {
        console.warn("Hubbub: HUBBUB_CONFIG." + k + " must be a number >= 0, not " + JSON.stringify(v) + "; default " + SESSION_DEFAULTS[k] + " kept");
      } else cfg[k] = v;
    });
    return cfg;
  }
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
      this.flushed = false;
      this.signedOut = false;
      this.authFailed = false;
      this.backoff = 0;
      this.reconnectTimer = null;
      this.heardAt = 0;
      this.livenessTimer = null;
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
      if (this.livenessTimer) {
        this.timers.clearTimeout(this.livenessTimer);
        this.livenessTimer = null;
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
      this.heardAt = this.timers.now();
      this._watch(gen);
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
        self.heardAt = self.timers.now();
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
    /** Liveness of socket `gen` (see pingInterval): ping when it is silent, drop it when it stays so. */
    _watch(gen) {
      var self = this;
      if (this.livenessTimer) this.timers.clearTimeout(this.livenessTimer);
      var tick = Math.max(20, Math.min(this.cfg.pingInterval, this.cfg.pingTimeout) / 2);
      this.livenessTimer = this.timers.setTimeout(function() {
        self.livenessTimer = null;
        if (gen !== self.connGen || !self.ws) return;
        var silent = self.timers.now() - self.heardAt;
        if (silent >= self.cfg.pingInterval + self.cfg.pingTimeout) {
          self.log("no frame for " + silent + " ms: dropping the socket");
          self._dropSocket(gen, "silent");
          return;
        }
        if (silent >= self.cfg.pingInterval && self.connected) self._wsSend({ t: "ping", r: ++self.rseq });
        self._watch(gen);
      }, tick);
    }
    _onClose(gen, code, reason) {
      if (gen !== this.connGen) return;
      this.ws = null;
      this.connected = false;
      if (this.livenessTimer) {
        this.timers.clearTimeout(this.livenessTimer);
        this.livenessTimer = null;
      }
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
      if (code === CLOSE_RECONNECT) {
        this._setStatus(C.MESIBO_STATUS_CONNECTING, this.info);
        this.backoff = 0;
        var soon = Math.round(Math.random() * this.cfg.reconnectJitter);
        this.reconnectTimer = this.timers.setTimeout(function() {
          self.reconnectTimer = null;
          self._connect();
        }, soon);
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
      this._dropSocket(this.connGen, "reconnect");
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
        try {
          ws.close(1e3, reason);
        } catch (e) {
        }
      }
      this._onClose(gen, 1006, reason);
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
          this.flushed = false;
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
      this.flushed = true;
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
      if (!p || !this.connected || !this.flushed || this.sendingCids.has(cid)) return;
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
      } : noop,
      // connection tuning set by the page before the script loads (docs/sdk.md), e.g. pingInterval
      config: globalThis.HUBBUB_CONFIG && typeof globalThis.HUBBUB_CONFIG === "object" ? globalThis.HUBBUB_CONFIG : void 0
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
  var EXT_TYPES = {
    jpg: 1,
    jpeg: 1,
    png: 1,
    gif: 1,
    webp: 1,
    bmp: 1,
    svg: 1,
    avif: 1,
    heic: 1,
    mp4: 2,
    m4v: 2,
    mov: 2,
    webm: 2,
    mkv: 2,
    ogv: 2,
    "3gp": 2,
    mp3: 3,
    m4a: 3,
    aac: 3,
    wav: 3,
    ogg: 3,
    oga: 3,
    opus: 3,
    flac: 3,
    weba: 3
  };
  function fileTypeOfUrl(url) {
    var path = String(url || "").split(/[?#]/)[0];
    var m = /\.([a-z0-9]+)$/i.exec(path.slice(path.lastIndexOf("/") + 1));
    return m && EXT_TYPES[m[1].toLowerCase()] || C.MESIBO_FILETYPE_AUTO;
  }
  function isFileId(v) {
    return typeof v === "string" && FILE_ID.test(v);
  }
  function contentFromValue(content, filetype) {
    if (!content) return null;
    if (typeof content === "string") {
      if (/^[a-z]+:\/\//i.test(content) || content.charAt(0) === "/") return { file: { url: content, type: filetype || fileTypeOfUrl(content) } };
      var el = HAS_DOC ? document.getElementById(content) : null;
      if (el && el.files && el.files[0]) return { blob: el.files[0] };
      return { file: { url: content, type: filetype || fileTypeOfUrl(content) } };
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
        api._emit("Mesibo_onMessageUpdate", [m]);
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
      api._emit("Mesibo_onMessageUpdate", [m]);
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

  // sdk/api/datetime.js
  var MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December"
  ];
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function dayStart(ts) {
    var d = new Date(ts);
    d.setHours(0, 0, 0, 0);
    return d.getTime();
  }
  var MesiboDateTime = class {
    /**
     * @param {number} ts ms since the epoch
     * @param {function(): number} [now] the clock (tests pass their own)
     */
    constructor(ts, now) {
      var d = new Date(ts);
      this._now = now || Date.now;
      this.ts = ts;
      this.year = d.getFullYear();
      this.month = d.getMonth() + 1;
      this.day = d.getDate();
      this.hour = d.getHours();
      this.min = d.getMinutes();
      this.sec = d.getSeconds();
      this.wday = d.getDay();
    }
    /** Numbers compare as the timestamp (a Hubbub choice). @returns {number} */
    valueOf() {
      return this.ts;
    }
    /** @returns {string} ISO 8601 */
    toString() {
      return new Date(this.ts).toISOString();
    }
    /** @returns {boolean} true for a real date (ts > 0) */
    isValid() {
      return this.ts > 0;
    }
    /** Whole calendar days since this date; 0 = today, 1 = yesterday. @returns {number} */
    getDaysElapsed() {
      return Math.round((dayStart(this._now()) - dayStart(this.ts)) / 864e5);
    }
    /** @returns {number} seconds since this date */
    getSecondsElapsed() {
      return Math.floor((this._now() - this.ts) / 1e3);
    }
    /** @returns {boolean} */
    isToday() {
      return this.getDaysElapsed() === 0;
    }
    /** @returns {boolean} */
    isYesterday() {
      return this.getDaysElapsed() === 1;
    }
    /** @param {boolean} [short] three letters @returns {string} the month's English name */
    getMonthName(short) {
      var n = MONTHS[this.month - 1];
      return short ? n.slice(0, 3) : n;
    }
    /**
     * The date as text: "MM/DD/YYYY" when monthFirst, else "DD/MM/YYYY"; `today` / `yesterday` (when
     * given) replace it for those days.
     * @param {boolean} [monthFirst] @param {string} [today] @param {string} [yesterday] @returns {string}
     */
    getDate(monthFirst, today, yesterday) {
      var e = this.getDaysElapsed();
      if (today && e === 0) return today;
      if (yesterday && e === 1) return yesterday;
      return monthFirst ? pad(this.month) + "/" + pad(this.day) + "/" + this.year : pad(this.day) + "/" + pad(this.month) + "/" + this.year;
    }
    /** "HH:MM", or "HH:MM:SS" when `seconds`. @param {boolean} [seconds] @returns {string} */
    getTime(seconds) {
      return pad(this.hour) + ":" + pad(this.min) + (seconds ? ":" + pad(this.sec) : "");
    }
    /**
     * Relative text: "just now", "5 minutes ago", "3 hours ago", "yesterday", "4 days ago", else the date.
     * `accuracy` is undocumented in mesibo; it is accepted and ignored.
     * @param {number} [accuracy] @returns {string}
     */
    getDateInNaturalLanguage(accuracy) {
      var s = this.getSecondsElapsed();
      var days = this.getDaysElapsed();
      if (s < 60 && days === 0) return "just now";
      if (s < 3600 && days === 0) {
        var m = Math.floor(s / 60);
        return m + (m === 1 ? " minute ago" : " minutes ago");
      }
      if (days === 0) {
        var h = Math.floor(s / 3600);
        return h + (h === 1 ? " hour ago" : " hours ago");
      }
      if (days === 1) return "yesterday";
      if (days < 7) return days + " days ago";
      return this.getDate(false);
    }
  };
  function dateOrNull(ts, now) {
    return ts > 0 ? new MesiboDateTime(ts, now) : null;
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
    /**
     * Hubbub groups have no single owner: every admin has the owner's rights (delete the group, change
     * admins), so an admin is reported as owner. @returns {boolean}
     */
    isOwner() {
      return this.admin;
    }
    /** @returns {number} member flags (MESIBO_MEMBERFLAG_*) */
    getFlags() {
      return this.flags;
    }
  };

  // sdk/api/read-session.js
  function newer(a, b) {
    return a.ts > b.ts || a.ts === b.ts && a.mid > b.mid;
  }
  var MesiboReadSession = class {
    constructor(api, filter, listener, summary) {
      this._api = api;
      this._filter = filter;
      this._listener = listener || null;
      this._summary = !!summary;
      this._receipts = false;
      this._fifo = false;
      this._cursor = null;
      this._stopped = false;
      this._convBefore = 0;
      this._convDone = false;
      this._kinds = { messages: true, files: true, calls: true, missed: true, incoming: true, outgoing: true };
      this._query = null;
      this._onRead = null;
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
    /** Oldest first instead of newest first. @param {boolean} on */
    enableFifo(on) {
      this._fifo = on !== false;
    }
    /** Include file messages (default on). @param {boolean} on */
    enableFiles(on) {
      this._kinds.files = on !== false;
    }
    /** Include text messages (default on). @param {boolean} on */
    enableMessages(on) {
      this._kinds.messages = on !== false;
    }
    /** Include call records (default on). @param {boolean} on */
    enableCalls(on) {
      this._kinds.calls = on !== false;
    }
    /** Include missed calls (default on). @param {boolean} on */
    enableMissedCalls(on) {
      this._kinds.missed = on !== false;
    }
    /** Include incoming calls (default on). @param {boolean} on */
    enableIncomingCalls(on) {
      this._kinds.incoming = on !== false;
    }
    /** Include outgoing calls (default on). @param {boolean} on */
    enableOutgoingCalls(on) {
      this._kinds.outgoing = on !== false;
    }
    /** Legacy: turn this session into the summary session. @param {boolean} on */
    enableSummary(on) {
      this._summary = on !== false;
      this._cursor = null;
    }
    /** Only messages whose text contains `q` (case-insensitive); '' or null for all. @param {string} q */
    setQuery(q) {
      this._query = q ? String(q).toLowerCase() : null;
      this._cursor = null;
    }
    _keep(r) {
      if (r.call) {
        if (!this._kinds.calls) return false;
        if (r.call.missed && !this._kinds.missed) return false;
        if (r.dir === "in" && !this._kinds.incoming) return false;
        if (r.dir === "out" && !this._kinds.outgoing) return false;
      } else if (r.file ? !this._kinds.files : !this._kinds.messages) return false;
      if (this._query && ((r.message || "") + " " + (r.title || "")).toLowerCase().indexOf(this._query) < 0) return false;
      return true;
    }
    /** The session's records, newest first. */
    _list() {
      var self = this;
      var all = this._summary ? this._api._summary() : this._api._conversation(convKey(this._filter.peer, this._filter.gid));
      return all.filter(function(r) {
        return self._keep(r);
      });
    }
    _matches(rec) {
      if (this._stopped || this._summary) return false;
      return rec.conv === convKey(this._filter.peer, this._filter.gid);
    }
    /**
     * Delivers up to n stored messages, newest first (oldest first with enableFifo), to the session
     * listener's Mesibo_onMessage (origin DBMESSAGE, or DBSUMMARY for a summary session; the last of
     * the batch has isLastMessage()). Each call continues where the previous stopped. When the store has
     * no more (fewer than n delivered, zero included; without n, everything left is delivered) the
     * listener then gets Mesibo_onMessage(null) once:
     * time to sync().
     * @param {number} n @returns {number} how many were delivered
     */
    read(n) {
      var cur = this._cursor;
      var rest = this._list().filter(function(r) {
        return !cur || newer(cur, r);
      });
      var want = n > 0 ? n : rest.length;
      var batch = rest.slice(0, want);
      if (batch.length) this._cursor = batch[batch.length - 1];
      var api = this._api, self = this;
      var out = this._fifo ? batch.slice().reverse() : batch;
      out.forEach(function(rec, i) {
        var m = api._msg(rec, { db: true, summary: self._summary, last: i === out.length - 1, session: self });
        self._deliver("Mesibo_onMessage", [m]);
      });
      if (!(n > 0) || batch.length < want) this._deliver("Mesibo_onMessage", [null]);
      if (this._receipts && !this._summary) api._markRead(batch);
      if (this._onRead) {
        try {
          this._onRead.call(this, batch.length);
        } catch (e) {
          console.error(e);
        }
      }
      return batch.length;
    }
    /**
     * The messages: for a summary session the latest one of every conversation, newest conversation
     * first, kept current by live messages and own sends; for a conversation, the messages read so far
     * and every newer one. The objects are the ones the app got (updated in place).
     * @returns {MesiboMessage[]}
     */
    getMessages() {
      var api = this._api, cur = this._cursor, self = this;
      var list = this._list();
      if (!this._summary) list = list.filter(function(r) {
        return cur && !newer(cur, r);
      });
      return list.map(function(r) {
        var known = r._obj || r.mid && api._objects.has(r.mid);
        return api._msg(r, known ? null : { db: true, summary: self._summary, session: self });
      });
    }
    /**
     * Unread (RECEIVEDNEW) incoming messages of the conversation (of every conversation for a summary
     * session); cb(n) too. @param {function(number)} [cb] @returns {number}
     */
    getUnreadCount(cb) {
      var n = this._api._unreadCount(this._summary ? null : convKey(this._filter.peer, this._filter.gid));
      if (typeof cb === "function") cb(n);
      return n;
    }
    /** Native name of getUnreadCount(). @returns {number} */
    getUnreadMessageCount() {
      return this.getUnreadCount();
    }
    /**
     * Asks the server for up to n older messages of this conversation (default 50) and stores them, then
     * calls Mesibo_onSync(session, count) on `listener` (or the session's listener; a function is called
     * as fn.call(session, count)); count = messages newly stored. read() then continues with them.
     * A summary session asks for the latest message of up to n more conversations (a new device's or
     * a cleared store's chat list), each call continuing where the previous one stopped.
     * @param {number} [n] @param {object|function} [listener] @returns {Promise<number>} count
     */
    sync(n, listener) {
      var self = this, api = this._api;
      var done = function(count) {
        if (typeof listener === "function") {
          try {
            listener.call(self, count);
          } catch (e) {
            console.error(e);
          }
        } else self._deliver("Mesibo_onSync", [self, count], listener);
        return count;
      };
      if (this._summary) {
        if (this._convDone) return new Promise(function(r) {
          api._later(function() {
            r(done(0));
          });
        });
        var ask = { t: "conversations", limit: n > 0 ? n : 50 };
        if (this._convBefore) ask.before = this._convBefore;
        return api._request(ask).then(function(res) {
          var msgs = res.ok && Array.isArray(res.messages) ? res.messages : [];
          if (msgs.length) self._convBefore = msgs[msgs.length - 1].mid;
          if (res.ok && !res.more) self._convDone = true;
          return api._storeHistory(msgs.map(recordFromMsg));
        }).then(function(added) {
          return done(added ? added.length : 0);
        });
      }
      var conv = api._conversation(convKey(this._filter.peer, this._filter.gid));
      var before = 0;
      conv.forEach(function(r) {
        if (r.mid && r._obj === void 0 && (!before || r.mid < before)) before = r.mid;
      });
      var frame = { t: "history", peer: this._filter.peer || "", gid: this._filter.gid || 0, limit: n > 0 ? n : 50 };
      if (before) frame.before = before;
      return api._request(frame).then(function(res) {
        var msgs = res.ok && Array.isArray(res.messages) ? res.messages : [];
        return api._storeHistory(msgs.map(recordFromMsg));
      }).then(function(added) {
        return done(added ? added.length : 0);
      });
    }
    /** Stops this session (no more read receipts from it). */
    stop() {
      this._stopped = true;
      this._api._readSessions.delete(this);
    }
    _deliver(name, args, to) {
      var l = to || this._listener;
      var fn = l && l[name];
      if (!fn && l && typeof l[legacyName(name)] === "function") {
        fn = l[legacyName(name)];
        if (name === "Mesibo_onMessage") args = [args[0], args[0] ? utf8(args[0].message) : null];
      }
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
  var PUBLISHED = { name: 1, status: 1, picture: 1 };
  var MesiboProfile = class {
    constructor(api, address, gid) {
      this._api = api;
      this.address = gid ? "" : address || "";
      this.groupid = gid || 0;
      this.name = "";
      this.status = "";
      this.picture = "";
      this._thumb = "";
      this._values = {};
      this._online = false;
      this._lastseen = 0;
      this._typingUntil = 0;
      this._typingIn = /* @__PURE__ */ new Map();
      this._chatting = false;
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
    /**
     * The name; without one, what the listeners' Mesibo_onGetProfileName(profile) returns (mesibo's
     * fallback), else ''. @returns {string}
     */
    getName() {
      return this.name || this._api._fallbackName(this) || "";
    }
    /** @param {string} [arg] (accepted; mesibo does not document it) @returns {string} the name, else the address */
    getNameOrAddress(arg) {
      return this.getName() || this.address || (this.groupid ? "group " + this.groupid : "");
    }
    /** @returns {string} the status line */
    getStatus() {
      return this.status;
    }
    _get(k) {
      if (k === "image") k = "picture";
      if (PUBLISHED[k]) return this[k];
      return this._values[k];
    }
    /** A value: "name", "status", "picture" or any key set with setString/setInt/... @param {string} k @param {string} [def] @returns {string} */
    getString(k, def) {
      var v = this._get(k);
      return v === void 0 || v === null || v === "" ? def === void 0 ? "" : def : String(v);
    }
    /** @param {string} k @param {number} [def] @returns {number} */
    getInt(k, def) {
      var v = parseInt(this._get(k), 10);
      return isNaN(v) ? def || 0 : v;
    }
    /** @param {string} k @param {number} [def] @returns {number} */
    getLong(k, def) {
      return this.getInt(k, def);
    }
    /** @param {string} k @param {number} [def] @returns {number} */
    getDouble(k, def) {
      var v = parseFloat(this._get(k));
      return isNaN(v) ? def || 0 : v;
    }
    /** @param {string} k @param {boolean} [def] @returns {boolean} */
    getBoolean(k, def) {
      var v = this._get(k);
      return v === void 0 || v === null || v === "" ? !!def : v === true || v === "true" || v === "1" || v === 1;
    }
    /** Every name/value pair of the profile. @returns {Object<string, *>} */
    getValues() {
      var out = Object.assign({}, this._values);
      if (this.name) out.name = this.name;
      if (this.status) out.status = this.status;
      if (this.picture) out.picture = this.picture;
      return out;
    }
    /**
     * The picture object (never null; isEmpty() without a picture). Without a picture, what the
     * listeners' Mesibo_onGetProfileImage(profile) returns is shown. @param {number} [index] @returns {object}
     */
    getImage(index) {
      var img = profileImage(this);
      var fb = img.isEmpty() ? this._api._fallbackImage(this) : "";
      if (fb) img.getThumbnail = img.getImage = img.getImageOrThumbnail = img.getUrl = function() {
        return fb;
      };
      return img;
    }
    /** The picture's thumbnail (a data: URL), else its URL; '' without a picture. @returns {string} */
    getThumbnail() {
      return this.getImage().getThumbnail() || "";
    }
    /** The picture's URL, else its thumbnail. @returns {string} */
    getImageOrThumbnail() {
      return this.getImage().getImageOrThumbnail() || "";
    }
    /** When the user was last online: a MesiboDateTime, null when never seen, online now, or a group. @returns {MesiboDateTime|null} */
    getLastSeen() {
      return this._online || this.groupid ? null : dateOrNull(this._lastseen);
    }
    /** @returns {boolean} */
    isOnline() {
      return this._online;
    }
    /** @returns {boolean} typing to this user now (1-to-1) */
    isTyping() {
      return this._typingUntil > Date.now();
    }
    /** @param {number} gid @returns {boolean} this user is typing in group gid */
    isTypingInGroup(gid) {
      return (this._typingIn.get(Number(gid)) || 0) > Date.now();
    }
    /** @returns {boolean} the user has this 1-to-1 chat open (sent joined, not left yet) */
    isChatting() {
      return this._chatting;
    }
    /** @returns {boolean} */
    isBlocked() {
      return this._blocked;
    }
    /** @returns {boolean} */
    isSubscribed() {
      return this._subscribed;
    }
    /** @returns {boolean} marked as a contact with setContact */
    isContact() {
      return this._contact;
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
    /**
     * Sets a value: "name", "status" and "picture" are published by save(); other keys stay in this
     * browser (the server keeps only those three). @param {string} k @param {string} v
     */
    setString(k, v) {
      if (k === "name") this.setName(v);
      else if (k === "status") this.setStatus(v);
      else if (k === "picture" || k === "image") this.setImage(v);
      else this._values[k] = v === void 0 || v === null ? "" : String(v);
    }
    /** @param {string} k @param {number} v */
    setInt(k, v) {
      this.setString(k, String(Math.trunc(Number(v) || 0)));
    }
    /** @param {string} k @param {number} v */
    setLong(k, v) {
      this.setInt(k, v);
    }
    /** @param {string} k @param {number} v */
    setDouble(k, v) {
      this.setString(k, String(Number(v) || 0));
    }
    /** @param {string} k @param {boolean} v */
    setBoolean(k, v) {
      this.setString(k, v ? "true" : "false");
    }
    /** Clears every value (before setting new ones); save() publishes the cleared name, status and picture. */
    reset() {
      this.name = "";
      this.status = "";
      this.picture = "";
      this._values = {};
      this._dirty = { name: "", status: "", picture: "" };
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
    /** Unread incoming messages of this conversation; cb(n) too. @param {function(number)} [cb] @returns {number} */
    getUnreadCount(cb) {
      var n = this._api._unreadCount(convKey(this.address, this.groupid));
      if (typeof cb === "function") cb(n);
      return n;
    }
    /** Native name of getUnreadCount(). @returns {number} */
    getUnreadMessageCount() {
      return this.getUnreadCount();
    }
    /**
     * Deletes this conversation's messages for this user (every tab and device of the user; the peer
     * keeps its copy). Resolves when the server has done it.
     * @param {number} [ts] only messages up to this time (ms), all when absent
     * @returns {Promise<number>} how many were deleted
     */
    deleteMessages(ts) {
      var api = this._api;
      var list = api._conversation(convKey(this.address, this.groupid)).filter(function(r) {
        return r.mid && (!ts || r.ts <= ts);
      });
      return Promise.all(list.map(function(r) {
        return api._request({ t: "delete", mid: r.mid });
      })).then(function(res) {
        return res.filter(function(x) {
          return x && x.ok;
        }).length;
      });
    }
    /**
     * Deletes this conversation's messages older than `sec` seconds (mesibo's native name; see
     * deleteMessages). @param {number} sec @returns {Promise<number>} how many were deleted
     */
    deleteMessagesOlderThan(sec) {
      return this.deleteMessages(Date.now() - Math.max(0, Number(sec) || 0) * 1e3);
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
      var d = this._dirty, self = this, api = this._api;
      this._dirty = {};
      if (this.groupid) {
        return api._request(Object.assign({ t: "group_set", gid: this.groupid }, d.name !== void 0 ? { name: d.name } : {})).then(function(res) {
          api._emit("MesiboProfile_onPublish", [self, !!(res && res.ok)]);
          return res;
        });
      }
      if (!this.isSelfProfile() && this.address) return Promise.resolve({ ok: true, local: true });
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
      var self = this;
      return this._api._request({ t: "group_members", gid: this.groupid, add: addresses, flags: flags === void 0 ? C.MESIBO_MEMBERFLAG_ALL : flags, admin: !!adminFlags }).then(function(res) {
        self._api._groupError(self, res);
        return res;
      });
    }
    /** Removes members from this group (admins; anyone may remove itself). @param {string[]|string} addresses */
    removeMembers(addresses) {
      if (typeof addresses === "string") addresses = addresses.split(",");
      var self = this;
      return this._api._request({ t: "group_members", gid: this.groupid, remove: addresses }).then(function(res) {
        self._api._groupError(self, res);
        return res;
      });
    }
    /**
     * Fetches the members; calls listener.Mesibo_onGroupMembers(profile, members), or listener(profile,
     * members) when it is a function, else the api listeners'.
     * @param {number} count 0 = all @param {boolean} restart (accepted; every call starts from the first) @param {object|function} listener
     */
    getMembers(count, restart, listener) {
      var self = this, api = this._api;
      return api._request({ t: "group_get", gid: this.groupid }).then(function(res) {
        if (!res.ok || !res.group) {
          api._groupError(self, res.ok ? { ok: false, error: "NOTFOUND" } : res);
          return [];
        }
        var members = (res.group.members || []).map(function(m) {
          return new MesiboGroupMember(api, m);
        });
        if (count > 0) members = members.slice(0, count);
        self._members = members;
        if (res.group.name !== void 0) self.name = res.group.name;
        if (typeof listener === "function") listener(self, members);
        else if (listener && typeof listener.Mesibo_onGroupMembers === "function") listener.Mesibo_onGroupMembers(self, members);
        else api._emit("Mesibo_onGroupMembers", [self, members]);
        return members;
      });
    }
    /** Leaves this group. */
    leave() {
      return this.removeMembers([this._api._selfAddress()]);
    }
    /** Deletes this group (admins); Mesibo_onGroupError(profile, PERMISSION) when not allowed. @returns {Promise<object>} */
    deleteGroup() {
      var self = this;
      return this._api._request({ t: "group_delete", gid: this.groupid }).then(function(res) {
        self._api._groupError(self, res);
        return res;
      });
    }
  };

  // sdk/api/message.js
  var MesiboMessage = class _MesiboMessage {
    constructor(api, rec, how) {
      this._api = api;
      rec = rec || {};
      this.mid = rec.mid || 0;
      this.cid = rec.cid || null;
      var own = rec.dir === "out" ? appIdFromCid(rec.cid) : null;
      this.id = own !== null ? own : rec.mid || 0;
      this._dir = rec.dir || "out";
      this.peer = rec.peer || "";
      this.from = rec.from || "";
      this.groupid = rec.gid || 0;
      this.expiry = rec.expiry;
      this.subtitle = "";
      this.footer = "";
      this.data = null;
      this.latitude = -720;
      this.longitude = -720;
      this.refid = 0;
      this.presence = 0;
      this.launchurl = void 0;
      this._attempt = 0;
      this._blob = null;
      this._serverMid = !!rec.mid;
      this._how(how);
      this._update(rec);
    }
    /** Takes the stored record's current state (status, text, receipts, flags). */
    _update(rec) {
      if (rec.mid && (!this.mid || this._serverMid || rec.cid === this.cid)) {
        this.mid = rec.mid;
        this._serverMid = true;
      }
      this.message = rec.message || "";
      this.title = rec.title || "";
      this.status = rec.status === void 0 ? C.MESIBO_MSGSTATUS_OUTBOX : rec.status;
      this.ts = rec.ts || this.ts || 0;
      this.flag = rec.flag === void 0 ? C.MESIBO_FLAG_DEFAULT : rec.flag;
      this.type = rec.type || 0;
      this._setFile(rec.file || null, rec._local || this._local || null);
      this._fwd = !!rec.fwd;
      this._edited = !!rec.edited;
      this._deleted = !!(rec.deleted || rec.recalled);
      this._receipts = rec.receipts || {};
      this._call = rec.call || null;
    }
    /** How this object reaches the app now: live, read by a (summary) session, last of a batch. */
    _how(how) {
      how = how || {};
      this._realtime = !!how.realtime;
      this._db = !!how.db;
      this._summary = !!how.summary;
      this._last = !!how.last;
      this._session = how.session || null;
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
    /** MESIBO_FLAG_* (mesibo's current name; `flag` is the older one). @type {number} */
    get flags() {
      return this.flag;
    }
    set flags(v) {
      this.flag = v;
    }
    /** MESIBO_ORIGIN_*: REALTIME, DBMESSAGE (read session) or DBSUMMARY (summary session). @type {number} */
    get origin() {
      return this._summary ? C.MESIBO_ORIGIN_DBSUMMARY : this._db ? C.MESIBO_ORIGIN_DBMESSAGE : C.MESIBO_ORIGIN_REALTIME;
    }
    /** MesiboDateTime of ts. @type {MesiboDateTime} */
    get date() {
      return new MesiboDateTime(this.ts || 0);
    }
    /**
     * The peer's profile: the sender of an incoming message, the recipient of an outgoing 1-to-1
     * message, the sending member in a group (the own profile for own group messages). The same object
     * as getProfile(address). null only for date rows.
     * @type {MesiboProfile}
     */
    get profile() {
      if (this._dateRow) return null;
      if (this.groupid) return this._dir === "out" ? this._api.getSelfProfile() : this._api.getProfile(this.from || this.peer, 0);
      return this._api.getProfile(this.peer, 0);
    }
    /** The group's profile, null for 1-to-1 messages. @type {MesiboProfile|null} */
    get groupProfile() {
      return this.groupid ? this._api.getProfile("", this.groupid) : null;
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
    /** Seconds the call was answered (0 for a missed or refused call). @returns {number} */
    getCallDuration() {
      return this._call ? this._call.duration || 0 : 0;
    }
    /** @returns {number} the message id (mid) */
    getMessageId() {
      return this.mid;
    }
    /** @returns {number} MESIBO_MSGSTATUS_* */
    getStatus() {
      return this.status;
    }
    /** @returns {boolean} */
    isDbSummaryMessage() {
      return this._summary;
    }
    /** @returns {boolean} */
    isSent() {
      return this.status === C.MESIBO_MSGSTATUS_SENT || this.isDelivered();
    }
    /** @returns {boolean} */
    isInOutbox() {
      return this.status === C.MESIBO_MSGSTATUS_OUTBOX && this._dir === "out";
    }
    /** @returns {boolean} incoming and not read yet (RECEIVEDNEW) */
    isUnread() {
      return this.status === C.MESIBO_MSGSTATUS_RECEIVEDNEW;
    }
    /** @returns {boolean} incoming and read by this user (RECEIVEDREAD) */
    isReadByUs() {
      return this.status === C.MESIBO_MSGSTATUS_RECEIVEDREAD;
    }
    /** @returns {boolean} a wiped (recalled) message */
    isWiped() {
      return this.status === C.MESIBO_MSGSTATUS_WIPED;
    }
    /** @returns {boolean} */
    isVoiceCall() {
      return !!this._call && !this._call.video;
    }
    /** @returns {boolean} a date-separator row (status DATETIME), made by cloneDate() */
    isDate() {
      return this.status === C.MESIBO_MSGSTATUS_DATETIME;
    }
    /**
     * A content message: false for date rows, call logs, presence and other markers (apps show those
     * as small centred text). @returns {boolean}
     */
    isMessage() {
      var s = this.status;
      if (this._dateRow || this._call || this.presence) return false;
      return s <= 3 || s === C.MESIBO_MSGSTATUS_RECEIVEDNEW || s === C.MESIBO_MSGSTATUS_RECEIVEDREAD || s > 127 || s === C.MESIBO_MSGSTATUS_DELETED || s === C.MESIBO_MSGSTATUS_WIPED;
    }
    /** @returns {boolean} a presence signal (never for stored messages) */
    isPresence() {
      return !!this.presence;
    }
    /** @returns {boolean} status CUSTOM */
    isCustom() {
      return this.status === C.MESIBO_MSGSTATUS_CUSTOM;
    }
    /**
     * A date-separator row for this message's day: a new non-message object, status DATETIME, the same
     * ts and date. @returns {MesiboMessage}
     */
    cloneDate() {
      var d = new _MesiboMessage(this._api, { dir: this._dir, peer: this.peer, gid: this.groupid, ts: this.ts, status: C.MESIBO_MSGSTATUS_DATETIME });
      d._dateRow = true;
      d.mid = 0;
      d.id = 0;
      return d;
    }
    /**
     * True when this message belongs to `profile`'s conversation: the same group, or a 1-to-1 message
     * with that address, either direction. @param {MesiboProfile} profile @returns {boolean}
     */
    isDestinedFor(profile) {
      if (!profile) return false;
      var gid = profile.getGroupId ? profile.getGroupId() : 0;
      if (gid || this.groupid) return gid === this.groupid;
      return (profile.getAddress ? profile.getAddress() : "") === this.peer;
    }
    /** @returns {boolean} replies to another message (refid set) */
    isReply() {
      return !!this.refid;
    }
    /** Sets the message this one replies to. @param {number} mid */
    setInReplyTo(mid) {
      this.refid = mid || 0;
    }
    /** @returns {number} the mid this message replies to, 0 if none */
    getInReplyTo() {
      return this.refid || 0;
    }
    /**
     * Has content beyond plain text (a file, a title or subtitle, a location); false when deleted.
     * @returns {boolean}
     */
    isRichMessage() {
      if (this.isDeleted()) return false;
      return this.hasFile() || !!this.title || !!this.subtitle || this.hasLocation();
    }
    /** @returns {boolean} !isRichMessage() */
    isPlainMessage() {
      return !this.isRichMessage();
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
    /** @returns {boolean} a location (latitude/longitude set, or a LOCATION file) */
    hasLocation() {
      return this.latitude !== -720 && this.longitude !== -720 && this.latitude !== void 0 || this._isType(C.MESIBO_FILETYPE_LOCATION);
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
    /** @returns {string} the file's name, else the last part of its URL ('' without a file) */
    getFileName() {
      if (this._blob && this._blob.name) return this._blob.name;
      if (!this._file) return "";
      if (this._file.name) return this._file.name;
      try {
        return decodeURIComponent(String(this._file.url || "").split("?")[0].split("/").pop() || "");
      } catch (e) {
        return "";
      }
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
    /**
     * True while an own message can still be recalled with wipeAndRecall(): sent, not failed, not
     * deleted (Hubbub has no retraction interval). @returns {boolean}
     */
    mayBeRetracted() {
      return this._dir === "out" && !this.isDeleted() && !this.isFailed() && !this._dateRow && !this._call;
    }
    /** The read session that delivered this message, null for live ones. @returns {MesiboReadSession|null} */
    getReadSession() {
      return this._session;
    }
    /** MesiboDateTime of the message's time. @returns {MesiboDateTime} */
    getTimestamp() {
      return new MesiboDateTime(this.ts || 0);
    }
    /** The peer's (or group's) profile. @returns {MesiboProfile} */
    getProfile() {
      return this._api.getProfile(this.groupid ? "" : this.peer, this.groupid);
    }
    /** The sender's profile (for group messages the member who sent it). @returns {MesiboProfile} */
    getSenderProfile() {
      return this._api.getProfile(this._dir === "out" ? this._api._selfAddress() : this.from || this.peer, 0);
    }
    _receipt(peer, which) {
      if (this._dir !== "out") return null;
      var r = this._receipts[peer || this.peer];
      if (!r && !peer && this.groupid) {
        var keys = Object.keys(this._receipts);
        r = keys.length ? this._receipts[keys[0]] : null;
      }
      return dateOrNull(r ? r[which] || 0 : 0);
    }
    /**
     * Calls cb(date) with the MesiboDateTime `peer` got the message (a group member's address; null for
     * 1-to-1), or cb(null) when not delivered yet or when the message is incoming.
     * @param {string|null} peer @param {function(MesiboDateTime|null)} cb @returns {MesiboDateTime|null}
     */
    getDeliveryTimestamp(peer, cb) {
      if (typeof peer === "function") {
        cb = peer;
        peer = null;
      }
      var v = this._receipt(peer, "delivered");
      if (cb) cb(v);
      return v;
    }
    /**
     * Calls cb(date) with the MesiboDateTime `peer` read the message, or cb(null) when not read yet or
     * incoming. @param {string|null} peer @param {function(MesiboDateTime|null)} cb @returns {MesiboDateTime|null}
     */
    getReadTimestamp(peer, cb) {
      if (typeof peer === "function") {
        cb = peer;
        peer = null;
      }
      var v = this._receipt(peer, "read");
      if (cb) cb(v);
      return v;
    }
    /** Sets the file type of content set (or to be set) with setContent. @param {number} t MESIBO_FILETYPE_* */
    setContentType(t) {
      this.filetype = t;
      if (this._file) {
        this._file.type = t;
        this.file.type = t;
      }
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
      f.subtitle = this.subtitle;
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
    /**
     * MESIBO_PRESENCE_* (iOS/Flutter's numbers for a presence): OFFLINE 2 for the server's offline
     * (activity 0, which is REQUEST/NONE in mesibo's numbering), ONLINE 1 for an online answer
     * (ONLINERESP 2, which would read as OFFLINE); TYPING, TYPINGCLEARED, JOINED, LEFT as they are.
     * `activity` keeps the raw MESIBO_ACTIVITY_* value. @type {number}
     */
    get presence() {
      if (this.activity === 0) return C.MESIBO_PRESENCE_OFFLINE;
      if (this.activity === C.MESIBO_ACTIVITY_ONLINERESP) return C.MESIBO_PRESENCE_ONLINE;
      return this.activity;
    }
    /** the activity's value (0: no extra value) @type {number} */
    get value() {
      return 0;
    }
    /** The sender's profile. @type {MesiboProfile} */
    get profile() {
      return this._api.getProfile(this.peer, 0);
    }
    /** The group's profile, null for 1-to-1. @type {MesiboProfile|null} */
    get groupProfile() {
      return this.getGroupProfile();
    }
    /** @returns {boolean} the sender has this 1-to-1 chat open (joined) */
    isChatting() {
      return this.activity === C.MESIBO_ACTIVITY_JOINED;
    }
    /** @returns {boolean} a request for the receiver's presence (never sent by Hubbub's server) */
    isRequest() {
      return false;
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

  // sdk/api/http.js
  var MesiboHttpRequest = class {
    constructor() {
      this._url = "";
      this._body = null;
      this._form = false;
    }
    /** @param {string} url */
    setUrl(url) {
      this._url = String(url || "");
    }
    /**
     * The data to POST: an object, form-encoded when `urlencoded` (mesibo's apps pass true), else JSON.
     * @param {object|string} data @param {boolean} [urlencoded]
     */
    setPostData(data, urlencoded) {
      this._body = data;
      this._form = !!urlencoded;
    }
    /**
     * Sends; calls fn(cbdata, text) with the answer's text (null when the request failed).
     * @param {*} cbdata @param {function(*, string|null)} fn @returns {boolean} false without a URL
     */
    send(cbdata, fn) {
      if (!this._url || typeof fetch !== "function") return false;
      var init = { method: "GET" };
      if (this._body !== null && this._body !== void 0) {
        init.method = "POST";
        if (typeof this._body === "string") init.body = this._body;
        else if (this._form) {
          init.body = new URLSearchParams(this._body).toString();
          init.headers = { "Content-Type": "application/x-www-form-urlencoded" };
        } else {
          init.body = JSON.stringify(this._body);
          init.headers = { "Content-Type": "application/json" };
        }
      }
      fetch(this._url, init).then(function(r) {
        return r.text();
      }).then(function(text) {
        if (fn) fn(cbdata, text);
      }, function() {
        if (fn) fn(cbdata, null);
      });
      return true;
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
  var SDK_VERSION = "0.1.0";
  var serviceWorker = { caches: null, scope: null };
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
      this._objects = /* @__PURE__ */ new Map();
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
    static _current() {
      return instances.last || _Mesibo.getInstance();
    }
    /**
     * Logs the SDK's version (mesibo apps call it while they set up; the arguments are free text).
     * @param {string} [a] @param {string} [b] @returns {string} the version
     */
    static printVersion(a, b) {
      var v = "Hubbub mesibo-compatible SDK " + SDK_VERSION;
      if (typeof console !== "undefined") console.log(v + (a ? " " + a : "") + (b ? " " + b : ""));
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
      if (!scope || typeof scope.addEventListener !== "function") return false;
      try {
        scope.addEventListener("install", function(e) {
          if (scope.skipWaiting) e.waitUntil(scope.skipWaiting());
        });
        scope.addEventListener("activate", function(e) {
          if (scope.clients && scope.clients.claim) e.waitUntil(scope.clients.claim());
        });
      } catch (e) {
        return false;
      }
      return true;
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
     * Registers the app's service worker script (mesibo apps call it while they set up). Never throws:
     * a failed registration (another origin, no service worker support) is logged and ignored.
     * @param {string} url the worker script @returns {Promise<ServiceWorkerRegistration|null>}
     */
    startServiceWorker(url) {
      try {
        var nav = globalThis.navigator;
        if (!url || !nav || !nav.serviceWorker || typeof nav.serviceWorker.register !== "function") return Promise.resolve(null);
        return nav.serviceWorker.register(url).catch(function(e) {
          console.warn("Hubbub: startServiceWorker(" + url + ") failed: " + (e && e.message ? e.message : e));
          return null;
        });
      } catch (e) {
        console.warn("Hubbub: startServiceWorker(" + url + ") failed: " + (e && e.message ? e.message : e));
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
        this._customize(p);
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
        if (p) {
          p.name = name || "";
          self._emit("Mesibo_onGroupCreated", [p]);
        }
        if (cb) cb(p);
        return p;
      });
    }
    /** A read session over the latest message of every conversation. @param {object} listener @returns {MesiboReadSession} */
    createReadSummarySession(listener) {
      return new MesiboReadSession(this, null, listener, true);
    }
    /**
     * Legacy read session: on_read(count) runs after each read(n), with `this` the session (use
     * this.getMessages()); enableSummary(true) turns it into the summary session.
     * @param {string} peer @param {number} gid @param {object} [query] @param {function(number)} [onRead]
     * @returns {MesiboReadSession}
     */
    readDbSession(peer, gid, query, onRead) {
      if (typeof query === "function") {
        onRead = query;
        query = null;
      }
      var rs = new MesiboReadSession(this, { peer: gid ? "" : peer || "", gid: Number(gid) || 0 }, null, !peer && !gid);
      rs._onRead = onRead || null;
      return rs;
    }
    /** The listeners' Mesibo_onGetProfileName(profile) for a profile without a name. */
    _fallbackName(p) {
      if (this._inFallback) return "";
      this._inFallback = true;
      try {
        for (var i = 0; i < this._listeners.length; i++) {
          var l = this._listeners[i];
          if (typeof l.Mesibo_onGetProfileName !== "function") continue;
          try {
            var n = l.Mesibo_onGetProfileName(p);
            if (typeof n === "string" && n) return n;
          } catch (e) {
            console.error(e);
          }
        }
        return "";
      } finally {
        this._inFallback = false;
      }
    }
    /** The listeners' Mesibo_onGetProfileImage(profile) for a profile without a picture (a URL, or an image object). */
    _fallbackImage(p) {
      if (this._inFallback) return "";
      this._inFallback = true;
      try {
        for (var i = 0; i < this._listeners.length; i++) {
          var l = this._listeners[i];
          if (typeof l.Mesibo_onGetProfileImage !== "function") continue;
          try {
            var v = l.Mesibo_onGetProfileImage(p);
            if (typeof v === "string" && v) return v;
            if (v && typeof v.getImageOrThumbnail === "function") return v.getImageOrThumbnail() || "";
          } catch (e) {
            console.error(e);
          }
        }
        return "";
      } finally {
        this._inFallback = false;
      }
    }
    /** Lets the listeners adjust a new profile (Mesibo_onCustomizeProfile). */
    _customize(p) {
      var ls = this._listeners;
      for (var i = 0; i < ls.length; i++) {
        if (typeof ls[i].Mesibo_onCustomizeProfile === "function") {
          try {
            ls[i].Mesibo_onCustomizeProfile(p);
          } catch (e) {
            console.error(e);
          }
        }
      }
    }
    /** RECEIVEDNEW messages of conversation `conv` (all conversations when null). */
    _unreadCount(conv) {
      var n = 0;
      this._mirror.forEach(function(r) {
        if ((conv === null || r.conv === conv) && !r.deleted && r.dir === "in" && r.status === C.MESIBO_MSGSTATUS_RECEIVEDNEW) n++;
      });
      return n;
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
    /**
     * Older style: sends an already hosted file (no upload) to params.peer (or params.groupid).
     * @param {{peer?: string, groupid?: number, expiry?: number, flag?: number}} params @param {number} id
     * @param {{filetype?: number, size?: number, fileurl: string, title?: string, message?: string, name?: string}} file
     * @returns {number} the id
     */
    sendFile(params, id, file) {
      params = params || {};
      file = file || {};
      var m = new MesiboMessage(this, { dir: "out", peer: params.peer || "", gid: params.groupid || 0, status: C.MESIBO_MSGSTATUS_OUTBOX, flag: params.flag });
      m.id = id || this.random();
      m.message = file.message || "";
      m.title = file.title || "";
      if (params.expiry !== void 0) m.expiry = params.expiry;
      var url = file.fileurl || file.url || "";
      m._setFile({ url, type: file.filetype || fileTypeOfUrl(url), size: file.size || 0, name: file.name || "" });
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
      if (!m._echoed) {
        m._echoed = true;
        if (!m.mid) m.mid = m.id;
        m._how({ realtime: true });
        this._later(function() {
          self._emit("Mesibo_onMessage", [m]);
        });
      }
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
        if (res.mid) {
          m.mid = res.mid;
          m._serverMid = true;
          this._objects.set(res.mid, m);
        }
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
      if (!m.mid || !m._serverMid) return Promise.resolve({ ok: false, error: "NOTFOUND", reason: "the message has no server id yet" });
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
            if (legacy === "Mesibo_OnMessage") l[legacy](args[0], args[0] ? utf8(args[0].message) : null);
            else l[legacy].apply(l, args);
          }
        } catch (e) {
          console.error("Hubbub: listener " + name + " threw", e);
        }
      }
    }
    /**
     * The message object for record `rec`: the one this tab already gave the app (updated in place),
     * else a new one. `how` (realtime, db, summary, last) describes this delivery; null keeps it.
     */
    _msg(rec, how) {
      if (rec._obj) {
        if (how) rec._obj._how(how);
        return rec._obj;
      }
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
      this._mySent.forEach(function(m) {
        if (m._serverMid && mirror.has(m.mid)) return;
        if (m.isDeleted()) return;
        out.push({
          mid: m.mid,
          cid: m.cid,
          dir: "out",
          peer: m.peer,
          gid: m.groupid,
          ts: m.ts,
          status: m.status,
          conv: convKey(m.peer, m.groupid),
          deleted: false,
          _obj: m
        });
      });
      return out;
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
      this._pending().forEach(function(r) {
        if (r.conv === conv) out.push(r);
      });
      out.sort(function(a, b) {
        return b.ts - a.ts || b.mid - a.mid;
      });
      return out;
    }
    _summary() {
      var latest = /* @__PURE__ */ new Map();
      var all = Array.from(this._mirror.values()).concat(this._pending());
      all.forEach(function(r) {
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
            mine.mid = rec.mid;
            mine._serverMid = true;
            this._objects.set(rec.mid, mine);
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
          if (Array.isArray(ev.mids)) {
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
            if (ev.mid) {
              own.mid = ev.mid;
              own._serverMid = true;
              this._objects.set(ev.mid, own);
            }
            this._reportOwnStatus(ev.cid, own);
            return;
          }
          var base = rec || { mid: ev.mid, cid: ev.cid, dir: ev.cid ? "out" : "in", peer: ev.peer, gid: ev.gid, status: ev.status, ts: ev.ts };
          m = this._msg(base, this._objects.has(ev.mid) ? null : { realtime: true });
          m.status = ev.status;
          this._emit("Mesibo_onMessageStatus", [m]);
          return;
        }
        case "update": {
          old = this._mirror.get(ev.mid) || null;
          rec = reduceRecord(old, ev);
          if (rec) this._mirror.set(ev.mid, rec);
          var known = this._objects.has(ev.mid);
          m = this._msg(rec || { mid: ev.mid, peer: ev.peer, gid: ev.gid, message: ev.message || "", dir: "in" }, known ? null : { realtime: true });
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
        case "group":
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
      var p = this.getProfile("", ev.gid), api = this;
      if (ev.name !== void 0) p.name = ev.name;
      if (ev.op === "removed" || ev.op === "delete") {
        p._members = null;
        this._emit("Mesibo_onGroupLeft", [p]);
        if (ev.op === "delete") this._emit("Mesibo_onGroupError", [p, C.MESIBO_GROUPERROR_DELETED]);
        this._emit("Mesibo_onProfileUpdated", [p]);
        return;
      }
      if (ev.op === "create" || ev.op === "joined") this._emit("Mesibo_onGroupJoined", [p]);
      var added = (ev.added || []).map(function(x) {
        return new MesiboGroupMember(api, x);
      });
      var removed = (ev.removed || []).map(function(a) {
        return new MesiboGroupMember(api, { address: a });
      });
      if (Array.isArray(p._members) && (added.length || removed.length)) {
        var drop = new Set(removed.concat(added).map(function(m) {
          return m.address;
        }));
        p._members = p._members.filter(function(m) {
          return !drop.has(m.address);
        }).concat(added);
        this._emit("Mesibo_onGroupMembers", [p, p._members]);
      }
      if (added.length) this._emit("Mesibo_onGroupMembersJoined", [p, added]);
      if (removed.length) this._emit("Mesibo_onGroupMembersRemoved", [p, removed]);
      this._emit("Mesibo_onProfileUpdated", [p]);
    }
    /** A failed group request: Mesibo_onGroupError(profile, MESIBO_GROUPERROR_*). */
    _groupError(p, res) {
      if (res && res.ok) return;
      var e = res && res.error;
      var code = e === "FORBIDDEN" ? C.MESIBO_GROUPERROR_PERMISSION : e === "NOTFOUND" ? C.MESIBO_GROUPERROR_DELETED : C.MESIBO_GROUPERROR_GENERAL;
      this._emit("Mesibo_onGroupError", [p, code]);
    }
    /**
     * An HTTP request object for the app's own server (mesibo's OTP login pages use it):
     * h.setUrl(url); h.setPostData(obj, true); h.send(cbdata, function (cbdata, text) {...}).
     * @returns {MesiboHttpRequest}
     */
    createhttpRequest() {
      return new MesiboHttpRequest();
    }
    _onPresence(f) {
      var addr = f.from || "";
      var p = this._profiles.get(convKey(addr, 0));
      if (!p) p = this.getProfile(addr, 0);
      var a = f.activity, gid = f.gid || 0;
      if (a === C.MESIBO_ACTIVITY_ONLINE || a === C.MESIBO_ACTIVITY_ONLINERESP) p._online = true;
      else if (a === 0) {
        p._online = false;
        p._lastseen = f.ts || Date.now();
        p._typingUntil = 0;
        p._typingIn.clear();
        p._chatting = false;
      } else if (a === C.MESIBO_ACTIVITY_TYPING) {
        if (gid) p._typingIn.set(gid, Date.now() + 1e4);
        else p._typingUntil = Date.now() + 1e4;
      } else if (a === C.MESIBO_ACTIVITY_TYPINGCLEARED) {
        if (gid) p._typingIn.delete(gid);
        else p._typingUntil = 0;
      } else if (a === C.MESIBO_ACTIVITY_JOINED && !gid) p._chatting = true;
      else if (a === C.MESIBO_ACTIVITY_LEFT && !gid) p._chatting = false;
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
        if (r.dir !== "in" || !r.mid || r.status === C.MESIBO_MSGSTATUS_RECEIVEDREAD) continue;
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
    eventParts,
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
    MesiboGroupMember,
    CallManager,
    MesiboDateTime,
    dateOrNull
  };
  Object.keys(C).forEach(function(k) {
    globalThis[k] = C[k];
  });
  globalThis.Mesibo = Mesibo;
  globalThis.MesiboReadSession = MesiboReadSession;
  globalThis.HubbubSDK = internals;
})();
if (typeof module === 'object' && module && module.exports) module.exports = globalThis.HubbubSDK;
