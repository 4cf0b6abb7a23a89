import { convKey, recordFromMsg } from '../protocol/records.js';
import { legacyName, utf8 } from './env.js';
import { Mesibo } from './mesibo.js';

/** True when record a comes before record b, newest first (the store's reading order). */
function newer(a, b) { return a.ts > b.ts || (a.ts === b.ts && a.mid > b.mid); }

/**
 * Reads stored messages of a conversation (or the latest message of every conversation for a
 * summary session) and fetches older ones from the server (sync).
 */
export class MesiboReadSession {
  constructor(api, filter, listener, summary) {
    this._api = api;
    this._filter = filter;
    this._listener = listener || null;
    this._summary = !!summary;
    this._receipts = false;
    this._fifo = false;
    this._cursor = null;     // the oldest record delivered so far: read() continues below it
    this._stopped = false;
    this._convBefore = 0;    // summary sync: the chat list continues below this mid
    this._convDone = false;  // summary sync: the server has no more conversations
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
  enableReadReceipt(on) { this._receipts = on !== false; if (this._receipts) this._api._flushReads(); }
  /** @returns {boolean} */ isReadReceiptEnabled() { return this._receipts; }
  /** Oldest first instead of newest first. @param {boolean} on */ enableFifo(on) { this._fifo = on !== false; }
  /** Include file messages (default on). @param {boolean} on */ enableFiles(on) { this._kinds.files = on !== false; }
  /** Include text messages (default on). @param {boolean} on */ enableMessages(on) { this._kinds.messages = on !== false; }
  /** Include call records (default on). @param {boolean} on */ enableCalls(on) { this._kinds.calls = on !== false; }
  /** Include missed calls (default on). @param {boolean} on */ enableMissedCalls(on) { this._kinds.missed = on !== false; }
  /** Include incoming calls (default on). @param {boolean} on */ enableIncomingCalls(on) { this._kinds.incoming = on !== false; }
  /** Include outgoing calls (default on). @param {boolean} on */ enableOutgoingCalls(on) { this._kinds.outgoing = on !== false; }
  /** Legacy: turn this session into the summary session. @param {boolean} on */ enableSummary(on) { this._summary = on !== false; this._cursor = null; }
  /** Only messages whose text contains `q` (case-insensitive); '' or null for all. @param {string} q */
  setQuery(q) { this._query = q ? String(q).toLowerCase() : null; this._cursor = null; }
  _keep(r) {
    if (r.call) {
      if (!this._kinds.calls) return false;
      if (r.call.missed && !this._kinds.missed) return false;
      if (r.dir === 'in' && !this._kinds.incoming) return false;
      if (r.dir === 'out' && !this._kinds.outgoing) return false;
    } else if (r.file ? !this._kinds.files : !this._kinds.messages) return false;
    if (this._query && ((r.message || '') + ' ' + (r.title || '')).toLowerCase().indexOf(this._query) < 0) return false;
    return true;
  }
  /** The session's records, newest first. */
  _list() {
    var self = this;
    var all = this._summary ? this._api._summary() : this._api._conversation(convKey(this._filter.peer, this._filter.gid));
    return all.filter(function (r) { return self._keep(r); });
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
    var rest = this._list().filter(function (r) { return !cur || newer(cur, r); });
    var want = n > 0 ? n : rest.length;
    var batch = rest.slice(0, want);
    if (batch.length) this._cursor = batch[batch.length - 1];
    var api = this._api, self = this;
    var out = this._fifo ? batch.slice().reverse() : batch;
    out.forEach(function (rec, i) {
      var m = api._msg(rec, { db: true, summary: self._summary, last: i === out.length - 1, session: self });
      self._deliver('Mesibo_onMessage', [m]);
    });
    // read() without a count delivers everything left, so the store has run out then too
    if (!(n > 0) || batch.length < want) this._deliver('Mesibo_onMessage', [null]);
    if (this._receipts && !this._summary) api._markRead(batch);
    if (this._onRead) { try { this._onRead.call(this, batch.length); } catch (e) { console.error(e); } }
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
    if (!this._summary) list = list.filter(function (r) { return cur && !newer(cur, r); });
    return list.map(function (r) {
      var known = r._obj || (r.mid && api._objects.has(r.mid));
      return api._msg(r, known ? null : { db: true, summary: self._summary, session: self });
    });
  }
  /**
   * Unread (RECEIVEDNEW) incoming messages of the conversation (of every conversation for a summary
   * session); cb(n) too. @param {function(number)} [cb] @returns {number}
   */
  getUnreadCount(cb) {
    var n = this._api._unreadCount(this._summary ? null : convKey(this._filter.peer, this._filter.gid));
    if (typeof cb === 'function') cb(n);
    return n;
  }
  /** Native name of getUnreadCount(). @returns {number} */ getUnreadMessageCount() { return this.getUnreadCount(); }
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
    var done = function (count) {
      if (typeof listener === 'function') { try { listener.call(self, count); } catch (e) { console.error(e); } }
      else self._deliver('Mesibo_onSync', [self, count], listener);
      return count;
    };
    if (this._summary) {
      if (this._convDone) return new Promise(function (r) { api._later(function () { r(done(0)); }); });
      var ask = { t: 'conversations', limit: n > 0 ? n : 50 };
      if (this._convBefore) ask.before = this._convBefore;
      return api._request(ask).then(function (res) {
        var msgs = res.ok && Array.isArray(res.messages) ? res.messages : [];
        if (msgs.length) self._convBefore = msgs[msgs.length - 1].mid;
        if (res.ok && !res.more) self._convDone = true;
        return api._storeHistory(msgs.map(recordFromMsg));
      }).then(function (added) { return done(added ? added.length : 0); });
    }
    var conv = api._conversation(convKey(this._filter.peer, this._filter.gid));
    var before = 0;
    conv.forEach(function (r) { if (r.mid && r._obj === undefined && (!before || r.mid < before)) before = r.mid; });
    var frame = { t: 'history', peer: this._filter.peer || '', gid: this._filter.gid || 0, limit: n > 0 ? n : 50 };
    if (before) frame.before = before;
    return api._request(frame).then(function (res) {
      var msgs = res.ok && Array.isArray(res.messages) ? res.messages : [];
      return api._storeHistory(msgs.map(recordFromMsg));
    }).then(function (added) { return done(added ? added.length : 0); });
  }
  /** Stops this session (no more read receipts from it). */
  stop() { this._stopped = true; this._api._readSessions.delete(this); }
  _deliver(name, args, to) {
    var l = to || this._listener;
    var fn = l && l[name];
    if (!fn && l && typeof l[legacyName(name)] === 'function') {
      fn = l[legacyName(name)];
      // the legacy Mesibo_OnMessage(m, data) also gets the text's bytes, as the api listeners do
      if (name === 'Mesibo_onMessage') args = [args[0], args[0] ? utf8(args[0].message) : null];
    }
    if (fn) { try { fn.apply(l, args); } catch (e) { console.error(e); } }
    else this._api._emit(name, args);
  }
}
