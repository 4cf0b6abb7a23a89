// The files layer: m.file on every message, the file members of the reference, signed URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sdk } from './fakes.mjs';

const C = sdk.constants;
const ID = 'a'.repeat(64);

function api() {
  const a = new sdk.Mesibo();
  a.setServer('ws://127.0.0.1:9/ws');
  a.setAppName('app');
  a.setAccessToken('tok');
  return a;
}

test('a message without a file: m.file is an empty object, filetype null, no file members', () => {
  const m = new sdk.MesiboMessage(api(), { dir: 'in', mid: 5, message: 'hi' });
  assert.equal(typeof m.file, 'object');
  assert.equal(m.file.url, '');
  assert.equal(typeof m.file.loadImageFromCache, 'function');
  assert.equal(m.filetype, null);
  assert.ok(!m.hasFile() && !m.hasImage() && !m.hasDocument() && !m.hasThumbnail() && !m.isRichMessage());
  assert.equal(m.getThumbnail(), '');
});

test('a linked picture: type members, name, size, mime, thumbnail', () => {
  const m = new sdk.MesiboMessage(api(), { dir: 'in', mid: 6, file: { url: 'https://x/y.png', type: 1, size: 7,
    name: 'y.png', mime: 'image/png', thumb: 'data:image/jpeg;base64,AA' } });
  assert.equal(m.fileurl, 'https://x/y.png');
  assert.equal(m.file.url, 'https://x/y.png');
  assert.ok(m.hasFile() && m.hasImage() && !m.hasVideo() && !m.hasDocument() && m.isRichMessage());
  assert.deepEqual([m.getFileName(), m.getFileSize(), m.getFileType(), m.getMimeType(), m.getThumbnail()],
    ['y.png', 7, C.MESIBO_FILETYPE_IMAGE, 'image/png', 'data:image/jpeg;base64,AA']);
  const d = new sdk.MesiboMessage(api(), { dir: 'in', mid: 7, file: { url: '/f', type: C.MESIBO_FILETYPE_OTHER } });
  assert.ok(d.hasDocument() && !d.hasImage());
});

test('a stored file: its URL is signed in one batch, absolute, cached, and renewed when old', async () => {
  const calls = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    calls.push([url, JSON.parse(init.body).ids, init.headers.Authorization, init.headers['X-Appid']]);
    return { ok: true, json: async () => ({ urls: { [ID]: `/files/${ID}?u=1&e=9&s=x` }, denied: [], ttl: 3600 }) };
  };
  try {
    const a = api();
    const m = new sdk.MesiboMessage(a, { dir: 'in', mid: 8, file: { id: ID, type: 1, name: 'p.png' } });
    assert.equal(m.file.url, '');  // not yet signed: asks now
    await a._fileUrls.ensure([ID]);
    assert.equal(m.file.url, `http://127.0.0.1:9/files/${ID}?u=1&e=9&s=x`);
    assert.deepEqual(calls, [['http://127.0.0.1:9/files/sign', [ID], 'Bearer tok', 'app']]);
    m.file.url;  // fresh: no new request
    assert.equal(calls.length, 1);
    a._fileUrls._urls.get(ID).until = Date.now() + 1000;  // about to expire: still served, renewed behind
    assert.ok(m.file.url.endsWith('s=x'));
    await a._fileUrls.ensure([ID]);
    assert.equal(calls.length, 2);
  } finally {
    globalThis.fetch = realFetch;
  }
});

test('a denied file is not asked for again on every read of its URL', async () => {
  let calls = 0;
  const realFetch = globalThis.fetch;
  globalThis.fetch = async () => { calls++; return { ok: true, json: async () => ({ urls: {}, denied: [ID], ttl: 3600 }) }; };
  try {
    const a = api();
    const m = new sdk.MesiboMessage(a, { dir: 'in', mid: 9, file: { id: ID, type: 1 } });
    assert.equal(m.file.url, '');
    await a._fileUrls.ensure([ID]);
    for (let i = 0; i < 5; i++) assert.equal(m.file.url, '');
    await a._fileUrls.ensure([ID]);
    assert.equal(calls, 1);
  } finally {
    globalThis.fetch = realFetch;
  }
});
