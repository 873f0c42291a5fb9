// The GS1 data of a Digital Link path: a primary key, then its key qualifiers:
//   readPath(['some', 'prefix', '01', '09506000134352', '10', 'AB%2F12']) →
//     { key: (01), qualifiers: ['10'], elements: [{01, 09506000134352}, {10, AB/12}] }
//   readPath(['01', '9506000134352'])     → (01) 09506000134352   (GTIN-13 padded to 14 digits)
//   readPath(['01', '0950…', '21', 'X', '10', 'Y']) → error: qualifiers out of order
//
//   readPath(['00', 'faux', '00', '006141411234567890']) → (00) 006141411234567890 ('/00/faux' is a stem)
//
// Which segments are GS1 data: reading from the end, the run of "/AI/value" pairs with known AIs;
// the rightmost pair whose AI is a primary key ("dlpkey") starts the data, and everything before
// it is the resolver's path prefix (the "stem"), even where it looks like AI pairs. That is the GS1
// Digital Link URI syntax (a custom path may precede the primary key, whose qualifiers only may
// follow it) as the GS1 Barcode Syntax Engine reads it: "/00/faux/00/…" is a stem and an SSCC,
// "/01/…/8004/…" a stem and a GIAI.

import { error, type Element, type ParseError } from '../result.ts';
import { aiLabel } from './ai-label.ts';
import type { AiEntry } from './ai-entry.ts';
import { pathAi } from './digital-link-alphas.ts';
import { looksCompressed } from './digital-link-compressed.ts';
import { readCompressedPath } from './digital-link-compressed-path.ts';
import { isBase64url } from './digital-link-decompress.ts';
import { percentDecode } from './digital-link-percent.ts';
import { qualifierError } from './digital-link-qualifiers.ts';
import { dlValue } from './digital-link-value.ts';

export interface PathData {
  key: AiEntry;
  /** The qualifiers' AIs, in path order. */
  qualifiers: string[];
  elements: Element[];
}

/** Index of the segment holding the rightmost primary key's AI, or -1; `stop` is where the AI
 * run ended without one. */
function findKey(segments: readonly string[]): { key: number; stop: number } {
  let i = segments.length - 2;
  for (; i >= 0; i -= 2) {
    const entry = pathAi(segments[i] as string);
    if (entry === undefined) break;
    if (entry.dlpkey !== null) return { key: i, stop: i };
  }
  return { key: -1, stop: i };
}

export function readPath(segments: readonly string[]): PathData | ParseError {
  const { key, stop } = findKey(segments);
  if (key < 0) return noKey(segments, stop);
  const keyEntry = pathAi(segments[key] as string) as AiEntry;
  const elements: Element[] = [];
  const qualifiers: string[] = [];
  for (let i = key; i < segments.length; i += 2) {
    const entry = pathAi(segments[i] as string) as AiEntry;
    const raw = segments[i + 1] as string;
    const decoded = percentDecode(raw);
    if (decoded === null) return error('bad-digital-link', `The value of ${aiLabel(entry.ai)} in the path has a "%" not followed by two hex digits.`);
    if (decoded === '') return error('bad-digital-link', `${aiLabel(entry.ai)} has an empty value in the path.`);
    elements.push({ ai: entry.ai, value: dlValue(entry.ai, decoded) });
    if (i > key) qualifiers.push(entry.ai);
  }
  const wrong = qualifierError(keyEntry, qualifiers);
  if (wrong !== null) return error('bad-digital-link', wrong);
  return { key: keyEntry, qualifiers, elements };
}

/** A path without a primary key: a compressed one, or the error, as precise as the path allows. */
function noKey(segments: readonly string[], stop: number): PathData | ParseError {
  const last = segments[segments.length - 1] ?? '';
  const lastAi = pathAi(last);
  if (lastAi !== undefined && (lastAi.dlpkey !== null || findKey(segments.slice(0, -1)).key >= 0)) {
    return error('truncated', `The Digital Link ends after ${aiLabel(lastAi.ai)}, with no value.`);
  }
  // Any base64url segment may be compressed data; one that does not decode is reported as such
  // only when it also looks like a blob (a word such as "informationen" does not).
  if (isBase64url(last)) {
    const compressed = readCompressedPath(segments);
    if (!('code' in compressed) || looksCompressed(segments)) return compressed;
  }
  const at = segments[stop] ?? '';
  if (stop >= 0 && isAiShaped(at) && keyBefore(segments, stop)) {
    return error('unknown-ai', `(${at}) in the Digital Link path is not a GS1 Application Identifier.`);
  }
  return error('bad-digital-link', 'The Digital Link path holds no GS1 primary key, e.g. "/01/" and a GTIN.');
}

function isAiShaped(s: string): boolean {
  if (s.length < 2 || s.length > 4) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x30 || s.charCodeAt(i) > 0x39) return false;
  return true;
}

/** Whether a primary key's AI stands at a pair position before segment `stop`. */
function keyBefore(segments: readonly string[], stop: number): boolean {
  for (let i = stop - 2; i >= 0; i -= 2) if (pathAi(segments[i] as string)?.dlpkey != null) return true;
  return false;
}
