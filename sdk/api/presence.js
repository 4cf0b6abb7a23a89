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
