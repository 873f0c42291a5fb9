import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsPersonalId } from './personal-id.ts';

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
  ])('finds %s', (_name, text) => {
    expect(containsPersonalId(text)).toBe(true);
  });

  it.each([
    ['a GTIN', '09506000134352'],
    ['a GS1 element string', '010950600013435217290131101212121212'],
    ['Luhn-invalid', '121212-1213'],
    ['month 13', withCheckDigit('121312121')],
    ['day 32', withCheckDigit('120132121')],
    ['day 92 (samordning + 60 over 31)', withCheckDigit('120192121')],
    ['11 digits', '12121212120'],
    ['9 digits', '121212121'],
    ['12 digits from an implausible century', '251212121212'],
    ['hyphen in the wrong place', '1212-121212'],
    ['empty', ''],
  ])('ignores %s', (_name, text) => {
    expect(containsPersonalId(text)).toBe(false);
  });

  it('finds every valid 10-digit number in any position', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 999 }),
        fc.string({ unit: fc.constantFrom('A', 'b', ' ', ':', '/'), maxLength: 5 }),
        fc.string({ unit: fc.constantFrom('A', 'b', ' ', ':', '/'), maxLength: 5 }),
        (yy, mm, dd, samordning, serial, before, after) => {
          const p2 = (n: number) => String(n).padStart(2, '0');
          const nr = withCheckDigit(p2(yy) + p2(mm) + p2(samordning ? dd + 60 : dd) + String(serial).padStart(3, '0'));
          expect(containsPersonalId(before + nr + after)).toBe(true);
          expect(containsPersonalId(`${before}${nr.slice(0, 6)}-${nr.slice(6)}${after}`)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is linear on hostile input', () => {
    expect(containsPersonalId('1234567-'.repeat(8192))).toBe(false);
    expect(containsPersonalId('9'.repeat(65536))).toBe(false);
  });
});

// The straightforward scan that containsPersonalId replaced by a skipping one: every maximal run
// of digits is examined. The two must agree on every input.
function referenceContainsPersonalId(s: string): boolean {
  const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
  const plausible = (ten: string): boolean => {
    const month = Number(ten.slice(2, 4));
    let day = Number(ten.slice(4, 6));
    if (day > 60) day -= 60;
    const days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
    if (month < 1 || month > 12 || day < 1 || day > days) return false;
    let sum = 0;
    for (let i = 0; i < 10; i++) {
      let d = Number(ten[i]) * (i % 2 === 0 ? 2 : 1);
      if (d > 9) d -= 9;
      sum += d;
    }
    return sum % 10 === 0;
  };
  const candidate = (digits: string): boolean =>
    digits.length === 10 ? plausible(digits) : digits.length === 12 && ['18', '19', '20'].includes(digits.slice(0, 2)) && plausible(digits.slice(2));
  let i = 0;
  while (i < s.length) {
    if (!isDigit(s.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    const run = s.slice(start, i);
    if (candidate(run)) return true;
    if ((run.length === 6 || run.length === 8) && (s[i] === '-' || s[i] === '+')) {
      let j = i + 1;
      while (j < s.length && isDigit(s.charCodeAt(j))) j++;
      if (j - i - 1 === 4 && candidate(run + s.slice(i + 1, j))) return true;
    }
  }
  return false;
}

describe('containsPersonalId, skipping scan', () => {
  it('agrees with a scan of every digit run', () => {
    // Mostly digits, with the separators that matter and a few letters, around real numbers.
    const char = fc.constantFrom(...'0123456789012345678901234567890123456789-+-+AbX '.split(''));
    const piece = fc.oneof(
      fc.string({ unit: char, maxLength: 30 }),
      fc.constantFrom('19121212-1212', '191212121212', '1212121212', '121212-1212', '121212+1212', '701063-2391'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 4 }), (pieces) => {
        const s = pieces.join('');
        expect(containsPersonalId(s)).toBe(referenceContainsPersonalId(s));
      }),
      { numRuns: 20_000 },
    );
  });
});
