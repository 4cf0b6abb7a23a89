/**
 * MesiboDateTime: mesibo's date object, returned by getTimestamp(), the delivery and read
 * timestamp callbacks, `m.date` and profile.getLastSeen(). Local time of the browser.
 */

var MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];

function pad(n) { return (n < 10 ? '0' : '') + n; }

/** Midnight (local) of the day of `ts`, in ms. */
function dayStart(ts) { var d = new Date(ts); d.setHours(0, 0, 0, 0); return d.getTime(); }

export class MesiboDateTime {
  /**
   * @param {number} ts ms since the epoch
   * @param {function(): number} [now] the clock (tests pass their own)
   */
  constructor(ts, now) {
    var d = new Date(ts);
    this._now = now || Date.now;
    /** ms since the epoch */ this.ts = ts;
    /** four-digit year */ this.year = d.getFullYear();
    /** month, 1 = January (mesibo does not state the base; 1-based as in mesibo's native SDKs) */ this.month = d.getMonth() + 1;
    /** day of the month, 1-31 */ this.day = d.getDate();
    /** hour 0-23 */ this.hour = d.getHours();
    /** minute */ this.min = d.getMinutes();
    /** second */ this.sec = d.getSeconds();
    /** day of the week, 0 = Sunday */ this.wday = d.getDay();
  }
  /** Numbers compare as the timestamp (a Hubbub choice). @returns {number} */
  valueOf() { return this.ts; }
  /** @returns {string} ISO 8601 */
  toString() { return new Date(this.ts).toISOString(); }
  /** @returns {boolean} true for a real date (ts > 0) */
  isValid() { return this.ts > 0; }
  /** Whole calendar days since this date; 0 = today, 1 = yesterday. @returns {number} */
  getDaysElapsed() { return Math.round((dayStart(this._now()) - dayStart(this.ts)) / 86400000); }
  /** @returns {number} seconds since this date */
  getSecondsElapsed() { return Math.floor((this._now() - this.ts) / 1000); }
  /** @returns {boolean} */
  isToday() { return this.getDaysElapsed() === 0; }
  /** @returns {boolean} */
  isYesterday() { return this.getDaysElapsed() === 1; }
  /** @param {boolean} [short] three letters @returns {string} the month's English name */
  getMonthName(short) { var n = MONTHS[this.month - 1]; return short ? n.slice(0, 3) : n; }
  /**
   * The date as text: "MM/DD/YYYY" when monthFirst, else "DD/MM/YYYY"; `today` / `yesterday` (when
   * given) replace it for those days.
   * @param {boolean} [monthFirst] @param {string} [today] @param {string} [yesterday] @returns {string}
   */
  getDate(monthFirst, today, yesterday) {
    var e = this.getDaysElapsed();
    if (today && e === 0) return today;
    if (yesterday && e === 1) return yesterday;
    return monthFirst ? pad(this.month) + '/' + pad(this.day) + '/' + this.year
      : pad(this.day) + '/' + pad(this.month) + '/' + this.year;
  }
  /** "HH:MM", or "HH:MM:SS" when `seconds`. @param {boolean} [seconds] @returns {string} */
  getTime(seconds) { return pad(this.hour) + ':' + pad(this.min) + (seconds ? ':' + pad(this.sec) : ''); }
  /**
   * Relative text: "just now", "5 minutes ago", "3 hours ago", "yesterday", "4 days ago", else the date.
   * `accuracy` is undocumented in mesibo; it is accepted and ignored.
   * @param {number} [accuracy] @returns {string}
   */
  getDateInNaturalLanguage(accuracy) {
    var s = this.getSecondsElapsed();
    var days = this.getDaysElapsed();
    if (s < 60 && days === 0) return 'just now';
    if (s < 3600 && days === 0) { var m = Math.floor(s / 60); return m + (m === 1 ? ' minute ago' : ' minutes ago'); }
    if (days === 0) { var h = Math.floor(s / 3600); return h + (h === 1 ? ' hour ago' : ' hours ago'); }
    if (days === 1) return 'yesterday';
    if (days < 7) return days + ' days ago';
    return this.getDate(false);
  }
}

/** A MesiboDateTime for `ts`, or null when the time is unknown (0/absent): mesibo's "unknown" is falsy. */
export function dateOrNull(ts, now) {
  return ts > 0 ? new MesiboDateTime(ts, now) : null;
}
