// Stryker on the outbox (outbox.ts, errors.ts) against its in-process tests at a tenth of their
// property runs: npx stryker run stryker.outbox.config.mjs (the whole suite's runs took over an
// hour per pass). The kill -9 tests stay out: their child processes never load a mutant.
import base from './stryker.config.mjs';

process.env.OUTBOX_RUNS_SCALE ??= '0.1';

export default {
  ...base,
  vitest: { ...base.vitest, configFile: 'stryker.outbox.vitest.config.ts' },
  mutate: ['gateway/outbox/outbox.ts', 'gateway/outbox/errors.ts'],
  incrementalFile: 'reports/stryker-incremental-outbox.json',
};
