import { randomId, noop } from '../util.js';

// LeaseLocks: the subset of navigator.locks used here, over a lease in the store.
//    request(name, {ifAvailable, signal}, cb): cb(lock) once the lease is held (cb(null) when
//    ifAvailable and taken); the lease is renewed every `beat` ms and released when cb's promise
//    settles. If a renewal finds the lease taken (this tab was frozen past the ttl), lock.onlost()
//    is called: the holder must step down (the term fences anything it still writes).

export class LeaseLocks {
  constructor(store, timers, opts) {
    opts = opts || {};
    this.store = store;
    this.timers = timers;
    this.holder = opts.holder || ('h' + randomId());
    this.ttl = opts.ttl || 2500;
    this.beat = opts.beat || 500;
    this.waiting = new Set();
  }
  /** Try the waiting requests now (after a leader said goodbye). */
  poke() { this.waiting.forEach(function (w) { w(); }); }
  request(name, opts, cb) {
    var self = this;
    if (typeof opts === 'function') { cb = opts; opts = {}; }
    return new Promise(function (resolve, reject) {
      var timer = null, busy = false;
      var attempt = function () {
        if (busy) return;
        if (timer) { self.timers.clearTimeout(timer); timer = null; }
        if (opts.signal && opts.signal.aborted) { self.waiting.delete(attempt); reject(new Error('AbortError')); return; }
        busy = true;
        self.store.leaseTry(name, self.holder, self.timers.now(), self.ttl).then(function (ok) {
          busy = false;
          if (ok) { self.waiting.delete(attempt); held(); }
          else if (opts.ifAvailable) { self.waiting.delete(attempt); Promise.resolve(cb(null)).then(resolve, reject); }
          else timer = self.timers.setTimeout(attempt, self.beat);
        }, function () { busy = false; timer = self.timers.setTimeout(attempt, self.beat); });
      };
      var held = function () {
        var lock = { name: name, mode: 'exclusive', lost: false, onlost: null };
        var released = false, beatTimer = null;
        var renew = function () {
          if (released) return;
          self.store.leaseTry(name, self.holder, self.timers.now(), self.ttl).then(function (ok) {
            if (released) return;
            if (!ok) { lock.lost = true; if (lock.onlost) lock.onlost(); return; }
            beatTimer = self.timers.setTimeout(renew, self.beat);
          }, function () { if (!released) beatTimer = self.timers.setTimeout(renew, self.beat); });
        };
        beatTimer = self.timers.setTimeout(renew, self.beat);
        var finish = function () {
          released = true;
          if (beatTimer) self.timers.clearTimeout(beatTimer);
          if (!lock.lost) self.store.leaseRelease(name, self.holder).catch(noop);
        };
        Promise.resolve().then(function () { return cb(lock); }).then(function (v) { finish(); resolve(v); }, function (e) { finish(); reject(e); });
      };
      self.waiting.add(attempt);
      attempt();
    });
  }
}
