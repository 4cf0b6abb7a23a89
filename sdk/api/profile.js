import { C } from '../protocol/constants.js';
import { convKey } from '../protocol/records.js';
import { HAS_DOC } from './env.js';
import { profileImage, uploadPicture } from '../files/index.js';
import { MesiboMessage } from './message.js';
import { MesiboGroupMember } from './member.js';
import { MesiboReadSession } from './read-session.js';

/** A user's or a group's profile. Get one with api.getProfile(address, groupid). */
export class MesiboProfile {
  constructor(api, address, gid) {
    this._api = api;
    this.address = gid ? '' : (address || '');
    this.groupid = gid || 0;
    this.name = '';
    this.status = '';
    this.picture = '';
    this._thumb = '';
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
  /** @returns {string} */ getAddress() { return this.address; }
  /** @returns {number} */ getGroupId() { return this.groupid; }
  /** @returns {boolean} */ isGroup() { return this.groupid > 0; }
  /** @returns {boolean} */ isSelfProfile() { return !this.groupid && !!this.address && this.address === this._api._selfAddress(); }
  /** @returns {string} */ getName() { return this.name; }
  /** @returns {string} the name, else the address */ getNameOrAddress() { return this.name || this.address || (this.groupid ? 'group ' + this.groupid : ''); }
  /** @returns {string} */ getStatus() { return this.status; }
  /** @returns {string} a string field ("name", "status", "picture") */ getString(k) { return this[k === 'image' ? 'picture' : k] || ''; }
  /** The picture object (never null; isEmpty() without a picture). @returns {object} */ getImage() { return profileImage(this); }
  /** The picture's thumbnail (a data: URL), else its URL; '' without a picture. @returns {string} */
  getThumbnail() { return profileImage(this).getThumbnail() || ''; }
  /** The picture's URL, else its thumbnail. @returns {string} */ getImageOrThumbnail() { return profileImage(this).getImageOrThumbnail() || ''; }
  /** @returns {number} ms since the epoch the user was last online; 0 when online or unknown */ getLastSeen() { return this._online ? 0 : this._lastseen; }
  /** @returns {boolean} */ isOnline() { return this._online; }
  /** @returns {boolean} */ isTyping() { return this._typingUntil > Date.now(); }
  /** @returns {boolean} */ isBlocked() { return this._blocked; }
  /** @returns {boolean} */ isSubscribed() { return this._subscribed; }
  /** @param {string} name */ setName(name) { this.name = name || ''; this._dirty.name = this.name; }
  /** @param {string} s */ setStatus(s) { this.status = s || ''; this._dirty.status = this.status; }
  /** @param {string} k "name" | "status" | "picture" @param {string} v */
  setString(k, v) { if (k === 'name') this.setName(v); else if (k === 'status') this.setStatus(v); else if (k === 'picture' || k === 'image') this.setImage(v); }
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
  /** Marks this user as a contact (local only). @param {boolean} on */ setContact(on) { this._contact = on !== false; }
  /**
   * Saves changes: the own profile (name, status, picture) or a group's name (admins).
   * @returns {Promise<object>} the server's answer
   */
  save() {
    var d = this._dirty;
    this._dirty = {};
    if (this.groupid) return this._api._request(Object.assign({ t: 'group_set', gid: this.groupid }, d.name !== undefined ? { name: d.name } : {}));
    if (!this.isSelfProfile() && this.address) return Promise.resolve({ ok: false, error: 'FORBIDDEN', reason: 'only the own profile can be saved' });
    var self = this;
    var api = this._api;
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
    return this._api._request({ t: 'group_members', gid: this.groupid, add: addresses, flags: flags === undefined ? C.MESIBO_MEMBERFLAG_ALL : flags, admin: !!adminFlags });
  }
  /** Removes members from this group (admins; anyone may remove itself). @param {string[]|string} addresses */
  removeMembers(addresses) {
    if (typeof addresses === 'string') addresses = addresses.split(',');
    return this._api._request({ t: 'group_members', gid: this.groupid, remove: addresses });
  }
  /**
   * Fetches the members; calls listener.Mesibo_onGroupMembers(profile, members) (and the api listeners').
   * @param {number} count @param {boolean} restart @param {object} listener
   */
  getMembers(count, restart, listener) {
    var self = this, api = this._api;
    return api._request({ t: 'group_get', gid: this.groupid }).then(function (res) {
      if (!res.ok || !res.group) return [];
      var members = (res.group.members || []).map(function (m) { return new MesiboGroupMember(api, m); });
      if (count > 0) members = members.slice(0, count);
      self._members = members;
      if (res.group.name !== undefined) self.name = res.group.name;
      if (listener && typeof listener.Mesibo_onGroupMembers === 'function') listener.Mesibo_onGroupMembers(self, members);
      else api._emit('Mesibo_onGroupMembers', [self, members]);
      return members;
    });
  }
  /** Leaves this group. */ leave() { return this.removeMembers([this._api._selfAddress()]); }
  /** Deletes this group (admins). */ deleteGroup() { return this._api._request({ t: 'group_delete', gid: this.groupid }); }
}
