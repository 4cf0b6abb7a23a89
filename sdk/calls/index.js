/**
 * Calls (1-to-1 and group): the methods the Mesibo object gets for calls (mesibo-calls.md).
 * Calls come in a later release: until then they fail clearly (Mesibo_onCallStatus with
 * MESIBO_CALLSTATUS_NOTALLOWED) and never throw. Installed on Mesibo.prototype by api/mesibo.js.
 */
import { C } from '../protocol/constants.js';

/** Methods mixed into Mesibo.prototype (`this` is the Mesibo instance). */
export const callMethods = {
  /** Prepares video elements (calls are not available yet). */
  setupVideoCall(localId, remoteId, enable) { this._callSetup = { local: localId, remote: remoteId, video: true }; },
  /** Prepares the audio element (calls are not available yet). */
  setupVoiceCall(audioId) { this._callSetup = { audio: audioId, video: false }; },
  /**
   * Starts a call. Calls are not available yet: Mesibo_onCallStatus(0, MESIBO_CALLSTATUS_NOTALLOWED).
   * @param {string} address @returns {number} 0
   */
  call(address) { return this._noCalls('call'); },
  /** Starts a video call (not available yet). @param {string} address */ videoCall(address) { return this._noCalls('videoCall'); },
  /** Starts a voice call (not available yet). @param {string} address */ voiceCall(address) { return this._noCalls('voiceCall'); },
  /** Answers the ringing call (not available yet). @param {boolean} video */ answer(video) { return this._noCalls('answer'); },
  /** Hangs up (no call is ever active yet). @param {number} callid */ hangup(callid) { return 0; },
  /** Mutes audio/video of the call (no call is ever active yet). */ mute(audio, video, enable) { return 0; },
  /** Toggles the call's audio mute. */ toggleAudioMute() { return false; },
  /** Toggles the call's video mute. */ toggleVideoMute() { return false; },
  _noCalls(what) {
    console.warn('Hubbub: ' + what + '(): calls are not available in this version');
    var self = this;
    this._later(function () { self._emit('Mesibo_onCallStatus', [0, C.MESIBO_CALLSTATUS_NOTALLOWED]); });
    return 0;
  }
};
