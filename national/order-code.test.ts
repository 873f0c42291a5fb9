import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { checkValue, formatOrderCode, isCanonicalOrderCode, newOrderCode, ORDER_CODE_ALPHABET, parseOrderCode } from './order-code.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const value = (c: string) => ORDER_CODE_ALPHABET.indexOf(c);

/** A valid code from 7 chosen symbol values, or null when its check value has no typing symbol. */
function codeOf(values: number[]): string | null {
  const check = checkValue(values);
  return check < 32 ? values.map((v) => ORDER_CODE_ALPHABET[v]).join('') + ORDER_CODE_ALPHABET[check] : null;
}

const realCode = fc
  .array(fc.integer({ min: 0, max: 31 }), { minLength: 7, maxLength: 7 })
  .map(codeOf)
  .filter((c): c is string => c !== null);

/** Every spelling the parser reads as a symbol: the alphabet, lower case, and I/L/O aliases. */
const INPUT_CHARS = [...ORDER_CODE_ALPHABET, ...ORDER_CODE_ALPHABET.toLowerCase(), 'I', 'i', 'L', 'l', 'O', 'o', 'U', 'u', '*', '~', '$', '='];
const canonical = (s: string) => s.toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');

describe('order codes', () => {
  test('fresh codes are canonical, 8 symbols, and parse back', () => {
    for (let i = 0; i < 1000; i++) {
      const code = newOrderCode();
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
      expect(isCanonicalOrderCode(code)).toBe(true);
      expect(parseOrderCode(code)).toEqual({ ok: true, code });
    }
  });

  test('input is case-insensitive, reads I/L as 1 and O as 0, ignores hyphens and spaces', () => {
    const code = codeOf([1, 0, 1, 0, 20, 21, 22])!;
    expect(code.startsWith('1010')).toBe(true);
    const typed = `i o${'l'}O-${code.slice(4).toLowerCase()}`;
    expect(parseOrderCode(typed)).toEqual({ ok: true, code });
    expect(parseOrderCode(formatOrderCode(code))).toEqual({ ok: true, code });
    expect(formatOrderCode(code)).toBe(`${code.slice(0, 4)}-${code.slice(4)}`);
  });

  test('refuses U, other characters, wrong lengths and non-strings as malformed', () => {
    for (const bad of ['', '7KQ4', '7KQ4M9PXX', '7KQ4M9PU', '7KQ4M9P*', 'ÅÄÖ12345', '7KQ4M9P\u0000', 'x'.repeat(100), null, 42, undefined]) {
      expect(parseOrderCode(bad)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  test('the check symbol is Crockford mod 37 over the data symbols', () => {
    // 0000001 → 1 mod 37 = 1; 'Z' (31) · 32 + 31 = 1023 = 27·37 + 24 → 'R'
    expect(codeOf([0, 0, 0, 0, 0, 0, 1])).toBe('00000011');
    expect(codeOf([0, 0, 0, 0, 0, 31, 31])).toBe(`00000ZZ${ORDER_CODE_ALPHABET[1023 % 37]}`);
    expect(codeOf([0, 0, 0, 0, 0, 1, 5])).toBe('00000150'); // 32 + 5 = 37 ≡ 0
    expect(codeOf([0, 0, 0, 0, 0, 1, 0])).toBe(null); // 32: Crockford's '*', never issued
  });

  test('every single-symbol change and every adjacent transposition of a real code is refused', () => {
    fc.assert(
      fc.property(realCode, fc.nat(7), fc.constantFrom(...INPUT_CHARS), (code, at, replacement) => {
        const typed = code.slice(0, at) + replacement + code.slice(at + 1);
        const r = parseOrderCode(typed);
        if (canonical(typed) === code) expect(r).toEqual({ ok: true, code });
        else expect(r.ok).toBe(false);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(realCode, fc.nat(6), (code, at) => {
        const typed = code.slice(0, at) + code[at + 1] + code[at] + code.slice(at + 2);
        if (typed !== code) expect(parseOrderCode(typed)).toEqual({ ok: false, reason: 'mistyped', typed });
      }),
      { numRuns: RUNS },
    );
  });

  test('exhaustively: no single substitution or adjacent swap maps one valid code onto another', () => {
    // Over a slice of the space: all 32 symbols at each position of a few base codes.
    for (const base of ['7KQ4M9P', '0000000', 'ZZZZZZZ', 'ABCDEFG']) {
      const values = [...base].map(value);
      for (let at = 0; at < 7; at++) {
        for (let v = 0; v < 32; v++) {
          if (v === values[at]) continue;
          const changed = values.slice();
          changed[at] = v;
          expect(checkValue(changed)).not.toBe(checkValue(values));
        }
        if (at < 6 && values[at] !== values[at + 1]) {
          const swapped = values.slice();
          [swapped[at], swapped[at + 1]] = [swapped[at + 1]!, swapped[at]!];
          expect(checkValue(swapped)).not.toBe(checkValue(values));
        }
      }
    }
  });

  test('arbitrary strings never throw, and whatever parses is canonical and valid', () => {
    // Real codes as people type them (case, aliases, hyphens, spaces, one slip) beside noise, so
    // the accepting branch runs on most cases; isCanonicalOrderCode is checked against the spec.
    const typed = fc
      .tuple(realCode, fc.array(fc.tuple(fc.constantFrom('lower', 'alias', 'hyphen', 'space', 'slip'), fc.nat(7), fc.constantFrom(...INPUT_CHARS)), { maxLength: 3 }))
      .map(([code, edits]) => {
        let s = code;
        for (const [op, at, c] of edits) {
          const i = at % s.length;
          if (op === 'lower') s = s.toLowerCase();
          else if (op === 'alias') s = s.replace(/1/g, 'l').replace(/0/g, 'O');
          else if (op === 'hyphen' || op === 'space') s = s.slice(0, i) + (op === 'hyphen' ? '-' : ' ') + s.slice(i);
          else s = s.slice(0, i) + c + s.slice(i + 1);
        }
        return s;
      });
    const noise = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...INPUT_CHARS, '-', ' ') }));
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 4, arbitrary: typed }, { weight: 1, arbitrary: noise }), (s) => {
        const r = parseOrderCode(s);
        if (r.ok) {
          accepted += 1;
          expect(isCanonicalOrderCode(r.code)).toBe(true);
          expect(checkValue([...r.code.slice(0, 7)].map(value))).toBe(value(r.code[7]!));
          expect(r.code).toBe(canonical(s.replace(/[- ]/g, '')));
        }
        const issuedSpelling = /^[0-9A-HJKMNP-TV-Z]{8}$/.test(s) && checkValue([...s.slice(0, 7)].map(value)) === value(s[7]!);
        expect(isCanonicalOrderCode(s)).toBe(issuedSpelling);
      }),
      { numRuns: RUNS },
    );
    expect(accepted / RUNS).toBeGreaterThanOrEqual(0.5);
  });

  test('input is bounded at 32 characters, hyphens and spaces included', () => {
    const code = codeOf([7, 20, 23, 4, 21, 9, 22])!;
    const spaced = (n: number) => code.slice(0, 4) + '-'.repeat(n) + code.slice(4);
    expect(spaced(32 - 8)).toHaveLength(32);
    expect(parseOrderCode(spaced(32 - 8))).toEqual({ ok: true, code });
    expect(parseOrderCode(spaced(33 - 8))).toEqual({ ok: false, reason: 'malformed' });
    expect(parseOrderCode(code + ' '.repeat(1000))).toEqual({ ok: false, reason: 'malformed' });
  });

  test('a character outside ASCII is malformed, even one just past it', () => {
    const code = codeOf([7, 20, 23, 4, 21, 9, 22])!;
    for (const c of ['\u0080', '\u00ff', '\u0131', '\uff11']) expect(parseOrderCode(code.slice(0, 7) + c), c).toEqual({ ok: false, reason: 'malformed' });
  });

  test('isCanonicalOrderCode: only the issued spelling of a valid code', () => {
    const code = codeOf([1, 0, 1, 0, 20, 21, 22])!;
    expect(isCanonicalOrderCode(code)).toBe(true);
    for (const other of [code.toLowerCase(), formatOrderCode(code), `IO${code.slice(2)}`, ` ${code}`, code.slice(0, 7), `${code.slice(0, 7)}${code[7] === '0' ? '1' : '0'}`]) {
      expect(isCanonicalOrderCode(other), other).toBe(false);
    }
    for (const notString of [null, undefined, 42, [...code], { length: 8 }]) expect(isCanonicalOrderCode(notString)).toBe(false);
  });

  test('a fresh code is the 35 low random bits as 7 symbols, drawn again when its check has no symbol', () => {
    const draws = (...bytes: number[][]) => {
      let i = 0;
      return () => Uint8Array.from(bytes[i++]!);
    };
    expect(newOrderCode(draws([0xf8, 0, 0, 0, 1]))).toBe(codeOf([0, 0, 0, 0, 0, 0, 1])); // the top 5 bits are not used
    expect(newOrderCode(draws([0, 0, 0, 3, 0]))).toBe(codeOf([0, 0, 0, 0, 0, 24, 0]));
    expect(newOrderCode(draws([0, 0, 0, 1, 7]))).toBe(codeOf([0, 0, 0, 0, 0, 8, 7]));
    expect(newOrderCode(draws([1, 0, 0, 0, 0]))).toBe(codeOf([4, 0, 0, 0, 0, 0, 0]));
    expect(newOrderCode(draws([0, 0, 1, 0, 0]))).toBe(codeOf([0, 0, 0, 2, 0, 0, 0]));
    expect(newOrderCode(draws([0, 0x80, 0, 0, 0]))).toBe(codeOf([2, 0, 0, 0, 0, 0, 0]));
    expect(newOrderCode(draws([0x07, 0xff, 0xff, 0xff, 0xff]))).toBe(codeOf([31, 31, 31, 31, 31, 31, 31]));
    // 256 (values 0 … 0 8 0) has check value 34: no typing symbol, so the next draw is used.
    expect(codeOf([0, 0, 0, 0, 0, 8, 0])).toBeNull();
    expect(newOrderCode(draws([0, 0, 0, 1, 0], [0, 0, 0, 0, 1]))).toBe(codeOf([0, 0, 0, 0, 0, 0, 1]));
  });

  test('random codes use the whole alphabet at every position', () => {
    const seen = Array.from({ length: 8 }, () => new Set<string>());
    for (let i = 0; i < 3000; i++) [...newOrderCode()].forEach((c, at) => seen[at]!.add(c));
    for (const s of seen) expect(s.size).toBe(32);
  });
});
