// Lookup of GS1 Application Identifiers in the generated table:
//   aiEntry('17')?.title            → 'USE BY or EXPIRY'
//   matchAi('0109506000134352', 0)  → the entry of (01)
//   matchAi('3103000750', 0)        → the entry of (3103)
//   matchesAiPattern('31nn', '3103') → true
//
// GS1 AIs are prefix-free and their first two digits fix their length (checked below when the
// module loads): so matchAi reads two digits, looks the length up, and indexes an array by the
// AI's numeric value. No string is built on this hot path.

import type { AiEntry } from './ai-entry.ts';
import { AI_ENTRIES } from './ai-table.generated.ts';

const BY_AI = new Map<string, AiEntry>();
/** Index 0..99: length (2, 3 or 4) of the defined AIs that start with these two digits, else 0. */
const LENGTH_BY_PREFIX = new Uint8Array(100);
/** BY_NUMBER[len][numeric value of the AI] */
const BY_NUMBER: (AiEntry | undefined)[][] = [[], [], new Array(100), new Array(1000), new Array(10000)];

for (const entry of AI_ENTRIES) {
  const { ai } = entry;
  const prefix = Number(ai.slice(0, 2));
  const known = LENGTH_BY_PREFIX[prefix] ?? 0;
  // A dictionary release that broke prefix-freeness would make matchAi ambiguous: refuse to load.
  if (known !== 0 && known !== ai.length) throw new Error(`AI table: (${ai}) breaks the length rule of prefix ${ai.slice(0, 2)}`);
  LENGTH_BY_PREFIX[prefix] = ai.length;
  BY_AI.set(ai, entry);
  (BY_NUMBER[ai.length] as (AiEntry | undefined)[])[Number(ai)] = entry;
}

export function aiEntry(ai: string): AiEntry | undefined {
  return BY_AI.get(ai);
}

function digitAt(data: string, i: number): number {
  const d = data.charCodeAt(i) - 48; // NaN past the end, which fails the range test
  return d >= 0 && d <= 9 ? d : -1;
}

/** The known AI that starts at data[pos], or undefined. */
export function matchAi(data: string, pos: number): AiEntry | undefined {
  const d0 = digitAt(data, pos);
  const d1 = digitAt(data, pos + 1);
  if (d0 < 0 || d1 < 0) return undefined;
  const len = LENGTH_BY_PREFIX[d0 * 10 + d1] ?? 0;
  if (len === 0) return undefined;
  let n = d0 * 10 + d1;
  for (let i = 2; i < len; i++) {
    const d = digitAt(data, pos + i);
    if (d < 0) return undefined;
    n = n * 10 + d;
  }
  return BY_NUMBER[len]?.[n];
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
