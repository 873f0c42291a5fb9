// Which characters HIBC data may hold:
//   charsetError('+A999123457')  → null
//   charsetError('+a999123457')  → { code: 'bad-charset', message: "HIBC uses capital letters only, but position 2 holds a lowercase 'a' …" }
//   isAlphanumeric('LOT42')      → true     (the fields: LIC, product number, lot, serial)
//
// The whole code must stay inside the 43 characters of Code 39 (mod43.ts), because the check
// character is computed over them. The data fields are narrower: digits and capital letters only
// (ANSI/HIBC 2.6 §2.1–2.2); the other Code 39 characters appear only as flags ('+', '$'),
// separators ('/') and as the check or link character.

import { error, type ParseError } from '../result.ts';
import { mod43ValueOfCode } from './mod43.ts';

const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
export const isDigitCode = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Digits and capital letters only (an empty string is alphanumeric). */
export function isAlphanumeric(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isDigitCode(c) && !isUpper(c)) return false;
  }
  return true;
}

/** Digits only, and at least one. */
export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isDigitCode(s.charCodeAt(i))) return false;
  return true;
}

/** A character for a message: printable ASCII as itself, anything else by its code. */
export function describeCode(c: number): string {
  if (c > 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  if (c === 0x20) return 'a space';
  return `the control or non-ASCII character 0x${c.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** The first character outside the Code 39 set, as a 'bad-charset' error, or null if none. */
export function charsetError(data: string): ParseError | null {
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (mod43ValueOfCode(c) >= 0) continue;
    const where = `position ${i + 1}`;
    if (isLower(c)) {
      return error(
        'bad-charset',
        `HIBC uses capital letters only, but ${where} holds a lowercase '${String.fromCharCode(c)}': the scanner may be set to change letter case.`,
      );
    }
    return error(
      'bad-charset',
      `HIBC data holds only digits, capital letters and - . space $ / + %, but ${where} holds ${describeCode(c)}.`,
    );
  }
  return null;
}

/** A 'bad-charset' error when a data field holds something other than digits and capitals. */
export function fieldCharsetError(what: string, value: string): ParseError | null {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isDigitCode(c) || isUpper(c)) continue;
    return error('bad-charset', `The ${what} may hold only digits and capital letters, but it holds ${describeCode(c)}.`);
  }
  return null;
}
