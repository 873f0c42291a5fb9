// The HIBC modulus-43 check character (ANSI/HIBC 2.6 §3, the Code 39 "mod 43" character):
//   mod43CheckChar('+A99912345')        → '7'   (so the primary code is +A999123457)
//   mod43CheckChar('+A99912345/$$52001510X3') → '3'
//   mod43Value('$')                     → 39
//
// Every character of the Code 39 set has a value: 0–9 → 0–9, A–Z → 10–35, '-' 36, '.' 37,
// ' ' 38, '$' 39, '/' 40, '+' 41, '%' 42. The check character is the character whose value is the
// sum of the values of all data characters before it, from the leading '+' on, modulo 43.
// The Code 39 start/stop '*' is not data and is never summed.

/** The 43 characters of Code 39, in value order. */
export const CODE39_CHARSET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%';

const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < CODE39_CHARSET.length; i++) VALUE[CODE39_CHARSET.charCodeAt(i)] = i;

/** The mod-43 value of the character with this code (0..42), or -1 outside the Code 39 set. */
export function mod43ValueOfCode(code: number): number {
  return code < 128 ? (VALUE[code] ?? -1) : -1;
}

/** The mod-43 value of a one-character string, or -1 outside the Code 39 set. */
export function mod43Value(char: string): number {
  return char.length === 1 ? mod43ValueOfCode(char.charCodeAt(0)) : -1;
}

/** The check character of `data[from, to)`, or null if a character of it is outside the set. */
export function mod43CheckChar(data: string, from = 0, to = data.length): string | null {
  let sum = 0;
  for (let i = from; i < to; i++) {
    const v = mod43ValueOfCode(data.charCodeAt(i));
    if (v < 0) return null;
    sum += v;
  }
  return CODE39_CHARSET[sum % 43] ?? null;
}

/** A character as a person reads it in a message: 'X', or ' ' (a space). */
export function showChar(char: string): string {
  return char === ' ' ? "' ' (a space)" : `'${char}'`;
}
