import { C } from '../protocol/constants.js';

/**
 * A presence signal (typing, joined, online ...). Never stored; reaches only online users.
 */
export class MesiboPresence {
  constructor(api, f) {
    this._api = api;
    this.peer = f.from || '';
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
  /** the activity's value (0: no extra value) @type {number} */ get value() { return 0; }
  /** The sender's profile. @type {MesiboProfile} */ get profile() { return this._api.getProfile(this.peer, 0); }
  /** The group's profile, null for 1-to-1. @type {MesiboProfile|null} */ get groupProfile() { return this.getGroupProfile(); }
  /** @returns {boolean} the sender has this 1-to-1 chat open (joined) */ isChatting() { return this.activity === C.MESIBO_ACTIVITY_JOINED; }
  /** @returns {boolean} a request for the receiver's presence (never sent by Hubbub's server) */ isRequest() { return false; }
  /** @returns {boolean} */ isTyping() { return this.activity === C.MESIBO_ACTIVITY_TYPING; }
  /** @returns {boolean} */ isTypingCleared() { return this.activity === C.MESIBO_ACTIVITY_TYPINGCLEARED; }
  /** @returns {boolean} */ isOnline() { return this.activity === C.MESIBO_ACTIVITY_ONLINE || this.activity === C.MESIBO_ACTIVITY_ONLINERESP; }
  /** @returns {boolean} */ isOffline() { return this.activity === 0; }
  /** @returns {boolean} */ hasJoined() { return this.activity === C.MESIBO_ACTIVITY_JOINED; }
  /** @returns {boolean} */ hasLeft() { return this.activity === C.MESIBO_ACTIVITY_LEFT; }
  /** @returns {boolean} */ isGroupMessage() { return this.groupid > 0; }
  /** @returns {MesiboProfile} the sender's profile */ getProfile() { return this._api.getProfile(this.peer, 0); }
  /** @returns {MesiboProfile|null} the group's profile */ getGroupProfile() { return this.groupid ? this._api.getProfile('', this.groupid) : null; }
}
