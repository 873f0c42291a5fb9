// Checks which AIs may, must and must not appear together, by the Syntax Dictionary's req and ex
// attributes, and that a repeated AI repeats its value:
//   validateAssociations([{ ai: '17', value: '290131' }])
//     → [{ code: 'missing-required-ai', message: '(17) expiry date requires (01) GTIN, … or (8026) ITIP CONTENT' }]
//   validateAssociations([{ ai: '01', value: '…' }, { ai: '02', value: '…' }])
//     → [{ code: 'excluded-ai', message: '(01) GTIN must not appear together with (02) GTIN of contained items' }]
//   validateAssociations([{ ai: '10', value: 'A' }, { ai: '10', value: 'B' }]) → duplicate-ai
//
// Rules are evaluated over the distinct AIs present. As the dictionary says, an AI is not exclusive
// of itself even if it matches a pattern ((3100) with ex=310n), and it cannot satisfy its own req.
// The same AI twice with the same value is allowed (two symbols on one label), so it is silent.
// One rule is not in the dictionary's attributes but in the Syntax Engine (GSCN 21-307): with a
// (8030) digital signature, a (253) GDTI, (255) GCN or (8003) GRAI must carry its optional serial
// component, since the signature is over one instance:
//   validateAssociations([{ ai: '253', value: '1234567890128' }, { ai: '8030', value: 'ABC123' }])
//     → [{ code: 'missing-required-ai', message: '(253) GDTI signed by (8030) DIGSIG needs its serial component' }]

import { error, type Element, type ParseError } from '../result.ts';
import { aiLabel, shown } from './ai-label.ts';
import { aiIndex, matchesAiPattern } from './ai-table.ts';
import { AI_ENTRIES } from './ai-table.generated.ts';

const NO_ERRORS: ParseError[] = Object.freeze([]) as unknown as ParseError[];

function isPattern(ai: string): boolean {
  return ai.includes('n');
}

// This runs on every scan, so it allocates nothing in the common case and looks each AI up once.
// Instead of a Map of the AIs present (costly to build per scan), each table AI has a slot in
// module-level arrays, marked with the number of the call that saw it: no clearing between calls.
// AIs outside the table (possible only for elements built by hand) fall back to a Map. The code is
// synchronous and never re-entered, so sharing this scratch state between calls is safe.
/** seenIn[index] === call: the AI AI_ENTRIES[index] is present in this call's elements. */
const seenIn = new Uint32Array(AI_ENTRIES.length);
/** First value of each present table AI (stale in slots not marked for this call). */
const firstValue: string[] = new Array<string>(AI_ENTRIES.length).fill('');
/** The distinct AIs of this call in order of first appearance, and their table indices (or -1). */
const present: string[] = [];
const presentIndex: number[] = [];
let presentCount = 0;
let call = 0;
/** First values of AIs outside the table, for this call. */
let unknownValues: Map<string, string> | undefined;

/** A req/ex name, compiled: a table AI's index, else the text (a pattern such as "31nn"). */
type Need = number | string;
const compileNeed = (ai: string): Need => (isPattern(ai) ? ai : aiIndex(ai) >= 0 ? aiIndex(ai) : ai);
// Compiled on first use of each AI, not at load: start-up stays short for a command that parses one scan.
/** REQ[index][r]: entry.req[r] of AI_ENTRIES[index], compiled. */
const REQ: (Need[][][] | undefined)[] = new Array(AI_ENTRIES.length);
/** EX[index][x]: entry.ex[x], compiled. */
const EX: (Need[] | undefined)[] = new Array(AI_ENTRIES.length);
const reqOf = (index: number): Need[][][] => (REQ[index] ??= AI_ENTRIES[index]!.req.map((rule) => rule.map((group) => group.map(compileNeed))));
const exOf = (index: number): Need[] => (EX[index] ??= AI_ENTRIES[index]!.ex.map(compileNeed));

// The req/ex verdict is remembered by the set of AIs present: a label carries the same few AIs
// scan after scan (01, 17, 10, 21), and which of them require or exclude which depends on nothing
// else. Only "no req/ex error" is remembered (an error's wording follows the order of the AIs).
// A slot is found by a Zobrist hash (XOR of a fixed pseudo-random number per AI) and checked
// exactly: it holds its AIs, and a hit needs as many present, every one of them present now.
const MEMO_SLOTS = 256;
/** Sets of up to this many distinct AIs are remembered. */
const MEMO_WIDTH = 8;
/** A fixed pseudo-random 32-bit number per table AI (a murmur3 finaliser of its index). */
const ZOBRIST = Int32Array.from(AI_ENTRIES, (_, i) => {
  let h = Math.imul((i + 1) ^ ((i + 1) >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
});
const memoHash = new Int32Array(MEMO_SLOTS);
/** How many AIs the slot's set holds; 0: empty. */
const memoCount = new Uint8Array(MEMO_SLOTS);
const memoAis = new Int16Array(MEMO_SLOTS * MEMO_WIDTH);
/** This call's hash, and whether an AI outside the table (no memo then) is present. */
let hash = 0;
let unknownPresent = false;

/** Forgets every remembered verdict (for the property that the memo changes no answer). */
export function forgetAssociationVerdicts(): void {
  memoCount.fill(0);
}

/** Whether this call's set of AIs is remembered as free of req/ex errors. */
function rememberedClean(): boolean {
  if (unknownPresent || presentCount > MEMO_WIDTH) return false;
  const slot = hash & (MEMO_SLOTS - 1);
  if (memoCount[slot] !== presentCount || memoHash[slot] !== hash) return false;
  for (let k = slot * MEMO_WIDTH, end = k + presentCount; k < end; k++) if (seenIn[memoAis[k]!] !== call) return false;
  return true;
}

function rememberClean(): void {
  if (unknownPresent || presentCount > MEMO_WIDTH || presentCount === 0) return;
  const slot = hash & (MEMO_SLOTS - 1);
  memoHash[slot] = hash;
  memoCount[slot] = presentCount;
  for (let i = 0; i < presentCount; i++) memoAis[slot * MEMO_WIDTH + i] = presentIndex[i]!;
}

/** Records `ai` with `value`; returns the first value if `ai` was seen before, else undefined. */
function see(ai: string, value: string, index: number): string | undefined {
  if (index >= 0) {
    if (seenIn[index] === call) return firstValue[index];
    seenIn[index] = call;
    firstValue[index] = value;
    hash ^= ZOBRIST[index]!;
  } else {
    unknownPresent = true;
    const first = (unknownValues ??= new Map()).get(ai);
    if (first !== undefined) return first;
    unknownValues.set(ai, value);
  }
  present[presentCount] = ai;
  presentIndex[presentCount] = index;
  presentCount++;
  return undefined;
}

/** The first present AI, other than `self`, that `need` names or matches; undefined if none. */
function findOther(need: Need, self: string, selfIndex: number): string | undefined {
  if (typeof need === 'number') return need !== selfIndex && seenIn[need] === call ? AI_ENTRIES[need]!.ai : undefined;
  if (!isPattern(need)) return need !== self && unknownValues?.has(need) ? need : undefined;
  for (let i = 0; i < presentCount; i++) {
    const ai = present[i]!;
    if (ai !== self && matchesAiPattern(need, ai)) return ai;
  }
  return undefined;
}

/** Whether some alternative of `rule` has all its AIs present (besides `self`). */
function satisfied(rule: readonly (readonly Need[])[], self: string, selfIndex: number): boolean {
  for (const group of rule) {
    let all = true;
    for (const need of group) {
      if (findOther(need, self, selfIndex) === undefined) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

function listText(items: readonly string[], last: string): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

function requiresText(rule: readonly (readonly string[])[]): string {
  return listText(rule.map((group) => listText(group.map((ai) => aiLabel(ai)), 'and')), 'or');
}

/** The excluded-ai error for a pair, unless `reported` (unordered pairs) already holds it. */
function pairError(ai: string, other: string, reported: Set<string>): ParseError | null {
  const key = ai < other ? `${ai} ${other}` : `${other} ${ai}`;
  if (reported.has(key)) return null;
  reported.add(key);
  return error('excluded-ai', `${aiLabel(ai)} must not appear together with ${aiLabel(other)}`);
}

/** `indices`, if given, holds aiIndex of each element's AI (the caller has looked them up). */
export function validateAssociations(elements: readonly Element[], indices?: ArrayLike<number>): ParseError[] {
  if (++call === 0xffffffff) {
    seenIn.fill(0); // the call number wrapped: old marks would look current
    call = 1;
  }
  presentCount = 0;
  unknownValues = undefined;
  hash = 0;
  unknownPresent = false;

  let errors: ParseError[] | undefined;
  let duplicated: Set<string> | undefined;
  for (let i = 0; i < elements.length; i++) {
    const { ai, value } = elements[i]!;
    const first = see(ai, value, indices === undefined ? aiIndex(ai) : indices[i]!);
    if (first !== undefined && first !== value && !(duplicated ??= new Set()).has(ai)) {
      duplicated.add(ai);
      (errors ??= []).push(error('duplicate-ai', `${aiLabel(ai)} appears twice with different values: ${shown(first)} and ${shown(value)}`));
    }
  }

  let reported: Set<string> | undefined;
  const clean = rememberedClean();
  const before = errors?.length ?? 0;
  for (let i = clean ? presentCount : 0; i < presentCount; i++) {
    const index = presentIndex[i]!;
    if (index < 0) continue; // not a table AI: no rules
    const ai = present[i]!;
    const req = reqOf(index);
    for (let r = 0; r < req.length; r++) {
      if (!satisfied(req[r]!, ai, index)) {
        (errors ??= []).push(error('missing-required-ai', `${aiLabel(ai)} requires ${requiresText(AI_ENTRIES[index]!.req[r]!)}`));
      }
    }
    for (const need of exOf(index)) {
      if (typeof need === 'number' || !isPattern(need)) {
        const other = findOther(need, ai, index);
        if (other !== undefined) {
          const e = pairError(ai, other, (reported ??= new Set()));
          if (e !== null) (errors ??= []).push(e);
        }
        continue;
      }
      for (let j = 0; j < presentCount; j++) {
        const other = present[j]!;
        if (other === ai || !matchesAiPattern(need, other)) continue;
        const e = pairError(ai, other, (reported ??= new Set()));
        if (e !== null) (errors ??= []).push(e);
      }
    }
  }
  if (!clean && (errors?.length ?? 0) === before) rememberClean();
  if (seenIn[DIGSIG] === call) {
    for (const index of SERIALISABLE) {
      if (seenIn[index] === call && firstValue[index]!.length <= mandatoryLength(index)) {
        (errors ??= []).push(error('missing-required-ai', `${aiLabel(AI_ENTRIES[index]!.ai)} signed by ${aiLabel('8030')} needs its serial component`));
      }
    }
  }
  unknownValues = undefined;
  return errors ?? NO_ERRORS;
}

const DIGSIG = aiIndex('8030');
/** Keys whose serial component is optional, except under a (8030) signature. */
const SERIALISABLE = ['253', '255', '8003'].map(aiIndex);
/** The length of an AI's value without its optional components. */
const mandatoryLength = (index: number): number => AI_ENTRIES[index]!.components.reduce((n, c) => n + (c.optional ? 0 : c.min), 0);
