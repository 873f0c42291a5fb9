// Whether a Digital Link path that holds no AI/value pairs looks like a compressed one (GS1
// Digital Link: Compression); when it does not decode, that decides between "cannot be decoded"
// and "holds no primary key":
//   looksCompressed(['AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ'])                → true  (fully compressed)
//   looksCompressed(['01', '09506000134352', 'ARHKVAdpQg'])            → true  (partially: key kept)
//   looksCompressed(['products', 'information'])                       → false
// As the GS1 Digital Link toolkit and the URI syntax standard's plausibility expression do: the
// last segment is base64url (A-Z a-z 0-9 - _), at least 10 characters when it is the whole
// compressed link, after a primary key and its value when only the rest is compressed. A word is
// not taken for a blob: a fully compressed segment must mix digits with letters, or change from
// lower to upper case at least twice ("Product-Info", "informationen" are words).

import { pathAi } from './digital-link-alphas.ts';

/** Shortest fully compressed path (the standard's expression: [0-9A-Za-z_-]{10,}). */
const MIN_FULL = 10;

/** Whether `s` is base64url and, when `blobLike`, looks like encoded bits rather than words. */
function isBase64url(s: string, blobLike: boolean): boolean {
  let digit = false;
  let letter = false;
  let caseChanges = 0;
  let wasLower = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const lower = c >= 0x61 && c <= 0x7a;
    const upper = c >= 0x41 && c <= 0x5a;
    if (c >= 0x30 && c <= 0x39) digit = true;
    else if (lower || upper) letter = true;
    else if (c !== 0x2d && c !== 0x5f) return false;
    if (upper && wasLower) caseChanges++;
    wasLower = lower;
  }
  return s.length > 0 && (!blobLike || (digit && letter) || caseChanges >= 2);
}

export function looksCompressed(segments: readonly string[]): boolean {
  const n = segments.length;
  const last = segments[n - 1] ?? '';
  if (n >= 3 && (segments[n - 2] ?? '') !== '' && pathAi(segments[n - 3] ?? '')?.dlpkey != null && isBase64url(last, false)) return true;
  return last.length >= MIN_FULL && isBase64url(last, true);
}
