/**
 * Timestamps as strings. Record timestamps are normalised to RFC 3339 UTC ending in `Z` while
 * keeping the fractional digits the API sent: going through Date would round to milliseconds.
 */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i;

// Date.parse rolls 2026-02-30 over to March and accepts 24:00:00, so dates and times are checked
// here. Records share few dates, so a date's verdict is cached: this runs for every record.
const dateVerdicts = new Map<string, boolean>();

function validDate(date: string): boolean {
  let ok = dateVerdicts.get(date);
  if (ok === undefined) {
    const ms = Date.parse(`${date}T00:00:00Z`);
    ok = !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date;
    if (dateVerdicts.size >= 4096) dateVerdicts.clear();
    dateVerdicts.set(date, ok);
  }
  return ok;
}

function validTime(time: string): boolean {
  return Number(time.slice(0, 2)) < 24 && Number(time.slice(3, 5)) < 60 && Number(time.slice(6, 8)) < 60;
}

/** Normalises `2026-01-01T10:00:00.123456`, `…+00:00`, `…+02:00` and `…Z` to `…Z`; returns undefined if unparseable. */
export function normalizeTimestamp(value: string): string | undefined {
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

/** Parses an RFC 3339 instant (any offset) to epoch ms, or undefined. */
export function parseInstant(value: string): number | undefined {
  const normalized = normalizeTimestamp(value);
  return normalized === undefined ? undefined : Date.parse(normalized.slice(0, 23).replace(/Z$/, '') + 'Z');
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
