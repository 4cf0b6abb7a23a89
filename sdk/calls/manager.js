/**
 * Calls in one tab: the legacy mesibo call API (setupVideoCall/setupVoiceCall/call/answer/hangup/mute)
 * on WebRTC, across the tabs of a cross-tab session (docs/sdk.md, *Calls*).
 *
 * The leader's connection carries the signalling; every server frame about calls is broadcast to
 * every tab (`onFrame`). An incoming call rings in every tab; the tab that answers (or places) a call
 * owns it: its RTCPeerConnection, camera and microphone. While it owns the call it holds a Web Lock
 * named after the call; the other tabs wait on that lock, so when the owner closes or crashes the
 * browser hands the lock over and a surviving tab ends the call at the server (the peer gets
 * COMPLETE within a second). A leader change does not touch the media: the server keeps the call for
 * `call_grace` seconds while the new leader reconnects with the same device.
 */
import { C } from '../protocol/constants.js';

const TERMINAL = C.MESIBO_CALLSTATUS_COMPLETE;

export class CallManager {
  /**
   * @param {object} o
   * @param {function(object): Promise<object>} o.request a request through the leader (TabSession.request)
   * @param {function(object): void} o.post a message to the other tabs (TabSession._post), or null
   * @param {function(string, Array): void} o.emit the listener callback dispatcher (Mesibo._emit)
   * @param {function(): boolean} o.isLeader
   * @param {function(): Array} o.iceServers the ICE servers of the welcome
   * @param {string} o.scope the session's scope (for lock names)
   * @param {object|null} o.locks navigator.locks, or null (then a crashed owner is found by the server's grace)
   * @param {object} o.env {RTCPeerConnection, getUserMedia(constraints), element(id), notify(title, body, tag)}
   */
  constructor(o) {
    this.o = o;
    this.setup = { video: true, local: null, remote: null, audio: null };
    this.cur = null;       // the call this tab's app sees: ringing here, or owned here
    this.known = new Map(); // callid -> 'ringing'|'mine'|'over' (dedup of repeated frames)
    this.watching = new Set(); // calls another tab owns, whose lock this tab waits on
  }

  // ----- the app's API ----------------------------------------------------------------------

  setupVideoCall(localId, remoteId, video) { this.setup = { video: video !== false, local: localId, remote: remoteId, audio: null }; }
  setupVoiceCall(audioId) { this.setup = { video: false, local: null, remote: null, audio: audioId }; }

  /** Places a call from this tab (leader or not). Statuses come to Mesibo_onCallStatus. */
  call(address, video) {
    if (this.cur) { this._later(C.MESIBO_CALLSTATUS_INVALIDSTATE, 0); return 0; }
    var c = this.cur = { callid: 0, peer: String(address), video: video === undefined ? this.setup.video : !!video,
      dir: 'out', state: 'placing', pc: null, stream: null, ice: [], connected: false };
    var self = this;
    c.media = this._media(c.video);
    this.o.request({ t: 'call', to: c.peer, video: c.video }).then(function (res) {
      if (!res.ok) { self._finish(c, C.MESIBO_CALLSTATUS_ERROR); return; }
      if (res.status >= TERMINAL) { self._finish(c, res.status); return; }
      self._adopt(c, res.callid);
      if (c.hungup) self._hangupAtServer(c);
    });
    return 0;
  }

  /** Answers the ringing call in this tab, which then owns its media. */
  answer() {
    var c = this.cur;
    if (!c || c.state !== 'ringing') return 0;
    c.state = 'answering';
    c.media = this._media(c.video && this.setup.video !== false);
    var self = this;
    this._own(c).then(function () {
      return self.o.request({ t: 'call_answer', callid: c.callid });
    }).then(function (res) {
      if (!res.ok) self._finish(c, res.error === 'INVALIDSTATE' ? C.MESIBO_CALLSTATUS_CANCEL : C.MESIBO_CALLSTATUS_INVALIDSTATE);
    });
    return 0;
  }

  /** Ends, declines or cancels the current call; silent and idempotent when there is none. */
  hangup() {
    var c = this.cur;
    if (!c || c.hungup) return 0;
    c.hungup = true;
    if (c.callid) this._hangupAtServer(c);
    return 0;
  }

  /** mute(audio, video, enable): enable=false disables the flagged local tracks; true re-enables them (all when none flagged). */
  mute(audio, video, enable) {
    var c = this.cur;
    if (!c || !c.stream) return 0;
    var all = !audio && !video;
    c.stream.getTracks().forEach(function (t) {
      if ((t.kind === 'audio' && (audio || (enable && all))) || (t.kind === 'video' && (video || (enable && all)))) t.enabled = !!enable;
    });
    this._sendMute(c);
    return 0;
  }

  toggleAudioMute() { return this._toggle('audio'); }
  toggleVideoMute() { return this._toggle('video'); }

  /** Hubbub addition: bytes sent and received by the current call's RTCPeerConnection. */
  async stats() {
    var c = this.cur;
    if (!c || !c.pc) return null;
    var out = { bytesReceived: 0, bytesSent: 0, state: c.pc.connectionState };
    (await c.pc.getStats()).forEach(function (r) {
      if (r.type === 'inbound-rtp') out.bytesReceived += r.bytesReceived || 0;
      if (r.type === 'outbound-rtp') out.bytesSent += r.bytesSent || 0;
    });
    return out;
  }

  /** Hubbub addition: the current call as an object, or null. */
  active() {
    var c = this.cur, self = this;
    if (!c) return null;
    return { callid: c.callid, peer: c.peer, video: c.video, incoming: c.dir === 'in', state: c.state,
      answer: function () { return self.answer(); }, hangup: function () { return self.hangup(); },
      stats: function () { return self.stats(); } };
  }

  // ----- from the leader's connection and from the other tabs -------------------------------

  /** A server frame about calls (`call` or `call_signal`), in every tab. */
  onFrame(f) {
    if (f.t === 'call_signal') { this._onSignal(f); return; }
    if (f.t !== 'call') return;
    var c = this.cur;
    if (c && c.state === 'placing' && !c.callid && f.dir === 'out' && !f.elsewhere && f.peer === c.peer) this._adopt(c, f.callid);
    c = this.cur;
    var mine = c && c.callid === f.callid;
    if (f.elsewhere) {
      // another device of this user holds the call; a tab here that rings stops
      if (mine && c.state === 'ringing') this._finish(c, C.MESIBO_CALLSTATUS_CANCEL);
      return;
    }
    if (f.status === C.MESIBO_CALLSTATUS_INCOMING) { this._incoming(f); return; }
    if (!mine) {
      if (f.status >= TERMINAL) { this.watching.delete(f.callid); this.known.set(f.callid, 'over'); }  // nothing left to watch
      return;
    }
    if (f.status >= TERMINAL) { this._finish(c, f.status); return; }
    if (f.status === C.MESIBO_CALLSTATUS_ANSWER) {
      if (c.state === 'ringing') { this._finish(c, C.MESIBO_CALLSTATUS_CANCEL); return; } // another tab answered
      if (c.state === 'answering' || c.state === 'placing') {
        c.state = 'answered';
        this.o.emit('Mesibo_onCallStatus', [c.callid, f.status]);
        if (c.dir === 'out') this._offer(c);
        else this._peer(c);
      }
      return;  // a repeat (a new leader's resync): the media is untouched
    }
    if (c.lastStatus === f.status) return;
    c.lastStatus = f.status;
    this.o.emit('Mesibo_onCallStatus', [c.callid, f.status]);
  }

  /** A tab-to-tab message about calls. */
  onChannel(m) {
    if (m.type === 'callown' && m.from !== undefined) this._watch(m.callid);
  }

  /** The page goes away: end the owned call now rather than after the lock hand-over. */
  close() {
    var c = this.cur;
    if (c && c.callid && c.state !== 'ringing') this._hangupAtServer(c);
  }

  // ----- inside --------------------------------------------------------------------------------

  _incoming(f) {
    if (this.known.has(f.callid)) return;  // rung already (a repeat after a new leader's welcome)
    this.known.set(f.callid, 'ringing');
    if (this.cur) return;  // this tab is busy with its own call; the server rings the others
    this.cur = { callid: f.callid, peer: f.peer, video: !!f.video, dir: 'in', state: 'ringing', pc: null,
      stream: null, ice: [], connected: false };
    this.o.emit('Mesibo_onCall', [f.callid, f.peer, !!f.video]);
    if (this.o.isLeader() && this.o.env.notify) {
      this.o.env.notify('Incoming ' + (f.video ? 'video' : 'voice') + ' call', f.peer, 'hubbub-call-' + f.callid);
    }
  }

  _adopt(c, callid) {
    if (c.callid) return;
    c.callid = callid;
    this.known.set(callid, 'mine');
    this._own(c);
  }

  /** Take the call's lock, then tell the other tabs: they wait on it to notice this tab dying. */
  _own(c) {
    var locks = this.o.locks, self = this;
    if (!locks || !this.o.post) return Promise.resolve();
    return new Promise(function (granted) {
      locks.request(self._lockName(c.callid), function () {
        granted();
        return new Promise(function (release) { c.release = release; });
      }).catch(function () { granted(); });
    }).then(function () { self.o.post({ type: 'callown', callid: c.callid }); });
  }

  _watch(callid) {
    var locks = this.o.locks, self = this;
    if (!locks || (this.cur && this.cur.callid === callid && this.cur.release)) return;
    if (this.watching.has(callid) || this.known.get(callid) === 'over') return;
    this.watching.add(callid);
    locks.request(this._lockName(callid), function () {
      // the owner let go: it closed or crashed (or ended the call, then the end came first)
      if (self.watching.delete(callid)) self.o.request({ t: 'call_hangup', callid: callid });
      return null;
    }).catch(function () {});
  }

  _lockName(callid) { return 'hubbub-call:' + this.o.scope() + ':' + callid; }

  _hangupAtServer(c) {
    var self = this;
    this.o.request({ t: 'call_hangup', callid: c.callid }).then(function (res) {
      if (!res.ok && self.cur === c) self._finish(c, C.MESIBO_CALLSTATUS_COMPLETE);
    });
  }

  _finish(c, status) {
    if (c.state === 'ended') return;
    var callid = c.callid;
    c.state = 'ended';
    if (callid) this.known.set(callid, 'over');
    if (c.pc) { try { c.pc.close(); } catch (e) { /* closed */ } }
    if (c.media) c.media.then(function (s) { if (s) s.getTracks().forEach(function (t) { t.stop(); }); });
    if (c.release) { var r = c.release; c.release = null; r(); }
    if (this.cur === c) this.cur = null;
    this.o.emit('Mesibo_onCallStatus', [callid, status]);
  }

  _later(status, callid) {
    var self = this;
    Promise.resolve().then(function () { self.o.emit('Mesibo_onCallStatus', [callid, status]); });
  }

  _media(video) {
    var self = this;
    return this.o.env.getUserMedia({ audio: true, video: !!video }).then(function (s) {
      if (self.cur && self.cur.state !== 'ended') self.cur.stream = s;
      self._show(self.setup.local, s, true);
      return s;
    }, function (e) {
      console.warn('Hubbub: no camera/microphone for the call', e);
      return null;
    });
  }

  _show(id, stream, muted) {
    var el = id ? this.o.env.element(id) : null;
    if (!el) return;
    el.srcObject = stream;
    if (muted) el.muted = true;
    if (el.play) { var p = el.play(); if (p && p.catch) p.catch(function () {}); }
  }

  /** The call's RTCPeerConnection with the local tracks added (one promise, however many callers). */
  _peer(c) {
    if (!c.ready) c.ready = this._makePeer(c);
    return c.ready;
  }

  async _makePeer(c) {
    var pc = c.pc = new this.o.env.RTCPeerConnection({ iceServers: this.o.iceServers() || [] });
    var self = this;
    pc.onicecandidate = function (e) {
      if (e.candidate && c.state !== 'ended') self.o.request({ t: 'call_signal', callid: c.callid, kind: 'ice', data: e.candidate.toJSON() });
    };
    pc.ontrack = function (e) {
      var stream = e.streams && e.streams[0] ? e.streams[0] : new MediaStream([e.track]);
      self._show(c.video ? self.setup.remote : (self.setup.audio || self.setup.remote), stream, false);
    };
    pc.onconnectionstatechange = function () {
      if (c.state === 'ended') return;
      if (pc.connectionState === 'connected' && !c.connected) {
        c.connected = true;
        self.o.emit('Mesibo_onCallStatus', [c.callid, C.MESIBO_CALLSTATUS_CONNECTED]);
      } else if (pc.connectionState === 'disconnected') {
        self.o.emit('Mesibo_onCallStatus', [c.callid, C.MESIBO_CALLSTATUS_RECONNECTING]);
      } else if (pc.connectionState === 'failed') {
        self.hangup();
      }
    };
    var stream = await c.media;
    if (stream && c.state !== 'ended') stream.getTracks().forEach(function (t) { pc.addTrack(t, stream); });
    return pc;
  }

  async _offer(c) {
    var pc = await this._peer(c);
    if (c.state === 'ended') return;
    var offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.o.request({ t: 'call_signal', callid: c.callid, kind: 'sdp', data: { type: offer.type, sdp: offer.sdp } });
  }

  async _onSignal(f) {
    var c = this.cur;
    if (!c || c.callid !== f.callid || c.state === 'ended' || c.state === 'ringing') return;
    var d = f.data || {};
    if (f.kind === 'mute') {
      this.o.emit('Mesibo_onCallStatus', [c.callid, d.audio || d.video ? C.MESIBO_CALLSTATUS_MUTE : C.MESIBO_CALLSTATUS_UNMUTE]);
      return;
    }
    // one queue per call: descriptions and candidates apply in the order they came
    var self = this;
    c.chain = (c.chain || Promise.resolve()).then(function () { return self._apply(c, f.kind, d); }).catch(function (e) {
      console.warn('Hubbub: call negotiation failed', e);
    });
  }

  async _apply(c, kind, d) {
    var pc = await this._peer(c);
    if (c.state === 'ended') return;
    if (kind === 'ice') {
      if (!pc.remoteDescription) { c.ice.push(d); return; }
      await pc.addIceCandidate(d);
      return;
    }
    await pc.setRemoteDescription(d);
    for (var i = 0; i < c.ice.length; i++) await pc.addIceCandidate(c.ice[i]);
    c.ice = [];
    if (d.type === 'offer') {
      var answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      this.o.request({ t: 'call_signal', callid: c.callid, kind: 'sdp', data: { type: answer.type, sdp: answer.sdp } });
    }
  }

  _toggle(kind) {
    var c = this.cur;
    if (!c || !c.stream) return false;
    var muted = false;
    c.stream.getTracks().forEach(function (t) { if (t.kind === kind) { t.enabled = !t.enabled; muted = !t.enabled; } });
    this._sendMute(c);
    return muted;
  }

  _sendMute(c) {
    if (!c.callid || c.state !== 'answered' || !c.stream) return;
    var off = function (kind) { return c.stream.getTracks().some(function (t) { return t.kind === kind && !t.enabled; }); };
    this.o.request({ t: 'call_signal', callid: c.callid, kind: 'mute', data: { audio: off('audio'), video: off('video') } });
  }
}
