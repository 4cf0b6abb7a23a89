import { C } from '../protocol/constants.js';
import { convKey } from '../protocol/records.js';
import { HAS_DOC } from './env.js';
import { profileImage, uploadPicture } from '../files/index.js';
import { MesiboMessage } from './message.js';
import { MesiboGroupMember } from './member.js';
import { MesiboReadSession } from './read-session.js';
import { dateOrNull } from './datetime.js';

/** Profile values the server publishes; any other key is kept in this browser only. */
var PUBLISHED = { name: 1, status: 1, picture: 1 };

/**
 * A user's or a group's profile: one object per user or group (getProfile(a, g) and m.profile
 * return the same instance). Get one with api.getProfile(address, groupid).
 */
export class MesiboProfile {
  constructor(api, address, gid) {
    this._api = api;
    this.address = gid ? '' : (address || '');
    this.groupid = gid || 0;
    this.name = '';
    this.status = '';
    this.picture = '';
    this._thumb = '';
    this._values = {};
    this._online = false;
    this._lastseen = 0;
    this._typingUntil = 0;
    this._typingIn = new Map();
    this._chatting = false;
    this._blocked = false;
    this._subscribed = false;
    this._contact = false;
    this._members = null;
    this._fetched = false;
    this._dirty = {};
  }
  /** @returns {string} */ getAddress() { return this.address; }
  /** @returns {number} */ getGroupId() { return this.groupid; }
  /** @returns {boolean} */ isGroup() { return this.groupid > 0; }
  /** @returns {boolean} */ isSelfProfile() { return !this.groupid && !!this.address && this.address === this._api._selfAddress(); }
  /**
   * The name; without one, what the listeners' Mesibo_onGetProfileName(profile) returns (mesibo's
   * fallback), else ''. @returns {string}
   */
  getName() { return this.name || this._api._fallbackName(this) || ''; }
  /** @param {string} [arg] (accepted; mesibo does not document it) @returns {string} the name, else the address */
  getNameOrAddress(arg) { return this.getName() || this.address || (this.groupid ? 'group ' + this.groupid : ''); }
  /** @returns {string} the status line */ getStatus() { return this.status; }
  _get(k) {
    if (k === 'image') k = 'picture';
    if (PUBLISHED[k]) return this[k];
    return this._values[k];
  }
  /** A value: "name", "status", "picture" or any key set with setString/setInt/... @param {string} k @param {string} [def] @returns {string} */
  getString(k, def) { var v = this._get(k); return v === undefined || v === null || v === '' ? (def === undefined ? '' : def) : String(v); }
  /** @param {string} k @param {number} [def] @returns {number} */
  getInt(k, def) { var v = parseInt(this._get(k), 10); return isNaN(v) ? (def || 0) : v; }
  /** @param {string} k @param {number} [def] @returns {number} */
  getLong(k, def) { return this.getInt(k, def); }
  /** @param {string} k @param {number} [def] @returns {number} */
  getDouble(k, def) { var v = parseFloat(this._get(k)); return isNaN(v) ? (def || 0) : v; }
  /** @param {string} k @param {boolean} [def] @returns {boolean} */
  getBoolean(k, def) { var v = this._get(k); return v === undefined || v === null || v === '' ? !!def : (v === true || v === 'true' || v === '1' || v === 1); }
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
    var fb = img.isEmpty() ? this._api._fallbackImage(this) : '';
    if (fb) img.getThumbnail = img.getImage = img.getImageOrThumbnail = img.getUrl = function () { return fb; };
    return img;
  }
  /** The picture's thumbnail (a data: URL), else its URL; '' without a picture. @returns {string} */
  getThumbnail() { return this.getImage().getThumbnail() || ''; }
  /** The picture's URL, else its thumbnail. @returns {string} */ getImageOrThumbnail() { return this.getImage().getImageOrThumbnail() || ''; }
  /** When the user was last online: a MesiboDateTime, null when never seen, online now, or a group. @returns {MesiboDateTime|null} */
  getLastSeen() { return this._online || this.groupid ? null : dateOrNull(this._lastseen); }
  /** @returns {boolean} */ isOnline() { return this._online; }
  /** @returns {boolean} typing to this user now (1-to-1) */ isTyping() { return this._typingUntil > Date.now(); }
  /** @param {number} gid @returns {boolean} this user is typing in group gid */
  isTypingInGroup(gid) { return (this._typingIn.get(Number(gid)) || 0) > Date.now(); }
  /** @returns {boolean} the user has this 1-to-1 chat open (sent joined, not left yet) */ isChatting() { return this._chatting; }
  /** @returns {boolean} */ isBlocked() { return this._blocked; }
  /** @returns {boolean} */ isSubscribed() { return this._subscribed; }
  /** @returns {boolean} marked as a contact with setContact */ isContact() { return this._contact; }
  /** @param {string} name */ setName(name) { this.name = name || ''; this._dirty.name = this.name; }
  /** @param {string} s */ setStatus(s) { this.status = s || ''; this._dirty.status = this.status; }
  /**
   * Sets a value: "name", "status" and "picture" are published by save(); other keys stay in this
   * browser (the server keeps only those three). @param {string} k @param {string} v
   */
  setString(k, v) {
    if (k === 'name') this.setName(v);
    else if (k === 'status') this.setStatus(v);
    else if (k === 'picture' || k === 'image') this.setImage(v);
    else this._values[k] = v === undefined || v === null ? '' : String(v);
  }
  /** @param {string} k @param {number} v */ setInt(k, v) { this.setString(k, String(Math.trunc(Number(v) || 0))); }
  /** @param {string} k @param {number} v */ setLong(k, v) { this.setInt(k, v); }
  /** @param {string} k @param {number} v */ setDouble(k, v) { this.setString(k, String(Number(v) || 0)); }
  /** @param {string} k @param {boolean} v */ setBoolean(k, v) { this.setString(k, v ? 'true' : 'false'); }
  /** Clears every value (before setting new ones); save() publishes the cleared name, status and picture. */
  reset() {
    this.name = ''; this.status = ''; this.picture = ''; this._values = {};
    this._dirty = { name: '', status: '', picture: '' };
  }
  /**
   * Sets the picture, published by save(): a File/Blob, the id of an <input type=file>, or a URL.
   * `index` (mesibo's several pictures per profile) is accepted; Hubbub keeps one picture.
   * @param {string|File|Blob} img @param {number} [index]
   */
  setImage(img, index) {
    var el = typeof img === 'string' && HAS_DOC ? document.getElementById(img) : null;
    if (el && el.files) { if (el.files[0]) this._dirty.pictureContent = el.files[0]; return; }
    if (typeof img === 'string') { this.picture = img; this._dirty.picture = img; return; }
    if (img) this._dirty.pictureContent = img;
  }
  /** Unread incoming messages of this conversation; cb(n) too. @param {function(number)} [cb] @returns {number} */
  getUnreadCount(cb) {
    var n = this._api._unreadCount(convKey(this.address, this.groupid));
    if (typeof cb === 'function') cb(n);
    return n;
  }
  /** Native name of getUnreadCount(). @returns {number} */ getUnreadMessageCount() { return this.getUnreadCount(); }
  /**
   * Deletes this conversation's messages for this user (every tab and device of the user; the peer
   * keeps its copy). Resolves when the server has done it.
   * @param {number} [ts] only messages up to this time (ms), all when absent
   * @returns {Promise<number>} how many were deleted
   */
  deleteMessages(ts) {
    var api = this._api;
    var list = api._conversation(convKey(this.address, this.groupid)).filter(function (r) { return r.mid && (!ts || r.ts <= ts); });
    return Promise.all(list.map(function (r) { return api._request({ t: 'delete', mid: r.mid }); })).then(function (res) {
      return res.filter(function (x) { return x && x.ok; }).length;
    });
  }
  /**
   * Deletes this conversation's messages older than `sec` seconds (mesibo's native name; see
   * deleteMessages). @param {number} sec @returns {Promise<number>} how many were deleted
   */
  deleteMessagesOlderThan(sec) { return this.deleteMessages(Date.now() - Math.max(0, Number(sec) || 0) * 1000); }
  /** Marks this user as a contact (local only). @param {boolean} on */ setContact(on) { this._contact = on !== false; }
  /**
   * Saves changes: the own profile (name, status, picture) or a group's name (admins).
   * @returns {Promise<object>} the server's answer
   */
  save() {
    var d = this._dirty, self = this, api = this._api;
    this._dirty = {};
    if (this.groupid) {
      return api._request(Object.assign({ t: 'group_set', gid: this.groupid }, d.name !== undefined ? { name: d.name } : {})).then(function (res) {
        api._emit('MesiboProfile_onPublish', [self, !!(res && res.ok)]);
        return res;
      });
    }
    if (!this.isSelfProfile() && this.address) return Promise.resolve({ ok: true, local: true });  // local settings (contact, block) only
    var content = d.pictureContent;
    delete d.pictureContent;
    // a picture File is uploaded first (made a thumbnail of on the server), then published by id
    var ready = content ? uploadPicture(api, content).then(function (id) { if (id) d.picture = id; }) : Promise.resolve();
    return ready.then(function () { return api._request(Object.assign({ t: 'profile' }, d)); }, function (e) {
      return { ok: false, error: (e && e.error) || 'UPLOAD', reason: (e && e.reason) || String(e) };
    }).then(function (res) {
      api._emit('MesiboProfile_onPublish', [self, !!res.ok]);
      return res;
    });
  }
  /** Get profile changes and online/offline presence of this user. @param {boolean} on */
  subscribe(on) {
    this._subscribed = on !== false;
    return this._api._request({ t: 'subscribe', address: this.address, on: this._subscribed });
  }
  /** Blocks (or unblocks) this user: its messages to you fail with BLOCKED. @param {boolean} on */
  block(on) {
    this._blocked = on !== false;
    return this._api._request({ t: 'block', address: this.address, on: this._blocked });
  }
  /** A new outgoing message to this profile; set .message/.title, then .send(). @returns {MesiboMessage} */
  newMessage() {
    var m = new MesiboMessage(this._api, { dir: 'out', peer: this.address, gid: this.groupid, status: C.MESIBO_MSGSTATUS_OUTBOX });
    m.id = 0;
    return m;
  }
  /** Sends a text message. @param {number} id from api.random() @param {string} text @returns {number} */
  sendMessage(id, text) {
    var m = this.newMessage();
    m.id = id || this._api.random();
    m.message = text || '';
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
    m.message = opts.message || '';
    m.title = opts.title || '';
    m.filetype = opts.filetype || 0;
    m.setContent(opts.file || opts.fileurl);
    if (opts.filetype) m.setContentType(opts.filetype);
    if (m._file) m._setFile(m._file);
    return m.send();
  }
  /** Sends typing. */ sendTyping() { this._api._presence(this, C.MESIBO_ACTIVITY_TYPING); }
  /** Sends typing cleared. */ sendTypingCleared() { this._api._presence(this, C.MESIBO_ACTIVITY_TYPINGCLEARED); }
  /** Sends joined (the user opened this conversation). */ sendJoined() { this._api._presence(this, C.MESIBO_ACTIVITY_JOINED); }
  /** Sends left. */ sendLeft() { this._api._presence(this, C.MESIBO_ACTIVITY_LEFT); }
  /** Sends online. */ sendOnline() { this._api._presence(this, C.MESIBO_ACTIVITY_ONLINE); }
  /** A read session over this conversation's stored messages. @param {object} listener @returns {MesiboReadSession} */
  createReadSession(listener) { return new MesiboReadSession(this._api, { peer: this.address, gid: this.groupid }, listener); }
  /**
   * Legacy: calls cb(messages) with this conversation's stored messages, newest first.
   * @param {object} query (unused; kept for compatibility) @param {function(MesiboMessage[])} cb
   */
  readDbSession(query, cb) {
    if (typeof query === 'function') cb = query;
    var api = this._api;
    var list = api._conversation(convKey(this.address, this.groupid)).map(function (r) { return api._msg(r, { db: true }); });
    if (list.length) list[list.length - 1]._last = true;
    if (cb) cb(list);
    return list.length;
  }
  /** The group profile (this profile for groups, null otherwise). @returns {MesiboProfile|null} */
  getGroupProfile() { return this.groupid ? this : null; }
  /**
   * Adds members to this group (admins). @param {string[]|string} addresses
   * @param {number} flags MESIBO_MEMBERFLAG_* @param {number} adminFlags non-zero to make them admins
   */
  addMembers(addresses, flags, adminFlags) {
    if (typeof addresses === 'string') addresses = addresses.split(',');
    var self = this;
    return this._api._request({ t: 'group_members', gid: this.groupid, add: addresses, flags: flags === undefined ? C.MESIBO_MEMBERFLAG_ALL : flags, admin: !!adminFlags })
      .then(function (res) { self._api._groupError(self, res); return res; });
  }
  /** Removes members from this group (admins; anyone may remove itself). @param {string[]|string} addresses */
  removeMembers(addresses) {
    if (typeof addresses === 'string') addresses = addresses.split(',');
    var self = this;
    return this._api._request({ t: 'group_members', gid: this.groupid, remove: addresses })
      .then(function (res) { self._api._groupError(self, res); return res; });
  }
  /**
   * Fetches the members; calls listener.Mesibo_onGroupMembers(profile, members), or listener(profile,
   * members) when it is a function, else the api listeners'.
   * @param {number} count 0 = all @param {boolean} restart (accepted; every call starts from the first) @param {object|function} listener
   */
  getMembers(count, restart, listener) {
    var self = this, api = this._api;
    return api._request({ t: 'group_get', gid: this.groupid }).then(function (res) {
      if (!res.ok || !res.group) { api._groupError(self, res.ok ? { ok: false, error: 'NOTFOUND' } : res); return []; }
      var members = (res.group.members || []).map(function (m) { return new MesiboGroupMember(api, m); });
      if (count > 0) members = members.slice(0, count);
      self._members = members;
      if (res.group.name !== undefined) self.name = res.group.name;
      if (typeof listener === 'function') listener(self, members);
      else if (listener && typeof listener.Mesibo_onGroupMembers === 'function') listener.Mesibo_onGroupMembers(self, members);
      else api._emit('Mesibo_onGroupMembers', [self, members]);
      return members;
    });
  }
  /** Leaves this group. */ leave() { return this.removeMembers([this._api._selfAddress()]); }
  /** Deletes this group (admins); Mesibo_onGroupError(profile, PERMISSION) when not allowed. @returns {Promise<object>} */
  deleteGroup() {
    var self = this;
    return this._api._request({ t: 'group_delete', gid: this.groupid }).then(function (res) { self._api._groupError(self, res); return res; });
  }
}
