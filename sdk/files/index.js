/**
 * Files (mesibo-files.md, docs/files.md): attaching content to a message, uploading it over HTTP
 * before the message is sent, the `m.file` object every message carries, signed download URLs
 * (fetched in batches, cached, renewed before they expire) and profile pictures.
 *
 * Uploads and URL requests go from the tab that needs them straight to the server over HTTP (the
 * token is known in every tab), so a file sent from a follower tab is uploaded once, by that tab;
 * only the message itself goes through the leader's WebSocket.
 */
import { C } from '../protocol/constants.js';
import { HAS_DOC } from '../api/env.js';

var RENEW_MS = 5 * 60 * 1000;   // renew a signed URL this long before it expires
var FILE_ID = /^[0-9a-f]{64}$/;
var DENIED_MS = 60 * 1000;      // a file this user may not read (recalled, deleted) is asked for again after this

/** The server's HTTP origin from its WebSocket URL. @param {string} ws @returns {string} */
export function httpBase(ws) {
  return String(ws).replace(/^ws(s?):\/\//i, 'http$1://').replace(/\/ws\/?$/, '');
}

/** MESIBO_FILETYPE_* of a MIME type. @param {string} mime @returns {number} */
export function fileTypeOf(mime) {
  var major = String(mime || '').split('/')[0];
  return major === 'image' ? C.MESIBO_FILETYPE_IMAGE : major === 'video' ? C.MESIBO_FILETYPE_VIDEO
    : major === 'audio' ? C.MESIBO_FILETYPE_AUDIO : C.MESIBO_FILETYPE_OTHER;
}

var EXT_TYPES = {
  jpg: 1, jpeg: 1, png: 1, gif: 1, webp: 1, bmp: 1, svg: 1, avif: 1, heic: 1,
  mp4: 2, m4v: 2, mov: 2, webm: 2, mkv: 2, ogv: 2, '3gp': 2,
  mp3: 3, m4a: 3, aac: 3, wav: 3, ogg: 3, oga: 3, opus: 3, flac: 3, weba: 3
};

/**
 * MESIBO_FILETYPE_* of a linked file from its URL's extension (IMAGE, VIDEO, AUDIO), else AUTO (0):
 * a URL is sent as it is, nothing is fetched, so its name is all there is to go by.
 * @param {string} url @returns {number}
 */
export function fileTypeOfUrl(url) {
  var path = String(url || '').split(/[?#]/)[0];
  var m = /\.([a-z0-9]+)$/i.exec(path.slice(path.lastIndexOf('/') + 1));
  return m && EXT_TYPES[m[1].toLowerCase()] || C.MESIBO_FILETYPE_AUTO;
}

/** True for the id of a file stored on the server. @param {*} v @returns {boolean} */
export function isFileId(v) { return typeof v === 'string' && FILE_ID.test(v); }

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
    if (/^[a-z]+:\/\//i.test(content) || content.charAt(0) === '/') return { file: { url: content, type: filetype || fileTypeOfUrl(content) } };
    var el = HAS_DOC ? document.getElementById(content) : null;
    if (el && el.files && el.files[0]) return { blob: el.files[0] };
    return { file: { url: content, type: filetype || fileTypeOfUrl(content) } };
  }
  if (typeof Blob !== 'undefined' && content instanceof Blob) return { blob: content };
  if (typeof content === 'object') return { file: Object.assign({}, content) };
  return null;
}

/**
 * Signed download URLs of one user, by file id: fetched in batches from POST /files/sign, kept until
 * shortly before they expire, then renewed in the background (the old URL still works meanwhile).
 */
export class FileUrls {
  constructor(api) {
    this._api = api;
    this._urls = new Map();     // id -> {url, until}
    this._pending = new Map();  // id -> Promise
    this._denied = new Map();   // id -> until: not asked again for a while (a render loop must not flood the server)
  }
  _fresh(id) {
    var e = this._urls.get(id);
    if (e && e.until - RENEW_MS > Date.now()) return true;
    var d = this._denied.get(id);
    return !!d && d > Date.now();
  }
  /** The URL now ('' until the first one arrives); asks for a new one when it is old. @param {string} id */
  url(id) {
    if (!this._fresh(id)) this.ensure([id]);
    var e = this._urls.get(id);
    return e && e.until > Date.now() ? e.url : '';
  }
  /** Remembers a URL the server gave (the upload's answer). */
  put(id, url, ttl) { if (id && url) this._urls.set(id, { url: this._abs(url), until: Date.now() + (ttl || 3600) * 1000 }); }
  _abs(url) { return /^https?:/i.test(url) ? url : httpBase(this._api.getServer()) + url; }
  /** Resolves once every id has a fresh URL (or was denied). @param {string[]} ids @returns {Promise<void>} */
  ensure(ids) {
    var self = this;
    var want = [];
    var waits = [];
    ids.forEach(function (id) {
      if (!isFileId(id) || self._fresh(id)) return;
      if (self._pending.has(id)) waits.push(self._pending.get(id));
      else if (want.indexOf(id) < 0) want.push(id);
    });
    if (want.length) {
      var p = httpJson(this._api, 'POST', '/files/sign', { ids: want }).then(function (res) {
        Object.keys(res.urls || {}).forEach(function (id) { self.put(id, res.urls[id], res.ttl); self._denied.delete(id); });
        (res.denied || []).forEach(function (id) { self._denied.set(id, Date.now() + DENIED_MS); });
      }, function (e) { console.warn('Hubbub: could not get file URLs', e); })
        .then(function () { want.forEach(function (id) { self._pending.delete(id); }); });
      want.forEach(function (id) { self._pending.set(id, p); });
      waits.push(p);
    }
    return Promise.all(waits).then(function () {});
  }
}

/** Auth headers of an HTTP request to the server. */
function authHeaders(api) { return { Authorization: 'Bearer ' + api._token, 'X-Appid': api._appid }; }

/** A JSON request to the server; rejects with the server's {error, reason} on a failure status. */
export function httpJson(api, method, path, body) {
  var headers = Object.assign({ 'Content-Type': 'application/json' }, authHeaders(api));
  return fetch(httpBase(api.getServer()) + path, { method: method, headers: headers, body: JSON.stringify(body) })
    .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw j; return j; }); });
}

/**
 * Uploads a Blob with progress: onProgress(done, total). Resolves with the server's answer
 * ({id, size, mime, type, width, height, thumb, name, url}); rejects when the server refuses it or
 * the upload is cut off (network lost, tab closing, abort).
 * @param {object} api @param {Blob} blob @param {{name?: string, image?: boolean, onProgress?: function}} opts
 * @returns {Promise<object>}
 */
export function uploadBlob(api, blob, opts) {
  opts = opts || {};
  return new Promise(function (resolve, reject) {
    var name = opts.name || blob.name || '';
    var url = httpBase(api.getServer()) + '/files/upload?name=' + encodeURIComponent(name) + (opts.image ? '&image=1' : '');
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    var h = authHeaders(api);
    Object.keys(h).forEach(function (k) { xhr.setRequestHeader(k, h[k]); });
    if (xhr.upload && opts.onProgress) xhr.upload.onprogress = function (e) { opts.onProgress(e.loaded, e.total || blob.size); };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201 && body) resolve(body);
      else reject(body || { error: 'UPLOAD', reason: 'upload answered ' + xhr.status });
    };
    xhr.onerror = function () { reject({ error: 'UPLOAD', reason: 'upload cut off (network)' }); };
    xhr.onabort = function () { reject({ error: 'UPLOAD', reason: 'upload aborted' }); };
    xhr.send(blob);
  });
}

/**
 * The `m.file` object of a message: on every message (empty when there is none), mesibo's fields
 * (url, name, size, type, mimeType, path, progress, status, source, thumbnail) and loadImageFromCache.
 * `url` is read live: a stored file's signed URL, renewed when it gets old.
 * @param {object} api @param {object|null} f the protocol file object @param {object} [local] {blob URL}
 */
export function fileView(api, f, local) {
  var v = {
    id: f && f.id || '', name: f && f.name || '', size: f && f.size || 0, type: f ? (f.type || 0) : 0,
    mimeType: f && f.mime || '', width: f && f.width || 0, height: f && f.height || 0,
    thumbnail: f && f.thumb || '', path: '', progress: 0, status: C.MESIBO_FILESTATUS_IDLE,
    source: C.MESIBO_FILESOURCE_MESSAGE
  };
  Object.defineProperty(v, 'url', {
    enumerable: true,
    get: function () {
      if (!f) return '';
      if (f.id && api._fileUrls) return api._fileUrls.url(f.id) || (local && local.url) || '';
      return f.url || (local && local.url) || '';
    }
  });
  /**
   * Makes `img` show the picture (mesibo's service-worker cache is not needed: the browser's HTTP
   * cache keeps it, ETag and immutable). Waits for a signed URL when there is none yet.
   */
  v.loadImageFromCache = function (img, cb) {
    if (!img || !f) return;
    var go = function () { var u = v.url; if (u) img.src = u; if (cb) cb(img, !!u); };
    if (f.id && !v.url && api._fileUrls) api._fileUrls.ensure([f.id]).then(go); else go();
  };
  return v;
}

/** Ids of stored files named by these events (messages' files, profile pictures). */
export function fileIdsOf(evs) {
  var ids = [];
  for (var i = 0; i < evs.length; i++) {
    var ev = evs[i];
    if (ev.k === 'msg' && ev.file && isFileId(ev.file.id)) ids.push(ev.file.id);
    else if (ev.k === 'profile' && isFileId(ev.picture)) ids.push(ev.picture);
  }
  return ids;
}

/**
 * Applies events in order, after the signed URLs of the files they name are known, so that
 * Mesibo_onMessage hands out a message whose `m.file.url` works in <img src>. Events behind a batch
 * that waits for URLs wait too (order is kept).
 * @param {object} api @param {object[]} evs @param {function(object[])} apply
 */
export function applyWithUrls(api, evs, apply) {
  var ids = fileIdsOf(evs);
  var need = ids.filter(function (id) { return !api._fileUrls._fresh(id); });
  if (!need.length && !api._fileQueue) { apply(evs); return; }
  var run = function () { return api._fileUrls.ensure(need).then(function () { apply(evs); }); };
  var tail = (api._fileQueue || Promise.resolve()).then(run, run);
  api._fileQueue = tail;
  tail.then(function () { if (api._fileQueue === tail) api._fileQueue = null; });
}

/** Reports progress on m.file and to Mesibo_onFileTransferProgress(file). */
function progress(api, m, mode, done, total) {
  var v = m.file;
  v.progress = total ? Math.floor(done * 100 / total) : 0;
  v.status = C.MESIBO_FILESTATUS_INPROGRESS;
  v.mode = mode;
  v.message = m;
  api._emit('Mesibo_onFileTransferProgress', [v]);
}

/**
 * Uploads the File attached to message `m` (if any), then calls `go()` to send the message with the
 * stored file's id. The app's own upload handler, when set, is used instead (it resolves to a file
 * object with a URL). An upload that fails or is cut off resolves with a FAIL status; `resend()`
 * uploads again.
 * @param {object} api the Mesibo instance @param {object} m the message @param {function(): Promise<object>} go
 * @returns {Promise<object>}
 */
export function uploadThenSend(api, m, go) {
  if (!m._blob) return go();
  var blob = m._blob;
  var fail = function (e) {
    m.file.status = C.MESIBO_FILESTATUS_FAILED;
    api._emit('Mesibo_onFileTransferProgress', [m.file]);
    return { ok: false, error: (e && e.error) || 'UPLOAD', reason: (e && e.reason) || String(e) };
  };
  if (api._uploader) {
    return Promise.resolve(api._uploader(blob, m)).then(function (file) {
      m._blob = null;
      m._setFile(file);
      api._emit('Mesibo_onMessageUpdate', [m]);   // the file finished: its URL is known
      return go();
    }, fail);
  }
  if (!m._file) {  // shown at once from the local file (the sending tab renders it before the upload ends)
    m._setFile({ name: blob.name || '', size: blob.size, mime: blob.type || '', type: m.filetype || fileTypeOf(blob.type) },
      { url: typeof URL !== 'undefined' && URL.createObjectURL ? URL.createObjectURL(blob) : '' });
  }
  var local = m._local;
  return uploadBlob(api, blob, { name: blob.name || '', onProgress: function (d, t) { progress(api, m, C.MESIBO_FILEMODE_UPLOAD, d, t); } })
    .then(function (meta) {
      api._fileUrls.put(meta.id, meta.url, meta.ttl);
      m._blob = null;
      var f = { id: meta.id, name: blob.name || meta.name || '', type: m._file.type || meta.type, size: meta.size,
        mime: meta.mime, width: meta.width, height: meta.height, thumb: meta.thumb || m._file.thumb || '' };
      m._setFile(f, local);
      m.file.progress = 100;
      api._emit('Mesibo_onFileTransferProgress', [m.file]);
      api._emit('Mesibo_onMessageUpdate', [m]);   // the file finished (mesibo-api.md §2): stored URL, thumbnail
      return go();
    }, fail);
}

/** Methods mixed into Mesibo.prototype (`this` is the Mesibo instance). */
export const fileMethods = {
  /**
   * Optional: the app uploads files itself. fn(blob, message) -> Promise<{url, type, size, name, mime}>;
   * the message then carries that URL (nothing is stored on the Hubbub server).
   * @param {function(Blob, object): Promise<object>} fn
   */
  setUploadHandler(fn) { this._uploader = fn; },
  /** Accepted for compatibility; the Hubbub server stores files itself, so nothing changes. */
  setUploadUrl() {},
  /**
   * Downloads a message's file as a Blob with progress: onProgress(done, total), also reported to
   * Mesibo_onFileTransferProgress(file) (Hubbub addition: mesibo downloads for the app).
   * @param {object} m a message with a file @param {function(number, number)} [onProgress] @returns {Promise<Blob>}
   */
  downloadFile(m, onProgress) {
    var api = this;
    var f = m._file;
    var ready = f && f.id ? this._fileUrls.ensure([f.id]) : Promise.resolve();
    return ready.then(function () { return fetch(m.file.url); }).then(function (r) {
      if (!r.ok) throw new Error('download answered ' + r.status);
      var total = Number(r.headers.get('content-length')) || (f && f.size) || 0;
      if (!r.body || !r.body.getReader) return r.blob();
      var reader = r.body.getReader();
      var parts = [];
      var done = 0;
      var pump = function () {
        return reader.read().then(function (x) {
          if (x.done) return new Blob(parts, { type: (f && f.mime) || '' });
          parts.push(x.value);
          done += x.value.length;
          if (onProgress) onProgress(done, total);
          progress(api, m, C.MESIBO_FILEMODE_DOWNLOAD, done, total);
          return pump();
        });
      };
      return pump();
    });
  }
};

/** Uploads a profile picture (File, Blob or <input type=file> id); resolves with the stored file's id. */
export function uploadPicture(api, content) {
  var c = contentFromValue(content, C.MESIBO_FILETYPE_IMAGE);
  if (!c) return Promise.resolve(null);
  if (c.file) return Promise.resolve(c.file.url || '');
  return uploadBlob(api, c.blob, { name: c.blob.name || 'picture', image: true }).then(function (meta) {
    api._fileUrls.put(meta.id, meta.url, meta.ttl);
    return meta.id;
  });
}

/**
 * A profile picture object (mesibo's MesiboProfileImage): never null; empty when there is no picture.
 * @param {object} profile
 */
export function profileImage(profile) {
  var api = profile._api;
  var pic = profile.picture || '';
  var url = function () { return isFileId(pic) ? (api._fileUrls ? api._fileUrls.url(pic) : '') : pic; };
  return {
    getThumbnail: function () { return profile._thumb || url(); },
    getImage: function () { return url() || profile._thumb; },
    getImageOrThumbnail: function () { return url() || profile._thumb; },
    getUrl: function () { return url(); },
    getNext: function () { return null; },
    getPrevious: function () { return null; },
    getIndex: function () { return 0; },
    isEmpty: function () { return !pic; },
    getProfile: function () { return profile; }
  };
}
