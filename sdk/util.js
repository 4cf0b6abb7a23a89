/** Small helpers shared by the layers: hashing, ids, data-only checks and copies. */

/** cyrb53: a fast 53-bit string hash, as 14 hex digits. Used to name a session after its token. */
export function hash53(str) {
  var h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (var i = 0; i < str.length; i++) {
    var ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  var n = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return ('00000000000000' + n.toString(16)).slice(-14);
}

var lastRandom = 0;
/** A positive integer id, unique in practice (time in ms times 2048 plus 11 random bits), increasing. */
export function randomId() {
  var v = Date.now() * 2048 + Math.floor(Math.random() * 2048);
  if (v <= lastRandom) v = lastRandom + 1;
  lastRandom = v;
  return v;
}

export function newTabId() {
  return 1 + Math.floor(Math.random() * 2147483646);
}

/**
 * Throws a TypeError naming the path of the first value that is not plain data
 * (functions, symbols, DOM nodes, class instances that structured clone refuses).
 */
export function assertDataOnly(value, path, seen) {
  seen = seen || new Set();
  var t = typeof value;
  if (t === 'function') throw new TypeError('setUserObject: user objects must be data-only, but ' + path + ' is a function');
  if (t === 'symbol') throw new TypeError('setUserObject: user objects must be data-only, but ' + path + ' is a symbol');
  if (value === null || t !== 'object') return;
  if (seen.has(value)) return;
  seen.add(value);
  if (typeof Node !== 'undefined' && value instanceof Node) {
    throw new TypeError('setUserObject: user objects must be data-only, but ' + path + ' is a DOM node');
  }
  var keys = Object.keys(value);
  for (var i = 0; i < keys.length; i++) assertDataOnly(value[keys[i]], path + '.' + keys[i], seen);
  if (value instanceof Map) value.forEach(function (v, k) { assertDataOnly(v, path + '.get(' + String(k) + ')', seen); });
  if (value instanceof Set) value.forEach(function (v) { assertDataOnly(v, path + '[set item]', seen); });
}

/** Deep copy of data-only values (structured clone where available, else JSON). */
export function cloneData(value) {
  if (typeof structuredClone === 'function') return structuredClone(value);
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
export function noop() {}

export function sortedSeqs(map) {
  return Array.from(map.keys()).sort(function (a, b) { return a - b; });
}

/**
 * Adds `methods` to `Cls.prototype` as class methods are (not enumerable): how the calls/ and
 * files/ layers give the API objects their methods while living in modules of their own.
 * @param {Function} Cls @param {Object<string, Function>} methods
 */
export function installMethods(Cls, methods) {
  Object.keys(methods).forEach(function (k) {
    Object.defineProperty(Cls.prototype, k, { value: methods[k], writable: true, configurable: true, enumerable: false });
  });
}
