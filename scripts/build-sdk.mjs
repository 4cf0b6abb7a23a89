// Builds the browser SDK: the ES modules under sdk/ bundled by esbuild into the one classic script
// that /sdk/mesibo.js serves (an IIFE that defines the mesibo globals). The result is checked in, so
// installing Hubbub needs no node; tests/sdk/build.test.mjs fails when it is stale.
//   node scripts/build-sdk.mjs [OUTFILE]      (default: src/hubbub/sdk/mesibo.js)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const BANNER = `/*
 * Hubbub browser SDK: the mesibo JavaScript API over the Hubbub protocol, with cross-tab sessions.
 * A classic script: <script src=".../sdk/mesibo.js"></script> (or importScripts() in a worker).
 * GENERATED from sdk/ by scripts/build-sdk.mjs (npm run build); edit the modules, not this file.
 */`;

/** Builds into `outfile`; resolves when written. */
export async function buildSdk(outfile) {
  await build({
    entryPoints: [path.join(root, 'sdk/index.js')],
    bundle: true,
    format: 'iife',
    target: 'es2018',
    charset: 'utf8',
    legalComments: 'none',
    banner: { js: BANNER },
    // Node (the SDK's unit tests) gets the internals as the module's exports.
    footer: { js: "if (typeof module === 'object' && module && module.exports) module.exports = globalThis.HubbubSDK;" },
    outfile,
    logLevel: 'warning',
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildSdk(path.resolve(process.argv[2] || path.join(root, 'src/hubbub/sdk/mesibo.js')));
}
