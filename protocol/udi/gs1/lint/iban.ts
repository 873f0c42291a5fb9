// International Bank Account Numbers (ISO 13616), for the GS1 linter iban (AI 8007):
//   ibanProblem('GB98MIDL07009312345678') → null
//   ibanProblem('GB99MIDL07009312345678') → { checksum: true, why: 'the IBAN check digits 99 are wrong' }
//   ibanProblem('XX361234567890')         → { checksum: false, why: 'XX is not a country code' }
// Check: move the first four characters to the end, read letters as 10..35, and the number must
// leave 1 when divided by 97. Computed digit by digit, so it never needs a big integer.

import { isIso3166Alpha2 } from './country-codes.ts';

export interface IbanProblem {
  /** true when only the mod-97 check failed: a misread, as for any other check digit. */
  checksum: boolean;
  why: string;
}

/** Value of an IBAN character (0-9 → 0..9, A-Z → 10..35), or -1. */
function ibanValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 55;
  return -1;
}

export function ibanProblem(value: string): IbanProblem | null {
  const n = value.length;
  if (n < 11) return { checksum: false, why: 'too short for an IBAN' }; // the GS1 reference's bound
  if (n > 34) return { checksum: false, why: 'an IBAN has at most 34 characters' };
  if (!isIso3166Alpha2(value.slice(0, 2))) return { checksum: false, why: `${value.slice(0, 2)} is not a country code` };
  let rest = 0;
  for (let k = 0; k < n; k++) {
    const i = (k + 4) % n; // characters 4 … n-1, then 0 … 3
    const v = ibanValue(value.charCodeAt(i));
    if (v < 0) return { checksum: false, why: `"${value[i]}" cannot appear in an IBAN (digits and capital letters only)` };
    rest = (rest * (v < 10 ? 10 : 100) + v) % 97;
  }
  return rest === 1 ? null : { checksum: true, why: `the IBAN check digits ${value.slice(2, 4)} are wrong` };
}
