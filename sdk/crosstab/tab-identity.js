import { randomId, newTabId } from '../util.js';

// TabIdentity: one per page. The id is kept in sessionStorage (so a reload keeps it). A
//    duplicated tab copies sessionStorage, so the id is claimed: with Web Locks by holding a lock
//    named after it for the page's life; without, by asking the other tabs over a channel.

export class TabIdentity {
  /**
   * @param {{storage?: {getItem, setItem}, locks?: object, channel?: object, timers: object}} deps
   */
  constructor(deps) {
    this.storage = deps.storage || null;
    this.locks = deps.locks || null;
    this.channel = deps.channel || null;
    this.timers = deps.timers;
    this.key = 'hubbub.tabId';
    var stored = null;
    try { stored = this.storage && this.storage.getItem(this.key); } catch (e) { stored = null; }
    this.id = stored && /^[0-9]+$/.test(stored) ? Number(stored) : newTabId();
    this._save();
    this.confirmed = null;
    this.nonce = randomId();
    var self = this;
    if (this.channel && !this.locks) {
      this.channel.onmessage = function (e) {
        var m = e.data || {};
        if (m.q === 'tabid' && m.id === self.id && m.nonce !== self.nonce && self._done) {
          self.channel.postMessage({ a: 'taken', id: m.id, nonce: m.nonce });
        } else if (m.a === 'taken' && m.nonce === self.nonce && m.id === self.id && self._clash) {
          self._clash();
        }
      };
    }
  }
  _save() { try { if (this.storage) this.storage.setItem(this.key, String(this.id)); } catch (e) { /* private mode */ } }
  _wait(ms) { var t = this.timers; return new Promise(function (r) { t.setTimeout(r, ms); }); }
  _claim(id) {
    var self = this;
    return new Promise(function (resolve) {
      self.locks.request('hubbub-tab:' + id, { ifAvailable: true }, function (lock) {
        if (!lock) { resolve(false); return null; }
        resolve(true);
        return new Promise(function (release) { self._release = release; });
      }).catch(function () { resolve(false); });
    });
  }
  /** Resolves with this tab's id once it is known to be unique among the open tabs. */
  confirm() {
    if (this.confirmed) return this.confirmed;
    var self = this;
    this.confirmed = (async function () {
      if (self.locks) {
        // A reload may start before the old page's lock is released: retry briefly.
        var delays = [0, 120, 300];
        for (var i = 0; i < delays.length; i++) {
          if (delays[i]) await self._wait(delays[i]);
          if (await self._claim(self.id)) { self._done = true; return self.id; }
        }
        for (;;) {
          self.id = newTabId();
          if (await self._claim(self.id)) break;
        }
        self._save();
      } else if (self.channel) {
        for (var n = 0; n < 5; n++) {
          var clashed = await new Promise(function (resolve) {
            self._clash = function () { resolve(true); };
            self.channel.postMessage({ q: 'tabid', id: self.id, nonce: self.nonce });
            self.timers.setTimeout(function () { resolve(false); }, 80);
          });
          self._clash = null;
          if (!clashed) break;
          self.id = newTabId();
        }
        self._save();
      }
      self._done = true;
      return self.id;
    })();
    return this.confirmed;
  }
  /** Releases the id (page closing or tests). */
  release() { if (this._release) this._release(); if (this.channel && this.channel.close) this.channel.close(); }
}
