import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsPersonalId, PERSONAL_ID_MESSAGE, personalIdWork, scanForPersonalId } from './personal-id.ts';

// An independent Luhn, to build valid numbers without trusting the code under test.
function withCheckDigit(nine: string): string {
  for (let c = 0; c <= 9; c++) {
    const s = nine + c;
    let sum = 0;
    for (let i = 0; i < 10; i++) {
      let d = Number(s[i]) * (i % 2 === 0 ? 2 : 1);
      if (d > 9) d -= 9;
      sum += d;
    }
    if (sum % 10 === 0) return s;
  }
  throw new Error('unreachable');
}

const SEPARATORS = ['-', '+', '_', '.', '/', ' '];

describe('containsPersonalId', () => {
  it.each([
    ['12 digits with hyphen (Skatteverket test number)', '19121212-1212'],
    ['12 digits', '191212121212'],
    ['10 digits', '1212121212'],
    ['10 digits with hyphen', '121212-1212'],
    ['10 digits with plus (aged 100 or more)', '121212+1212'],
    ['samordningsnummer (day + 60)', '701063-2391'],
    ['samordningsnummer, 12 digits', '197010632391'],
    ['embedded in wristband text', 'PAT:811228-9874;WARD 7'],
    ['embedded between letters', 'X198112289874Y'],
    // Other separators, each once accepted as a serial or lot.
    ['underscore', '19121212_1212'],
    ['dot', '121212.1212'],
    ['slash', '121212/1212'],
    ['dashes inside the date', '1912-12-12-1212'],
    ['doubled separator', '19121212--1212'],
    ['10 digits, dashes inside the date', '12-12-12-1212'],
    ['spaces inside the date', '1912 12 12 1212'],
    // What a word processor or another keyboard layout puts there instead.
    ['a no-break space', '19121212\u00a01212'],
    ['an en dash', '121212\u20131212'],
    ['a non-breaking hyphen inside the date', '1912\u201112\u201112\u20111212'],
    ['a minus sign', '121212\u22121212'],
    ['a thin space', '121212\u20091212'],
    ['spaced hyphen', '19121212 - 1212'],
    ['mixed separators', 'SN 1912.12/12_1212'],
    ['after a digit group it is not part of', 'LOT 7-121212-1212'],
    // A wrong check digit: a mistyped number, or a reserve number, is still personal data.
    ['Luhn-invalid', '121212-1213'],
    ['Luhn-invalid, 12 digits', '191212121213'],
  ])('finds %s', (_name, text) => {
    expect(containsPersonalId(text)).toBe(true);
  });

  it.each([
    ['a GTIN', '09506000134352'],
    ['a GS1 element string', '010950600013435217290131101212121212'],
    ['month 13', withCheckDigit('121312121')],
    ['day 32', withCheckDigit('120132121')],
    ['day 92 (samordning + 60 over 31)', withCheckDigit('120192121')],
    ['day 00', '121200-1212'],
    ['11 digits', '12121212120'],
    ['9 digits', '121212121'],
    ['12 digits from an implausible century', '251212121212'],
    ['hyphen in the wrong place', '1212-121212'],
    ['a break inside the date but none before the last four', '1912-12-121212'],
    ['a break inside a date part', '121-2121212'],
    ['too many separators', '121212    1212'],
    ['a separator that is not one (colon)', '121212:1212'],
    ['an ISO date and a 3-digit number', '2029-01-31 121'],
    ['empty', ''],
    // Only the six separators join parts, not a letter outside ASCII.
    ['a non-ASCII character between the parts', '121212\u00e91212'],
    ['the first character outside ASCII between the parts', '121212\u00801212'],
  ])('ignores %s', (_name, text) => {
    expect(containsPersonalId(text)).toBe(false);
  });

  it('explains a refusal without echoing any digit', () => {
    expect(PERSONAL_ID_MESSAGE).toMatch(/^This looks like a Swedish personal identity number .*wristband.*not stored or sent anywhere\.$/);
    expect(PERSONAL_ID_MESSAGE).not.toMatch(/[0-9]/);
  });

  const p2 = (n: number) => String(n).padStart(2, '0');
  /** A personnummer or samordningsnummer, possibly with a wrong check digit, printed in one of the shapes people use. */
  const printedNumber = fc
    .record({
      century: fc.constantFrom(18, 19, 20),
      yy: fc.integer({ min: 0, max: 99 }),
      mm: fc.integer({ min: 1, max: 12 }),
      dd: fc.integer({ min: 1, max: 28 }),
      samordning: fc.boolean(),
      serial: fc.integer({ min: 0, max: 999 }),
      luhn: fc.boolean(),
      twelve: fc.boolean(),
      shape: fc.constantFrom('none', 'tail', 'date-and-tail'),
      seps: fc.array(fc.string({ unit: fc.constantFrom(...SEPARATORS), minLength: 1, maxLength: 3 }), { minLength: 3, maxLength: 3 }),
    })
    .map((n) => {
      const nine = p2(n.yy) + p2(n.mm) + p2(n.samordning ? n.dd + 60 : n.dd) + String(n.serial).padStart(3, '0');
      const ten = n.luhn ? withCheckDigit(nine) : nine + String((Number(withCheckDigit(nine)[9]) + 1) % 10);
      const yy = (n.twelve ? String(n.century) : '') + ten.slice(0, 2);
      const [a, b, c] = n.seps as [string, string, string];
      if (n.shape === 'none') return yy + ten.slice(2);
      if (n.shape === 'tail') return yy + ten.slice(2, 6) + a + ten.slice(6);
      return yy + a + ten.slice(2, 4) + b + ten.slice(4, 6) + c + ten.slice(6);
    });
  /** Product text around it, ending (and starting) with a character that is not a digit. */
  const productText = fc.string({ unit: fc.constantFrom(...'ABCXYZabc0123456789-+_./ :;()%'.split('')), maxLength: 20 });
  const edge = fc.constantFrom('A', 'z', ':', '(', ')', '%', '-', '/', ' ');

  it('finds any printed number, with any separator, embedded in product text', () => {
    fc.assert(
      fc.property(productText, edge, printedNumber, edge, productText, (before, left, nr, right, after) => {
        expect(containsPersonalId(before + left + nr + right + after)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws, on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(typeof containsPersonalId(s)).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('containsPersonalId is linear: work counted, not timed', () => {
  // Work = characters read, with every digit of a window that is tested read again. The pre-filter
  // reads each character once, the scan once more; a window is tested only at a run of 4+ digits
  // (at least 5 characters with its separator), at most twice (10 and 12 digits): so
  // work ≤ 2n + 1 + 22 · n / 5 < 7n + 1.
  const bound = (s: string) => 7 * s.length + 1;

  it.each([
    ['digits and hyphens', '1234567-'.repeat(8192)],
    ['one long digit run', '9'.repeat(65536)],
    ['date parts joined by separators', '12-12-12-'.repeat(8192)],
    ['windows tested everywhere', '00-00-00-0000 '.repeat(8192)],
    ['12-digit windows everywhere', '0000-00-00-0000 '.repeat(8192)],
  ])('%s: work ≤ 6n + 1, and doubles with the input', (_name, s) => {
    expect(containsPersonalId(s)).toBe(false);
    const work = personalIdWork();
    expect(work).toBeGreaterThanOrEqual(s.length); // every character was read: the counter counts
    expect(work).toBeLessThanOrEqual(bound(s));
    // Twice the text, twice the work (and the windows where the copies meet, a constant).
    containsPersonalId(s + s);
    expect(personalIdWork()).toBeLessThanOrEqual(2 * work + 64);
  });

  it('on any input, work ≤ 7n + 1', () => {
    const unit = fc.constantFrom(...'0123456789012345678901234567890123456789-+_./ -A'.split(''));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 400 }), (s) => {
        containsPersonalId(s);
        expect(personalIdWork()).toBeLessThanOrEqual(bound(s));
      }),
      { numRuns: 5000 },
    );
  });
});

// An independent statement of the rule, by regular expressions: one per printed shape, matched at
// every position (a lookahead, so matches may overlap), then the date checked.
const S = '[-+_./ ]{1,3}';
const SHAPES_10 = ['\\d{10}', `\\d{6}${S}\\d{4}`, `\\d{2}${S}\\d{4}${S}\\d{4}`, `\\d{4}${S}\\d{2}${S}\\d{4}`, `\\d{2}${S}\\d{2}${S}\\d{2}${S}\\d{4}`];
const SHAPES_12 = ['\\d{12}', `\\d{8}${S}\\d{4}`, `\\d{4}${S}\\d{4}${S}\\d{4}`, `\\d{6}${S}\\d{2}${S}\\d{4}`, `\\d{4}${S}\\d{2}${S}\\d{2}${S}\\d{4}`];
const REFERENCE = [...SHAPES_10, ...SHAPES_12].map((shape) => new RegExp(`(?=(?<![0-9])(${shape})(?![0-9]))`, 'g'));

function referenceContainsPersonalId(s: string): boolean {
  const possible = (digits: string): boolean => {
    if (digits.length === 12 && !['18', '19', '20'].includes(digits.slice(0, 2))) return false;
    const ten = digits.slice(-10);
    const month = Number(ten.slice(2, 4));
    let day = Number(ten.slice(4, 6));
    if (day > 60) day -= 60;
    return month >= 1 && month <= 12 && day >= 1 && day <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  };
  return REFERENCE.some((re) => [...s.matchAll(re)].some((m) => possible(m[1]!.replace(/[^0-9]/g, ''))));
}

describe('containsPersonalId against the rule written as regular expressions', () => {
  it('agrees on digits, separators and letters around real numbers', () => {
    const char = fc.constantFrom(...'01234567890123456789012345678901234567890-+_./ -- AbX:'.split(''));
    const piece = fc.oneof(
      fc.string({ unit: char, maxLength: 30 }),
      fc.constantFrom('19121212-1212', '191212121212', '1212121212', '12-12-12-1212', '121212+1212', '701063-2391', '1912 12 12_1212'),
    );
    let found = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 4 }), (pieces) => {
        const s = pieces.join('');
        const expected = referenceContainsPersonalId(s);
        if (expected) found++;
        expect(containsPersonalId(s)).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
    // Both answers are exercised: the generator makes numbers and near-misses alike.
    expect(found).toBeGreaterThan(2000);
    expect(found).toBeLessThan(18_000);
  });
});

describe('the pre-filter of containsPersonalId', () => {
  // It answers "no" without the scan for strings of fewer than 10 digits and for one long digit
  // run; whatever the string, its answer is the scan's.
  it('agrees with the scan on any string', () => {
    const unit = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...'0123456789'.split('')) },
      { weight: 2, arbitrary: fc.constantFrom(...'-+_./ \u00a0\u2013\u2212AbX:\x1d'.split('')) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    );
    const numbers = fc.constantFrom('19121212-1212', '1212121212', '701063-2391', '1912 12 12_1212', '09506000134352');
    const text = fc.oneof(fc.string({ unit, maxLength: 40 }), fc.array(fc.oneof(numbers, fc.string({ unit, maxLength: 12 })), { maxLength: 4 }).map((p) => p.join('')));
    let found = 0;
    fc.assert(
      fc.property(text, (s) => {
        const full = scanForPersonalId(s);
        if (full) found++;
        expect(containsPersonalId(s)).toBe(full);
      }),
      { numRuns: 20_000 },
    );
    expect(found).toBeGreaterThan(1000); // both answers are exercised
  });

  it.each([
    ['two digits, then letters', 'AB12CDEFGHIJKLMNOP', 11],
    ['nine digits among letters', 'A1B2C3D4E5F6G7H8I9J', 19],
    ['a GTIN alone', '09506000134352', 14],
    ['13 digits alone', '1912121212121', 13],
    ['a short lot', 'LOT-4a', 0],
  ])('spares the scan of %s', (_name, s, read) => {
    expect(containsPersonalId(s)).toBe(false);
    expect(personalIdWork()).toBe(read); // digits counted until ten were out of reach, nothing more
  });

  it.each([
    ['12 digits alone', '191212121212'],
    ['10 digits alone', '1212121212'],
  ])('still scans %s', (_name, s) => {
    expect(containsPersonalId(s)).toBe(true);
  });
});
