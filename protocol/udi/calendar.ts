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

/** The full year of a two-digit year, by the sliding window above, around `now` (UTC). */
export function fullYear(yy: number, now: Date = new Date()): number {
  const current = now.getUTCFullYear();
  const century = current - (current % 100);
  const diff = yy - (current % 100);
  if (diff >= 51) return century - 100 + yy;
  if (diff <= -50) return century + 100 + yy;
  return century + yy;
}
