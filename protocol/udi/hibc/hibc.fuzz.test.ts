// Property tests of the HIBC parser: hostile input never throws and never hangs, every accepted
// code has DI = LIC + product number + unit of measure, every valid code built here from arbitrary
// parts (check characters computed independently, testkit.ts) parses back to those parts, and no
// single-character change of a valid code is accepted. FUZZ_RUNS sets the cases per property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Udi } from '../result.ts';
import { parseHibcPair } from './pair.ts';
import { type HibcResult, looksLikeHibc, MAX_HIBC_LENGTH, parseHibc } from './parse-hibc.ts';
import { CODE39, check, NOW, withCheck } from './testkit.ts';
import { countWork, workAtDouble } from '../work-count.test-support.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

const DI_SHAPE = /^[A-Z][0-9A-Z]{3}[0-9A-Z]{1,18}[0-9]$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Why the result breaks the contract, or null. (Plain checks: expect() per case is slow.) */
function contractProblem(r: HibcResult): string | null {
  if (r.ok !== (r.errors.length === 0)) return 'ok must mean "no errors"';
  for (const e of r.errors) if (e.message.length === 0) return `empty message for ${e.code}`;
  if (!r.ok) return null;
  // Every accepted code names a product, and its DI is exactly LIC + PCN + U/M.
  const h = r.hibc;
  if (h === null) return 'an accepted code has no HIBC fields';
  if (r.udi.di !== `${h.lic}${h.pcn}${h.uom}`) return `DI ${r.udi.di} is not LIC + PCN + U/M`;
  if (!DI_SHAPE.test(r.udi.di)) return `DI ${r.udi.di} has the wrong shape`;
  for (const d of [r.udi.expiry, r.udi.manufactured]) if (d !== null && !ISO_DATE.test(d)) return `date ${d} is not YYYY-MM-DD`;
  return null;
}

function wellFormed(r: HibcResult): void {
  const problem = contractProblem(r);
  if (problem !== null) expect.fail(`${problem}: ${JSON.stringify(r)}`);
}

// ---- arbitrary and HIBC-shaped input ----
const piece = fc.oneof(
  fc.constantFrom('+', '*', '$', '$$', '$$+', '$+', '/', '/S', '/16D2024', '/14D2029', '+/', 'A999', '1234', '5', '7', '3290131', '0129', ' ', '%', '.', '-', 'a', '\x1d', '\u00e9'),
  fc.stringMatching(/^[0-9]{1,10}$/),
  fc.string({ unit: fc.constantFrom(...CODE39), maxLength: 20 }),
);
const hibcShaped = fc
  .tuple(fc.constantFrom('+', '*+', '+$', '+$$', '', '+A999', '+H1231', '+A99912345/', '+A99912345/$$', '+Z0Z0X9/$'), fc.array(piece, { maxLength: 10 }), fc.nat(9))
  .map(([head, parts, n]) => head + parts.join('') + ((head[0] === '*') === n > 0 ? '*' : '')); // mostly matched '*' pairs

// ---- valid codes built from parts ----
const alnum = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...ALNUM), minLength, maxLength });
const lic = fc.tuple(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), alnum(3, 3)).map(([a, b]) => a + b);
// 1977..2076 are the years a two-digit year can mean on NOW (2026).
const day = fc.date({ min: new Date('1977-01-01T00:00:00Z'), max: new Date('2076-12-31T00:00:00Z'), noInvalidDate: true });
const fullDay = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true });
const iso = (d: Date): string => d.toISOString().slice(0, 10);
const ymd8 = (d: Date): string => iso(d).replace(/-/g, '');

type DateFlag = 'MMYY' | '2' | '3' | '4' | '5' | '6';
function dateField(flag: DateFlag, d: Date, hour: number): { text: string; iso: string } {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const yy = pad(y % 100, 2);
  const mm = pad(m, 2);
  const dd = pad(d.getUTCDate(), 2);
  const hh = pad(hour, 2);
  const jjj = pad(Math.round((Date.UTC(y, m - 1, d.getUTCDate()) - Date.UTC(y, 0, 1)) / 86_400_000) + 1, 3);
  switch (flag) {
    case 'MMYY':
      return { text: mm + yy, iso: `${y}-${mm}-${pad(new Date(Date.UTC(y, m, 0)).getUTCDate(), 2)}` };
    case '2':
      return { text: '2' + mm + dd + yy, iso: iso(d) };
    case '3':
      return { text: '3' + yy + mm + dd, iso: iso(d) };
    case '4':
      return { text: '4' + yy + mm + dd + hh, iso: iso(d) };
    case '5':
      return { text: '5' + yy + jjj, iso: iso(d) };
    case '6':
      return { text: '6' + yy + jjj + hh, iso: iso(d) };
  }
}

interface Label {
  di: string;
  secondary: string; // without '+', '/', link and check
  udi: Udi;
  quantity: number | null;
}

const label = fc
  .record({
    lic,
    pcn: alnum(1, 18),
    uom: fc.constantFrom(...'0123456789'),
    legacy: fc.boolean(),
    serialForm: fc.boolean(),
    shortForm: fc.boolean(),
    quantity: fc.option(fc.oneof(fc.integer({ min: 0, max: 99 }).map((q) => ({ flag: '8', text: pad(q, 2) })), fc.integer({ min: 0, max: 99_999 }).map((q) => ({ flag: '9', text: pad(q, 5) })))),
    dateFlag: fc.option(fc.constantFrom<DateFlag>('MMYY', '2', '3', '4', '5', '6')),
    date: day,
    hour: fc.integer({ min: 0, max: 23 }),
    field: alnum(1, 18),
    supplemental: fc.shuffledSubarray(['S', '16D', '14D', 'Q'] as const),
    count: fc.stringMatching(/^[0-9]{1,8}$/),
    serial2: alnum(1, 18),
    made: fullDay,
    expires: fullDay,
  })
  .map((g): Label => {
    const di = g.lic + g.pcn + g.uom;
    const udi: Udi = { di, lot: null, serial: null, expiry: null, manufactured: null };
    let secondary: string;
    let quantity: number | null = null;
    // '$' or '$+' with an empty lot or serial: allowed when supplemental fields follow.
    const field = g.shortForm && !g.legacy && g.quantity === null && g.dateFlag === null && g.supplemental.length > 0 && g.hour < 4 ? '' : g.field;
    if (g.legacy) {
      const d = dateField('5', g.date, 0);
      secondary = d.text.slice(1) + g.field.slice(0, 13);
      udi.expiry = d.iso;
      udi.lot = g.field.slice(0, 13);
    } else if (g.shortForm && g.quantity === null && g.dateFlag === null) {
      secondary = (g.serialForm ? '$+' : '$') + field;
    } else {
      const d = g.dateFlag === null ? null : dateField(g.dateFlag, g.date, g.hour);
      quantity = g.quantity ? Number(g.quantity.text) : null;
      secondary = '$$' + (g.serialForm ? '+' : '') + (g.quantity ? g.quantity.flag + g.quantity.text : '') + (d ? d.text : '7') + g.field;
      udi.expiry = d ? d.iso : null;
    }
    if (!g.legacy && field !== '') {
      if (g.serialForm) udi.serial = field;
      else udi.lot = field;
    }
    for (const s of g.supplemental) {
      if (s === 'S' && udi.serial === null) {
        secondary += '/S' + g.serial2;
        udi.serial = g.serial2;
      } else if (s === '16D') {
        secondary += '/16D' + ymd8(g.made);
        udi.manufactured = iso(g.made);
      } else if (s === '14D' && udi.expiry === null) {
        secondary += '/14D' + ymd8(g.expires);
        udi.expiry = iso(g.expires);
      } else if (s === 'Q' && quantity === null) {
        secondary += '/Q' + g.count;
        quantity = Number(g.count);
      }
    }
    return { di, secondary, udi, quantity };
  });

const sameUdi = (a: Udi, b: Udi): boolean =>
  a.di === b.di && a.lot === b.lot && a.serial === b.serial && a.expiry === b.expiry && a.manufactured === b.manufactured;

/** Whether the last character is the mod-43 check of the rest ('*' delimiters included, as parsed). */
function hasCheck(code: string): boolean {
  const body = code.startsWith('*') && code.endsWith('*') ? code.slice(1, -1) : code;
  try {
    return body.length > 1 && check(body.slice(0, -1)) === body.slice(-1);
  } catch {
    return false; // a character outside Code 39
  }
}

const combined = (l: Label): string => withCheck(`+${l.di}/${l.secondary}`);

describe('HIBC fuzzing', () => {
  it('never throws on arbitrary strings, and answers in the documented shape', () => {
    fc.assert(
      fc.property(fc.constantFrom('', '+', '*+'), fc.string({ unit: 'binary', maxLength: 120 }), (head, tail) => {
        const s = head + tail;
        if (typeof looksLikeHibc(s) !== 'boolean') expect.fail('looksLikeHibc must answer true or false');
        wellFormed(parseHibc(s, NOW));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on HIBC-shaped strings; every accepted one has DI = LIC + PCN + U/M', () => {
    fc.assert(fc.property(hibcShaped, (s) => wellFormed(parseHibc(s, NOW))), { numRuns: RUNS });
  });

  it('accepts valid-looking codes only with a valid check character', () => {
    // Valid labels closed with their own check character or with another Code 39 character, and
    // structure-shaped bodies closed with their check character: the parser may still find
    // structure errors, but must agree with the independent check-character calculation.
    const closed = fc.oneof(
      fc.tuple(label, fc.boolean(), fc.constantFrom(...CODE39)).map(([l, right, c]) => (right ? combined(l) : combined(l).slice(0, -1) + c)),
      fc.tuple(hibcShaped, fc.boolean()).map(([s, close]) => (close && /^\+[0-9A-Z\-. $/+%]+$/.test(s) ? withCheck(s) : s)),
    );
    let checked = 0;
    fc.assert(
      fc.property(closed, (code) => {
        const r = parseHibc(code, NOW);
        wellFormed(r);
        const valid = hasCheck(code);
        if (r.ok) expect(valid).toBe(true);
        if (r.ok || !valid) checked += 1;
      }),
      { numRuns: RUNS },
    );
    // Both outcomes must be common: accepted with the right check character, refused without it.
    expect(checked / RUNS).toBeGreaterThanOrEqual(0.5);
  });

  it('parses every generated valid label back to its parts (combined form)', () => {
    fc.assert(
      fc.property(label, fc.boolean(), (l, stars) => {
        const code = combined(l);
        const r = parseHibc(stars ? `*${code}*` : code, NOW);
        if (!r.ok || !sameUdi(r.udi, l.udi) || r.hibc?.quantity !== l.quantity) {
          expect({ code, errors: r.errors, udi: r.udi, quantity: r.hibc?.quantity }).toEqual({ code, errors: [], udi: l.udi, quantity: l.quantity });
        }
        wellFormed(r);
      }),
      { numRuns: RUNS },
    );
  });

  it('parses every generated valid label back to its parts (two linked barcodes)', () => {
    fc.assert(
      fc.property(label, (l) => {
        const primary = withCheck(`+${l.di}`);
        const secondary = withCheck(`+${l.secondary}${primary.slice(-1)}`);
        const pair = parseHibcPair(primary, secondary, NOW);
        if (!pair.ok || !sameUdi(pair.udi, l.udi)) expect({ secondary, errors: pair.errors, udi: pair.udi }).toEqual({ secondary, errors: [], udi: l.udi });
        const alone = parseHibc(secondary, NOW);
        const codes = alone.errors.map((e) => e.code);
        if (codes.length !== 1 || codes[0] !== 'not-a-product' || !sameUdi(alone.udi, { ...l.udi, di: null })) {
          expect({ secondary, codes, udi: alone.udi }).toEqual({ secondary, codes: ['not-a-product'], udi: { ...l.udi, di: null } });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never accepts a valid code with one character changed', () => {
    fc.assert(
      fc.property(label, fc.nat(), fc.oneof(fc.constantFrom(...CODE39), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), (l, at, c) => {
        const code = combined(l);
        const i = at % code.length;
        fc.pre(code[i] !== c);
        const changed = code.slice(0, i) + c + code.slice(i + 1);
        const r = parseHibc(changed, NOW);
        expect(r.ok).toBe(false);
        // Any change inside the Code 39 set alters the mod-43 sum by less than 43, never by 0.
        const structural = i === 0 || (i === 1 && c === '/');
        if (CODE39.includes(c) && !structural) expect(r.errors.map((e) => e.code)).toContain('bad-check-digit');
      }),
      { numRuns: RUNS },
    );
  });

  it('stays linear on long and pathological input (work counted, not timed)', () => {
    const hostile: ((n: number) => string)[] = [
      (n) => '+' + '$'.repeat(n),
      (n) => '+A999' + '/'.repeat(n),
      (n) => '+A99912345/' + '$$+'.repeat(n),
      (n) => '+' + 'a'.repeat(n),
      (n) => '*+'.repeat(n),
    ];
    const parseOne = (s: string) => wellFormed(parseHibc(s, NOW));
    for (const make of hostile) {
      // Within the length bound: twice the input, at most about twice the work.
      const units = Math.floor((MAX_HIBC_LENGTH - make(0).length) / (2 * (make(1).length - make(0).length)));
      const work = workAtDouble(make, parseOne, units);
      expect(work.twice).toBeLessThanOrEqual(2.2 * work.n + 16);
      // Beyond it: refused unread, the same small work for 64 KiB as for one character too many.
      const huge = make(65_536);
      expect(parseHibc(huge, NOW).errors.map((e) => e.code)).toEqual(['too-long']);
      expect(countWork(() => parseOne(huge))).toBeLessThanOrEqual(countWork(() => parseOne(make(0) + 'x'.repeat(MAX_HIBC_LENGTH))));
    }
  });
});
