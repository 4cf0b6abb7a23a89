/**
 * Hubbub browser SDK: the mesibo JavaScript API over the Hubbub protocol (docs/protocol.md), with
 * cross-tab sessions (one login and one WebSocket shared by every tab of a user).
 *
 * The entry of the build (scripts/build-sdk.mjs): it bundles the layers below into the one classic
 * script src/hubbub/sdk/mesibo.js and defines the globals mesibo apps use.
 *
 *   protocol/  frames, records and mesibo's numbers (no I/O)
 *   store/     IndexedDB and in-memory stores behind one interface
 *   crosstab/  leader election over a lease, tab identity, the sans-I/O coordinator (TabSession)
 *   api/       Mesibo, MesiboProfile, MesiboMessage, read sessions: mesibo's shapes
 *   files/     uploads, signed download URLs, m.file, profile pictures
 *   calls/     calls
 */
import { C } from './protocol/constants.js';
import { appIdFromCid, convKey, eventParts, recordFromMsg, reduceRecord } from './protocol/records.js';
import { hash53, randomId, assertDataOnly, cloneData } from './util.js';
import { MemoryStore } from './store/memory.js';
import { IdbStore } from './store/idb.js';
import { LeaseLocks } from './crosstab/lease-locks.js';
import { TabIdentity } from './crosstab/tab-identity.js';
import { TabSession } from './crosstab/session.js';
import { normalizeServer } from './api/env.js';
import { Mesibo } from './api/mesibo.js';
import { MesiboMessage } from './api/message.js';
import { MesiboProfile } from './api/profile.js';
import { MesiboReadSession } from './api/read-session.js';
import { MesiboPresence } from './api/presence.js';
import { MesiboGroupMember } from './api/member.js';
import { CallManager } from './calls/manager.js';
import { MesiboDateTime, dateOrNull } from './api/datetime.js';

/** The SDK's parts, for tests and for debugging (globalThis.HubbubSDK; module.exports in Node). */
export const internals = {
  constants: C, hash53: hash53, randomId: randomId, assertDataOnly: assertDataOnly, cloneData: cloneData,
  appIdFromCid: appIdFromCid, convKey: convKey, eventParts: eventParts, recordFromMsg: recordFromMsg, reduceRecord: reduceRecord,
  normalizeServer: normalizeServer, MemoryStore: MemoryStore, IdbStore: IdbStore, LeaseLocks: LeaseLocks,
  TabIdentity: TabIdentity, TabSession: TabSession, Mesibo: Mesibo, MesiboMessage: MesiboMessage,
  MesiboProfile: MesiboProfile, MesiboReadSession: MesiboReadSession, MesiboPresence: MesiboPresence,
  MesiboGroupMember: MesiboGroupMember,
  CallManager: CallManager,
  MesiboDateTime: MesiboDateTime, dateOrNull: dateOrNull
};

// Globals as plain properties (never top-level declarations: an app's own `const X` must not clash).
Object.keys(C).forEach(function (k) { globalThis[k] = C[k]; });
globalThis.Mesibo = Mesibo;
globalThis.MesiboReadSession = MesiboReadSession;
globalThis.HubbubSDK = internals;
