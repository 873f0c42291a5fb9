// Stryker on gateway/outbox/record.ts alone, against record.test.ts only (the outbox tests take
// over an hour): npx stryker run stryker.record.config.mjs
import base from './stryker.config.mjs';

// The byte fuzz at 2,000 runs per mutant instead of 20,000 (the test runners inherit it).
process.env.FUZZ_RUNS ??= '2000';

export default {
  ...base,
  vitest: { ...base.vitest, configFile: 'stryker.record.vitest.config.ts' },
  mutate: ['gateway/outbox/record.ts'],
  incrementalFile: 'reports/stryker-incremental-record.json',
};
