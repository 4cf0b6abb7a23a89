/**
 * Calls: the legacy mesibo call methods on the Mesibo object (mesibo-calls.md §2), backed by one
 * CallManager per tab (calls/manager.js). Installed on Mesibo.prototype by api/mesibo.js; the
 * session hands it call frames and tab messages (`_callFrame`, `_callChannel`).
 */
import { CallManager } from './manager.js';

/** The browser's parts a call needs (a test may replace them through _setDependencies' `calls`). */
function browserCallEnv(api) {
  var hasNav = typeof navigator !== 'undefined';
  return {
    RTCPeerConnection: typeof RTCPeerConnection === 'function' ? RTCPeerConnection : null,
    getUserMedia: function (c) {
      if (!hasNav || !navigator.mediaDevices) return Promise.reject(new Error('no media devices (needs https or localhost)'));
      return navigator.mediaDevices.getUserMedia(c);
    },
    element: function (id) { return typeof document !== 'undefined' ? document.getElementById(id) : null; },
    notify: function (title, body, tag) {
      if (!api._notify || typeof Notification !== 'function' || Notification.permission !== 'granted') return;
      try { new Notification(title, { body: body, tag: tag, requireInteraction: true }); } catch (e) { /* not allowed here */ }
    }
  };
}

/** Methods mixed into Mesibo.prototype (`this` is the Mesibo instance). */
export const callMethods = {
  /** Video elements for the next call: a muted one for the camera, one for the peer. */
  setupVideoCall(localId, remoteId, video) { this._calls().setupVideoCall(localId, remoteId, video); },
  /** The audio element that plays the peer in the next (voice) call. */
  setupVoiceCall(audioId) { this._calls().setupVoiceCall(audioId); },
  /** Calls `address` (video or voice per the last setup). Statuses come to Mesibo_onCallStatus. @returns {number} */
  call(address) { return this._calls().call(address); },
  /** Hubbub addition: a video call whatever the last setup. */ videoCall(address) { return this._calls().call(address, true); },
  /** Hubbub addition: a voice call whatever the last setup. */ voiceCall(address) { return this._calls().call(address, false); },
  /** Answers the call ringing in this tab; this tab then owns the camera, microphone and connection. */
  answer(video) { return this._calls().answer(); },
  /** Ends, declines or cancels the current call; silent when there is none. @param {number} callid 0 = current */
  hangup(callid) { return this._calls().hangup(); },
  /** mute(audio, video, enable), as mesibo's apps call it. */
  mute(audio, video, enable) { return this._calls().mute(audio, video, enable); },
  /** @returns {boolean} whether the microphone is now muted */ toggleAudioMute() { return this._calls().toggleAudioMute(); },
  /** @returns {boolean} whether the camera is now off */ toggleVideoMute() { return this._calls().toggleVideoMute(); },
  /** Hubbub addition: the current call ({callid, peer, video, incoming, state, answer(), hangup(), stats()}) or null. */
  getActiveCall() { return this._calls().active(); },

  _calls() {
    if (this._callManager) return this._callManager;
    var self = this;
    var deps = this._deps || {};
    var env = deps.calls || browserCallEnv(this);
    var locks = deps.callLocks !== undefined ? deps.callLocks
      : (typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null);
    this._callManager = new CallManager({
      request: function (frame) { return self._request(frame); },
      post: function (m) { if (self._session && self._session.crossTab) self._session._post(m); },
      emit: function (name, args) { self._emit(name, args); },
      isLeader: function () { return !!(self._session && self._session.isLeader); },
      iceServers: function () { return (self._session && self._session.info && self._session.info.ice) || []; },
      scope: function () { return self._scope || ''; },
      locks: locks && (!self._session || self._session.crossTab) ? locks : null,
      env: env
    });
    return this._callManager;
  },

  /** The leader got a call frame from the server: every tab handles it. */
  _callFrame(f) {
    if (this._session && this._session.crossTab) this._session._post({ type: 'callframe', frame: f });
    this._calls().onFrame(f);
  },

  /** A tab message: a call frame the leader broadcast, or another tab taking a call. */
  _callChannel(m) {
    if (m.type === 'callframe') { if (m.leader) this._calls().onFrame(m.frame); return true; }
    if (m.type === 'callown') { this._calls().onChannel(m); return true; }
    return false;
  }
};
