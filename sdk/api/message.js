import { C } from '../protocol/constants.js';
import { appIdFromCid } from '../protocol/records.js';
import { contentFromValue, fileView } from '../files/index.js';
import { MesiboProfile } from './profile.js';

/**
 * A message. Fields: id (the sender's id for messages this user sent, else the server mid),
 * mid, peer, groupid, message, title, status, ts, expiry, flag, type, file fields.
 */
export class MesiboMessage {
  constructor(api, rec, how) {
    this._api = api;
    rec = rec || {};
    how = how || {};
    this.mid = rec.mid || 0;
    this.cid = rec.cid || null;
    var own = rec.dir === 'out' ? appIdFromCid(rec.cid) : null;
    this.id = own !== null ? own : (rec.mid || 0);
    this._dir = rec.dir || 'out';
    this.peer = rec.peer || '';
    this.from = rec.from || '';
    this.groupid = rec.gid || 0;
    this.message = rec.message || '';
    this.title = rec.title || '';
    this.status = rec.status === undefined ? C.MESIBO_MSGSTATUS_OUTBOX : rec.status;
    this.ts = rec.ts || 0;
    this.expiry = rec.expiry;
    this.flag = rec.flag === undefined ? C.MESIBO_FLAG_DEFAULT : rec.flag;
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
    this.file = fileView(this._api, file, this._local);   // on every message, empty without a file
    this.filetype = file ? (file.type || 0) : null;      // null without a file (the app tests != null)
    this.size = file ? (file.size || 0) : 0;
    this.filename = file ? (file.name || '') : '';
  }
  /** The file's URL (a stored file's signed URL, renewed as it ages). @returns {string} */
  get fileurl() { return this.file ? this.file.url : ''; }
  /** @returns {boolean} */ isIncoming() { return this._dir === 'in'; }
  /** @returns {boolean} */ isOutgoing() { return this._dir === 'out'; }
  /** @returns {boolean} */ isGroupMessage() { return this.groupid > 0; }
  /** @returns {boolean} true for a message that arrived live (not read from the database) */ isRealtimeMessage() { return this._realtime; }
  /** @returns {boolean} true for a message delivered by a read session */ isDbMessage() { return this._db; }
  /** @returns {boolean} true for the last message of a read batch */ isLastMessage() { return this._last; }
  /** @returns {boolean} */ isFailed() { return this.status > 0x7f; }
  /** @returns {boolean} */ isReadByPeer() { return this.status === C.MESIBO_MSGSTATUS_READ; }
  /** @returns {boolean} */ isDelivered() { return this.status === C.MESIBO_MSGSTATUS_DELIVERED || this.status === C.MESIBO_MSGSTATUS_READ; }
  /** @returns {boolean} */ isDeleted() { return this._deleted || this.status === C.MESIBO_MSGSTATUS_DELETED || this.status === C.MESIBO_MSGSTATUS_WIPED; }
  /** @returns {boolean} */ isModified() { return this._edited; }
  /** @returns {boolean} */ isForwarded() { return this._fwd || !!(this.flag & C.MESIBO_FLAG_FORWARDED); }
  /** @returns {boolean} */ isCall() { return !!this._call; }
  /** @returns {boolean} */ isMissedCall() { return !!this._call && (!!this._call.missed || this.status === C.MESIBO_MSGSTATUS_CALLMISSED); }
  /** @returns {boolean} */ isIncomingCall() { return !!this._call && this._dir === 'in'; }
  /** @returns {boolean} */ isOutgoingCall() { return !!this._call && this._dir === 'out'; }
  /** @returns {boolean} */ isVideoCall() { return !!this._call && !!this._call.video; }
  /** @returns {boolean} */ isVoiceCall() { return !!this._call && !this._call.video; }
  /** Seconds the call was answered (0 for a missed or refused call). @returns {number} */
  getCallDuration() { return this._call ? (this._call.duration || 0) : 0; }
  /** True for a content message; false for call records. @returns {boolean} */ isMessage() { return !this._call; }
  /** @returns {boolean} true when the message carries a file */ hasFile() { return !!(this._file || this._blob); }
  _isType(t) { return !!this._file && (this._file.type || 0) === t; }
  /** @returns {boolean} */ hasImage() { return this._isType(C.MESIBO_FILETYPE_IMAGE); }
  /** @returns {boolean} */ hasVideo() { return this._isType(C.MESIBO_FILETYPE_VIDEO); }
  /** @returns {boolean} */ hasAudio() { return this._isType(C.MESIBO_FILETYPE_AUDIO); }
  /** @returns {boolean} */ hasLocation() { return this._isType(C.MESIBO_FILETYPE_LOCATION); }
  /** @returns {boolean} a file that is not a picture, video, audio or location */
  hasDocument() { return !!this._file && [C.MESIBO_FILETYPE_IMAGE, C.MESIBO_FILETYPE_VIDEO, C.MESIBO_FILETYPE_AUDIO, C.MESIBO_FILETYPE_LOCATION].indexOf(this._file.type || 0) < 0; }
  /** @returns {boolean} */ hasThumbnail() { return !!(this._file && this._file.thumb); }
  /** A preview usable as <img src> (a data: URL), '' when none. @returns {string} */ getThumbnail() { return this._file && this._file.thumb || ''; }
  /** @returns {string} */ getFileName() { return this._file && this._file.name || ''; }
  /** @returns {number} bytes */ getFileSize() { return this._file && this._file.size || 0; }
  /** @returns {number} MESIBO_FILETYPE_* (null without a file) */ getFileType() { return this.filetype; }
  /** @returns {string} */ getMimeType() { return this._file && this._file.mime || ''; }
  /** @returns {string} the file's URL */ getFileUrl() { return this.fileurl; }
  /** True for a message with content beyond text (a file, a title), false once deleted. @returns {boolean} */
  isRichMessage() { return !this.isDeleted() && !!(this._file || this._blob || this.title); }
  /** Sets the file type of content set (or to be set) with setContent. @param {number} t MESIBO_FILETYPE_* */
  setContentType(t) { this.filetype = t; if (this._file) this._file.type = t; }
  /** @returns {number} ms since the epoch */ getTimestamp() { return this.ts; }
  /** The peer's (or group's) profile. @returns {MesiboProfile} */
  getProfile() { return this._api.getProfile(this.groupid ? '' : this.peer, this.groupid); }
  /** The sender's profile (for group messages the member who sent it). @returns {MesiboProfile} */
  getSenderProfile() { return this._api.getProfile(this._dir === 'out' ? this._api._selfAddress() : (this.from || this.peer), 0); }
  /**
   * Calls cb(ts) with the time `peer` got the message (0 if not yet). Without a peer: the 1:1 peer.
   * @param {string} peer @param {function(number)} cb
   */
  getDeliveryTimestamp(peer, cb) {
    if (typeof peer === 'function') { cb = peer; peer = null; }
    var r = this._receipts[peer || this.peer] || {};
    var v = r.delivered || 0;
    if (cb) cb(v);
    return v;
  }
  /** Calls cb(ts) with the time `peer` read the message (0 if not yet). @param {string} peer @param {function(number)} cb */
  getReadTimestamp(peer, cb) {
    if (typeof peer === 'function') { cb = peer; peer = null; }
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
    if (c && c.blob) { this._blob = c.blob; this._file = null; }
    else if (c && c.file) this._setFile(c.file);
  }
  /** Sends this message (new messages from profile.newMessage()). @returns {number} the message id */
  send() { return this._api._sendMessageObject(this); }
  /** Sends a failed message again (same id). @returns {number} */
  resend() { this._attempt++; return this._api._sendMessageObject(this); }
  /**
   * A copy of this message addressed to `to` (an address, a group id, or a profile), marked forwarded;
   * call .send() on it.
   * @param {string|number|MesiboProfile} to @returns {MesiboMessage}
   */
  forward(to) {
    var f = new MesiboMessage(this._api, { dir: 'out', message: this.message, title: this.title, file: this._file, flag: this.flag | C.MESIBO_FLAG_FORWARDED, type: this.type, fwd: true });
    if (to instanceof MesiboProfile) { f.peer = to.getAddress(); f.groupid = to.getGroupId(); }
    else if (typeof to === 'number') f.groupid = to;
    else f.peer = String(to);
    f.id = 0;
    f._blob = this._blob;
    return f;
  }
  /** Deletes the message from this user's devices and tabs. @returns {Promise<object>} */
  delete() { return this._api._messageOp('delete', this); }
  /** Wipes the message for everyone (own messages). @returns {Promise<object>} */
  wipeAndRecall() { return this._api._messageOp('recall', this); }
  /** Replaces the text of an own message for everyone (Hubbub addition). @param {string} text @returns {Promise<object>} */
  edit(text) { return this._api._messageOp('edit', this, text); }
}
