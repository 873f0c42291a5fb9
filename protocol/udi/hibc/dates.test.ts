import { describe, expect, it } from 'vitest';
import { fullYear, hibcDate } from './dates.ts';
import { NOW } from './testkit.ts';

const d = (format: Parameters<typeof hibcDate>[0], value: string) => hibcDate(format, value, NOW);

describe('HIBC dates', () => {
  it('reads every format', () => {
    expect(d('MMYY', '0129')).toEqual({ iso: '2029-01-31' });
    expect(d('MMDDYY', '013129')).toEqual({ iso: '2029-01-31' });
    expect(d('YYMMDD', '290131')).toEqual({ iso: '2029-01-31' });
    expect(d('YYMMDDHH', '29013123')).toEqual({ iso: '2029-01-31' });
    expect(d('YYJJJ', '29031')).toEqual({ iso: '2029-01-31' });
    expect(d('YYJJJHH', '2903100')).toEqual({ iso: '2029-01-31' });
    expect(d('YYYYMMDD', '20290131')).toEqual({ iso: '2029-01-31' });
  });

  it('gives a month-only expiry the last day of the month, leap years included', () => {
    expect(d('MMYY', '0228')).toEqual({ iso: '2028-02-29' });
    expect(d('MMYY', '0227')).toEqual({ iso: '2027-02-28' });
    expect(d('MMYY', '0430')).toEqual({ iso: '2030-04-30' });
    expect(d('MMYY', '1299')).toEqual({ iso: '1999-12-31' });
  });

  it('counts Julian days through the year', () => {
    expect(d('YYJJJ', '20015')).toEqual({ iso: '2020-01-15' });
    expect(d('YYJJJ', '24060')).toEqual({ iso: '2024-02-29' });
    expect(d('YYJJJ', '25060')).toEqual({ iso: '2025-03-01' });
    expect(d('YYJJJ', '24366')).toEqual({ iso: '2024-12-31' });
    expect(d('YYJJJ', '25365')).toEqual({ iso: '2025-12-31' });
  });

  it('explains impossible dates', () => {
    expect(d('YYJJJ', '25366').problem).toBe('day 366 of 2025 does not exist (2025 has days 001–365)');
    expect(d('YYJJJ', '25000').problem).toMatch(/day 000/);
    expect(d('YYMMDD', '250229').problem).toBe('2025 is not a leap year, so February has no day 29');
    expect(d('YYMMDD', '250431').problem).toBe('April has no day 31');
    expect(d('YYMMDD', '251301').problem).toBe('month 13 does not exist');
    expect(d('MMYY', '0029').problem).toBe('month 00 does not exist');
    expect(d('YYMMDD', '250100').problem).toBe('day 00 does not exist');
    expect(d('YYMMDDHH', '25010124').problem).toBe('hour 24 does not exist (00–23)');
    expect(d('YYJJJHH', '2500199').problem).toBe('hour 99 does not exist (00–23)');
    expect(d('YYYYMMDD', '20240230').problem).toBe('February has no day 30');
  });

  it('refuses wrong lengths and non-digits', () => {
    expect(d('YYMMDD', '29013').problem).toBe('a YYMMDD date has 6 digits');
    expect(d('YYMMDD', '2901A1').problem).toBe('a YYMMDD date has 6 digits');
    expect(d('YYYYMMDD', '2029013').problem).toBe('a YYYYMMDD date has 8 digits');
  });

  it('reads two-digit years by the GS1 sliding window around now', () => {
    expect(fullYear(0, NOW)).toBe(2000);
    expect(fullYear(76, NOW)).toBe(2076);
    expect(fullYear(77, NOW)).toBe(1977);
    expect(fullYear(99, NOW)).toBe(1999);
    expect(fullYear(5, new Date('2060-01-01T00:00:00Z'))).toBe(2105);
    expect(fullYear(99, new Date('2001-01-01T00:00:00Z'))).toBe(1999);
  });
});
