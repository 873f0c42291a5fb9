import { describe, expect, it } from 'vitest';
import { daysInMonth, fullYear, hhmiProblem, hhProblem, miProblem, ssProblem, yymmddProblem, yymmddToIso, yyyymmddProblem } from './dates.ts';

const in2026 = new Date('2026-06-15T12:00:00Z');

describe('fullYear: the GS1 century window (General Specifications §7.12)', () => {
  it('puts years up to 50 ahead in this century, 51 or more ahead in the previous one', () => {
    expect(fullYear(26, in2026)).toBe(2026);
    expect(fullYear(76, in2026)).toBe(2076); // +50
    expect(fullYear(77, in2026)).toBe(1977); // +51
    expect(fullYear(99, in2026)).toBe(1999);
    expect(fullYear(0, in2026)).toBe(2000);
  });

  it('puts years 50 or more behind in the next century', () => {
    const in2080 = new Date('2080-01-01T00:00:00Z');
    expect(fullYear(31, in2080)).toBe(2031); // -49: this century
    expect(fullYear(30, in2080)).toBe(2130); // -50: next century
    expect(fullYear(29, in2080)).toBe(2129);
    expect(fullYear(80, in2080)).toBe(2080);
    expect(fullYear(99, in2080)).toBe(2099);
  });

  it('turns over at the end of a century', () => {
    const in2099 = new Date('2099-12-31T23:59:59Z');
    expect(fullYear(0, in2099)).toBe(2100); // -99
    expect(fullYear(49, in2099)).toBe(2149); // -50
    expect(fullYear(50, in2099)).toBe(2050); // -49
    const in2100 = new Date('2100-01-01T00:00:00Z');
    expect(fullYear(99, in2100)).toBe(2099); // +99
    expect(fullYear(50, in2100)).toBe(2150); // +50
    expect(fullYear(51, in2100)).toBe(2051); // +51
  });

  it('uses the UTC year', () => {
    // 01 is 50 behind 2051 (next century) but only 49 behind 2050 (this century).
    expect(fullYear(1, new Date('2051-01-01T00:30:00Z'))).toBe(2101);
    expect(fullYear(1, new Date('2050-12-31T23:30:00Z'))).toBe(2001);
  });

  it('defaults to the current year', () => {
    const yy = new Date().getUTCFullYear() % 100;
    expect(fullYear(yy)).toBe(new Date().getUTCFullYear());
  });
});

describe('yymmddToIso', () => {
  it('converts dates', () => {
    expect(yymmddToIso('290131', false, in2026)).toBe('2029-01-31');
    expect(yymmddToIso('991231', false, in2026)).toBe('1999-12-31');
    expect(yymmddToIso('000101', false, in2026)).toBe('2000-01-01');
  });

  it('reads DD=00 as the last day of the month, only where allowed', () => {
    expect(yymmddToIso('290100', true, in2026)).toBe('2029-01-31');
    expect(yymmddToIso('290400', true, in2026)).toBe('2029-04-30');
    expect(yymmddToIso('281200', true, in2026)).toBe('2028-12-31');
    expect(yymmddToIso('240200', true, in2026)).toBe('2024-02-29'); // leap year
    expect(yymmddToIso('250200', true, in2026)).toBe('2025-02-28');
    expect(yymmddToIso('000200', true, in2026)).toBe('2000-02-29'); // divisible by 400
    expect(yymmddToIso('000200', true, new Date('2060-01-01T00:00:00Z'))).toBe('2100-02-28'); // 2100: not leap
    expect(yymmddToIso('290100', false, in2026)).toBeNull();
  });

  it('refuses impossible dates and anything but six digits', () => {
    for (const bad of ['250231', '250229', '251301', '250001', '250132', '250431', '25013', '2501311', '25O131', '', '-50131', '２５０１３１']) {
      expect(yymmddToIso(bad, true, in2026)).toBeNull();
    }
    expect(yymmddToIso('240229', false, in2026)).toBe('2024-02-29');
  });
});

describe('problems, in words', () => {
  it('says what is wrong with a date', () => {
    expect(yymmddProblem('250231', true, in2026)).toBe('February has no day 31');
    expect(yymmddProblem('250229', true, in2026)).toBe('2025 is not a leap year, so February has no day 29');
    expect(yymmddProblem('250431', true, in2026)).toBe('April has no day 31');
    expect(yymmddProblem('251301', true, in2026)).toBe('month 13 does not exist');
    expect(yymmddProblem('250001', true, in2026)).toBe('month 00 does not exist');
    expect(yymmddProblem('250100', false, in2026)).toMatch(/day 00/);
    expect(yymmddProblem('2501', true, in2026)).toBe('a date needs 6 digits, YYMMDD');
    expect(yymmddProblem('250131', false, in2026)).toBeNull();
  });

  it('checks YYYYMMDD dates', () => {
    expect(yyyymmddProblem('20240229')).toBeNull();
    expect(yyyymmddProblem('19991231')).toBeNull();
    expect(yyyymmddProblem('19000229')).toBe('1900 is not a leap year, so February has no day 29');
    expect(yyyymmddProblem('20000229')).toBeNull();
    expect(yyyymmddProblem('20240200')).toMatch(/day 00/);
    expect(yyyymmddProblem('20241301')).toBe('month 13 does not exist');
    expect(yyyymmddProblem('2024022')).toBe('a date needs 8 digits, YYYYMMDD');
  });

  it('checks times', () => {
    expect(hhmiProblem('0000')).toBeNull();
    expect(hhmiProblem('2359')).toBeNull();
    expect(hhmiProblem('2400')).toBe('hour 24 does not exist (00–23)');
    expect(hhmiProblem('1260')).toBe('minute 60 does not exist (00–59)');
    expect(hhmiProblem('123')).toBe('a time needs 4 digits, HHMI');
    expect(hhmiProblem('12:3')).toBe('a time needs 4 digits, HHMI');
    expect(hhProblem('23')).toBeNull();
    expect(hhProblem('24')).toMatch(/hour 24/);
    expect(hhProblem('1')).toBe('hour needs 2 digits');
    expect(miProblem('59')).toBeNull();
    expect(miProblem('60')).toMatch(/minute 60/);
    expect(ssProblem('59')).toBeNull();
    expect(ssProblem('60')).toMatch(/second 60/);
    expect(ssProblem('5x')).toBe('second needs 2 digits');
  });

  it('knows the length of each month', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => daysInMonth(2023, m))).toEqual([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
  });
});
