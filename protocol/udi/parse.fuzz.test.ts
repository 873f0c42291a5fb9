// Property tests of the whole parser: hostile input never throws, never hangs, never echoes a
// personal identity number, and every accepted GS1 code round-trips through the bracketed form.
// CI runs ≥ 100k cases in all; `npm run fuzz` sets FUZZ_RUNS for a long run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsPersonalId, MAX_SCAN_LENGTH, parse, toBracketed, toElementString, type ParseResult } from './index.ts';
import { workAtDouble } from './work-count.test-support.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25_000);
const GS = '\x1d';
const CSET82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;

function wellFormed(r: ParseResult): void {
  expect(typeof r.ok).toBe('boolean');
  expect(['gs1', 'hibc', 'isbt128', 'unknown', 'personal-id']).toContain(r.scheme);
  expect(r.ok).toBe(r.errors.length === 0);
  for (const e of r.errors) expect(e.message).not.toBe('');
  if (r.ok) {
    expect(r.udi.di).not.toBeNull();
    if (r.scheme === 'gs1') {
      // The round-trip promise: elements → bracketed → parse → the same elements.
      expect(parse(toBracketed(r.elements)).elements).toEqual(r.elements);
      expect(parse(']d2' + toElementString(r.elements)).elements).toEqual(r.elements);
    }
  }
  if (r.scheme === 'personal-id') expect(JSON.stringify(r)).not.toMatch(/\d{4}/);
  // Messages quote no digits of the input: what digits they hold are AIs, counts and positions.
  for (const e of r.errors) if (e.code !== 'too-long') expect(e.message).not.toMatch(/\d{5}/);
}

const gs1Piece = fc.oneof(
  fc.constantFrom('01', '02', '10', '11', '17', '21', '240', '30', '37', '00', '3103', '7003', '8018', '8003', '91', '(', ')', '\\(', GS, '^', ']d2', ']C1', '+', '$$', '/', 'https://x.org/01/', '?17=', '%2F'),
  fc.stringMatching(/^[0-9]{1,14}$/),
  fc.string({ unit: fc.constantFrom(...CSET82), maxLength: 22 }),
);
const gs1Shaped = fc.array(gs1Piece, { maxLength: 16 }).map((a) => a.join(''));

const gtin = fc.stringMatching(/^[0-9]{13}$/).map((d) => {
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(d[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return d + ((10 - (sum % 10)) % 10);
});
const date = fc.date({ min: new Date('2000-01-01'), max: new Date('2049-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(2, 10).replace(/-/g, ''));
const x20 = fc.string({ unit: fc.constantFrom(...CSET82), minLength: 1, maxLength: 20 });

describe('parser fuzzing', () => {
  it('survives arbitrary bytes (invalid UTF-8, control characters, NUL)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => wellFormed(parse(bytes))), { numRuns: RUNS });
  });

  it('survives arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => wellFormed(parse(s))), { numRuns: RUNS });
  });

  it('survives GS1-, HIBC- and Digital-Link-shaped input', () => {
    const prefixed = fc.tuple(fc.constantFrom('', ']d2', ']C1', ']Q3', ']Q1', ']E0', GS), gs1Shaped).map(([a, b]) => a + b);
    fc.assert(fc.property(prefixed, (s) => wellFormed(parse(s, { gsSubstitutes: ['^'] }))), { numRuns: RUNS });
  });

  it('parses every valid implant label and round-trips it', () => {
    const label = fc.record({ gtin, expiry: date, made: date, lot: x20, serial: x20 });
    fc.assert(
      fc.property(label, ({ gtin: g, expiry, made, lot, serial }) => {
        fc.pre(!containsPersonalId(lot) && !containsPersonalId(serial));
        const r = parse(']d2' + '01' + g + '17' + expiry + '11' + made + '10' + lot + GS + '21' + serial);
        expect(r.ok).toBe(true);
        expect(r.udi).toMatchObject({ di: g, lot, serial });
        wellFormed(r);
      }),
      { numRuns: RUNS / 5 },
    );
  });

  it('refuses a well-formed label exactly when its lot or serial holds a personal identity number', () => {
    // The guard reuses the digit counts of the value checks: a value it skips by its count must be
    // one the guard itself would pass.
    const digitHeavy = fc.oneof(
      x20,
      fc.stringMatching(/^[0-9A-]{10,20}$/),
      fc.constantFrom('121212-1212', '19121212-1212', '1212121212', 'A1912121212', '12345678901', '1234567890123', '701063-2391', '191212121212'),
    );
    const label = fc.record({ gtin, expiry: date, lot: digitHeavy, serial: digitHeavy });
    let refused = 0;
    fc.assert(
      fc.property(label, ({ gtin: g, expiry, lot, serial }) => {
        const r = parse(']d2' + '01' + g + '17' + expiry + '10' + lot + GS + '21' + serial);
        const personal = containsPersonalId(lot) || containsPersonalId(serial);
        if (personal) refused++;
        expect(r.scheme === 'personal-id').toBe(personal);
        if (!personal) expect(r.ok).toBe(true);
      }),
      { numRuns: RUNS / 5 },
    );
    expect(refused).toBeGreaterThan(RUNS / 50); // both answers are exercised
  });

  it('stays linear on over-long and ReDoS-shaped input (64 KiB; work counted, not timed)', () => {
    const hostile = [
      '0'.repeat(65536),
      '(01)'.repeat(16384),
      ']d2' + '10'.repeat(32768),
      ']d2' + ('10A' + GS).repeat(16000),
      'https://a/' + '01/'.repeat(20000),
      '+' + '$'.repeat(65535),
      '('.repeat(65536),
      ('\\(').repeat(30000),
    ];
    const parseOne = (s: string) => wellFormed(parse(s));
    for (const s of hostile) {
      // Over the 4,096-character bound (refused, but checked for a personal id) and within it:
      // twice the input, at most about twice the work.
      for (const [n, whole] of [[s.length / 2, s.length], [MAX_SCAN_LENGTH / 2, MAX_SCAN_LENGTH]]) {
        const work = workAtDouble((k) => s.slice(0, k), parseOne, n!);
        expect(work.twice, `${s.slice(0, 12)}… at ${whole}`).toBeLessThanOrEqual(2.2 * work.n + 64);
      }
    }
  });
});
