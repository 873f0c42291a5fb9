// ISBT 128 dates: cyyjjj, a century digit, a two-digit year and the day of the year (ST-001
// §2.4.4 Expiration Date, §2.4.8 Production Date):
//   readJulianDate('019031') → { iso: '2019-01-31' }
//   readJulianDate('024366') → { iso: '2024-12-31' }        (2024 is a leap year)
//   readJulianDate('023366') → { problem: 'day ### of #### does not exist' }
//
// The century digit counts centuries from 2000 (0: 2000–2099), so no sliding window is needed.
// Problems never quote the digits: a date-shaped value may be a mistyped personal number.

import { isoOfDayOfYear } from '../calendar.ts';

export const JULIAN_DATE_LENGTH = 6;

export type JulianDate = { iso: string; problem?: undefined } | { iso?: undefined; problem: string };

export function readJulianDate(cyyjjj: string): JulianDate {
  if (cyyjjj.length !== JULIAN_DATE_LENGTH || !/^[0-9]{6}$/.test(cyyjjj)) return { problem: 'it must be 6 digits, cyyjjj' };
  const year = 2000 + Number(cyyjjj.slice(0, 3));
  const iso = isoOfDayOfYear(year, Number(cyyjjj.slice(3)));
  return iso === null ? { problem: 'day ### of #### does not exist' } : { iso };
}
