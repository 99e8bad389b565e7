/**
 * Time is kept as integer microseconds since the epoch (a JS number holds them exactly until
 * year 2255), because Ada's timestamps carry microseconds and tie groups are defined to the
 * microsecond. Going through Date would round to milliseconds.
 */

export const US_PER_MS = 1_000;
export const US_PER_SECOND = 1_000_000;
export const US_PER_DAY = 86_400 * US_PER_SECOND;

export function msToUs(ms: number): number {
  return Math.floor(ms * US_PER_MS);
}

export function floorToSecondUs(us: number): number {
  return Math.floor(us / US_PER_SECOND) * US_PER_SECOND;
}

export function ceilToSecondUs(us: number): number {
  return Math.ceil(us / US_PER_SECOND) * US_PER_SECOND;
}

function wholeSecondPart(us: number): string {
  return new Date(Math.floor(us / US_PER_SECOND) * 1000).toISOString().slice(0, 19);
}

/**
 * Python's `datetime.isoformat()`: six fractional digits, or none at all when the microsecond is
 * zero. Clients that expect a fixed width break on whole-second records, as they do against Ada.
 */
function isoformat(us: number): string {
  const micros = us % US_PER_SECOND;
  const whole = wholeSecondPart(us);
  return micros === 0 ? whole : `${whole}.${String(micros).padStart(6, '0')}`;
}

/** Conversation timestamps: naive (no zone) although they mean UTC. */
export function formatNaive(us: number): string {
  return fastIsoformat(us);
}

/** Message timestamps and record_last_updated: explicit `+00:00`. */
export function formatOffset(us: number): string {
  return `${fastIsoformat(us)}+00:00`;
}

/** The slow, obviously right version; tests hold fastIsoformat to it. */
export function referenceIsoformat(us: number): string {
  return isoformat(us);
}

/** The only format the query parameters accept; floors to the whole second. */
export function formatQueryTimestamp(us: number): string {
  return `${wholeSecondPart(us)}Z`;
}

const QUERY_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

function daysInMonth(year: number, month1: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month1, 0);
  return d.getUTCDate();
}

/** Parses strictly `YYYY-MM-DDTHH:MM:SSZ` (a real calendar instant) to microseconds, else null. */
export function parseQueryTimestamp(value: string): number | null {
  const m = QUERY_TIMESTAMP.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime() * US_PER_MS;
}

/**
 * The oldest instant a query may start at: the same wall-clock moment one calendar year earlier in
 * UTC. On 29 February the day is clamped to 28 February rather than rolling into March, so the
 * window is never longer than a year.
 */
export function twelveMonthsBeforeMs(nowMs: number): number {
  const now = new Date(nowMs);
  const year = now.getUTCFullYear() - 1;
  const month = now.getUTCMonth();
  const day = Math.min(now.getUTCDate(), daysInMonth(year, month + 1));
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds(), now.getUTCMilliseconds());
  return d.getTime();
}

/** Smallest whole-second `*_since` that passes the 12-month rule, in microseconds. */
export function earliestQueryableUs(nowMs: number): number {
  return ceilToSecondUs(msToUs(twelveMonthsBeforeMs(nowMs)));
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const dayCache = new Map<number, string>();

/**
 * The hot path of page serialisation formats two or three timestamps per record; Date plus
 * toISOString costs more than the rest of a record, so dates are cached per day and the time of
 * day is assembled from a lookup table. Output matches isoformat() above.
 */
export function fastIsoformat(us: number): string {
  const second = Math.floor(us / US_PER_SECOND);
  const micros = us - second * US_PER_SECOND;
  const day = Math.floor(second / 86_400);
  let date = dayCache.get(day);
  if (date === undefined) {
    if (dayCache.size > 20_000) dayCache.clear();
    date = new Date(day * 86_400_000).toISOString().slice(0, 10);
    dayCache.set(day, date);
  }
  const tod = second - day * 86_400;
  const hour = Math.floor(tod / 3600);
  const minute = Math.floor((tod - hour * 3600) / 60);
  const whole = `${date}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[tod - hour * 3600 - minute * 60]}`;
  return micros === 0 ? whole : `${whole}.${String(micros + US_PER_SECOND).slice(1)}`;
}

/** Millisecond precision, always three digits, `+00:00`: the audit log's `timestamp` (ada-api.md §9.8). */
export function formatMillisOffset(us: number): string {
  return `${formatMillis(us)}+00:00`;
}

/** Millisecond precision ending in `Z`, as Svix (which runs Ada's webhooks) writes its dates. */
export function formatMillisZ(us: number): string {
  return `${formatMillis(us)}Z`;
}

function formatMillis(us: number): string {
  const ms = Math.floor(us / US_PER_MS);
  return new Date(ms).toISOString().slice(0, 23);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 date-time that carries a zone (`Z` or ±hh:mm) to microseconds, else null.
 * A naive timestamp is refused rather than read as UTC: the audit log demands a zone. Digits beyond
 * the microsecond are dropped.
 */
export function parseRfc3339Us(value: string): number | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const zone = m[8] ?? 'Z';
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const zoneHours = Number(zone.slice(1, 3));
    const zoneMinutes = Number(zone.slice(4, 6));
    if (zoneHours > 23 || zoneMinutes > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const fraction = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  return d.getTime() * US_PER_MS + fraction;
}
