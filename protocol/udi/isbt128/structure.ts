// What every ISBT 128 data structure reader shares: its description and the checks of its content.
//   const s: StructureSpec = { number: '032', name: 'Product Divisions', id: '=,', length: 6, read };
//   s.read('000025') → { value: '000025' }
//   upperAlphanumericError('Product Divisions', '0000a5') → { code: 'bad-charset', … }
//
// A data structure is a data identifier (two or three characters, '=' or '&' first) and content of
// a fixed length (ICCBBA ST-001 §2.4); the Donation Identification Number alone keeps the second
// character of its identifier as the first of its content.

import { shown } from '../gs1/ai-label.ts';
import { error, type ParseError } from '../result.ts';

export type Reading = { value: string; error?: undefined } | { value?: undefined; error: ParseError };

export interface StructureSpec {
  /** ICCBBA's data structure number, e.g. '034'. */
  number: string;
  name: string;
  /** The data identifier as printed; for the DIN only '='. */
  id: string;
  /** Characters of content after the identifier (the DIN's include its identifier's second). */
  length: number;
  read(content: string): Reading;
}

const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** A 'bad-charset' error unless `value` holds only capital letters and digits (ST-011: no
 * lowercase in a production identifier). */
export function upperAlphanumericError(what: string, value: string): ParseError | null {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isUpper(c) || isDigit(c)) continue;
    return error('bad-charset', `The ISBT 128 ${what} holds only capital letters and digits, but it holds '${shown(value.charAt(i))}'.`);
  }
  return null;
}

/** A facility identification number (FIN): 5 of A–N, P–Z, 0–9 ('O' is never used, it reads as 0). */
export function finError(what: string, fin: string): ParseError | null {
  const bad = upperAlphanumericError(what, fin);
  if (bad) return bad;
  if (fin.includes('O')) return error('bad-charset', `The facility identification number in the ISBT 128 ${what} never holds the letter O (ICCBBA leaves it out: it reads as 0).`);
  return null;
}

export function isDigits(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (!isDigit(value.charCodeAt(i))) return false;
  return value.length > 0;
}
