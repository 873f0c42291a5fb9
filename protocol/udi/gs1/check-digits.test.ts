import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gs1CheckDigit, gs1CheckPair, isValidGs1CheckDigits, isValidGs1CheckPair } from './check-digits.ts';

describe('GS1 mod-10 check digit', () => {
  // Check digits worked out by hand: weights 3,1,3,… from the right.
  it.each([
    ['09506000134352', 'GTIN-14 of GS1 example products'],
    ['04012345678901', 'GTIN-14'],
    ['00614141999996', 'GTIN-14'],
    ['9506000134352', 'GLN'],
    ['5412345000013', 'GLN'],
    ['106141411234567897', 'SSCC'],
    ['376123450000010008', 'GSIN (17 digits)'],
    ['07612345678900', 'GTIN-14 with check digit 0'],
    ['96385074', 'GTIN-8'],
  ])('accepts %s (%s)', (digits) => {
    expect(isValidGs1CheckDigits(digits)).toBe(true);
    expect(gs1CheckDigit(digits.slice(0, -1))).toBe(Number(digits.slice(-1)));
  });

  it('refuses wrong check digits, non-digits and too little data', () => {
    for (const bad of ['09506000134353', '04012345678900', '0950600013435A', 'A9506000134352', '0', '', ' 9506000134352']) {
      expect(isValidGs1CheckDigits(bad)).toBe(false);
    }
    expect(gs1CheckDigit('09506x')).toBe(-1);
    expect(gs1CheckDigit('')).toBe(0);
  });

  it('catches every single-digit error', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,17}$/), fc.nat(), fc.integer({ min: 1, max: 9 }), (body, at, delta) => {
        const full = body + String(gs1CheckDigit(body));
        expect(isValidGs1CheckDigits(full)).toBe(true);
        const i = at % full.length;
        const changed = full.slice(0, i) + String((Number(full[i]) + delta) % 10) + full.slice(i + 1);
        expect(isValidGs1CheckDigits(changed)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('GS1 alphanumeric check character pair (GMN)', () => {
  // Vectors: GS1 General Specifications §7.9.5 example and the GS1 Syntax Engine's linter tests.
  it.each([
    '1987654Ad4X4bL5ttr2310c2K',
    '12345678901234567890123NT',
    '12345_ABCDEFGHIJKLMCP',
    '12345_abcdefghijklmN3',
    '12345_!"%&\'()*+,-./LC',
    '12345_0123456789:;<=>?62',
    '7907665Bm8v2AB',
    '00000!HV',
    '99999zzzzzzzzzzzzzzzzzzT2',
    '22',
  ])('accepts %s', (value) => {
    expect(isValidGs1CheckPair(value)).toBe(true);
    expect(gs1CheckPair(value.slice(0, -2))).toBe(value.slice(-2));
  });

  it('refuses a wrong pair, characters outside CSET 82 and data too short for a pair', () => {
    expect(isValidGs1CheckPair('1987654Ad4X4bL5ttr2310cXK')).toBe(false);
    expect(isValidGs1CheckPair('1987654Ad4X4bL5ttr2310c2X')).toBe(false);
    expect(isValidGs1CheckPair('33')).toBe(false);
    expect(isValidGs1CheckPair('2')).toBe(false);
    expect(isValidGs1CheckPair('')).toBe(false);
    expect(gs1CheckPair('1987 654')).toBeNull();
    expect(gs1CheckPair('é')).toBeNull();
    expect(gs1CheckPair('1'.repeat(257))).toBeNull();
  });

  it('always yields two CSET 32 characters, and catches any single changed character', () => {
    const cset82 = '!"%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
    const char82 = fc.integer({ min: 0, max: 81 }).map((i) => cset82[i] ?? '0');
    fc.assert(
      fc.property(fc.array(char82, { minLength: 1, maxLength: 23 }).map((a) => a.join('')), fc.nat(), fc.integer({ min: 1, max: 81 }), (data, at, delta) => {
        const pair = gs1CheckPair(data);
        expect(pair).toMatch(/^[2-9A-HJ-NP-Z]{2}$/);
        const i = at % data.length;
        const changed = data.slice(0, i) + cset82[(cset82.indexOf(data[i] ?? '0') + delta) % 82] + data.slice(i + 1);
        expect(isValidGs1CheckPair(changed + pair)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
