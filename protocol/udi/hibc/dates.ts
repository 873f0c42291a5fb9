// HIBC dates, as YYYY-MM-DD:
//   hibcDate('MMYY', '0129')        → { iso: '2029-01-31' }   (a month: its last day)
//   hibcDate('YYMMDDHH', '29013114') → { iso: '2029-01-31' }   (the hour is checked, then dropped)
//   hibcDate('YYJJJ', '20015')      → { iso: '2020-01-15' }   (Julian: day 15 of 2020)
//   hibcDate('YYYYMMDD', '20240230') → { problem: 'February has no day 30' }
//
// Two-digit years: HIBC writes them without a century. They are read by the same sliding window as
// GS1 dates (GS1 General Specifications §7.12), around `now`: a year 51–99 ahead of the current
// one lies in the previous century, one 50–99 behind in the next, any other in this one. Until
// 2049 this reads every year 00–(current+50) as 20YY, the usual HIBC reading, and a label printed
// in the 1990s keeps its 19YY; GS1 and HIBC codes on one package then agree on the century.
// A month-only expiry (MMYY) means "use before the end of that month" and becomes its last day,
// like a GS1 expiry with day 00.

import { daysInMonth, fullYear, isLeapYear, isoOfDayOfYear, MONTHS } from '../calendar.ts';

export { daysInMonth, fullYear } from '../calendar.ts';

export type DateFormat = 'MMYY' | 'MMDDYY' | 'YYMMDD' | 'YYMMDDHH' | 'YYJJJ' | 'YYJJJHH' | 'YYYYMMDD';

/** How many digits each format has. */
export const DATE_LENGTH: Readonly<Record<DateFormat, number>> = {
  MMYY: 4,
  MMDDYY: 6,
  YYMMDD: 6,
  YYMMDDHH: 8,
  YYJJJ: 5,
  YYJJJHH: 7,
  YYYYMMDD: 8,
};

/** The number value[from, from+len) writes; the caller has checked the digits. */
function num(value: string, from: number, len: number): number {
  let n = 0;
  for (let i = from; i < from + len; i++) n = n * 10 + (value.charCodeAt(i) - 48);
  return n;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const iso = (y: number, m: number, d: number): string => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;

export type DateResult = { iso: string; problem?: undefined } | { iso?: undefined; problem: string };

function calendar(year: number, month: number, day: number | null): DateResult {
  if (month < 1 || month > 12) return { problem: `month ${pad(month, 2)} does not exist` };
  const last = daysInMonth(year, month);
  if (day === null) return { iso: iso(year, month, last) };
  if (day === 0) return { problem: 'day 00 does not exist' };
  if (day > last) {
    if (month === 2 && day === 29) return { problem: `${year} is not a leap year, so February has no day 29` };
    return { problem: `${MONTHS[month - 1] ?? 'that month'} has no day ${day}` };
  }
  return { iso: iso(year, month, day) };
}

function julian(year: number, dayOfYear: number): DateResult {
  const date = isoOfDayOfYear(year, dayOfYear);
  return date !== null ? { iso: date } : { problem: `day ${pad(dayOfYear, 3)} of ${year} does not exist (${year} has days 001–${isLeapYear(year) ? 366 : 365})` };
}

function hourProblem(value: string, at: number): string | null {
  const hh = num(value, at, 2);
  return hh > 23 ? `hour ${pad(hh, 2)} does not exist (00–23)` : null;
}

/** A date in one of the HIBC formats as YYYY-MM-DD, or why it is not a date. */
export function hibcDate(format: DateFormat, value: string, now?: Date): DateResult {
  const len = DATE_LENGTH[format];
  if (value.length !== len) return { problem: `a ${format} date has ${len} digits` };
  for (let i = 0; i < len; i++) {
    const d = value.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return { problem: `a ${format} date has ${len} digits` };
  }
  switch (format) {
    case 'MMYY':
      return calendar(fullYear(num(value, 2, 2), now), num(value, 0, 2), null);
    case 'MMDDYY':
      return calendar(fullYear(num(value, 4, 2), now), num(value, 0, 2), num(value, 2, 2));
    case 'YYMMDD':
      return calendar(fullYear(num(value, 0, 2), now), num(value, 2, 2), num(value, 4, 2));
    case 'YYMMDDHH': {
      const hour = hourProblem(value, 6);
      return hour !== null ? { problem: hour } : calendar(fullYear(num(value, 0, 2), now), num(value, 2, 2), num(value, 4, 2));
    }
    case 'YYJJJ':
      return julian(fullYear(num(value, 0, 2), now), num(value, 2, 3));
    case 'YYJJJHH': {
      const hour = hourProblem(value, 5);
      return hour !== null ? { problem: hour } : julian(fullYear(num(value, 0, 2), now), num(value, 2, 3));
    }
    case 'YYYYMMDD':
      return calendar(num(value, 0, 4), num(value, 4, 2), num(value, 6, 2));
  }
}
