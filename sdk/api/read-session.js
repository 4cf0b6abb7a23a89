import { convKey, recordFromMsg } from '../protocol/records.js';
import { legacyName } from './env.js';
import { Mesibo } from './mesibo.js';

/**
 * Reads stored messages of a conversation (or the latest message of every conversation for a
 * summary session) and fetches older ones from the server.
 */
export class MesiboReadSession {
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
  enableReadReceipt(on) { this._receipts = on !== false; if (this._receipts) this._api._flushReads(); }
  /** @returns {boolean} */ isReadReceiptEnabled() { return this._receipts; }
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
    batch.forEach(function (rec, i) {
      var m = api._msg(rec, { db: true, last: i === batch.length - 1 });
      self._deliver('Mesibo_onMessage', [m]);
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
    if (this._summary) { api._later(function () { self._deliver('Mesibo_onSync', [0]); }); return; }
    var conv = api._conversation(convKey(this._filter.peer, this._filter.gid));
    var before = 0;
    conv.forEach(function (r) { if (r.mid && (!before || r.mid < before)) before = r.mid; });
    var frame = { t: 'history', peer: this._filter.peer || '', gid: this._filter.gid || 0, limit: k || 50 };
    if (before) frame.before = before;
    api._request(frame).then(function (res) {
      var msgs = res.ok && Array.isArray(res.messages) ? res.messages : [];
      return api._storeHistory(msgs.map(recordFromMsg));
    }).then(function (added) {
      self._deliver('Mesibo_onSync', [added ? added.length : 0]);
    });
  }
  /** Stops this session (no more read receipts from it). */
  stop() { this._stopped = true; this._api._readSessions.delete(this); }
  _deliver(name, args) {
    var l = this._listener;
    var fn = l && (l[name] || l[legacyName(name)]);
    if (fn) { try { fn.apply(l, args); } catch (e) { console.error(e); } }
    else this._api._emit(name, args);
  }
}
