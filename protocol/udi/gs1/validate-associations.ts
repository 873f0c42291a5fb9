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

import { error, type Element, type ParseError } from '../result.ts';
import { aiLabel, shown } from './ai-label.ts';
import { aiEntry, matchesAiPattern } from './ai-table.ts';

const NO_ERRORS: ParseError[] = Object.freeze([]) as unknown as ParseError[];

function isPattern(ai: string): boolean {
  return ai.includes('n');
}

/** The first AI in `present`, other than `self`, that `pattern` matches; undefined if none. */
function findOther(pattern: string, self: string, present: readonly string[], values: ReadonlyMap<string, string>): string | undefined {
  if (!isPattern(pattern)) return pattern !== self && values.has(pattern) ? pattern : undefined;
  for (const ai of present) if (ai !== self && matchesAiPattern(pattern, ai)) return ai;
  return undefined;
}

function listText(items: readonly string[], last: string): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

function requiresText(rule: readonly (readonly string[])[]): string {
  return listText(rule.map((group) => listText(group.map((ai) => aiLabel(ai)), 'and')), 'or');
}

export function validateAssociations(elements: readonly Element[]): ParseError[] {
  let errors: ParseError[] | undefined;
  // First value of each AI, in order of first appearance.
  const values = new Map<string, string>();
  let duplicated: Set<string> | undefined;
  for (const { ai, value } of elements) {
    const first = values.get(ai);
    if (first === undefined) {
      values.set(ai, value);
    } else if (first !== value && !(duplicated ??= new Set()).has(ai)) {
      duplicated.add(ai);
      (errors ??= []).push(error('duplicate-ai', `${aiLabel(ai)} appears twice with different values: ${shown(first)} and ${shown(value)}`));
    }
  }
  const present = [...values.keys()];

  let reportedPairs: Set<string> | undefined;
  for (const ai of present) {
    const entry = aiEntry(ai);
    if (entry === undefined) continue;
    for (const rule of entry.req) {
      const satisfied = rule.some((group) => group.every((need) => findOther(need, ai, present, values) !== undefined));
      if (!satisfied) (errors ??= []).push(error('missing-required-ai', `${aiLabel(ai)} requires ${requiresText(rule)}`));
    }
    for (const pattern of entry.ex) {
      if (!isPattern(pattern)) {
        if (pattern !== ai && values.has(pattern)) reportPair(ai, pattern);
        continue;
      }
      for (const other of present) if (other !== ai && matchesAiPattern(pattern, other)) reportPair(ai, other);
    }
  }
  return errors ?? NO_ERRORS;

  /** One error per unordered pair, however many ex rules (both sides, patterns) name it. */
  function reportPair(ai: string, other: string): void {
    const key = ai < other ? `${ai} ${other}` : `${other} ${ai}`;
    if ((reportedPairs ??= new Set()).has(key)) return;
    reportedPairs.add(key);
    (errors ??= []).push(error('excluded-ai', `${aiLabel(ai)} must not appear together with ${aiLabel(other)}`));
  }
}
