import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mod37x2Char, mod37x2Value } from './mod37-2.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

describe('ISO/IEC 7064 MOD 37-2', () => {
  it("gives ICCBBA ST-001 Appendix A's example: DIN G123417654321 → 10 (flags 70, boxed A)", () => {
    expect(mod37x2Value('G123417654321')).toBe(10);
    expect(mod37x2Char('G123417654321')).toBe('A');
  });

  it('refuses characters outside 0-9 A-Z', () => {
    expect(mod37x2Value('g123417654321')).toBeNull();
    expect(mod37x2Char('G1234 7654321')).toBeNull();
  });

  it('satisfies the ISO 7064 verification rule: the data and its check value sum to 1 (mod 37)', () => {
    // Verification per ISO/IEC 7064, done the long way: Σ v_i · 2^(n−i+1) + check ≡ 1 (mod 37).
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALNUM), minLength: 1, maxLength: 20 }), (s) => {
        let sum = 0;
        for (let i = 0; i < s.length; i++) sum = (sum + ALNUM.indexOf(s[i]!) * Number(2n ** BigInt(s.length - i) % 37n)) % 37;
        expect((sum + mod37x2Value(s)!) % 37).toBe(1);
      }),
      { numRuns: RUNS },
    );
  });

  it('catches every single substitution', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALNUM), minLength: 13, maxLength: 13 }), fc.nat(12), fc.constantFrom(...ALNUM), (s, i, c) => {
        fc.pre(s[i] !== c);
        expect(mod37x2Value(s.slice(0, i) + c + s.slice(i + 1))).not.toBe(mod37x2Value(s));
      }),
      { numRuns: RUNS },
    );
  });
});
