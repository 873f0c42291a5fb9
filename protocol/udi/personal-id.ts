// Swedish personal identity numbers: personnummer and samordningsnummer (day + 60), as printed on
// a patient wristband, typed, or scanned by mistake. They must never leave the parser. The one
// detector of the project: the parser, the gateway, the uplink and the national service use it.
//   containsPersonalId('19121212-1212')     → true  (12 digits with separator)
//   containsPersonalId('PAT 1212121212 X')  → true  (10 digits embedded in other text)
//   containsPersonalId('1912-12-12_1212')   → true  (any separator, also inside the date)
//   containsPersonalId('0104054321000125')  → false (a GTIN: one 16-digit run)
//
// The shape: maximal runs of digits (so the long digit runs of GS1 element strings do not match
// by accident), consecutive runs joined by 1–3 separators (- + _ . / space, or any Unicode space
// or dash such as a no-break space or an en dash). A window of joined
// runs matches when it holds 10 digits (YYMMDDNNNC) or 12 (CCYYMMDDNNNC, century 18–20), its runs
// break only before NNNC and between date parts (YY|MM|DD: "1912-12-12-1212", "19121212_1212",
// "121212.1212"), and month and day are a possible date (day + 60 for a samordningsnummer).
// The Luhn check digit is NOT required: a mistyped number, or a regional reserve number on a
// wristband, is still personal data (protocol/udi/README.md has the rule and its measured cost).

/** Separators that may join the parts of a number: - + _ . / space. */
const SEPARATOR = new Uint8Array(128);
for (const c of '-+_./ ') SEPARATOR[c.charCodeAt(0)] = 1;
/** Beyond ASCII, what a keyboard or a word processor puts there instead: any space (no-break,
 * thin, …) or dash (non-breaking hyphen, en dash, …), and the minus sign. */
const WIDE_SEPARATOR = /^[\p{Zs}\p{Pd}\u2212]$/u;
const isSeparator = (c: number): boolean => (c < 128 ? c >= 0 && SEPARATOR[c] === 1 : WIDE_SEPARATOR.test(String.fromCharCode(c)));
/** At most this many separators between two parts ("19121212 - 1212"). */
const MAX_GAP = 3;
/** Digit positions where a 10-digit (YY|MM|DD|NNNC) or 12-digit (CCYY|MM|DD|NNNC) form may break. */
const BREAKS_10 = (1 << 2) | (1 << 4) | (1 << 6);
const BREAKS_12 = (1 << 4) | (1 << 6) | (1 << 8);
/** A window has at most 4 runs (YY MM DD NNNC): the current run and 3 before it. */
const MAX_RUNS = 4;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// The ring of the last MAX_RUNS joined runs (starts, ends), shared by every call: no allocation.
const starts = new Int32Array(MAX_RUNS);
const ends = new Int32Array(MAX_RUNS);
/** Characters read by the current (or last) call: the linearity test counts work with it. */
let work = 0;

/** Characters read by the last containsPersonalId call (each digit of a tested window counted again). */
export function personalIdWork(): number {
  return work;
}

/** The fewest digits of a number (YYMMDDNNNC): a string with fewer holds none. */
const MIN_DIGITS = 10;
/** The most digits of one run that can be (part of) a number (CCYYMMDDNNNC). */
const MAX_RUN = 12;

/** True if `s` holds something shaped like a Swedish personal identity number or samordningsnummer. */
export function containsPersonalId(s: string): boolean {
  // Most values the guard sees (lots, serials, GTINs) cannot hold one: fewer than 10 digits, or
  // nothing but one run of more than 12. Counting digits is one comparison per character, a
  // fraction of the scan below, and stops once ten can no longer be reached; the fast-check
  // property in personal-id.test.ts holds the answer equal to the scan's.
  const n = s.length;
  if (n < MIN_DIGITS) {
    work = 0;
    return false;
  }
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (digits + n - 1 - i < MIN_DIGITS) {
      work = i + 1; // too few digits left to reach ten: stop reading
      return false;
    }
  }
  work = n;
  return mayHoldPersonalId(digits, n) && scan(s);
}

/** The pre-filter: whether a string of `length` characters with `digits` digits may hold a number
 * (at least ten digits, and not nothing but one run of more than twelve). Exported for callers
 * that have counted the digits already (the GS1 value checks). */
export function mayHoldPersonalId(digits: number, length: number): boolean {
  return digits >= MIN_DIGITS && !(digits === length && length > MAX_RUN);
}

/** containsPersonalId without its pre-filter: the rule itself, over every character. Exported
 * for the property that the pre-filter only ever spares this scan on strings it rejects. */
export function scanForPersonalId(s: string): boolean {
  work = 0;
  return scan(s);
}

/** The rule, adding the characters it reads to `work`. */
function scan(s: string): boolean {
  const n = s.length;
  let runs = 0; // joined runs in the ring, up to and including the current one
  let runStart = -1;
  let gap = 0; // characters since the last run ended
  let gapJoins = false; // those characters are 1..MAX_GAP separators
  let found = false;
  for (let i = 0; i <= n && !found; i++) {
    const c = i < n ? s.charCodeAt(i) : -1;
    work++;
    if (c >= 0x30 && c <= 0x39) {
      if (runStart < 0) {
        runStart = i;
        if (!(gapJoins && gap <= MAX_GAP)) runs = 0;
      }
      continue;
    }
    if (runStart >= 0) {
      const len = i - runStart;
      if (len > MAX_RUN) {
        runs = 0; // too long to be a part: nothing joins across it
        gapJoins = false;
      } else {
        starts[runs % MAX_RUNS] = runStart;
        ends[runs % MAX_RUNS] = i;
        runs++;
        gapJoins = true;
        // The last part (NNNC) has at least 4 digits: only such a run can end a match.
        if (len >= 4) {
          found = windowEndingHere(s, runs);
        }
      }
      runStart = -1;
      gap = 0;
    }
    gap++;
    if (!isSeparator(c)) gapJoins = false;
  }
  return found;
}

/** Whether some window of the last 1..4 joined runs (ring positions, the newest at runs - 1) is a number. */
function windowEndingHere(s: string, runs: number): boolean {
  let total = 0;
  for (let k = 1; k <= Math.min(runs, MAX_RUNS); k++) {
    const slot = (runs - k) % MAX_RUNS;
    total += ends[slot]! - starts[slot]!;
    if (total > 12) break;
    if (total !== 10 && total !== 12) continue;
    work += total;
    if (breaksAllowed(runs, k, total) && plausible(s, runs, k, total)) return true;
  }
  return false;
}

/** The k runs break the digits only at date-part boundaries, and before NNNC if anywhere. */
function breaksAllowed(runs: number, k: number, total: number): boolean {
  const last = (runs - 1) % MAX_RUNS;
  if (k > 1 && ends[last]! - starts[last]! !== 4) return false;
  const allowed = total === 10 ? BREAKS_10 : BREAKS_12;
  let at = 0;
  for (let j = k; j > 1; j--) {
    const slot = (runs - j) % MAX_RUNS;
    at += ends[slot]! - starts[slot]!;
    if ((allowed & (1 << at)) === 0) return false;
  }
  return true;
}

/** The digits of the k runs, read in order, as a possible date: (CC)YYMMDD, day + 60 allowed. */
function plausible(s: string, runs: number, k: number, total: number): boolean {
  let pos = 0;
  let century = 0;
  let month = 0;
  let day = 0;
  const skip = total - 10; // 2 century digits first in the 12-digit form
  for (let j = k; j >= 1; j--) {
    const slot = (runs - j) % MAX_RUNS;
    for (let i = starts[slot]!; i < ends[slot]!; i++, pos++) {
      const d = s.charCodeAt(i) - 0x30;
      const p = pos - skip;
      if (p < 0) century = century * 10 + d;
      else if (p === 2 || p === 3) month = month * 10 + d;
      else if (p === 4 || p === 5) day = day * 10 + d;
    }
  }
  if (skip === 2 && (century < 18 || century > 20)) return false;
  if (day > 60) day -= 60;
  // Feb 29 in every year: the century may be unknown.
  return month >= 1 && month <= 12 && day >= 1 && day <= DAYS[month - 1]!;
}

export const PERSONAL_ID_MESSAGE =
  'This looks like a Swedish personal identity number (personnummer or samordningsnummer), ' +
  'for example from a patient wristband. It was refused and is not stored or sent anywhere.';
