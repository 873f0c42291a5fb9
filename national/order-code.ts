// Order codes ("beställnings-ID"): what theatre staff copy into a registry, typed by people.
//   const code = newOrderCode();            → '7KQ4M9PX'   (7 random symbols + 1 check symbol)
//   parseOrderCode('7kq4-m9px')             → { ok: true, code: '7KQ4M9PX' }
//   parseOrderCode('7KQ4M9XP')              → { ok: false, reason: 'mistyped' }   (transposition)
//   parseOrderCode('7KQ4')                  → { ok: false, reason: 'malformed' }
//   formatOrderCode('7KQ4M9PX')             → '7KQ4-M9PX'  (for people; the hyphen is ignored on input)
//
// Alphabet: Crockford base32, 0-9 A-Z without I L O U. Input is case-insensitive, I and L read as
// 1, O as 0, hyphens and spaces are ignored; U (and anything else) is refused.
//
// Check symbol: Crockford's mod-37 check (the 7 data symbols read as a base-32 number, mod 37),
// restricted to codes whose check value is below 32, so the check symbol is always one of the
// 32 typing symbols (Crockford's extra symbols * ~ $ = U are awkward to say and type). The
// restriction costs 5/37 of the space. Because 37 is prime and larger than every symbol value:
//   - a single substituted data symbol changes the number by (a−b)·32^k, never 0 mod 37: refused;
//   - two swapped adjacent data symbols change it by (a−b)·32^k·31, never 0 mod 37: refused;
//   - the last data symbol swapped with the check symbol (x c → c x) passes only if 2c ≡ 2x
//     (mod 37), i.e. c = x, which is no change: refused;
//   - a changed check symbol does not match: refused; an inserted or dropped symbol changes the
//     length: refused.
// A random string of 8 symbols passes with probability 1/37.
//
// Space and uniqueness: 32^7 · 32/37 ≈ 2.97·10^10 valid codes. Codes are drawn with
// crypto.randomFillSync and checked against every code issued within the uniqueness window
// (UNIQUENESS_WINDOW_YEARS = 10 years; codes answer registries for 2 years, the access log keeps
// them 5 years). At a generous 10 million scans and cases a year, the window holds ≤ 10^8 codes:
// a fresh draw collides with probability ≤ 10^8 / 2.97·10^10 ≈ 0.34 %, so needing a fourth draw
// has probability ≈ 4·10^-8 (the generator tries up to MAX_DRAWS). Without the check, n codes
// would collide with expectation n²/2N ≈ 1.7·10^5 at n = 10^8: the check is necessary, and done by
// the store's UNIQUE index. A mistyped code that still passes the check symbol (two or more errors,
// 1/37) names another live code with probability ≈ live codes / space ≤ 2·10^7 / 2.97·10^10: about
// 1.8·10^-5 per doubly-mistyped code, and every such lookup is in the access log.

import { randomFillSync } from 'node:crypto';

export const ORDER_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ORDER_CODE_LENGTH = 8;
export const ORDER_CODE_DATA_LENGTH = ORDER_CODE_LENGTH - 1;
export const UNIQUENESS_WINDOW_YEARS = 10;
/** Draws before giving up (each collides with probability ≤ 0.34 % at full load). */
export const MAX_DRAWS = 16;
/** Longer inputs are refused unread: a code with every hyphen and space it could carry is short. */
const MAX_INPUT_LENGTH = 32;

/** Symbol value by character code, for every accepted input spelling; -1 = not a symbol. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ORDER_CODE_ALPHABET.length; i++) {
  VALUE[ORDER_CODE_ALPHABET.charCodeAt(i)] = i;
  VALUE[ORDER_CODE_ALPHABET.toLowerCase().charCodeAt(i)] = i;
}
for (const [alias, value] of [['I', 1], ['L', 1], ['O', 0]] as const) {
  VALUE[alias.charCodeAt(0)] = value;
  VALUE[alias.toLowerCase().charCodeAt(0)] = value;
}

export type OrderCodeParse =
  | { ok: true; code: string }
  | { ok: false; reason: 'malformed' }
  /** `typed`: what was typed, in canonical spelling (8 symbols; for the access log). */
  | { ok: false; reason: 'mistyped'; typed: string };

/** The mod-37 check value of symbol values (Crockford): 0 … 36. */
export function checkValue(values: ArrayLike<number>): number {
  let r = 0;
  for (let i = 0; i < values.length; i++) r = (r * 32 + values[i]!) % 37;
  return r;
}

/** Reads what a person typed; never throws. The code it returns is canonical (uppercase, no hyphen). */
export function parseOrderCode(input: unknown): OrderCodeParse {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return { ok: false, reason: 'malformed' };
  const values: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c === 0x2d /* - */ || c === 0x20 /* space */) continue;
    const v = c < 128 ? VALUE[c]! : -1;
    if (v < 0 || values.length === ORDER_CODE_LENGTH) return { ok: false, reason: 'malformed' };
    values.push(v);
  }
  if (values.length !== ORDER_CODE_LENGTH) return { ok: false, reason: 'malformed' };
  let code = '';
  for (const v of values) code += ORDER_CODE_ALPHABET[v];
  if (checkValue(values.slice(0, ORDER_CODE_DATA_LENGTH)) !== values[ORDER_CODE_DATA_LENGTH]) return { ok: false, reason: 'mistyped', typed: code };
  return { ok: true, code };
}

/** True for a canonical code (as issued and stored), false for anything else. */
export function isCanonicalOrderCode(s: unknown): s is string {
  if (typeof s !== 'string' || s.length !== ORDER_CODE_LENGTH) return false;
  const r = parseOrderCode(s);
  return r.ok && r.code === s;
}

/** '7KQ4M9PX' → '7KQ4-M9PX': easier to read aloud and to copy. */
export function formatOrderCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

// Random bytes drawn 4 KiB at a time: one system call per ~800 codes, not one per code.
const pool = Buffer.alloc(4096);
let poolPos = pool.length;
function pooledRandom(n: number): Uint8Array {
  if (poolPos + n > pool.length) {
    randomFillSync(pool);
    poolPos = 0;
  }
  poolPos += n;
  return pool.subarray(poolPos - n, poolPos);
}

/** A fresh random code (not yet checked for uniqueness: the store does that). */
export function newOrderCode(random: (n: number) => Uint8Array = pooledRandom): string {
  for (;;) {
    const b = random(5); // 40 random bits; the low 35 are 7 symbols
    const values: number[] = [];
    let bits = ((b[0]! & 0x07) * 2 ** 32 + ((b[1]! << 24) >>> 0) + (b[2]! << 16) + (b[3]! << 8) + b[4]!);
    for (let i = 0; i < ORDER_CODE_DATA_LENGTH; i++) {
      values.unshift(bits % 32);
      bits = Math.floor(bits / 32);
    }
    const check = checkValue(values);
    if (check >= 32) continue; // no typing symbol for it: draw again (5 in 37)
    let code = '';
    for (const v of values) code += ORDER_CODE_ALPHABET[v];
    return code + ORDER_CODE_ALPHABET[check];
  }
}
