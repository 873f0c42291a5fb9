// GS1 element strings as a scanner sends them: AI + value, with FNC1 transmitted as GS (0x1D)
// after every value whose AI has no pre-defined length.
//   parseElementString('010950600013435217290131' + '10AB-123\x1d21X9') →
//     elements [{01, 09506000134352}, {17, 290131}, {10, AB-123}, {21, X9}]
// Values are only split here; their content is checked by check-elements.ts.

import { error, type Element, type ParseError } from '../result.ts';
import { matchAi } from './ai-table.ts';

export const GS = '\x1d';

export interface SplitResult {
  elements: Element[];
  errors: ParseError[];
}

/** Total length of an AI whose components are all fixed (the "*" flag), else -1. */
function fixedLength(components: readonly { min: number; max: number }[]): number {
  let n = 0;
  for (const c of components) {
    if (c.min !== c.max) return -1;
    n += c.max;
  }
  return n;
}

/**
 * `separators` holds the characters that stand for FNC1: GS and any substitute the scanner is
 * configured to send instead (e.g. '^'). Characters outside GS1's CSET 82 cannot be data, so a
 * configured substitute is never ambiguous.
 */
export function parseElementString(data: string, separators: string = GS): SplitResult {
  const elements: Element[] = [];
  const errors: ParseError[] = [];
  const n = data.length;
  const isSep = separators.length === 1
    ? (c: string | undefined) => c === separators
    : (c: string | undefined) => c !== undefined && separators.includes(c);
  let pos = 0;
  // A leading FNC1 (sent by some scanners instead of, or after, the AIM identifier) is not data.
  while (pos < n && isSep(data[pos])) pos++;
  if (pos >= n) return { elements, errors: [error('empty', 'The scan holds no GS1 data.')] };

  while (pos < n) {
    const entry = matchAi(data, pos);
    if (entry === undefined) {
      const shown = data.slice(pos, pos + 4).replace(/[^0-9A-Za-z]/g, '?');
      errors.push(error('unknown-ai', `No GS1 Application Identifier starts with "${shown}" at position ${pos + 1}.`));
      break;
    }
    pos += entry.ai.length;
    let value: string;
    const fixed = entry.predefinedLength ? fixedLength(entry.components) : -1;
    if (fixed >= 0) {
      value = data.slice(pos, pos + fixed);
      let cut = -1;
      for (let i = 0; i < value.length; i++) if (isSep(value[i])) { cut = i; break; }
      if (cut >= 0 || value.length < fixed) {
        const got = cut >= 0 ? cut : value.length;
        errors.push(error('truncated', `(${entry.ai}) ${entry.title} needs ${fixed} characters but the data ends after ${got}.`));
        elements.push({ ai: entry.ai, value: value.slice(0, got) });
        break;
      }
      pos += fixed;
      if (pos < n && isSep(data[pos])) pos++; // a needless FNC1 after a fixed-length value is tolerated
    } else {
      let end = pos;
      while (end < n && !isSep(data[end])) end++;
      value = data.slice(pos, end);
      if (value.length === 0) {
        errors.push(error('truncated', `(${entry.ai}) ${entry.title} has no value.`));
        elements.push({ ai: entry.ai, value });
        break;
      }
      pos = end + 1;
    }
    elements.push({ ai: entry.ai, value });
  }
  return { elements, errors };
}

/** The element string a GS1 symbol would carry, FNC1 as GS: the inverse of parseElementString. */
export function toElementString(elements: readonly Element[]): string {
  let out = '';
  elements.forEach((e, i) => {
    out += e.ai + e.value;
    const entry = matchAi(e.ai, 0);
    if (i < elements.length - 1 && !(entry?.predefinedLength ?? false)) out += GS;
  });
  return out;
}
