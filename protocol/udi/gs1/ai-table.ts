// Lookup of GS1 Application Identifiers in the generated table:
//   aiEntry('17')?.title            → 'USE BY or EXPIRY'
//   matchAi('0109506000134352', 0)  → the entry of (01)
//   matchAi('3103000750', 0)        → the entry of (3103)
//   matchesAiPattern('31nn', '3103') → true
//
// GS1 AIs are prefix-free and their first two digits fix their length (checked below when the
// module loads): so matchAi reads two digits, looks the length up, and indexes an array by the
// AI's numeric value. No string is built on this hot path. aiIndex and matchAiIndex give the
// entry's index in AI_ENTRIES, for callers that keep per-AI data in arrays.

import type { AiEntry } from './ai-entry.ts';
import { AI_ENTRIES } from './ai-table.generated.ts';

/** Index 0..99: length (2, 3 or 4) of the defined AIs that start with these two digits, else 0. */
const LENGTH_BY_PREFIX = new Uint8Array(100);
/** Where the AIs of each length start in INDEX_BY_NUMBER: one flat table, one load per lookup. */
const OFFSET = [0, 0, 0, 100, 1100];
/** INDEX_BY_NUMBER[OFFSET[len] + numeric value of the AI]: its index in AI_ENTRIES, or -1. */
const INDEX_BY_NUMBER = new Int16Array(11100).fill(-1);
/** OFFSET_BY_PREFIX[two first digits]: OFFSET of their AIs' length. */
const OFFSET_BY_PREFIX = new Int16Array(100);

AI_ENTRIES.forEach((entry, index) => {
  const { ai } = entry;
  const prefix = Number(ai.slice(0, 2));
  const known = LENGTH_BY_PREFIX[prefix] ?? 0;
  // A dictionary release that broke prefix-freeness would make matchAi ambiguous: refuse to load.
  if (known !== 0 && known !== ai.length) throw new Error(`AI table: (${ai}) breaks the length rule of prefix ${ai.slice(0, 2)}`);
  LENGTH_BY_PREFIX[prefix] = ai.length;
  OFFSET_BY_PREFIX[prefix] = OFFSET[ai.length]!;
  INDEX_BY_NUMBER[OFFSET[ai.length]! + Number(ai)] = index;
});

export function aiEntry(ai: string): AiEntry | undefined {
  const index = aiIndex(ai);
  return index < 0 ? undefined : AI_ENTRIES[index];
}

/**
 * The index in AI_ENTRIES of the AI `ai`, or -1: a key for per-AI arrays. The array lookup of
 * matchAi, not a Map: hashing each freshly sliced AI string cost more. matchAi reads only the
 * AI's own digits, so the length test rejects "01x" and the like.
 */
export function aiIndex(ai: string): number {
  const index = matchAiIndex(ai, 0);
  return index >= 0 && (AI_ENTRIES[index]?.ai.length ?? 0) === ai.length ? index : -1;
}

function digitAt(data: string, i: number): number {
  const d = data.charCodeAt(i) - 48; // NaN past the end, which fails the range test
  return d >= 0 && d <= 9 ? d : -1;
}

/** The known AI that starts at data[pos], or undefined. */
export function matchAi(data: string, pos: number): AiEntry | undefined {
  const index = matchAiIndex(data, pos);
  return index < 0 ? undefined : AI_ENTRIES[index];
}

/** The index in AI_ENTRIES of the known AI that starts at data[pos], or -1. */
export function matchAiIndex(data: string, pos: number): number {
  const d0 = digitAt(data, pos);
  const d1 = digitAt(data, pos + 1);
  if (d0 < 0 || d1 < 0) return -1;
  const prefix = d0 * 10 + d1;
  const len = LENGTH_BY_PREFIX[prefix]!;
  if (len === 0) return -1;
  let n = prefix;
  for (let i = 2; i < len; i++) {
    const d = digitAt(data, pos + i);
    if (d < 0) return -1;
    n = n * 10 + d;
  }
  return INDEX_BY_NUMBER[OFFSET_BY_PREFIX[prefix]! + n]!;
}

/**
 * Whether `ai` matches a req/ex pattern of the dictionary: an AI ("01") or a template where "n"
 * stands for any digit ("31nn", "394n").
 */
export function matchesAiPattern(pattern: string, ai: string): boolean {
  if (pattern.length !== ai.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern.charCodeAt(i);
    const c = ai.charCodeAt(i);
    if (p === 0x6e /* n */ ? c < 48 || c > 57 : p !== c) return false;
  }
  return true;
}
