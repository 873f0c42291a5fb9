// The GS1 data of a compressed Digital Link path, fully or partially compressed:
//   readCompressedPath(['AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ'])
//     → { key: (01), qualifiers: ['10'], elements: [{01, 05412345000013}, {10, ABC&+123}, {7003, 1903061658}] }
//   readCompressedPath(['01', '05412345000013', '<blob>'])   (the primary key left uncompressed)
// Any segments before are the resolver's stem. The compressed data may hold its AIs in any order
// (the optimisation codes fix some): they come out as an uncompressed link has them, the primary
// key (the first AI that is one), its qualifiers in their standard order, then data attributes in
// the order of the data. An AI that is neither, or one given twice with different values, is
// refused (the same value twice, e.g. a key both kept and compressed, is read once).

import { error, type Element, type ParseError } from '../result.ts';
import type { AiEntry } from './ai-entry.ts';
import { aiLabel } from './ai-label.ts';
import { aiEntry } from './ai-table.ts';
import { pathAi } from './digital-link-alphas.ts';
import { decompress } from './digital-link-decompress.ts';
import type { PathData } from './digital-link-path.ts';
import { percentDecode } from './digital-link-percent.ts';
import { qualifierError } from './digital-link-qualifiers.ts';
import { dlValue } from './digital-link-value.ts';

/** The uncompressed primary key before the compressed segment, if there is one. */
function leadingKey(segments: readonly string[]): Element | ParseError | null {
  const n = segments.length;
  const entry = n >= 3 && segments[n - 2] !== '' ? pathAi(segments[n - 3] as string) : undefined;
  if (entry?.dlpkey == null) return null;
  const value = percentDecode(segments[n - 2] as string);
  if (value === null) return error('bad-digital-link', `The value of ${aiLabel(entry.ai)} in the path has a "%" not followed by two hex digits.`);
  return { ai: entry.ai, value: dlValue(entry.ai, value) };
}

export function readCompressedPath(segments: readonly string[]): PathData | ParseError {
  const lead = leadingKey(segments);
  if (lead !== null && 'code' in lead) return lead;
  const data = decompress(segments[segments.length - 1] as string);
  if ('code' in data) return data;
  const all = lead === null ? data : [lead, ...data];

  let key: AiEntry | undefined;
  let keyElement: Element | undefined;
  for (const e of all) {
    const entry = aiEntry(e.ai);
    if (entry?.dlpkey != null) {
      key = entry;
      keyElement = e;
      break;
    }
  }
  if (key === undefined || keyElement === undefined) {
    return error('bad-digital-link', 'The compressed Digital Link holds no GS1 primary key, e.g. (01) GTIN.');
  }
  const seen = new Map<string, string>();
  const qualifiers: Element[] = [];
  const attributes: Element[] = [];
  const sequences = key.dlpkey ?? [];
  for (const e of all) {
    const before = seen.get(e.ai);
    if (before === e.value) continue; // the same data twice, as GS1's toolkit reads it
    if (before !== undefined) return error('bad-digital-link', `${aiLabel(e.ai)} appears twice in the compressed Digital Link, with different values.`);
    seen.set(e.ai, e.value);
    if (e === keyElement) continue;
    if (sequences.some((s) => s.includes(e.ai))) qualifiers.push(e);
    else if (aiEntry(e.ai)?.dlDataAttribute) attributes.push(e);
    else return error('bad-digital-link', `${aiLabel(e.ai)} is not permitted in a Digital Link.`);
  }
  // Qualifiers in the order of the one sequence that holds them all, if any does.
  const order = sequences.find((s) => qualifiers.every((q) => s.includes(q.ai)));
  if (order !== undefined) qualifiers.sort((a, b) => order.indexOf(a.ai) - order.indexOf(b.ai));
  const ais = qualifiers.map((q) => q.ai);
  const wrong = qualifierError(key, ais);
  if (wrong !== null) return error('bad-digital-link', wrong);
  return { key, qualifiers: ais, elements: [keyElement, ...qualifiers, ...attributes] };
}
