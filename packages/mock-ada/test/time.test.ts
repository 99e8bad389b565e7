import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random.js';
import { fastIsoformat, parseQueryTimestamp, referenceIsoformat, twelveMonthsBeforeMs } from '../src/time.js';

describe('timestamp helpers', () => {
  it('formats microseconds exactly like the reference, dropping the fraction on whole seconds', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 20_000; i++) {
      let us = Math.floor(1_600_000_000_000_000 + rng.float53() * 400_000_000_000_000);
      if (i % 10 === 0) us -= us % 1_000_000;
      expect(fastIsoformat(us)).toBe(referenceIsoformat(us));
    }
    expect(fastIsoformat(1_772_359_200_000_000)).toBe('2026-03-01T10:00:00');
    expect(fastIsoformat(1_772_359_200_000_001)).toBe('2026-03-01T10:00:00.000001');
    expect(fastIsoformat(1_772_359_199_999_999)).toBe('2026-03-01T09:59:59.999999');
  });

  it('parses only real YYYY-MM-DDTHH:MM:SSZ instants', () => {
    expect(parseQueryTimestamp('2026-03-01T10:00:00Z')).toBe(Date.parse('2026-03-01T10:00:00Z') * 1000);
    expect(parseQueryTimestamp('2024-02-29T00:00:00Z')).toBe(Date.parse('2024-02-29T00:00:00Z') * 1000);
    expect(parseQueryTimestamp('2025-02-29T00:00:00Z')).toBeNull();
    expect(parseQueryTimestamp('0099-01-01T00:00:00Z')).toBe(Date.parse('0099-01-01T00:00:00Z') * 1000);
  });

  it('takes twelve calendar months back in UTC', () => {
    expect(twelveMonthsBeforeMs(Date.parse('2026-03-01T10:00:00.250Z'))).toBe(Date.parse('2025-03-01T10:00:00.250Z'));
    expect(twelveMonthsBeforeMs(Date.parse('2028-02-29T23:59:59Z'))).toBe(Date.parse('2027-02-28T23:59:59Z'));
    expect(twelveMonthsBeforeMs(Date.parse('2027-01-01T00:00:00Z'))).toBe(Date.parse('2026-01-01T00:00:00Z'));
  });
});
