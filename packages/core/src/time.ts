/**
 * Timestamps as strings. Record timestamps are normalised to RFC 3339 UTC ending in `Z` while
 * keeping the fractional digits the API sent: going through Date would round to milliseconds.
 */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i;

// Date.parse rolls 2026-02-30 over to March and accepts 24:00:00, so dates and times are checked
// here. Records share few dates, so a date's verdict is cached by its digits: this runs for every record.
const DIGIT_0 = 48;
const isDigit = (c: number): boolean => c >= DIGIT_0 && c <= DIGIT_0 + 9;
const two = (v: string, at: number): number => (v.charCodeAt(at) - DIGIT_0) * 10 + v.charCodeAt(at + 1) - DIGIT_0;
const dateVerdicts = new Map<number, boolean>();

/** Whether the `YYYY-MM-DD` at the start of `text` (digits already checked) names a real day. */
function validDate(text: string): boolean {
  const key = two(text, 0) * 1_000_000 + two(text, 2) * 10_000 + two(text, 5) * 100 + two(text, 8);
  let ok = dateVerdicts.get(key);
  if (ok === undefined) {
    const date = text.slice(0, 10);
    const ms = Date.parse(`${date}T00:00:00Z`);
    ok = !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date;
    if (dateVerdicts.size >= 4096) dateVerdicts.clear();
    dateVerdicts.set(key, ok);
  }
  return ok;
}

function validTime(time: string): boolean {
  return Number(time.slice(0, 2)) < 24 && Number(time.slice(3, 5)) < 60 && Number(time.slice(6, 8)) < 60;
}

/**
 * The shapes Ada sends (`…SS[.ffffff]`, `…+00:00`, `…Z`) checked by character codes: this runs
 * for every date of every record, and the general path's regex and substrings are a large share
 * of a read's CPU. Returns undefined for anything else, which then takes the general path.
 */
function normalizeFast(v: string): string | undefined {
  const n = v.length;
  if (n < 19 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(10) !== 84 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) {
    return undefined;
  }
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (!isDigit(v.charCodeAt(i))) return undefined;
  let end = 19;
  if (end < n && v.charCodeAt(end) === 46) {
    end++;
    const digitsFrom = end;
    while (end < n && isDigit(v.charCodeAt(end))) end++;
    if (end === digitsFrom) return undefined;
  }
  let suffix: 'none' | 'Z' | 'utc';
  if (end === n) suffix = 'none';
  else if (end === n - 1 && v.charCodeAt(end) === 90) suffix = 'Z';
  else if (end === n - 6 && v.endsWith('+00:00')) suffix = 'utc';
  else return undefined;
  if (two(v, 11) > 23 || two(v, 14) > 59 || two(v, 17) > 59) return undefined;
  if (!validDate(v)) return undefined;
  return suffix === 'Z' ? v : suffix === 'none' ? v + 'Z' : v.slice(0, n - 6) + 'Z';
}

/** Normalises `2026-01-01T10:00:00.123456`, `…+00:00`, `…+02:00` and `…Z` to `…Z`; returns undefined if unparseable. */
export function normalizeTimestamp(value: string): string | undefined {
  const fast = normalizeFast(value);
  if (fast !== undefined) return fast;
  const m = TIMESTAMP.exec(value.trim());
  if (!m) return undefined;
  const [, date, time, fraction = '', zone = 'Z'] = m;
  if (!validDate(date!) || !validTime(time!)) return undefined;
  if (zone === 'Z' || zone === 'z' || /^[+-]00:?00$/.test(zone)) {
    return `${date}T${time}${fraction}Z`;
  }
  // Shift the whole-second part by the offset; the fraction is unaffected by a whole-minute offset.
  const whole = Date.parse(`${date}T${time}${zone.length === 5 ? zone.slice(0, 3) + ':' + zone.slice(3) : zone}`);
  if (Number.isNaN(whole)) return undefined;
  return `${new Date(whole).toISOString().slice(0, 19)}${fraction}Z`;
}

/** Epoch milliseconds of the whole second a normalised timestamp falls in (floor). */
export function floorSecondMs(normalized: string): number {
  return Date.parse(normalized.slice(0, 19) + 'Z');
}

/** `YYYY-MM-DDTHH:MM:SSZ` for an epoch-ms value already on a whole second. */
export function formatSecond(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

export function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

export function ceilToSecond(ms: number): number {
  return Math.ceil(ms / 1000) * 1000;
}

/** Compares two normalised timestamps exactly, fractional digits included. */
export function compareTimestamps(a: string, b: string): number {
  const byWhole = floorSecondMs(a) - floorSecondMs(b);
  if (byWhole !== 0) return byWhole;
  const fa = a.slice(20, -1).padEnd(9, '0');
  const fb = b.slice(20, -1).padEnd(9, '0');
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
