// The GS1 bracketed form, as printed under a barcode and typed by people:
//   parseBracketed('(01)09506000134352(17)290131(10)AB-123') →
//     { elements: [{01, 09506000134352}, {17, 290131}, {10, AB-123}], errors: [] }
//   parseBracketed('(10)12\\(3)(21)X')  → elements [{10, 12(3)}, {21, X}]   ("\(" is a data bracket)
//   parseBracketed('(10)LOT(A)(21)X')   → elements [{10, LOT(A)}, {21, X}]  (lenient: "(A)" is no AI)
//   toBracketed([{ ai: '10', value: 'A(1)' }]) → '(10)A\\(1)'
//
// A '(' starts the next element only when it is unescaped and followed by the digits of a known
// AI and ')'; any other '(' is data. This is the convention of the GS1 Barcode Syntax Engine,
// read leniently. CSET 82 holds no '\', so "\(" is never ambiguous and toBracketed, which escapes
// every '(' in a value, round-trips every value of CSET 82 characters.
// Values are only split here; their content is checked by check-elements.ts. An empty value is
// reported (the first one only, so that hostile input cannot multiply messages) and kept.

import { error, type Element, type ParseError } from '../result.ts';
import { aiLabel } from './ai-label.ts';
import { readLeadingAi } from './bracketed-ai.ts';
import { matchAi } from './ai-table.ts';

const OPEN = 0x28; // (
const CLOSE = 0x29; // )
const BACKSLASH = 0x5c;

export function parseBracketed(text: string): { elements: Element[]; errors: ParseError[] } {
  const elements: Element[] = [];
  const errors: ParseError[] = [];
  const first = readLeadingAi(text);
  if ('code' in first) return { elements, errors: [first] };

  const n = text.length;
  let entry = first.entry;
  let i = first.end; // just after the AI's ')'
  for (;;) {
    const start = i;
    let value = '';
    let from = start; // start of the value text not yet copied to `value`
    let next: typeof entry | undefined;
    for (; i < n; i++) {
      if (text.charCodeAt(i) !== OPEN) continue;
      if (i > start && text.charCodeAt(i - 1) === BACKSLASH) {
        value += text.slice(from, i - 1) + '(';
        from = i + 1;
        continue;
      }
      const e = matchAi(text, i + 1);
      if (e !== undefined && text.charCodeAt(i + 1 + e.ai.length) === CLOSE) {
        next = e;
        break;
      }
    }
    value += text.slice(from, i);
    elements.push({ ai: entry.ai, value });
    if (value === '' && errors.length === 0) {
      errors.push(
        next === undefined
          ? error('truncated', `${aiLabel(entry.ai)} has no value: the data ends after the AI.`)
          : error('bad-bracketed', `${aiLabel(entry.ai)} has no value before (${next.ai}).`),
      );
    }
    if (next === undefined) break;
    entry = next;
    i += next.ai.length + 2;
  }
  return { elements, errors };
}

/** The bracketed form of `elements`, every '(' in a value escaped as "\(". */
export function toBracketed(elements: readonly Element[]): string {
  let out = '';
  for (const { ai, value } of elements) out += `(${ai})${value.replaceAll('(', '\\(')}`;
  return out;
}
