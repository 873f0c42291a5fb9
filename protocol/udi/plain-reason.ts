// What a refusal means, said for the theatre nurse who scanned the package: one short sentence per
// parser error code, and what to do next. The precise message (which AI, which position) is for
// developers: `implant-scan parse --verbose` and the logs.
//   plainReason('truncated')   → 'The barcode was read incompletely — scan again.'
//   plainReason('personal-id') → 'This looks like a personal identity number — not stored.'
// A reason is fixed text: it never holds anything of the scan.

import type { ErrorCode, ParseError } from './result.ts';

const SCAN_AGAIN = 'The barcode was read incompletely — scan again.';
const MISREAD = 'The barcode was misread — scan again.';
const NOT_IMPLANT = 'This is not an implant package code.';
const BY_HAND = 'This barcode holds a value no product code may hold — record the implant by hand.';
const CONTRADICTS = 'This barcode contradicts itself — record the implant by hand.';

/** Every ErrorCode has one (the type makes a new code without a reason fail to compile). */
export const PLAIN_REASONS: Readonly<Record<ErrorCode, string>> = Object.freeze({
  empty: 'Nothing was read — scan again.',
  'too-long': 'This barcode holds more than a package code — scan the product barcode on the package.',
  'too-short': SCAN_AGAIN,
  truncated: SCAN_AGAIN,
  'bad-charset': MISREAD,
  'bad-check-digit': 'The barcode was misread (its check digit is wrong) — scan again.',
  'bad-date': 'This barcode holds an impossible date — record the implant by hand.',
  'bad-value': BY_HAND,
  'unknown-ai': 'The barcode was misread or is not a product code — scan again.',
  'missing-required-ai': 'This barcode is only part of the label — scan the barcode with the product number.',
  'excluded-ai': CONTRADICTS,
  'duplicate-ai': CONTRADICTS,
  'bad-bracketed': 'This code is not written as a product code should be — record the implant by hand.',
  'bad-digital-link': 'This web link is not a valid product link — scan the other barcode on the package.',
  'compressed-digital-link': 'This compressed web link cannot be read here — scan the other barcode on the package.',
  'bad-hibc': MISREAD,
  'bad-isbt128': MISREAD,
  'bad-symbology': 'The scanner sent an unexpected prefix — scan again; if it repeats, check the scanner settings.',
  'personal-id': 'This looks like a personal identity number — not stored.',
  'not-a-product': 'This code names no product — scan the barcode with the product number.',
  unrecognised: NOT_IMPLANT,
});

export function plainReason(code: ErrorCode): string {
  return PLAIN_REASONS[code];
}

/** The plain reason for a code that may come from elsewhere (a receipt's message code), or null. */
export function plainReasonOf(code: string): string | null {
  return Object.prototype.hasOwnProperty.call(PLAIN_REASONS, code) ? PLAIN_REASONS[code as ErrorCode] : null;
}

/** The first error of a refused parse, for people; NOT_IMPLANT when the parser gave none. */
export function plainReasonFor(errors: readonly ParseError[]): string {
  const first = errors[0];
  return first === undefined ? NOT_IMPLANT : PLAIN_REASONS[first.code];
}
