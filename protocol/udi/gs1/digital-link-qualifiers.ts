// Key qualifiers of a Digital Link primary key, from its dictionary entry ("dlpkey=22,10,21|235"):
//   qualifierError(gtin, ['10', '21'])  → null                          (in order, 22 omitted)
//   qualifierError(gtin, ['21', '10'])  → '… must come in the order 22, 10, 21'
//   qualifierError(gtin, ['10', '235']) → '… are alternatives and cannot be combined'
//   belongsInPath(gtin, ['21'], '10')   → true    ("?10=…" must be the path's "/10/…")
// A path is valid when its qualifiers are an ordered subsequence of one alternative.

import type { AiEntry } from './ai-entry.ts';
import { aiLabel } from './ai-label.ts';

function isSubsequence(qualifiers: readonly string[], sequence: readonly string[]): boolean {
  let j = 0;
  for (const ai of sequence) if (j < qualifiers.length && qualifiers[j] === ai) j++;
  return j === qualifiers.length;
}

/** Why `qualifiers` (in path order) cannot follow `key`, or null when they can. */
export function qualifierError(key: AiEntry, qualifiers: readonly string[]): string | null {
  const alternatives = key.dlpkey ?? [];
  if (qualifiers.length === 0 || alternatives.some((s) => isSubsequence(qualifiers, s))) return null;
  const k = aiLabel(key.ai);
  const allowed = alternatives.filter((s) => s.length > 0);
  if (allowed.length === 0) return `The Digital Link primary key ${k} takes no key qualifiers, but the path has (${qualifiers[0]}).`;
  const orders = allowed.map((s) => s.join(', ')).join(' or ');
  for (const ai of qualifiers) {
    if (!allowed.some((s) => s.includes(ai))) return `(${ai}) is not a key qualifier of ${k}; its qualifiers are, in this order: ${orders}.`;
  }
  for (let i = 0; i < qualifiers.length; i++) {
    if (qualifiers.indexOf(qualifiers[i] as string) !== i) return `(${qualifiers[i]}) appears twice in the path after ${k}.`;
  }
  const mixed = allowed.every((s) => !qualifiers.every((ai) => s.includes(ai)));
  if (mixed) return `The key qualifiers ${qualifiers.map((ai) => `(${ai})`).join(' ')} of ${k} are alternatives and cannot be combined: use ${orders}.`;
  return `The key qualifiers of ${k} must come in the order ${orders}; the path has ${qualifiers.join(', ')}.`;
}

/** Whether the query attribute `ai` is a key qualifier that fits into the path's qualifiers. */
export function belongsInPath(key: AiEntry, qualifiers: readonly string[], ai: string): boolean {
  return (key.dlpkey ?? []).some((s) => s.includes(ai) && isSubsequence(qualifiers, s));
}
