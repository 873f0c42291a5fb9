// Swedish personal identity numbers: personnummer and samordningsnummer (day + 60), as printed on
// a patient wristband and sometimes scanned by mistake. They must never leave the parser.
//   containsPersonalId('19121212-1212')     → true  (12 digits with separator, Luhn-valid)
//   containsPersonalId('PAT 1212121212 X')  → true  (10 digits embedded in other text)
//   containsPersonalId('0104054321000125')  → false (a GTIN: one 16-digit run)
//
// Only maximal runs of digits are considered, so the long digit runs of GS1 element strings do not
// match by accident: a run of exactly 10 or 12 digits, or 6/8 digits, '-' or '+', 4 digits.

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

function digitsAt(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 0x30);
  return n;
}

/** Luhn over the 10-digit form YYMMDDNNNC. */
function luhnValid(s: string, start: number): boolean {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    let d = s.charCodeAt(start + i) - 0x30;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `ten` holds YYMMDDNNNC (10 digits, no separator). Month and day must be a possible date,
 * day + 60 for a samordningsnummer. Feb 29 is accepted in every year: the century may be unknown. */
function plausible(ten: string): boolean {
  const month = digitsAt(ten, 2, 4);
  let day = digitsAt(ten, 4, 6);
  if (day > 60) day -= 60;
  if (month < 1 || month > 12 || day < 1 || day > (DAYS[month - 1] ?? 0)) return false;
  return luhnValid(ten, 0);
}

function candidate(s: string, start: number, end: number): boolean {
  const len = end - start;
  if (len === 10) return plausible(s.slice(start, end));
  if (len === 12) {
    const century = digitsAt(s, start, start + 2);
    return (century === 18 || century === 19 || century === 20) && plausible(s.slice(start + 2, end));
  }
  return false;
}

/** Whether the maximal digit run s[start, end) is, or (6 or 8 digits) starts, a personal number. */
function runMatches(s: string, start: number, end: number): boolean {
  if (candidate(s, start, end)) return true;
  // YYMMDD-NNNC, YYMMDD+NNNC, YYYYMMDD-NNNC: the separator splits the run in two.
  const len = end - start;
  const sep = s.charCodeAt(end);
  if ((len === 6 || len === 8) && (sep === 0x2d || sep === 0x2b)) {
    let j = end + 1;
    while (j < s.length && isDigit(s.charCodeAt(j))) j++;
    if (j - end - 1 === 4 && candidate(s.slice(start, end) + s.slice(end + 1, j), 0, len + 4)) return true;
  }
  return false;
}

/** True if `s` holds something shaped like a Swedish personal identity number or samordningsnummer. */
export function containsPersonalId(s: string): boolean {
  const n = s.length;
  // The shortest form is 10 digits: most element values (dates, short lots) are shorter.
  if (n < 10) return false;
  // Only maximal digit runs of 6 or more characters can match (a 4-digit tail is read from the
  // run before it), and a run of 6 covers one of every 6 positions. So the scan probes every
  // 6th character and reads around a probe only when it is a digit: lot and serial text is passed
  // over in big steps. Each character is still read at most twice: linear time.
  // Invariant: i is 0 or s[i - 1] is not a digit, so a run found at or after i starts there.
  let i = 0;
  while (i + 6 <= n) {
    const probe = i + 5;
    if (!isDigit(s.charCodeAt(probe))) {
      i = probe + 1;
      continue;
    }
    let start = probe;
    while (start > i && isDigit(s.charCodeAt(start - 1))) start--;
    let end = probe + 1;
    while (end < n && isDigit(s.charCodeAt(end))) end++;
    if (end - start >= 6 && runMatches(s, start, end)) return true;
    i = end + 1; // s[end] is not a digit (or is past the end)
  }
  return false;
}

export const PERSONAL_ID_MESSAGE =
  'This looks like a Swedish personal identity number (personnummer or samordningsnummer), ' +
  'for example from a patient wristband. It was refused and is not stored or sent anywhere.';
