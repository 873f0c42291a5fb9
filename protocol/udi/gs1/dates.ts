// GS1 dates and times:
//   yymmddToIso('290131', false)  → '2029-01-31'
//   yymmddToIso('240200', true)   → '2024-02-29'   (DD=00: the last day of the month, 2024 a leap year)
//   yymmddToIso('250231', true)   → null           (February has no day 31)
//   yymmddProblem('250231', true) → 'February has no day 31'
//   hhmiProblem('2460')           → 'hour 24 does not exist (00–23)'
//
// Two-digit years follow GS1 General Specifications §7.12: a year 51..99 ahead of the current one
// is in the previous century, one 50..99 behind is in the next, anything else is in this one.
// "now" is a parameter so that tests, and scans re-validated later, give a fixed answer.

import { daysInMonth, fullYear, MONTHS } from '../calendar.ts';

export { daysInMonth, fullYear } from '../calendar.ts';

/** The number written by value[from, from+len) if all digits, else -1. */
function digits(value: string, from: number, len: number): number {
  let n = 0;
  for (let i = from; i < from + len; i++) {
    const d = value.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

function dayProblem(year: number, month: number, day: number, allowZeroDay: boolean, leapMatters: boolean): string | null {
  if (month < 1 || month > 12) return `month ${String(month).padStart(2, '0')} does not exist`;
  if (day === 0) return allowZeroDay ? null : 'day 00 (no day given) is not allowed for this date';
  if (day > daysInMonth(year, month)) {
    if (month === 2 && day === 29 && leapMatters) return `${year} is not a leap year, so February has no day 29`;
    return `${MONTHS[month - 1]} has no day ${day}`;
  }
  return null;
}

/** Why `value` is not a YYMMDD date (DD=00 accepted when allowZeroDay), or null if it is one. */
export function yymmddProblem(value: string, allowZeroDay: boolean, now?: Date): string | null {
  const n = value.length === 6 ? digits(value, 0, 6) : -1; // one pass: YYMMDD as a number
  if (n < 0) return 'a date needs 6 digits, YYMMDD';
  return dayProblem(fullYear(Math.floor(n / 10000), now), Math.floor(n / 100) % 100, n % 100, allowZeroDay, true);
}

/** Why `value` is not a YYYYMMDD date, or null if it is one. */
export function yyyymmddProblem(value: string): string | null {
  if (value.length !== 8 || digits(value, 0, 8) < 0) return 'a date needs 8 digits, YYYYMMDD';
  return dayProblem(digits(value, 0, 4), digits(value, 4, 2), digits(value, 6, 2), false, true);
}

// An ISO date is built per scan; from these it takes one concatenation instead of five strings.
/** MONTH_DAY[month * 32 + day] = "-MM-DD", for every month 1..12 and day 1..31. */
const MONTH_DAY: string[] = [];
for (let m = 1; m <= 12; m++) {
  for (let d = 1; d <= 31; d++) MONTH_DAY[m * 32 + d] = `-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
/** String(year) for the years 2000..2199, made when first needed. */
const YEAR_TEXT: string[] = [];

function yearText(year: number): string {
  const i = year - 2000;
  if (!(i >= 0 && i < 200)) return String(year);
  return (YEAR_TEXT[i] ??= String(year));
}

/** A YYMMDD date as YYYY-MM-DD (DD=00 → last day of the month when allowZeroDay), or null. */
export function yymmddToIso(value: string, allowZeroDay: boolean, now?: Date): string | null {
  // yymmddProblem, with the year computed once for both.
  const n = value.length === 6 ? digits(value, 0, 6) : -1;
  if (n < 0) return null;
  const year = fullYear(Math.floor(n / 10000), now);
  const month = Math.floor(n / 100) % 100;
  const day = n % 100;
  if (dayProblem(year, month, day, allowZeroDay, true) !== null) return null;
  // DD=00 is the last day of the month.
  return yearText(year) + MONTH_DAY[month * 32 + (day === 0 ? daysInMonth(year, month) : day)]!;
}

function twoDigits(value: string, what: string, max: number, range: string): string | null {
  if (value.length !== 2 || digits(value, 0, 2) < 0) return `${what} needs 2 digits`;
  const n = digits(value, 0, 2);
  return n > max ? `${what} ${value} does not exist (${range})` : null;
}

export const hhProblem = (value: string): string | null => twoDigits(value, 'hour', 23, '00–23');
export const miProblem = (value: string): string | null => twoDigits(value, 'minute', 59, '00–59');
export const ssProblem = (value: string): string | null => twoDigits(value, 'second', 59, '00–59');

export function hhmiProblem(value: string): string | null {
  if (value.length !== 4 || digits(value, 0, 4) < 0) return 'a time needs 4 digits, HHMI';
  return hhProblem(value.slice(0, 2)) ?? miProblem(value.slice(2, 4));
}
