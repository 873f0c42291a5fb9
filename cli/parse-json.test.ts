// The hand-written JSON of a parse result is exactly JSON.stringify's, on parsed scans and on
// results with any string in any field (control characters, quotes, lone surrogates, astral).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../firmware-sim/corpus.ts';
import { parse, plainReason, type ParseResult } from '../protocol/udi/index.ts';
import { jsonString, resultJson } from './parse-json.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

/** What the line must be: JSON.stringify, with plain reasons unless verbose. */
function expected(r: ParseResult, verbose: boolean): string {
  return JSON.stringify(verbose ? r : { ...r, errors: r.errors.map((e) => ({ code: e.code, message: plainReason(e.code) })) });
}

const anyString = fc.string({ unit: 'binary', maxLength: 24 });
const nullable = fc.option(anyString, { nil: null });
const codes = fc.constantFrom('truncated', 'personal-id', 'bad-date', 'unrecognised', 'bad-charset') as fc.Arbitrary<ParseResult['errors'][number]['code']>;
const anyResult: fc.Arbitrary<ParseResult> = fc.record({
  ok: fc.boolean(),
  scheme: fc.constantFrom('gs1', 'hibc', 'unknown', 'personal-id') as fc.Arbitrary<ParseResult['scheme']>,
  symbology: nullable,
  elements: fc.array(fc.record({ ai: anyString, value: anyString }), { maxLength: 5 }),
  udi: fc.record({ di: nullable, lot: nullable, serial: nullable, expiry: nullable, manufactured: nullable }),
  errors: fc.array(fc.record({ code: codes, message: anyString }), { maxLength: 3 }),
});

describe('resultJson', () => {
  it('escapes a string exactly as JSON.stringify does', () => {
    for (const s of ['', 'plain', '"', '\\', '\x1f', ' \x20', '\x00\x1d\x7f', '\ud800', '\udfff x', '😀', 'é—–\u2028']) expect(jsonString(s)).toBe(JSON.stringify(s));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => jsonString(s) === JSON.stringify(s)), { numRuns: RUNS });
  });

  it('writes any result as JSON.stringify would, verbose or plain', () => {
    fc.assert(
      fc.property(anyResult, fc.boolean(), (r, verbose) => {
        expect(resultJson(r, verbose)).toBe(expected(r, verbose));
      }),
      { numRuns: RUNS },
    );
  });

  it('writes every parsed scan as JSON.stringify would: corpus, arbitrary bytes and strings', () => {
    for (const item of generateCorpus({ seed: 9, count: 2000 })) {
      const r = parse(item.text);
      expect(resultJson(r, true)).toBe(expected(r, true));
      expect(resultJson(r, false)).toBe(expected(r, false));
    }
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 120 })), fc.boolean(), (input, verbose) => {
        const r = parse(input);
        expect(resultJson(r, verbose)).toBe(expected(r, verbose));
      }),
      { numRuns: RUNS },
    );
  });
});
