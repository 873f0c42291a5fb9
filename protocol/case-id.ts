// Case ids are made by the gateway, never typed: free text here would let a patient's name or
// personnummer ride along with every scan to the national database.
//   newCaseId()                     → 'case-k7d2m9qx'  (7 random characters + 1 check character)
//   dayCaseId(Date.parse('2026-12-05T10:00:00')) → 'day-20261205'  (scans outside a started case)
//   isGatewayCaseId('case-k7d2m9qx') → true;  isGatewayCaseId('19121212_1212') → false
//   isValidCaseId('case-k7d2m9qx')  → true: what the uplink and the national service accept
// The alphabet is Crockford's base 32 in lowercase (no i, l, o, u); eight characters hold at most
// eight digits, too few for any personal identity number. The check character (from a hash of the
// rest) makes an id typed or guessed by hand fail 31 times in 32.
// Downstream accepts a wider shape (CASE_ID_PATTERN: ids of older gateways had no check character),
// never free text and never anything shaped like a personal identity number.

import { createHash, randomInt } from 'node:crypto';
import { containsPersonalId } from './udi/personal-id.ts';

/** What the uplink and the national service accept: a letter or digit, then up to 31 letters,
 * digits or hyphens (no spaces, no underscores). */
export const CASE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/;

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CASE = /^case-([0-9a-hjkmnp-tv-z]{7})([0-9a-hjkmnp-tv-z])$/;
const DAY = /^day-[0-9]{8}$/;

function check(body: string): string {
  return ALPHABET[createHash('sha256').update(`case-${body}`).digest()[0]! & 31]!;
}

export function newCaseId(random: (max: number) => number = randomInt): string {
  let body = '';
  for (let i = 0; i < 7; i++) body += ALPHABET[random(32)];
  return `case-${body}${check(body)}`;
}

/** The case of a theatre's day, in local time: the scans made outside any started case. */
export function dayCaseId(atMs: number): string {
  const d = new Date(atMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `day-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
}

/** A case id this gateway software made: a checked `case-…` or a `day-YYYYMMDD`. */
export function isGatewayCaseId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (DAY.test(value)) return true;
  const m = CASE.exec(value);
  return m !== null && check(m[1]!) === m[2];
}

/** A case id the uplink and the national service keep: CASE_ID_PATTERN, and no personal identity number. */
export function isValidCaseId(value: string): boolean {
  return CASE_ID_PATTERN.test(value) && !containsPersonalId(value);
}
