// The hand-written JSON of a parse result is exactly JSON.stringify's, on parsed scans and on
// results with any string in any field (control characters, quotes, lone surrogates, astral).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../firmware-sim/corpus.ts';
import { parse, plainReason, type ParseResult } from '../protocol/udi/index.ts';
import { JsonLines } from './parse-json.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

/** What the line must be: JSON.stringify, with plain reasons unless verbose, in UTF-8. */
function expected(r: ParseResult, verbose: boolean): string {
  return JSON.stringify(verbose ? r : { ...r, errors: r.errors.map((e) => ({ code: e.code, message: plainReason(e.code) })) }) + '\n';
}

/** The bytes JsonLines writes for `r`, as hex (a failure shows where they differ). */
function written(r: ParseResult, verbose: boolean, out = new JsonLines(64)): string {
  out.result(r, verbose);
  return out.take().toString('hex');
}

const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

/** A result whose every string field is `s`. */
const withString = (s: string): ParseResult => ({
  ok: false,
  scheme: 'unknown',
  symbology: s,
  elements: [{ ai: s, value: s }],
  udi: { di: s, lot: null, serial: s, expiry: null, manufactured: s },
  errors: [{ code: 'truncated', message: s }],
});

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

describe('JsonLines', () => {
  it('escapes and encodes a string exactly as JSON.stringify and UTF-8 do', () => {
    const edges = ['', 'plain', '"', '\\', '\b\f\n\r\t', '\x1f', ' \x20', '\x00\x1d\x7f', '\x80\xff', '\u07ff\u0800', '\ud7ff\ue000\uffff', '\ud800', '\udbff\udbff\udc00', '\udfff x', '\udc00\udc00', '😀', 'é—–\u2028'];
    for (const s of edges) expect(written(withString(s), true)).toBe(utf8(expected(withString(s), true)));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => written(withString(s), true) === utf8(expected(withString(s), true))), { numRuns: RUNS });
  });

  it('grows past its capacity and starts afresh after take()', () => {
    const out = new JsonLines(16);
    const long = withString('x'.repeat(5000) + '—');
    out.result(long, true);
    out.result(long, false);
    expect(out.take().toString('utf8')).toBe(expected(long, true) + expected(long, false));
    expect(out.length).toBe(0);
    out.result(withString('a'), true);
    expect(out.take().toString('utf8')).toBe(expected(withString('a'), true));
  });

  it('writes any result as JSON.stringify would, verbose or plain', () => {
    fc.assert(
      fc.property(anyResult, fc.boolean(), (r, verbose) => {
        expect(written(r, verbose)).toBe(utf8(expected(r, verbose)));
      }),
      { numRuns: RUNS },
    );
  });

  it('writes every parsed scan as JSON.stringify would: corpus, arbitrary bytes and strings', () => {
    for (const item of generateCorpus({ seed: 9, count: 2000 })) {
      const r = parse(item.text);
      expect(written(r, true)).toBe(utf8(expected(r, true)));
      expect(written(r, false)).toBe(utf8(expected(r, false)));
    }
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 120 })), fc.boolean(), (input, verbose) => {
        const r = parse(input);
        expect(written(r, verbose)).toBe(utf8(expected(r, verbose)));
      }),
      { numRuns: RUNS },
    );
  });
});
