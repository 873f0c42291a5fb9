// Checks one AI's value against its Syntax Dictionary entry: length, character set, linters.
//   validateValue(aiEntry('01')!, '09506000134352') → []
//   validateValue(aiEntry('01')!, '0950600013435')
//     → [{ code: 'too-short', message: '(01) GTIN 0950600013435 has 13 digits; it needs 14' }]
//   validateValue(aiEntry('17')!, '250231')
//     → [{ code: 'bad-date', message: '(17) expiry date 250231: February has no day 31' }]
//
// The components ("N13,csum [X..17]") are applied in order, each consuming a prefix of the value:
// fixed ones their length, the last (variable) one what it may; optional ones only while data is
// left. Linters run only on values of a valid length, since a misplaced cut makes their verdicts
// noise (a 15-digit GTIN's "wrong check digit"). Everything per entry is compiled once.

import { error, type ParseError } from '../result.ts';
import type { AiEntry, ComponentType } from './ai-entry.ts';
import { aiLabel, shown } from './ai-label.ts';
import { AI_ENTRIES } from './ai-table.generated.ts';
import { LINTERS, type Linter } from './linters.ts';

// Character sets, GS1 General Specifications §7.11: CSET 82 (X), CSET 39 (Y), CSET 64 (Z,
// file-safe base64; "=" only as padding at the end, handled apart).
const CSET82 = '!"%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const CSET39 = '#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const CSET64 = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const BIT: Record<ComponentType, number> = { N: 1, X: 2, Y: 4, Z: 8 };
/** ASCII code → bit set of the types that allow it. */
const ALLOWED = new Uint8Array(128);
for (const [bit, chars] of [[BIT.N, '0123456789'], [BIT.X, CSET82], [BIT.Y, CSET39], [BIT.Z, CSET64]] as const) {
  for (let i = 0; i < chars.length; i++) ALLOWED[chars.charCodeAt(i)]! |= bit;
}
const CSET_TEXT: Record<ComponentType, string> = {
  N: 'only digits are allowed',
  X: 'allowed are letters A–Z a–z, digits and ! " % & \' ( ) * + , - . / : ; < = > ? _',
  Y: 'allowed are capital letters, digits and # - /',
  Z: 'allowed are letters, digits, - and _ (base64url), with = only as padding at the end',
};

interface Part {
  readonly type: ComponentType;
  readonly bit: number;
  readonly min: number;
  readonly max: number;
  readonly optional: boolean;
  readonly linters: readonly Linter[];
}

interface Compiled {
  readonly label: string;
  readonly parts: readonly Part[];
  /** "14 digits", "1 to 20 characters", "3, 6, 9, 12 or 15 digits" */
  readonly lengths: string;
}

function describeLengths(parts: readonly Part[]): string {
  // Every accepted length: the mandatory parts, then each further optional part.
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = 0;
  for (const p of parts) {
    if (p.optional) ranges.push([lo, hi]);
    lo += p.min;
    hi += p.max;
  }
  ranges.push([lo, hi]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const texts = merged.map(([a, b]) => (a === b ? `${a}` : `${a} to ${b}`));
  const list = texts.length === 1 ? texts[0] : `${texts.slice(0, -1).join(', ')} or ${texts[texts.length - 1]}`;
  return `${list} ${parts.every((p) => p.type === 'N') ? 'digits' : 'characters'}`;
}

function compile(entry: AiEntry): Compiled {
  const parts = entry.components.map((c): Part => ({
    type: c.type,
    bit: BIT[c.type],
    min: c.min,
    max: c.max,
    optional: c.optional,
    linters: c.linters.map((name) => {
      const lint = LINTERS.get(name);
      // A dictionary release with a new linter must fail the tests, not pass values unchecked.
      if (lint === undefined) throw new Error(`(${entry.ai}): no linter "${name}"`);
      return lint;
    }),
  }));
  return { label: aiLabel(entry.ai, entry.title), parts, lengths: describeLengths(parts) };
}

// Compiled on first use of each AI, not at load (start-up of a command that parses one scan);
// linters.test.ts checks that every linter the dictionary names exists. Kept by table index (an
// array read per element; a WeakMap lookup by entry cost more), entries outside the table by entry.
const COMPILED: (Compiled | undefined)[] = new Array<Compiled | undefined>(AI_ENTRIES.length);
const COMPILED_OTHER = new WeakMap<AiEntry, Compiled>();

function compiled(entry: AiEntry, index: number): Compiled {
  if (index >= 0 && AI_ENTRIES[index] === entry) return (COMPILED[index] ??= compile(entry));
  let c = COMPILED_OTHER.get(entry);
  if (c === undefined) COMPILED_OTHER.set(entry, (c = compile(entry)));
  return c;
}

/** Index of the first character of value[from, to) that `part` does not allow, or -1. */
function badCharAt(value: string, from: number, to: number, part: Part): number {
  let end = to;
  if (part.type === 'Z') {
    // Padding: at most two "=" at the very end, leaving a length that is a multiple of three
    // (the rule of the GS1 Syntax Engine's cset64 test).
    while (end > from && value.charCodeAt(end - 1) === 0x3d) end--;
    if (to - end > 2 || (to > end && (to - from) % 3 !== 0)) return end;
  }
  for (let i = from; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || ((ALLOWED[c] ?? 0) & part.bit) === 0) return i;
  }
  return -1;
}

/** The digits in `value` if `part` (not Z) allows every character, else -1: the character-set
 * check, counting for the personal-id guard as it reads. */
function allowedDigits(value: string, part: Part): number {
  let digits = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || ((ALLOWED[c] ?? 0) & part.bit) === 0) return -1;
    if (c >= 0x30 && c <= 0x39) digits++;
  }
  return digits;
}

/** Digits in the value of the latest validateValue call if it took the shortcut below, else -1. */
let lastDigits = -1;

/** How many digits the value last checked holds, when the check read them all (a one-part value
 * of the right length and characters), else -1: the personal-id guard need not read it again. */
export function lastValueDigits(): number {
  return lastDigits;
}

/** Shared result for the common case; frozen so that no caller can fill it for the next. */
const NO_ERRORS: ParseError[] = Object.freeze([]) as unknown as ParseError[];
/** Scratch: where each part ends (its cut), reused between calls. Parts per AI: at most 5 today. */
let cuts = new Int32Array(8);

/** `index`: the entry's index in AI_ENTRIES, if the caller knows it (a faster lookup), else -1. */
export function validateValue(entry: AiEntry, value: string, now?: Date, index = -1): ParseError[] {
  const c = compiled(entry, index);
  const { parts } = c;
  const n = value.length;
  // Most AIs (GTIN, lot, serial, dates) have one part: when the value's length and characters are
  // right, its linters are all that is left. Anything else (and base64url parts, with their
  // padding rule) is worded by the general way below.
  lastDigits = -1;
  if (parts.length === 1) {
    const part = parts[0]!;
    const digits = n >= part.min && n <= part.max && part.type !== 'Z' ? allowedDigits(value, part) : -1;
    if (digits >= 0) {
      lastDigits = digits;
      for (let l = 0; l < part.linters.length; l++) {
        const err = part.linters[l]!(value, c.label, now);
        if (err !== null) return [err];
      }
      return NO_ERRORS;
    }
  }
  return validateParts(c, value, now);
}

/** validateValue without its shortcut for one-part values: for the property that they agree. */
export function validateValueByParts(entry: AiEntry, value: string, now?: Date): ParseError[] {
  return validateParts(compiled(entry, -1), value, now);
}

function validateParts(c: Compiled, value: string, now: Date | undefined): ParseError[] {
  const { parts } = c;
  const n = value.length;
  if (cuts.length < parts.length) cuts = new Int32Array(parts.length);

  // 1. Cut the value into its parts; find a length error.
  let used = 0;
  let pos = 0;
  let lengthCode: 'too-short' | 'too-long' | null = null;
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    const left = n - pos;
    if (left === 0 && part.optional) break;
    if (left < part.min) lengthCode = 'too-short';
    pos += left < part.max ? left : part.max;
    cuts[used++] = pos;
    if (lengthCode !== null) break;
  }
  if (lengthCode === null && pos < n) lengthCode = 'too-long';

  let errors: ParseError[] | undefined;
  if (lengthCode !== null) {
    const has = n === 0 ? 'is empty' : `${shown(value)} has ${n} ${c.lengths.endsWith('digits') ? 'digits' : 'characters'}`;
    errors = [error(lengthCode, `${c.label} ${has}; it needs ${c.lengths}`)];
  }

  // 2. Character set of each part, then its linters (first failure only, as the reference does).
  let from = 0;
  for (let k = 0; k < used; k++) {
    const part = parts[k]!;
    const to = cuts[k]!;
    const bad = badCharAt(value, from, to, part);
    if (bad >= 0) {
      const what = value.charCodeAt(bad) === 0x3d && part.type === 'Z' ? 'padding "="' : `"${shown(value[bad] ?? '')}"`;
      (errors ??= []).push(error('bad-charset', `${c.label} ${shown(value)}: ${what} at position ${bad + 1} is not allowed; ${CSET_TEXT[part.type]}`));
    } else if (lengthCode === null && part.linters.length > 0) {
      const text = from === 0 && to === n ? value : value.slice(from, to);
      for (let l = 0; l < part.linters.length; l++) {
        const err = part.linters[l]!(text, c.label, now);
        if (err !== null) {
          (errors ??= []).push(err);
          break;
        }
      }
    }
    from = to;
  }
  return errors ?? NO_ERRORS;
}
