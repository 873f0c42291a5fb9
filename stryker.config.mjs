// Mutation testing (npm run mutation): the modules that carry the project's promises, each
// mutant run only against the tests that cover it. How to run one module: docs/testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'stryker.vitest.config.ts', related: true },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'gateway/outbox/*.ts',
    '!gateway/outbox/*.test.ts',
    '!gateway/outbox/*.test-support.ts',
    'gateway/sequence.ts',
    'protocol/udi/personal-id.ts',
    'national/order-code.ts',
    'gateway/broker/acl.ts',
    'gateway/broker/auth.ts',
    'national/scan-check.ts',
  ],
  coverageAnalysis: 'perTest',
  // The machine is shared: one test process; a second run only tests what changed.
  concurrency: 1,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  timeoutFactor: 3,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
