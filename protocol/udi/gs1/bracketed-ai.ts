// The AI that opens a bracketed form, or why there is none:
//   readLeadingAi('(01)0950…')  → { entry: (01), end: 4 }
//   readLeadingAi('01)0950…')   → bad-bracketed: text before the first '('
//   readLeadingAi('(1A)123')    → bad-bracketed: an AI is digits
//   readLeadingAi('(23)123')    → unknown-ai
//   readLeadingAi('(01')        → truncated
// Only a few characters past the '(' are ever read, so hostile input costs nothing here.

import { error, type ParseError } from '../result.ts';
import type { AiEntry } from './ai-entry.ts';
import { aiEntry } from './ai-table.ts';
import { shown } from './ai-label.ts';

/** GS1 AIs have 2 to 4 digits; one more digit is enough to say an AI is too long. */
const MAX_AI_DIGITS = 4;

export function readLeadingAi(text: string): { entry: AiEntry; end: number } | ParseError {
  const n = text.length;
  if (n === 0) return error('bad-bracketed', 'The bracketed form is empty.');
  if (text.charCodeAt(0) !== 0x28) {
    return error('bad-bracketed', `The bracketed form must start with "(" and an AI, e.g. "(01)"; it starts with "${shown(text.slice(0, 8))}".`);
  }
  let j = 1;
  while (j < n && j <= MAX_AI_DIGITS + 1 && isDigit(text.charCodeAt(j))) j++;
  const digits = text.slice(1, j);
  if (j > MAX_AI_DIGITS + 1) return error('unknown-ai', `The AI in brackets has more than 4 digits: AIs have 2 to 4.`);
  if (j === n) return error('truncated', `The data ends inside an AI in brackets.`);
  if (text.charCodeAt(j) !== 0x29) {
    return error('bad-bracketed', `An AI in brackets is 2 to 4 digits and ")"; found "${shown(text.slice(0, j + 1))}" (digits shown as #).`);
  }
  if (digits === '') return error('bad-bracketed', 'The brackets "()" hold no AI.');
  const entry = aiEntry(digits);
  if (entry === undefined) return error('unknown-ai', `(${digits}) is not a GS1 Application Identifier.`);
  return { entry, end: j + 1 };
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
