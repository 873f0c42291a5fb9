// What a compressed GS1 Digital Link's decoder must know besides the bits (GS1 Digital Link 1.2,
// compression; the tables of GS1's reference toolkit):
//   AI_LENGTH_BY_PREFIX.get('70') → 4         (an AI starting 70 has 4 digits: read 2 more)
//   OPTIMISED['0B'] → ['01', '10']            (one code for a common sequence of AIs)
//   valueFormat('8003') → [{ numeric: true, fixed: true, length: 14 }, { numeric: false, fixed: false, length: 16 }]
// The prefix lengths and value formats come from the AI table (the Syntax Dictionary); adjacent
// fixed-length numeric components are one number, as the standard's format table writes them
// ((8003) N14+X..16, (8006) N18).

import { AI_ENTRIES } from './ai-table.generated.ts';
import { aiEntry } from './ai-table.ts';

/** Two-digit AI prefix → the number of digits of every AI with that prefix. */
export const AI_LENGTH_BY_PREFIX: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  for (const { ai } of AI_ENTRIES) m.set(ai.slice(0, 2), ai.length);
  return m;
})();

/** Codes 0A–CD for frequent AI sequences; F marks a non-GS1 key=value pair. 1A and 9D hold their
 * AIs in the order GS1's reference toolkit writes and reads them (sorted: it sorts its table in
 * place), which is how compressed links in use were made; its table lists 01,10,21,17 and 414,254. */
export const OPTIMISED: Readonly<Record<string, readonly string[]>> = {
  '0A': ['01', '22'], '0B': ['01', '10'], '0C': ['01', '21'], '0D': ['01', '17'], '0E': ['01', '7003'], '0F': ['01', '30'],
  '1A': ['01', '10', '17', '21'], '1B': ['01', '15'], '1C': ['01', '11'], '1D': ['01', '16'], '1E': ['01', '91'], '1F': ['01', '10', '15'],
  '2A': ['01', '3100'], '2B': ['01', '3101'], '2C': ['01', '3102'], '2D': ['01', '3103'], '2E': ['01', '3104'], '2F': ['01', '3105'],
  '3A': ['01', '3200'], '3B': ['01', '3201'], '3C': ['01', '3202'], '3D': ['01', '3203'], '3E': ['01', '3204'], '3F': ['01', '3205'],
  '9A': ['8010', '8011'], '9B': ['8017', '8019'], '9C': ['8018', '8019'], '9D': ['254', '414'],
  A0: ['01', '3920'], A1: ['01', '3921'], A2: ['01', '3922'], A3: ['01', '3923'], A4: ['01', '3924'],
  A5: ['01', '3925'], A6: ['01', '3926'], A7: ['01', '3927'], A8: ['01', '3928'], A9: ['01', '3929'],
  C0: ['255', '3900'], C1: ['255', '3901'], C2: ['255', '3902'], C3: ['255', '3903'], C4: ['255', '3904'],
  C5: ['255', '3905'], C6: ['255', '3906'], C7: ['255', '3907'], C8: ['255', '3908'], C9: ['255', '3909'],
  CA: ['255', '3940'], CB: ['255', '3941'], CC: ['255', '3942'], CD: ['255', '3943'],
};

/** One part of a value: `length` digits or characters when `fixed`, else at most `length`. */
export interface ValuePart {
  numeric: boolean;
  fixed: boolean;
  length: number;
}

const FORMATS = new Map<string, readonly ValuePart[]>();

/** The parts of an AI's value as the compressed form writes them, or undefined for an unknown AI. */
export function valueFormat(ai: string): readonly ValuePart[] | undefined {
  const cached = FORMATS.get(ai);
  if (cached) return cached;
  const entry = aiEntry(ai);
  if (entry === undefined) return undefined;
  const parts: ValuePart[] = [];
  for (const c of entry.components) {
    const numeric = c.type === 'N';
    const fixed = c.min === c.max && !c.optional;
    const last = parts[parts.length - 1];
    if (numeric && fixed && last?.numeric && last.fixed) last.length += c.max;
    else parts.push({ numeric, fixed, length: c.max });
  }
  FORMATS.set(ai, parts);
  return parts;
}
