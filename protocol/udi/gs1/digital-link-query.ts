// The data attributes in a Digital Link query:
//   readQuery('17=290131&3103=000195&linkType=gs1:pip', path of /01/…) →
//     [{17, 290131}, {3103, 000195}]          (non-numeric keys are not GS1 data: ignored)
//   readQuery('99999=1', …)  → unknown-ai
//   readQuery('10=ABC', path /01/…/21/X) → error: (10) is a key qualifier, it belongs in the path
// As the GS1 Barcode Syntax Engine: a key of digits must be a known AI that the dictionary
// permits as a data attribute ("?" flag); no AI may appear twice in one link; a parameter needs
// a name; empty '&' pieces and parameters without '=' are skipped. A raw '+' means a space in a
// query (HTML form encoding), which no GS1 value may hold: it is reported, with the cure (%2B).

import { error, type Element, type ParseError } from '../result.ts';
import { aiEntry } from './ai-table.ts';
import { aiLabel, shown } from './ai-label.ts';
import type { PathData } from './digital-link-path.ts';
import { percentDecode } from './digital-link-percent.ts';
import { belongsInPath } from './digital-link-qualifiers.ts';
import { dlValue } from './digital-link-value.ts';

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Appends the query's data attributes to `out`; returns the first error, or null. */
export function readQuery(query: string, path: PathData, out: Element[]): ParseError | null {
  const seen = new Set(path.elements.map((e) => e.ai));
  const k = aiLabel(path.key.ai);
  for (const param of query.split('&')) {
    const eq = param.indexOf('=');
    if (eq < 0) continue; // "&&", or a flag without a value: no GS1 data
    const key = param.slice(0, eq);
    if (key === '') return error('bad-digital-link', `The Digital Link query has a parameter without a name ("=${shown(param.slice(1, 9))}").`);
    if (!isDigits(key)) continue;
    const entry = aiEntry(key);
    if (entry === undefined) return error('unknown-ai', `(${shown(key)}) in the Digital Link query is not a GS1 Application Identifier.`);
    const label = aiLabel(entry.ai);
    const raw = param.slice(eq + 1);
    if (raw === '') return error('bad-digital-link', `${label} has no value in the Digital Link query.`);
    if (raw.includes('+')) {
      return error('bad-digital-link', `The value of ${label} in the query holds "+", which in a query stands for a space; a plus sign is written %2B.`);
    }
    const value = percentDecode(raw);
    if (value === null) return error('bad-digital-link', `The value of ${label} in the query has a "%" not followed by two hex digits.`);
    if (seen.has(entry.ai)) return error('bad-digital-link', `${label} appears twice in the Digital Link.`);
    if (belongsInPath(path.key, path.qualifiers, entry.ai)) {
      return error('bad-digital-link', `${label} is a key qualifier of ${k}: it belongs in the path ("/${entry.ai}/…"), not in the query.`);
    }
    if (!entry.dlDataAttribute) return error('bad-digital-link', `${label} is not permitted as a Digital Link data attribute.`);
    seen.add(entry.ai);
    out.push({ ai: entry.ai, value: dlValue(entry.ai, value) });
  }
  return null;
}
