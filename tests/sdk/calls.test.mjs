// The per-tab call manager fed server frames and tab messages by hand (no browser, no server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sdk, sleep, until } from './fakes.mjs';

const C = sdk.constants;

class FakePC {
  constructor(cfg) { this.cfg = cfg; this.tracks = []; this.closed = false; this.remoteDescription = null; FakePC.made.push(this); }
  addTrack(t) { this.tracks.push(t); }
  async createOffer() { return { type: 'offer', sdp: 'o' }; }
  async createAnswer() { return { type: 'answer', sdp: 'a' }; }
  async setLocalDescription(d) { this.local = d; }
  async setRemoteDescription(d) { this.remoteDescription = d; }
  async addIceCandidate(c) { (this.cands = this.cands || []).push(c); }
  close() { this.closed = true; }
}
FakePC.made = [];

/** n tabs of one user: requests go to `sent`, tab messages to the other tabs, callbacks to `got`. */
function tabs(n, answers = {}) {
  const sent = [];
  const all = [];
  for (let i = 0; i < n; i++) {
    const got = [];
    const m = new sdk.CallManager({
      request: async (f) => { sent.push({ tab: i, f }); return answers[f.t] ? answers[f.t](f) : { ok: true }; },
      post: (msg) => all.forEach((o, j) => { if (j !== i) o.m.onChannel(Object.assign({ from: i }, msg)); }),
      emit: (name, args) => got.push([name, ...args]),
      isLeader: () => i === 0,
      iceServers: () => [{ urls: ['stun:x'] }],
      scope: () => 's',
      locks: null,
      env: {
        RTCPeerConnection: FakePC,
        getUserMedia: async (c) => ({ getTracks: () => [{ kind: 'audio', enabled: true, stop() {} }] }),
        element: () => null,
        notify: (title, body, tag) => got.push(['notify', tag]),
      },
    });
    all.push({ m, got });
  }
  return { all, sent };
}

const frame = (status, extra) => Object.assign({ t: 'call', callid: 7, status, peer: 'alice', dir: 'in', video: true }, extra);

test('an incoming call rings in every tab, one notification; the tab that answers owns it, the others stop', async () => {
  const { all, sent } = tabs(3);
  all.forEach((t) => t.m.onFrame(frame(C.MESIBO_CALLSTATUS_INCOMING)));
  all.forEach((t) => t.m.onFrame(frame(C.MESIBO_CALLSTATUS_INCOMING)));  // a repeat after a new leader: ignored
  for (const t of all) assert.deepEqual(t.got.filter((g) => g[0] === 'Mesibo_onCall'), [['Mesibo_onCall', 7, 'alice', true]]);
  assert.equal(all.flatMap((t) => t.got).filter((g) => g[0] === 'notify').length, 1);
  all[2].m.answer();
  await until(() => sent.some((s) => s.f.t === 'call_answer'));
  assert.equal(sent.find((s) => s.f.t === 'call_answer').tab, 2);
  all.forEach((t) => t.m.onFrame(frame(C.MESIBO_CALLSTATUS_ANSWER)));
  assert.deepEqual(all[0].got.at(-1), ['Mesibo_onCallStatus', 7, C.MESIBO_CALLSTATUS_CANCEL]);
  assert.deepEqual(all[1].got.at(-1), ['Mesibo_onCallStatus', 7, C.MESIBO_CALLSTATUS_CANCEL]);
  assert.deepEqual(all[2].got.at(-1), ['Mesibo_onCallStatus', 7, C.MESIBO_CALLSTATUS_ANSWER]);
  // the offer reaches the owner only; it answers it with its own description
  all.forEach((t) => t.m.onFrame({ t: 'call_signal', callid: 7, kind: 'sdp', data: { type: 'offer', sdp: 'o' } }));
  await until(() => sent.some((s) => s.f.t === 'call_signal' && s.f.data.type === 'answer'));
  assert.deepEqual(sent.filter((s) => s.f.t === 'call_signal').map((s) => s.tab), [2]);
  all[2].m.onFrame(frame(C.MESIBO_CALLSTATUS_ANSWER));  // a resync after a leader change: the media is untouched
  assert.equal(FakePC.made.filter((p) => !p.closed).length, 1);
  all.forEach((t) => t.m.onFrame(frame(C.MESIBO_CALLSTATUS_COMPLETE)));
  assert.deepEqual(all[2].got.at(-1), ['Mesibo_onCallStatus', 7, C.MESIBO_CALLSTATUS_COMPLETE]);
  assert.equal(all[0].got.filter((g) => g[0] === 'Mesibo_onCallStatus').length, 1, 'no second end where it stopped ringing');
  assert.ok(FakePC.made.every((p) => p.closed));
  const before = sent.length;
  all[2].m.hangup(); all[2].m.hangup();  // idempotent and silent without a call
  await sleep(5);
  assert.equal(sent.length, before);
});

test('a refused call reports its status once; hangup afterwards is silent', async () => {
  const { all, sent } = tabs(1, { call: () => ({ ok: true, callid: 9, status: C.MESIBO_CALLSTATUS_OFFLINE }) });
  const t = all[0];
  t.m.call('bob', false);
  await until(() => t.got.length === 1);
  assert.deepEqual(t.got, [['Mesibo_onCallStatus', 0, C.MESIBO_CALLSTATUS_OFFLINE]]);
  t.m.hangup();
  await sleep(5);
  assert.equal(sent.filter((s) => s.f.t === 'call_hangup').length, 0);
  assert.equal(t.got.length, 1);
});

test('the placing tab adopts its call from the first status and offers after the answer', async () => {
  let resolveCall;
  const { all, sent } = tabs(2, { call: () => new Promise((r) => { resolveCall = r; }) });
  all[1].m.call('bob', true);
  const out = (status) => ({ t: 'call', callid: 11, status, peer: 'bob', dir: 'out', video: true });
  all.forEach((t) => t.m.onFrame(out(C.MESIBO_CALLSTATUS_INPROGRESS)));
  all.forEach((t) => t.m.onFrame(out(C.MESIBO_CALLSTATUS_RINGING)));
  resolveCall({ ok: true, callid: 11, status: C.MESIBO_CALLSTATUS_INPROGRESS });
  assert.deepEqual(all[0].got, [], 'the other tab of the caller is not rung');
  all.forEach((t) => t.m.onFrame(out(C.MESIBO_CALLSTATUS_ANSWER)));
  await until(() => sent.some((s) => s.f.t === 'call_signal' && s.f.data.type === 'offer'));
  assert.deepEqual(all[1].got.map((g) => g[2]), [C.MESIBO_CALLSTATUS_INPROGRESS, C.MESIBO_CALLSTATUS_RINGING, C.MESIBO_CALLSTATUS_ANSWER]);
  all[1].m.hangup();
  await until(() => sent.some((s) => s.f.t === 'call_hangup' && s.f.callid === 11));
});
