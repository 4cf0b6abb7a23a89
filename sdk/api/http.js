/**
 * MesiboHttpRequest (api.createhttpRequest()): the small HTTP helper mesibo's web pages use to talk
 * to their own server (OTP login). Form-encoded or JSON POST, or GET; the answer's text goes to a
 * callback, null on a network failure.
 */
export class MesiboHttpRequest {
  constructor() { this._url = ''; this._body = null; this._form = false; }
  /** @param {string} url */
  setUrl(url) { this._url = String(url || ''); }
  /**
   * The data to POST: an object, form-encoded when `urlencoded` (mesibo's apps pass true), else JSON.
   * @param {object|string} data @param {boolean} [urlencoded]
   */
  setPostData(data, urlencoded) { this._body = data; this._form = !!urlencoded; }
  /**
   * Sends; calls fn(cbdata, text) with the answer's text (null when the request failed).
   * @param {*} cbdata @param {function(*, string|null)} fn @returns {boolean} false without a URL
   */
  send(cbdata, fn) {
    if (!this._url || typeof fetch !== 'function') return false;
    var init = { method: 'GET' };
    if (this._body !== null && this._body !== undefined) {
      init.method = 'POST';
      if (typeof this._body === 'string') init.body = this._body;
      else if (this._form) {
        init.body = new URLSearchParams(this._body).toString();
        init.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
      } else {
        init.body = JSON.stringify(this._body);
        init.headers = { 'Content-Type': 'application/json' };
      }
    }
    fetch(this._url, init).then(function (r) { return r.text(); }).then(function (text) {
      if (fn) fn(cbdata, text);
    }, function () { if (fn) fn(cbdata, null); });
    return true;
  }
}
