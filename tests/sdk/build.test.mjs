// The checked-in src/hubbub/sdk/mesibo.js must be the build of sdk/ (pip install . ships it and
// needs no node): rebuild into a temporary file and compare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSdk } from '../../scripts/build-sdk.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('the checked-in mesibo.js is the current build of sdk/', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hubbub-sdk-build-'));
  try {
    const out = path.join(dir, 'mesibo.js');
    await buildSdk(out);
    const fresh = await readFile(out, 'utf8');
    const checkedIn = await readFile(path.join(root, 'src/hubbub/sdk/mesibo.js'), 'utf8');
    assert.ok(fresh.length > 10000, 'the build produced the SDK');
    assert.ok(fresh === checkedIn, 'src/hubbub/sdk/mesibo.js is stale: run `npm run build` and commit it');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
