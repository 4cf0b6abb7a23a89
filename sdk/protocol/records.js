/**
 * The local message record: how a server `msg` event (or a history message) becomes a stored
 * record, and how later events (status, update) change it. Pure functions, no I/O.
 */
import { C } from './constants.js';

/** The id the app sees for a message: its own id for messages this user sent, else the server mid. */
export function appIdFromCid(cid) {
  if (typeof cid !== 'string') return null;
  var base = cid.split('.')[0];
  if (/^[0-9]{1,16}$/.test(base)) {
    var n = Number(base);
    if (Number.isSafeInteger(n)) return n;
  }
  return null;
}

export function convKey(peer, gid) {
  return gid ? 'g:' + gid : 'u:' + (peer || '');
}

/** A stored message record built from a `msg` event or a history message. */
export function recordFromMsg(ev) {
  var out = ev.dir === 'out';
  var status = ev.status;
  if (out) {
    if (status === undefined || status === null) status = C.MESIBO_MSGSTATUS_SENT;
  } else if (!(status >= 0x12)) {
    status = C.MESIBO_MSGSTATUS_RECEIVEDNEW;
  }
  var peer = out ? (ev.peer || '') : (ev.from || ev.peer || '');
  var rec = {
    mid: ev.mid, cid: ev.cid || null, dir: out ? 'out' : 'in', from: ev.from || '', peer: peer,
    gid: ev.gid || 0, message: ev.message || '', title: ev.title || '', flag: ev.flag === undefined ? C.MESIBO_FLAG_DEFAULT : ev.flag,
    expiry: ev.expiry === undefined ? 0 : ev.expiry, type: ev.type || 0, file: ev.file || null,
    status: status, ts: ev.ts || 0, fwd: !!ev.fwd, seq: ev.seq || 0, conv: convKey(out ? ev.peer : (ev.from || ev.peer), ev.gid),
    receipts: {}, edited: false, deleted: false, recalled: false
  };
  if (ev.call) rec.call = ev.call;
  if (ev.deleted) rec.deleted = true;
  if (ev.recalled) { rec.recalled = true; rec.status = C.MESIBO_MSGSTATUS_WIPED; }
  return rec;
}

/**
 * The events, one per message, that server event `ev` stands for: a DELIVERED status of several
 * 1:1 messages that one recipient acknowledged together lists them in `mids` and `cids`
 * (docs/protocol.md); each part is that status for one of them, with the event's `seq`. Any other
 * event stands for itself.
 */
export function eventParts(ev) {
  if (ev.k !== 'status' || !Array.isArray(ev.mids)) return [ev];
  var cids = Array.isArray(ev.cids) ? ev.cids : [];
  var out = [];
  for (var i = 0; i < ev.mids.length; i++) {
    var part = Object.assign({}, ev, { mid: ev.mids[i], cid: cids[i] === undefined ? null : cids[i] });
    delete part.mids;
    delete part.cids;
    out.push(part);
  }
  return out;
}

/**
 * The message record after applying event `ev` to `rec` (which may be null).
 * Returns the new record, or null when the event does not touch a stored message.
 * Idempotent: applying the same event twice gives the same record.
 */
export function reduceRecord(rec, ev) {
  if (ev.k === 'msg') return rec ? rec : recordFromMsg(ev);
  if (!rec) return null;
  var r = Object.assign({}, rec, { receipts: Object.assign({}, rec.receipts || {}) });
  if (ev.k === 'status') {
    var s = ev.status;
    if (s === C.MESIBO_MSGSTATUS_RECEIVEDREAD) {
      r.status = s;
    } else if (r.dir === 'out') {
      // one recipient in `peer`, or a group's members acknowledged together in `peers`
      var peers = ev.peers || (ev.peer ? [ev.peer] : []);
      for (var i = 0; i < peers.length; i++) {
        var pr = Object.assign({}, r.receipts[peers[i]] || {});
        if (s === C.MESIBO_MSGSTATUS_DELIVERED && !pr.delivered) pr.delivered = ev.ts || 1;
        if (s === C.MESIBO_MSGSTATUS_READ) { pr.read = ev.ts || 1; if (!pr.delivered) pr.delivered = ev.ts || 1; }
        if (s > 0x7f) pr.failed = s;
        r.receipts[peers[i]] = pr;
      }
      if (s > 0x7f) r.status = s;
      else if (r.status <= 0x7f && s > r.status) r.status = s;
    }
    return r;
  }
  if (ev.k === 'update') {
    if (ev.op === 'edit') { r.message = ev.message || ''; r.edited = true; }
    else if (ev.op === 'delete') { r.deleted = true; r.status = C.MESIBO_MSGSTATUS_DELETED; }
    else if (ev.op === 'recall') { r.recalled = true; r.message = ''; r.title = ''; r.file = null; r.status = C.MESIBO_MSGSTATUS_WIPED; }
    return r;
  }
  return null;
}
