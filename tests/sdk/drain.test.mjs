// A draining node closes with 4004 (reconnect now): the SDK reconnects at once, with no backoff growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeServer, FakeBrowser, until } from './fakes.mjs';

const ONLINE = 1, OFFLINE = 2, CONNECTING = 6;

/** One tab online, with a backoff so long that only a reconnect without backoff fits the deadlines below. */
async function slowBackoffTab() {
  const server = new FakeServer();
  const b = new FakeBrowser(server);
  const tab = b.openTab('a');
  await until(() => tab.rec.status.includes(ONLINE), 3000, 'online');
  Object.assign(tab.api._session.cfg, { backoffMin: 20000, backoffMax: 60000, reconnectJitter: 20 });
  return { server, tab, s: tab.api._session };
}

test('4004 from a draining node: reconnect at once, resume after the applied seq, backoff unchanged', async () => {
  const { server, tab, s } = await slowBackoffTab();
  try {
    for (let i = 0; i < 5; i++) server.incoming('m' + i);
    await until(() => server.cursor === 5, 3000, 'acked');
    for (let round = 2; round <= 4; round++) {  // one drain after another: each reconnect is at once
      const before = tab.rec.status.length;
      server.dropAll(4004);
      // back online (the welcome answered), so the next round's drop finds it ONLINE, not still connecting
      await until(() => server.connects === round && server.openCount === 1 && tab.rec.status.at(-1) === ONLINE,
        5000, `reconnect ${round}`);
      assert.equal(s.backoff, 0, 'no backoff after a reconnect-now close');
      const seen = tab.rec.status.slice(before);
      assert.ok(seen.includes(CONNECTING) && !seen.includes(OFFLINE), 'CONNECTING, not OFFLINE: ' + seen);
    }
    assert.equal(s.ws.sent.find((f) => f.t === 'auth').after, 5);
  } finally {
    tab.close();  // a failed assertion must not leave the tab's timers holding the test process
  }
});

test('any other close code still backs off (the control case for the test above)', async () => {
  const { server, tab, s } = await slowBackoffTab();
  try {
    server.dropAll(1001);
    await until(() => s.reconnectTimer !== null && s.backoff === 1, 3000, 'backoff scheduled');
    assert.equal(server.connects, 1, 'no reconnect yet: it waits the backoff');
  } finally {
    tab.close();
  }
});
