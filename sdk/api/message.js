import { C } from '../protocol/constants.js';
import { appIdFromCid } from '../protocol/records.js';
import { contentFromValue, fileView } from '../files/index.js';
import { MesiboDateTime, dateOrNull } from './datetime.js';
import { MesiboProfile } from './profile.js';

/**
 * A message: received, read from the store, or created with profile.newMessage(). One object per
 * message per tab: status changes, edits and deletions update the object the app already holds.
 * Fields: mid, id (the sender's id for messages this user sent, else the server mid), peer, groupid,
 * message, title, subtitle, footer, status, ts, expiry, flag/flags, type, origin, file fields; the
 * getters profile, groupProfile, date.
 */
export class MesiboMessage {
  constructor(api, rec, how) {
    this._api = api;
    rec = rec || {};
    this.mid = rec.mid || 0;
    this.cid = rec.cid || null;
    var own = rec.dir === 'out' ? appIdFromCid(rec.cid) : null;
    this.id = own !== null ? own : (rec.mid || 0);
    this._dir = rec.dir || 'out';
    this.peer = rec.peer || '';
    this.from = rec.from || '';
    this.groupid = rec.gid || 0;
    this.expiry = rec.expiry;
    this.subtitle = '';
    this.footer = '';
    this.data = null;
    this.latitude = -720;
    this.longitude = -720;
    this.refid = 0;
    this.presence = 0;
    this.launchurl = undefined;
    this._attempt = 0;
    this._blob = null;
    this._serverMid = !!rec.mid;
    this._how(how);
    this._update(rec);
  }
  /** Takes the stored record's current state (status, text, receipts, flags). */
  _update(rec) {
    if (rec.mid && (!this.mid || this._serverMid || rec.cid === this.cid)) { this.mid = rec.mid; this._serverMid = true; }
    this.message = rec.message || '';
    this.title = rec.title || '';
    this.status = rec.status === undefined ? C.MESIBO_MSGSTATUS_OUTBOX : rec.status;
    this.ts = rec.ts || this.ts || 0;
    this.flag = rec.flag === undefined ? C.MESIBO_FLAG_DEFAULT : rec.flag;
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
    this.file = fileView(this._api, file, this._local);   // on every message, empty without a file
    this.filetype = file ? (file.type || 0) : null;      // null without a file (the app tests != null)
    this.size = file ? (file.size || 0) : 0;
    this.filename = file ? (file.name || '') : '';
  }
  /** The file's URL (a stored file's signed URL, renewed as it ages). @returns {string} */
  get fileurl() { return this.file ? this.file.url : ''; }
  /** MESIBO_FLAG_* (mesibo's current name; `flag` is the older one). @type {number} */
  get flags() { return this.flag; }
  set flags(v) { this.flag = v; }
  /** MESIBO_ORIGIN_*: REALTIME, DBMESSAGE (read session) or DBSUMMARY (summary session). @type {number} */
  get origin() { return this._summary ? C.MESIBO_ORIGIN_DBSUMMARY : this._db ? C.MESIBO_ORIGIN_DBMESSAGE : C.MESIBO_ORIGIN_REALTIME; }
  /** MesiboDateTime of ts. @type {MesiboDateTime} */
  get date() { return new MesiboDateTime(this.ts || 0); }
  /**
   * The peer's profile: the sender of an incoming message, the recipient of an outgoing 1-to-1
   * message, the sending member in a group (the own profile for own group messages). The same object
   * as getProfile(address). null only for date rows.
   * @type {MesiboProfile}
   */
  get profile() {
    if (this._dateRow) return null;
    if (this.groupid) return this._dir === 'out' ? this._api.getSelfProfile() : this._api.getProfile(this.from || this.peer, 0);
    return this._api.getProfile(this.peer, 0);
  }
  /** The group's profile, null for 1-to-1 messages. @type {MesiboProfile|null} */
  get groupProfile() { return this.groupid ? this._api.getProfile('', this.groupid) : null; }
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
  /** Seconds the call was answered (0 for a missed or refused call). @returns {number} */
  getCallDuration() { return this._call ? (this._call.duration || 0) : 0; }
  /** @returns {number} the message id (mid) */ getMessageId() { return this.mid; }
  /** @returns {number} MESIBO_MSGSTATUS_* */ getStatus() { return this.status; }
  /** @returns {boolean} */ isDbSummaryMessage() { return this._summary; }
  /** @returns {boolean} */ isSent() { return this.status === C.MESIBO_MSGSTATUS_SENT || this.isDelivered(); }
  /** @returns {boolean} */ isInOutbox() { return this.status === C.MESIBO_MSGSTATUS_OUTBOX && this._dir === 'out'; }
  /** @returns {boolean} incoming and not read yet (RECEIVEDNEW) */ isUnread() { return this.status === C.MESIBO_MSGSTATUS_RECEIVEDNEW; }
  /** @returns {boolean} incoming and read by this user (RECEIVEDREAD) */ isReadByUs() { return this.status === C.MESIBO_MSGSTATUS_RECEIVEDREAD; }
  /** @returns {boolean} a wiped (recalled) message */ isWiped() { return this.status === C.MESIBO_MSGSTATUS_WIPED; }
  /** @returns {boolean} */ isVoiceCall() { return !!this._call && !this._call.video; }
  /** @returns {boolean} a date-separator row (status DATETIME), made by cloneDate() */ isDate() { return this.status === C.MESIBO_MSGSTATUS_DATETIME; }
  /**
   * A content message: false for date rows, call logs, presence and other markers (apps show those
   * as small centred text). @returns {boolean}
   */
  isMessage() {
    var s = this.status;
    if (this._dateRow || this._call || this.presence) return false;
    return s <= 3 || s === C.MESIBO_MSGSTATUS_RECEIVEDNEW || s === C.MESIBO_MSGSTATUS_RECEIVEDREAD || s > 0x7f ||
      s === C.MESIBO_MSGSTATUS_DELETED || s === C.MESIBO_MSGSTATUS_WIPED;
  }
  /** @returns {boolean} a presence signal (never for stored messages) */ isPresence() { return !!this.presence; }
  /** @returns {boolean} status CUSTOM */ isCustom() { return this.status === C.MESIBO_MSGSTATUS_CUSTOM; }
  /**
   * A date-separator row for this message's day: a new non-message object, status DATETIME, the same
   * ts and date. @returns {MesiboMessage}
   */
  cloneDate() {
    var d = new MesiboMessage(this._api, { dir: this._dir, peer: this.peer, gid: this.groupid, ts: this.ts, status: C.MESIBO_MSGSTATUS_DATETIME });
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
    return (profile.getAddress ? profile.getAddress() : '') === this.peer;
  }
  /** @returns {boolean} replies to another message (refid set) */ isReply() { return !!this.refid; }
  /** Sets the message this one replies to. @param {number} mid */ setInReplyTo(mid) { this.refid = mid || 0; }
  /** @returns {number} the mid this message replies to, 0 if none */ getInReplyTo() { return this.refid || 0; }
  /**
   * Has content beyond plain text (a file, a title or subtitle, a location); false when deleted.
   * @returns {boolean}
   */
  isRichMessage() {
    if (this.isDeleted()) return false;
    return this.hasFile() || !!this.title || !!this.subtitle || this.hasLocation();
  }
  /** @returns {boolean} !isRichMessage() */ isPlainMessage() { return !this.isRichMessage(); }
  /** @returns {boolean} true when the message carries a file */ hasFile() { return !!(this._file || this._blob); }
  _isType(t) { return !!this._file && (this._file.type || 0) === t; }
  /** @returns {boolean} */ hasImage() { return this._isType(C.MESIBO_FILETYPE_IMAGE); }
  /** @returns {boolean} */ hasVideo() { return this._isType(C.MESIBO_FILETYPE_VIDEO); }
  /** @returns {boolean} */ hasAudio() { return this._isType(C.MESIBO_FILETYPE_AUDIO); }
  /** @returns {boolean} a location (latitude/longitude set, or a LOCATION file) */
  hasLocation() { return (this.latitude !== -720 && this.longitude !== -720 && this.latitude !== undefined) || this._isType(C.MESIBO_FILETYPE_LOCATION); }
  /** @returns {boolean} a file that is not a picture, video, audio or location */
  hasDocument() { return !!this._file && [C.MESIBO_FILETYPE_IMAGE, C.MESIBO_FILETYPE_VIDEO, C.MESIBO_FILETYPE_AUDIO, C.MESIBO_FILETYPE_LOCATION].indexOf(this._file.type || 0) < 0; }
  /** @returns {boolean} */ hasThumbnail() { return !!(this._file && this._file.thumb); }
  /** A preview usable as <img src> (a data: URL), '' when none. @returns {string} */ getThumbnail() { return this._file && this._file.thumb || ''; }
  /** @returns {string} the file's name, else the last part of its URL ('' without a file) */
  getFileName() {
    if (this._blob && this._blob.name) return this._blob.name;
    if (!this._file) return '';
    if (this._file.name) return this._file.name;
    try { return decodeURIComponent(String(this._file.url || '').split('?')[0].split('/').pop() || ''); } catch (e) { return ''; }
  }
  /** @returns {number} bytes */ getFileSize() { return this._file && this._file.size || 0; }
  /** @returns {number} MESIBO_FILETYPE_* (null without a file) */ getFileType() { return this.filetype; }
  /** @returns {string} */ getMimeType() { return this._file && this._file.mime || ''; }
  /** @returns {string} the file's URL */ getFileUrl() { return this.fileurl; }
  /**
   * True while an own message can still be recalled with wipeAndRecall(): sent, not failed, not
   * deleted (Hubbub has no retraction interval). @returns {boolean}
   */
  mayBeRetracted() { return this._dir === 'out' && !this.isDeleted() && !this.isFailed() && !this._dateRow && !this._call; }
  /** The read session that delivered this message, null for live ones. @returns {MesiboReadSession|null} */
  getReadSession() { return this._session; }
  /** MesiboDateTime of the message's time. @returns {MesiboDateTime} */ getTimestamp() { return new MesiboDateTime(this.ts || 0); }
  /** The peer's (or group's) profile. @returns {MesiboProfile} */
  getProfile() { return this._api.getProfile(this.groupid ? '' : this.peer, this.groupid); }
  /** The sender's profile (for group messages the member who sent it). @returns {MesiboProfile} */
  getSenderProfile() { return this._api.getProfile(this._dir === 'out' ? this._api._selfAddress() : (this.from || this.peer), 0); }
  _receipt(peer, which) {
    if (this._dir !== 'out') return null;
    var r = this._receipts[peer || this.peer];
    if (!r && !peer && this.groupid) {
      // a group message without a member named: the first member's time
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
    if (typeof peer === 'function') { cb = peer; peer = null; }
    var v = this._receipt(peer, 'delivered');
    if (cb) cb(v);
    return v;
  }
  /**
   * Calls cb(date) with the MesiboDateTime `peer` read the message, or cb(null) when not read yet or
   * incoming. @param {string|null} peer @param {function(MesiboDateTime|null)} cb @returns {MesiboDateTime|null}
   */
  getReadTimestamp(peer, cb) {
    if (typeof peer === 'function') { cb = peer; peer = null; }
    var v = this._receipt(peer, 'read');
    if (cb) cb(v);
    return v;
  }
  /** Sets the file type of content set (or to be set) with setContent. @param {number} t MESIBO_FILETYPE_* */
  setContentType(t) { this.filetype = t; if (this._file) { this._file.type = t; this.file.type = t; } }
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
    f.subtitle = this.subtitle;
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
