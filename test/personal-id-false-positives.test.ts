// What the personal-id guard costs legitimate product scans (protocol/udi/README.md quotes these
// figures). The simulator's corpus, 4 seeds × 10,000 scans: no product scan may be refused as
// personal. Numeric serials, which that corpus never makes (its free text has at most 3 digits in
// a row): the share refused, with the Luhn check digit ignored (the rule) and, for comparison, required.
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../firmware-sim/corpus.ts';
import { prng } from '../firmware-sim/prng.ts';
import { containsPersonalId } from '../protocol/udi/personal-id.ts';
import { parse } from '../protocol/udi/index.ts';

const SEEDS = [1, 2, 3, 4];
const PRODUCT_KINDS = ['gs1', 'gs1-bracketed', 'digital-link', 'hibc'] as const;

function luhn(ten: string): boolean {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    let d = Number(ten[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

describe('false positives of the personal-id guard', () => {
  it('refuses none of 40,000 product scans of the simulator corpus', () => {
    let products = 0;
    const refused: string[] = [];
    for (const seed of SEEDS) {
      for (const item of generateCorpus({ seed, count: 10_000, kinds: [...PRODUCT_KINDS] })) {
        products++;
        if (parse(item.text).scheme === 'personal-id') refused.push(`${item.kind} (seed ${seed})`);
      }
    }
    console.log(`corpus: ${refused.length} of ${products} product scans refused as personal`);
    expect(products).toBe(40_000);
    expect(refused).toEqual([]);
  });

  it('refuses about 7 % of random 10-digit serials (0.7 % if the check digit were required)', () => {
    const r = prng(7);
    const n = 40_000;
    let refused = 0;
    let refusedWithLuhn = 0;
    for (let i = 0; i < n; i++) {
      let serial = '';
      for (let j = 0; j < 10; j++) serial += String(r.int(0, 9));
      if (containsPersonalId(serial)) {
        refused++;
        if (luhn(serial)) refusedWithLuhn++;
      }
    }
    console.log(`random 10-digit serials: ${refused} of ${n} refused; ${refusedWithLuhn} with the Luhn digit required`);
    // Month 01–12 (12 %) × day 01–31 or 61–91 (about 61 %): 7.3 %; a tenth of that with Luhn.
    expect(refused / n).toBeGreaterThan(0.06);
    expect(refused / n).toBeLessThan(0.09);
    expect(refusedWithLuhn / refused).toBeGreaterThan(0.07);
    expect(refusedWithLuhn / refused).toBeLessThan(0.13);
  });

  it('refuses every date-and-counter serial YYMMDDNNNN (a tenth of them if the check digit were required)', () => {
    const r = prng(8);
    let refusedWithLuhn = 0;
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const p2 = (x: number) => String(x).padStart(2, '0');
      const serial = p2(r.int(20, 40)) + p2(r.int(1, 12)) + p2(r.int(1, 28)) + String(r.int(0, 9999)).padStart(4, '0');
      expect(containsPersonalId(serial)).toBe(true);
      if (luhn(serial)) refusedWithLuhn++;
    }
    console.log(`date-and-counter serials: ${n} of ${n} refused; ${refusedWithLuhn} with the Luhn digit required`);
  });
});
