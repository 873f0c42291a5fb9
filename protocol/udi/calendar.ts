// The Gregorian calendar facts both GS1 and HIBC dates need:
//   daysInMonth(2024, 2) → 29      fullYear(29, new Date('2026-06-01')) → 2029
//   MONTHS[0] → 'January' (for messages)
//
// Two-digit years follow GS1 General Specifications §7.12: a year 51..99 ahead of the current one
// is in the previous century, one 50..99 behind is in the next, anything else is in this one.

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Day `dayOfYear` (1-based, a "Julian" date as HIBC and ISBT 128 write it) of `year` as YYYY-MM-DD,
 * or null when the year has no such day. */
export function isoOfDayOfYear(year: number, dayOfYear: number): string | null {
  if (dayOfYear < 1 || dayOfYear > (isLeapYear(year) ? 366 : 365)) return null;
  let month = 1;
  let left = dayOfYear;
  while (month < 12 && left > daysInMonth(year, month)) {
    left -= daysInMonth(year, month);
    month++;
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(left).padStart(2, '0')}`;
}

// The current UTC year, cached with the span of time it covers. fullYear runs several times per
// scan and a Date per call was a tenth of a GS1 parse; even Date.now() costs ~50 ns here, so a
// parse reads the clock once (currentYearStart) and hands that Date down. Checking the span (not
// only "a year has passed") keeps the answer right across New Year and under fake clocks moved to
// any time, backwards included.
let cachedYear = Number.NaN;
let cachedFrom = Number.NaN; // ms since the epoch, inclusive
let cachedUntil = Number.NaN; // exclusive
let cachedStart = new Date(Number.NaN);

function refresh(): void {
  const t = Date.now();
  if (t >= cachedFrom && t < cachedUntil) return;
  const d = new Date(t);
  cachedYear = d.getUTCFullYear();
  d.setUTCMonth(0, 1);
  d.setUTCHours(0, 0, 0, 0);
  cachedFrom = d.getTime();
  cachedStart = new Date(cachedFrom);
  d.setUTCFullYear(cachedYear + 1);
  cachedUntil = d.getTime();
}

/**
 * The first instant of the current UTC year: a stand-in for "now" where only the year matters
 * (two-digit years). Shared between calls, so callers must not modify it.
 */
export function currentYearStart(): Date {
  refresh();
  return cachedStart;
}

/** The full year of a two-digit year, by the sliding window above, around `now` (UTC). */
export function fullYear(yy: number, now?: Date): number {
  if (now === undefined) refresh();
  // The shared year start (never modified) is recognised by identity: no date arithmetic.
  const current = now === undefined || now === cachedStart ? cachedYear : now.getUTCFullYear();
  const century = current - (current % 100);
  const diff = yy - (current % 100);
  if (diff >= 51) return century - 100 + yy;
  if (diff <= -50) return century + 100 + yy;
  return century + yy;
}
