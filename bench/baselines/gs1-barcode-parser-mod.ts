// Baseline: gs1-barcode-parser-mod (npm, devDependency), a widely used pure-JS GS1 parser. It
// splits element strings (AIM identifier optional, FNC1 as GS 0x1D, no leading FNC1) and the
// bracketed form into AIs, and checks only what splitting needs: known AIs, fixed lengths, digits
// where numbers are expected, and date fields. No check digits, no linters, no req/ex rules, no
// Digital Link, no HIBC.

import { parseBarcode, type ParsedBarcode } from 'gs1-barcode-parser-mod';

export const modValidates =
  'known AIs, fixed lengths, numeric fields, date fields; no check digits, no linters, no req/ex rules; element strings and bracketed form only (no Digital Link, no HIBC)';

/** Parses one scan; null when the parser throws (its way of refusing a code). */
export function modParse(text: string): ParsedBarcode | null {
  try {
    return parseBarcode(text);
  } catch {
    return null;
  }
}

/** Why the parser refuses a scan (its thrown string), or null when it accepts it. */
export function modError(text: string): string | null {
  try {
    parseBarcode(text);
    return null;
  } catch (e) {
    return String(e);
  }
}
