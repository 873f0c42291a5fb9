import { afterEach, describe, expect, it, vi } from 'vitest';
import { currentYearStart, fullYear } from './calendar.ts';
import { parse } from './index.ts';

// fullYear and currentYearStart cache the current year: the cache must follow the clock, whichever
// way it moves (New Year, or a fake clock set back).
describe('the current year, cached', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('follows the clock across New Year, forwards and backwards', () => {
    vi.useFakeTimers();
    for (const [time, year, yy29] of [
      ['2026-12-31T23:59:59.999Z', 2026, 2029],
      ['2027-01-01T00:00:00.000Z', 2027, 2029],
      ['2080-06-01T00:00:00.000Z', 2080, 2129],
      ['2026-01-01T00:00:00.000Z', 2026, 2029],
      ['2025-12-31T23:59:59.999Z', 2025, 2029],
      ['1990-03-01T00:00:00.000Z', 1990, 2029],
      ['1970-01-01T00:00:00.000Z', 1970, 1929],
    ] as const) {
      vi.setSystemTime(new Date(time));
      expect(currentYearStart().toISOString()).toBe(`${year}-01-01T00:00:00.000Z`);
      expect(fullYear(29)).toBe(yy29);
      expect(fullYear(29, new Date(time))).toBe(yy29);
    }
  });

  it('gives parse() the same century as an explicit now', () => {
    vi.useFakeTimers();
    const scan = ']d2' + '0109506000134352' + '17790131';
    for (const time of ['2026-06-01T00:00:00Z', '2030-06-01T00:00:00Z', '2020-06-01T00:00:00Z']) {
      vi.setSystemTime(new Date(time));
      expect(parse(scan)).toEqual(parse(scan, { now: new Date(time) }));
    }
    // 79 is 53 years ahead of 2026 (previous century), 49 ahead of 2030 (this one).
    vi.setSystemTime(new Date('2026-06-01T00:00:00Z'));
    expect(parse(scan).udi.expiry).toBe('1979-01-31');
    vi.setSystemTime(new Date('2030-06-01T00:00:00Z'));
    expect(parse(scan).udi.expiry).toBe('2079-01-31');
    vi.setSystemTime(new Date('2026-06-01T00:00:00Z'));
    expect(parse(scan).udi.expiry).toBe('1979-01-31');
  });
});
