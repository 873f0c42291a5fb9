// What a benchmark suite is to the runner (bench/main.ts). A suite measures one part of the
// system against its baselines, prints its own tables through `log`, and returns a JSON-able
// report that the runner writes to bench/results/latest.json.

import type { MeasureOptions } from './measure.ts';

export interface SuiteContext {
  /** Prints one or more lines to the console. */
  log: (text: string) => void;
  /** Overrides of the measuring defaults from the command line (--rounds, --quick). */
  measure: Partial<MeasureOptions>;
  /** --quick: fewer rounds and a smaller corpus, for a smoke run; figures are not for quoting. */
  quick: boolean;
}

export interface SuiteReport {
  /** Lines a reader needs to interpret the figures: what each baseline validates, what was skipped. */
  notes: string[];
  /** The suite's figures, JSON-able. */
  results: unknown;
}

export interface Suite {
  /** The name given on the command line: `node dist/bench.mjs <name>`. */
  name: string;
  /** One line: what it measures and against what. */
  description: string;
  run: (ctx: SuiteContext) => Promise<SuiteReport>;
}
