// The nurse's reasons: one for every error code the parser has, fixed text that cannot echo a scan.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../firmware-sim/corpus.ts';
import { parse, PLAIN_REASONS, plainReason, plainReasonFor, plainReasonOf, type ErrorCode } from './index.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5_000);
const GS = '\x1d';

/** The members of the ErrorCode union, read from its source: a code added there without a reason fails here. */
function declaredCodes(): string[] {
  const source = readFileSync(new URL('./result.ts', import.meta.url), 'utf8');
  const union = /export type ErrorCode =([^;]*);/.exec(source)?.[1] ?? '';
  return [...union.matchAll(/'([a-z0-9-]+)'/g)].map((m) => m[1]!);
}

function expectPlain(reason: string): void {
  expect(reason.length).toBeGreaterThan(10);
  expect(reason.length).toBeLessThanOrEqual(100);
  expect(reason).toMatch(/\.$/);
  // No digit at all: a reason cannot quote the scan, an AI or a position.
  expect(reason).not.toMatch(/[0-9]/);
}

describe('plain reasons', () => {
  it('has exactly one reason for every declared error code', () => {
    const codes = declaredCodes();
    expect(codes.length).toBeGreaterThanOrEqual(20);
    expect(Object.keys(PLAIN_REASONS).sort()).toEqual([...codes].sort());
    for (const code of codes) expectPlain(plainReason(code as ErrorCode));
  });

  it('says what the nurse most needs in their words', () => {
    expect(plainReason('truncated')).toBe('The barcode was read incompletely — scan again.');
    expect(plainReason('unrecognised')).toBe('This is not an implant package code.');
    expect(plainReason('personal-id')).toBe('This looks like a personal identity number — not stored.');
    expect(plainReasonFor([])).toBe('This is not an implant package code.');
  });

  it('answers a code from elsewhere (a receipt) only when it is a parser code', () => {
    expect(plainReasonOf('personal-id')).toBe(plainReason('personal-id'));
    expect(plainReasonOf('wrong-site')).toBeNull();
    expect(plainReasonOf('toString')).toBeNull();
    expect(plainReasonOf('__proto__')).toBeNull();
  });

  it('every code the parser produces on the corpus and on hostile input has a plain reason without digits', () => {
    const seen = new Set<string>();
    const check = (input: string | Uint8Array): void => {
      const r = parse(input);
      for (const e of r.errors) {
        seen.add(e.code);
        expect(PLAIN_REASONS[e.code], e.code).toBeDefined();
      }
      if (!r.ok) expectPlain(plainReasonFor(r.errors));
    };
    for (const item of generateCorpus({ seed: 14, count: 3000 })) check(item.text);
    // Labels of the other issuers with a broken structure: an HIBC product code without its unit of
    // measure, an ISBT 128 blood-label identifier and a compound message that is cut short.
    for (const broken of ['+A123BJC5D6E71G/$$', '=<E0001', '=+06000']) check(broken);
    const piece = fc.oneof(
      fc.constantFrom('01', '17', '10', '21', '8018', '7003', '(', ')', GS, ']d2', ']Q1', ']E0', ']', '+', '$$', '/', 'https://x.org/01/', 'HTTPS://id.gs1.org/AQ', '?17='),
      fc.stringMatching(/^[0-9]{1,14}$/),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }).map((a) => a.join('')), (s) => check(s)), { numRuns: RUNS });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => check(b)), { numRuns: RUNS / 5 });
    // The corpus and fuzzing reach the common refusals (a reason table nobody reaches is not tested).
    for (const code of ['personal-id', 'unrecognised', 'truncated', 'bad-check-digit', 'unknown-ai', 'bad-hibc', 'bad-isbt128']) expect(seen).toContain(code);
  });
});
