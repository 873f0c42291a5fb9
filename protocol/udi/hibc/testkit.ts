// Test helpers for the HIBC tests, kept apart from the parser on purpose: the check character is
// computed here a second, independent way (string search instead of a lookup table), so a test
// vector made with `withCheck` does not just repeat the parser's own arithmetic.
//   withCheck('+A99912345') → '+A999123457'
//   check('+A99912345')     → '7'

export const CODE39 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%';

export function check(data: string): string {
  let sum = 0;
  for (const ch of data) {
    const v = CODE39.indexOf(ch);
    if (v < 0) throw new Error(`not a Code 39 character: ${JSON.stringify(ch)}`);
    sum += v;
  }
  return CODE39.charAt(sum % 43);
}

export const withCheck = (data: string): string => data + check(data);

/** 2026-06-15: the fixed "now" of the tests (two-digit years 00–76 → 20YY, 77–99 → 19YY). */
export const NOW = new Date('2026-06-15T12:00:00Z');
