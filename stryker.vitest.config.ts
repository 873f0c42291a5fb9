// The tests Stryker runs against its mutants: the unit and property tests of the mutated modules
// (stryker.config.mjs). Real-process and pty tests stay out: they are slow and test other parts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'gateway/outbox/*.test.ts',
      'gateway/sequence.test.ts',
      'protocol/udi/personal-id.test.ts',
      'national/order-code.test.ts',
      'gateway/broker/acl.test.ts',
      'gateway/broker/auth.test.ts',
      'gateway/broker/auth.decoy.test.ts',
      'national/resolver.test.ts',
      'national/store/sqlite.test.ts',
      'national/privacy.test.ts',
      'national/scan-check.test.ts',
      'national/service.test.ts', // scan-check.ts is also reached through ingest
    ],
    testTimeout: 60_000,
  },
});
