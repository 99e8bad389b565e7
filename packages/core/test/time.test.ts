import { describe, expect, it } from 'vitest';
import {
  ceilToSecond,
  compareTimestamps,
  floorSecondMs,
  floorToSecond,
  formatDuration,
  formatSecond,
  normalizeTimestamp,
} from '../src/time.js';

describe('normalizeTimestamp', () => {
  it('keeps every fractional digit and adds Z to a zoneless timestamp', () => {
    expect(normalizeTimestamp('2026-03-01T10:00:00.123456')).toBe('2026-03-01T10:00:00.123456Z');
    expect(normalizeTimestamp('2026-03-01T10:00:00.123456789')).toBe('2026-03-01T10:00:00.123456789Z');
    expect(normalizeTimestamp('2026-03-01T10:00:00.1')).toBe('2026-03-01T10:00:00.1Z');
  });

  it('turns a zero offset into Z without touching the fraction', () => {
    expect(normalizeTimestamp('2026-03-01T10:00:00.123456+00:00')).toBe('2026-03-01T10:00:00.123456Z');
    expect(normalizeTimestamp('2026-03-01T10:00:00.123456-00:00')).toBe('2026-03-01T10:00:00.123456Z');
    expect(normalizeTimestamp('2026-03-01T10:00:00+0000')).toBe('2026-03-01T10:00:00Z');
    expect(normalizeTimestamp('2026-03-01T10:00:00.5Z')).toBe('2026-03-01T10:00:00.5Z');
    expect(normalizeTimestamp('2026-03-01t10:00:00z')).toBe('2026-03-01T10:00:00Z');
  });

  it('accepts a space instead of T and surrounding whitespace', () => {
    expect(normalizeTimestamp(' 2026-03-01 10:00:00.25 ')).toBe('2026-03-01T10:00:00.25Z');
  });

  it('shifts a non-zero offset into UTC, keeping the fraction exactly', () => {
    expect(normalizeTimestamp('2026-03-01T10:00:00.123456+02:00')).toBe('2026-03-01T08:00:00.123456Z');
    expect(normalizeTimestamp('2026-03-01T10:00:00.123456+0200')).toBe('2026-03-01T08:00:00.123456Z');
    expect(normalizeTimestamp('2026-03-01T10:00:00.000001-05:30')).toBe('2026-03-01T15:30:00.000001Z');
    // Crossing midnight and a month boundary.
    expect(normalizeTimestamp('2026-03-01T00:30:00.5+01:00')).toBe('2026-02-28T23:30:00.5Z');
    expect(normalizeTimestamp('2024-12-31T23:59:59.999999-01:00')).toBe('2025-01-01T00:59:59.999999Z');
  });

  it('returns undefined for garbage', () => {
    for (const garbage of [
      '',
      'yesterday',
      '2026-03-01',
      '2026-03-01T10:00',
      '2026-03-01T10:00:00.Z',
      '2026-03-01T10:00:00+2',
      '2026-13-01T10:00:00Z',
      '2026-03-01T10:61:00Z',
      '2026-03-01T10:00:00Zjunk',
      '20260301T100000Z',
    ]) {
      expect(normalizeTimestamp(garbage), garbage).toBeUndefined();
    }
  });

  it('returns undefined for calendar-invalid dates and times instead of echoing them', () => {
    // Date.parse rolls these over (Feb 30 -> Mar 2, 24:00 -> next day), so they must be checked explicitly.
    for (const invalid of ['2026-02-30T10:00:00Z', '2026-04-31T10:00:00.5Z', '2026-03-01T24:00:00Z', '2025-02-29T00:00:00']) {
      expect(normalizeTimestamp(invalid), invalid).toBeUndefined();
    }
  });
});

describe('compareTimestamps', () => {
  const sign = (n: number) => Math.sign(n);

  it('orders by whole second first', () => {
    expect(sign(compareTimestamps('2026-03-01T10:00:00.9Z', '2026-03-01T10:00:01Z'))).toBe(-1);
    expect(sign(compareTimestamps('2026-03-01T10:00:02Z', '2026-03-01T10:00:01.999999Z'))).toBe(1);
  });

  it('compares fractions of differing lengths by value, not by length', () => {
    expect(compareTimestamps('2026-03-01T10:00:00.5Z', '2026-03-01T10:00:00.500000Z')).toBe(0);
    expect(compareTimestamps('2026-03-01T10:00:00Z', '2026-03-01T10:00:00.000Z')).toBe(0);
    expect(sign(compareTimestamps('2026-03-01T10:00:00.5Z', '2026-03-01T10:00:00.123456Z'))).toBe(1);
    expect(sign(compareTimestamps('2026-03-01T10:00:00.05Z', '2026-03-01T10:00:00.5Z'))).toBe(-1);
    expect(sign(compareTimestamps('2026-03-01T10:00:00Z', '2026-03-01T10:00:00.000001Z'))).toBe(-1);
    expect(sign(compareTimestamps('2026-03-01T10:00:00.1234567Z', '2026-03-01T10:00:00.123456Z'))).toBe(1);
  });

  it('distinguishes microseconds that a Date would round away', () => {
    const a = '2026-03-01T10:00:00.123456Z';
    const b = '2026-03-01T10:00:00.123457Z';
    expect(Date.parse(a)).toBe(Date.parse(b));
    expect(sign(compareTimestamps(a, b))).toBe(-1);
    expect(sign(compareTimestamps(b, a))).toBe(1);
  });
});

describe('whole-second helpers', () => {
  const t = Date.UTC(2026, 2, 1, 10, 0, 0);

  it('floors and ceils to the second', () => {
    expect(floorToSecond(t)).toBe(t);
    expect(floorToSecond(t + 999)).toBe(t);
    expect(ceilToSecond(t)).toBe(t);
    expect(ceilToSecond(t + 1)).toBe(t + 1000);
    expect(ceilToSecond(t + 999)).toBe(t + 1000);
  });

  it('floorSecondMs ignores the fraction of a normalised timestamp', () => {
    expect(floorSecondMs('2026-03-01T10:00:00.999999Z')).toBe(t);
    expect(floorSecondMs('2026-03-01T10:00:00Z')).toBe(t);
  });

  it('formatSecond writes YYYY-MM-DDTHH:MM:SSZ', () => {
    expect(formatSecond(t)).toBe('2026-03-01T10:00:00Z');
    expect(formatSecond(t + 61_000)).toBe('2026-03-01T10:01:01Z');
  });

  it('formatDuration picks a readable unit', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(119_000)).toBe('119 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(2 * 3600_000)).toBe('2.0 h');
  });
});
