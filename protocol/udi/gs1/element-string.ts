// GS1 element strings as a scanner sends them: AI + value, with FNC1 transmitted as GS (0x1D)
// after every value whose AI has no pre-defined length.
//   parseElementString('010950600013435217290131' + '10AB-123\x1d21X9') →
//     elements [{01, 09506000134352}, {17, 290131}, {10, AB-123}, {21, X9}]
// Values are only split here; their content is checked by check-elements.ts.

import { error, type Element, type ParseError } from '../result.ts';
import type { AiEntry } from './ai-entry.ts';
import { matchAi, matchAiIndex } from './ai-table.ts';
import { AI_ENTRIES } from './ai-table.generated.ts';

export const GS = '\x1d';

export interface SplitResult {
  elements: Element[];
  errors: ParseError[];
  /** The index in AI_ENTRIES of each element's AI, when the splitter looked it up anyway (element
   * strings): checkElements need not look it up again. Shared scratch, valid until the next split. */
  indices?: Int16Array;
}

/** Total length of an AI whose components are all fixed (the "*" flag), else -1. */
function fixedLength(entry: AiEntry): number {
  if (!entry.predefinedLength) return -1;
  let n = 0;
  for (const c of entry.components) {
    if (c.min !== c.max) return -1;
    n += c.max;
  }
  return n;
}

/** Shared by every split without errors; frozen so that no caller can fill it for the next. */
const NO_ERRORS: ParseError[] = Object.freeze([]) as unknown as ParseError[];

/** fixedLength of every entry, by index in AI_ENTRIES: computed once, not per element. */
const FIXED_LENGTH = Int32Array.from(AI_ENTRIES, fixedLength);

/** Scratch: the table index of each element of the latest split (SplitResult.indices). */
let splitIndices = new Int16Array(16);

/** Whether data[i] is one of `separators` (false past the end). Char codes: no 1-char strings. */
function isSepAt(data: string, i: number, separators: string): boolean {
  const c = data.charCodeAt(i);
  for (let k = 0; k < separators.length; k++) if (c === separators.charCodeAt(k)) return true;
  return false;
}

/** Index of the first separator in data at or after `from`, or data.length. */
function nextSeparator(data: string, from: number, separators: string): number {
  if (separators.length === 1) {
    // indexOf is a native search, far faster than a loop over characters.
    const i = data.indexOf(separators, from);
    return i < 0 ? data.length : i;
  }
  let i = from;
  while (i < data.length && !isSepAt(data, i, separators)) i++;
  return i;
}

/**
 * `separators` holds the characters that stand for FNC1: GS and any substitute the scanner is
 * configured to send instead (e.g. '^'). Characters outside GS1's CSET 82 cannot be data, so a
 * configured substitute is never ambiguous.
 */
export function parseElementString(data: string, separators: string = GS): SplitResult {
  const elements: Element[] = [];
  const n = data.length;
  let pos = 0;
  // A leading FNC1 (sent by some scanners instead of, or after, the AIM identifier) is not data.
  while (pos < n && isSepAt(data, pos, separators)) pos++;
  if (pos >= n) return { elements, errors: [error('empty', 'The scan holds no GS1 data.')] };

  // The first separator at or after pos. It is searched again only once pos has passed it, so
  // that however many fixed-length values sit between two separators, the data is read once.
  let sep = -1;
  while (pos < n) {
    const index = matchAiIndex(data, pos);
    if (index < 0) {
      // The characters themselves are not quoted: they may be part of a personal identity number.
      return { elements, errors: [error('unknown-ai', `No GS1 Application Identifier starts at position ${pos + 1}.`)] };
    }
    const entry = AI_ENTRIES[index]!;
    if (elements.length === splitIndices.length) {
      const bigger = new Int16Array(splitIndices.length * 2);
      bigger.set(splitIndices);
      splitIndices = bigger;
    }
    splitIndices[elements.length] = index;
    pos += entry.ai.length;
    if (sep < pos) sep = nextSeparator(data, pos, separators);
    const fixed = FIXED_LENGTH[index]!;
    if (fixed >= 0) {
      // The value ends `fixed` characters on, or early at a separator or the end of the data.
      const end = pos + fixed;
      if (end > sep) {
        elements.push({ ai: entry.ai, value: data.slice(pos, sep) });
        const message = `(${entry.ai}) ${entry.title} needs ${fixed} characters but the data ends after ${sep - pos}.`;
        return { elements, errors: [error('truncated', message)] };
      }
      elements.push({ ai: entry.ai, value: data.slice(pos, end) });
      pos = end === sep ? end + 1 : end; // a needless FNC1 after a fixed-length value is tolerated
    } else {
      elements.push({ ai: entry.ai, value: data.slice(pos, sep) });
      if (sep === pos) return { elements, errors: [error('truncated', `(${entry.ai}) ${entry.title} has no value.`)] };
      pos = sep + 1;
    }
  }
  return { elements, errors: NO_ERRORS, indices: splitIndices };
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
