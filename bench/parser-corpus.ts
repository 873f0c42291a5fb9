// The parser suite's corpus: scans from the firmware simulator's corpus generator, with a fixed
// seed so that every run, on every machine, parses the same scans.

import { generateCorpus, type CorpusItem } from '../firmware-sim/corpus.ts';

export interface Workload {
  name: string;
  description: string;
  items: CorpusItem[];
}

export const CORPUS_SEED = 20260623;

/**
 * "element-strings": GS1 element strings as implant scanners send them (01, 17, 11, 10, 21, 240,
 * 30 …), the bulk of what a theatre gateway parses. "mixed": those plus every other kind the
 * corpus generator makes (bracketed, Digital Link, HIBC, broken reads, personal identity numbers).
 */
export function parserWorkloads(quick: boolean): Workload[] {
  const gs1 = generateCorpus({ seed: CORPUS_SEED, count: quick ? 500 : 5000, kinds: ['gs1'] });
  const others = generateCorpus({
    seed: CORPUS_SEED + 1,
    count: quick ? 200 : 2000,
    kinds: ['gs1-bracketed', 'digital-link', 'hibc', 'broken', 'personal-id'],
  });
  return [
    { name: 'element-strings', description: `${gs1.length} GS1 element-string scans (AIM id, FNC1 as GS)`, items: gs1 },
    {
      name: 'mixed',
      description: `${gs1.length + others.length} scans: the element strings + ${others.length} bracketed, Digital Link, HIBC, broken and personal-id scans`,
      items: [...gs1, ...others],
    },
  ];
}
