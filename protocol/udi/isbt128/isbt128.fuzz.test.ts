// Property tests of the ISBT 128 parser: hostile input never throws and is read in linear work;
// every UDI built here from arbitrary parts (the DIN's check value found the long way, by ISO 7064
// verification) parses back to those parts, in a compound message and concatenated; a wrong check
// value in the DIN flags is always caught. FUZZ_RUNS sets the cases per property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../parse.ts';
import type { Udi } from '../result.ts';
import { countWork, workAtDouble } from '../work-count.test-support.ts';
import { type Isbt128Result, parseIsbt128 } from './parse-isbt128.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const FIN_CHARS = ALNUM.replace('O', '');
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function contractProblem(r: Isbt128Result): string | null {
  if (r.ok !== (r.errors.length === 0)) return 'ok must mean "no errors"';
  for (const e of r.errors) if (e.message.length === 0) return `empty message for ${e.code}`;
  if (r.ok && (r.udi.di === null || !/^[A-NP-Z0-9]{5}[A-Z0-9]{11}$/.test(r.udi.di))) return `DI ${r.udi.di} has the wrong shape`;
  for (const d of [r.udi.expiry, r.udi.manufactured]) if (d !== null && !/^\d{4}-\d{2}-\d{2}$/.test(d)) return `date ${d} is not YYYY-MM-DD`;
  return null;
}

function wellFormed(r: Isbt128Result): void {
  const problem = contractProblem(r);
  if (problem !== null) expect.fail(`${problem}: ${JSON.stringify(r)}`);
}

/** The MOD 37-2 check value by ISO 7064's verification rule (Σ v·2^k + check ≡ 1 mod 37), searched. */
function checkValue(din: string): number {
  let sum = 0;
  for (let i = 0; i < din.length; i++) sum = (sum + ALNUM.indexOf(din[i]!) * Number(2n ** BigInt(din.length - i) % 37n)) % 37;
  for (let c = 0; c < 37; c++) if ((sum + c) % 37 === 1) return c;
  throw new Error('unreachable');
}

// ---- arbitrary and ISBT-shaped input ----
const piece = fc.oneof(
  fc.constantFrom('=', '&', '=/', '=,', '=>', '=}', '=+', '&,1', '&,', '=+06000', '=A9999', 'A9997XYZ100T0479', '000025', '019031', '00', '70', 'O', 'a', '\x1d', '\u00e9', ' '),
  fc.stringMatching(/^[0-9]{1,8}$/),
  fc.string({ unit: fc.constantFrom(...ALNUM), maxLength: 20 }),
);
const isbtShaped = fc.tuple(fc.constantFrom('=', '&', '=+', '=/', '=+06000=/'), fc.array(piece, { maxLength: 12 })).map(([head, parts]) => head + parts.join(''));

// ---- valid UDIs built from parts ----
const alnum = (n: number, chars = ALNUM) => fc.string({ unit: fc.constantFrom(...chars), minLength: n, maxLength: n });
const day = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true });
const iso = (d: Date): string => d.toISOString().slice(0, 10);
const cyyjjj = (d: Date): string => pad(d.getUTCFullYear() - 2000, 3) + pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3);

interface Label {
  parts: string[]; // the structures, DI first
  udi: Udi;
  din: string;
}

const label = fc
  .record({
    ppic: fc.tuple(alnum(5, FIN_CHARS), alnum(11)).map(([a, b]) => a + b),
    din: fc.tuple(fc.constantFrom(...FIN_CHARS.replace('0', '')), alnum(4, FIN_CHARS), fc.stringMatching(/^[0-9]{8}$/)).map(([a, b, c]) => a + b + c),
    checked: fc.boolean(),
    serial: alnum(6).filter((s) => s !== '000000'),
    lot: fc.option(alnum(18)),
    expiry: fc.option(day),
    made: fc.option(day),
  })
  .map((g): Label => {
    const flags = g.checked ? String(60 + checkValue(g.din)) : '00';
    const parts = [`=/${g.ppic}`, `=,${g.serial}`, `=${g.din}${flags}`];
    if (g.expiry) parts.push(`=>${cyyjjj(g.expiry)}`);
    if (g.made) parts.push(`=}${cyyjjj(g.made)}`);
    if (g.lot) parts.push(`&,1${g.lot}`);
    return {
      parts,
      udi: { di: g.ppic, lot: g.lot, serial: g.serial, expiry: g.expiry ? iso(g.expiry) : null, manufactured: g.made ? iso(g.made) : null },
      din: g.din,
    };
  });

const compound = (l: Label): string => `=+${pad(l.parts.length, 2)}000${l.parts.join('')}`;

describe('ISBT 128 fuzzing', () => {
  it('never throws on arbitrary strings, and answers in the documented shape', () => {
    fc.assert(
      fc.property(fc.constantFrom('=', '&', '=+', ''), fc.string({ unit: 'binary', maxLength: 120 }), (head, tail) => {
        wellFormed(parseIsbt128(head + tail));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on ISBT-shaped strings; parse() keeps its contract on them', () => {
    fc.assert(
      fc.property(isbtShaped, (s) => {
        wellFormed(parseIsbt128(s));
        const r = parse(s);
        if (r.ok && (r.scheme !== 'isbt128' || r.udi.di === null)) expect.fail(`accepted without a DI: ${JSON.stringify(r)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('parses every generated UDI back to its parts, as a compound message and concatenated', () => {
    fc.assert(
      fc.property(label, (l) => {
        for (const code of [compound(l), l.parts.join('')]) {
          const r = parseIsbt128(code);
          if (!r.ok || JSON.stringify(r.udi) !== JSON.stringify(l.udi) || r.din !== l.din) {
            expect({ code, errors: r.errors, udi: r.udi, din: r.din }).toEqual({ code, errors: [], udi: l.udi, din: l.din });
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('catches any wrong check value in the DIN flags', () => {
    fc.assert(
      fc.property(label, fc.integer({ min: 60, max: 96 }), (l, flags) => {
        const din = l.parts[2]!;
        const right = 60 + checkValue(l.din);
        fc.pre(flags !== right);
        const parts = [...l.parts];
        parts[2] = din.slice(0, -2) + String(flags);
        expect(parseIsbt128(compound({ ...l, parts })).errors.map((e) => e.code)).toEqual(['bad-check-digit']);
      }),
      { numRuns: RUNS },
    );
  });

  it('stays linear on long and pathological input (work counted, not timed)', () => {
    const hostile: ((n: number) => string)[] = [
      (n) => '=+99000' + '=,000025'.repeat(n),
      (n) => '=/A9997XYZ100T0479' + '=A99991712345600'.repeat(n),
      (n) => '='.repeat(n),
      (n) => '&,1'.repeat(n),
      (n) => '=/A9997XYZ100T0479' + '=>023366'.repeat(n),
    ];
    for (const make of hostile) {
      const work = workAtDouble(make, (s) => wellFormed(parseIsbt128(s)), 200);
      expect(work.twice).toBeLessThanOrEqual(2.2 * work.n + 16);
    }
    // Through parse(): bounded by MAX_SCAN_LENGTH, still linear below it.
    const viaParse = workAtDouble((n) => '=+99000' + '=,000025'.repeat(n), (s) => void parse(s), 200);
    expect(viaParse.twice).toBeLessThanOrEqual(2.2 * viaParse.n + 16);
    expect(countWork(() => parseIsbt128(''))).toBeLessThan(20);
  });
});
