// The AI named by a Digital Link path segment: its digits, or a convenience alpha:
//   pathAi('01')   → the entry of (01)
//   pathAi('gtin') → the entry of (01)
//   pathAi('GTIN') → undefined   (alphas are case-sensitive, ABNF %s"gtin")
// The convenience alphas are those of the GS1 Digital Link standard 1.1 / URI syntax 1.2 grammar,
// for primary keys and key qualifiers only (deprecated since 1.2, still read by decoders; the
// same table as the GS1 Barcode Syntax Engine). Data attributes in the query have none.

import type { AiEntry } from './ai-entry.ts';
import { aiEntry } from './ai-table.ts';

const ALPHAS: ReadonlyMap<string, string> = new Map([
  ['gtin', '01'],
  ['itip', '8006'],
  ['gmn', '8013'],
  ['cpid', '8010'],
  ['gln', '414'],
  ['party', '417'],
  ['gsrnp', '8017'],
  ['gsrn', '8018'],
  ['gcn', '255'],
  ['sscc', '00'],
  ['gdti', '253'],
  ['ginc', '401'],
  ['gsin', '402'],
  ['grai', '8003'],
  ['giai', '8004'],
  ['cpv', '22'],
  ['lot', '10'],
  ['ser', '21'],
  ['cpsn', '8011'],
  ['glnx', '254'],
  ['refno', '8020'],
  ['srin', '8019'],
]);

export function pathAi(segment: string): AiEntry | undefined {
  const c = segment.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) return aiEntry(segment);
  const ai = ALPHAS.get(segment);
  return ai === undefined ? undefined : aiEntry(ai);
}
