/**
 * Files (mesibo-files.md): what a message's `file` field holds, attaching content to a message, and
 * uploading a File before its message is sent. File transfer proper (upload, download, thumbnails)
 * comes in a later release; until then a File goes through the app's upload handler, if it set one.
 */
import { C } from '../protocol/constants.js';
import { HAS_DOC } from '../api/env.js';

/**
 * What `setContent(content)` attaches: `{file}` (a protocol file object {url, type, size, name, mime,
 * thumb}) for a URL or a file object, `{blob}` for a File/Blob or the id of an <input type=file>, or
 * null for nothing.
 * @param {File|Blob|string|object} content @param {number} filetype the message's filetype so far
 * @returns {{file?: object, blob?: Blob}|null}
 */
export function contentFromValue(content, filetype) {
  if (!content) return null;
  if (typeof content === 'string') {
    if (/^[a-z]+:\/\//i.test(content) || content.charAt(0) === '/') return { file: { url: content, type: filetype || 0 } };
    var el = HAS_DOC ? document.getElementById(content) : null;
    if (el && el.files && el.files[0]) return { blob: el.files[0] };
    return { file: { url: content, type: filetype || 0 } };
  }
  if (typeof Blob !== 'undefined' && content instanceof Blob) return { blob: content };
  if (typeof content === 'object') return { file: Object.assign({}, content) };
  return null;
}

/**
 * Uploads the File attached to message `m` (if any) with the app's upload handler, then calls `go()`
 * to send. Resolves with the send's answer; without a handler, with a FAIL status.
 * @param {object} api the Mesibo instance @param {object} m the message @param {function(): Promise<object>} go
 * @returns {Promise<object>}
 */
export function uploadThenSend(api, m, go) {
  if (!m._blob) return go();
  if (!api._uploader) {
    console.warn('Hubbub: sending a File needs file transfer (not yet available); use a URL or api.setUploadHandler()');
    return Promise.resolve({ ok: true, status: C.MESIBO_MSGSTATUS_FAIL, error: 'NOUPLOAD' });
  }
  return Promise.resolve(api._uploader(m._blob)).then(function (file) { m._blob = null; m._setFile(file); return go(); });
}

/** Methods mixed into Mesibo.prototype (`this` is the Mesibo instance). */
export const fileMethods = {
  /**
   * File upload hook until file transfer ships: fn(file) -> Promise<{url, type, size, name, mime}>.
   * @param {function(Blob): Promise<object>} fn
   */
  setUploadHandler(fn) { this._uploader = fn; }
};
