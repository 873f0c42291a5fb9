// GS1 Digital Link URIs (GS1 Digital Link standard: URI syntax), compressed or not, any host:
//   parseDigitalLink('https://id.example.com/some/prefix/01/09506000134352/10/AB%2F12/21/XYZ' +
//                    '?17=290131&3103=000195&linkType=gs1:pip') →
//     { elements: [{01, 09506000134352}, {10, AB/12}, {21, XYZ}, {17, 290131}, {3103, 000195}],
//       errors: [] }
//   parseDigitalLink('https://id.gs1.org/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ') →
//     { elements: [{01, 05412345000013}, {10, ABC&+123}, {7003, 1903061658}], errors: [] }
//
// Elements come in this order: the primary key, its key qualifiers as the path has them, then the
// query's data attributes as the query has them. The first error ends the reading, and a link
// with an error yields no elements: percent-decoding could otherwise reveal data (e.g. a personal
// identity number written as %31%39…) that a check of the raw text does not see. Values are only
// split and percent-decoded here; their content is checked by check-elements.ts.
//   digital-link-uri.ts        scheme, host, path segments, query, fragment
//   digital-link-path.ts       primary key and key qualifiers (digital-link-qualifiers.ts: order)
//   digital-link-query.ts      data attributes
//   digital-link-compressed-path.ts  a compressed path (digital-link-decompress.ts: its bits)
//   digital-link-compressed.ts telling a compressed link from a malformed one

import type { Element, ParseError } from '../result.ts';
import { readPath } from './digital-link-path.ts';
import { readQuery } from './digital-link-query.ts';
import { schemeLength, splitUri } from './digital-link-uri.ts';

/** Cheap routing test: the text starts with "http://" or "https://" (scheme in any case). */
export function looksLikeDigitalLink(text: string): boolean {
  return schemeLength(text) > 0;
}

export function parseDigitalLink(uri: string): { elements: Element[]; errors: ParseError[] } {
  const parts = splitUri(uri);
  if ('code' in parts) return { elements: [], errors: [parts] };
  const path = readPath(parts.segments);
  if ('code' in path) return { elements: [], errors: [path] };
  const elements = path.elements.slice();
  const wrong = parts.query === null ? null : readQuery(parts.query, path, elements);
  return wrong === null ? { elements, errors: [] } : { elements: [], errors: [wrong] };
}
