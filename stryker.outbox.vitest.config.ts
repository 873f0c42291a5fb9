// The tests of stryker.outbox.config.mjs: the outbox's in-process unit, limit, order, recovery,
// power-loss and full-disk tests (the kill -9 tests run the outbox in child processes no mutant reaches).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'gateway/outbox/outbox.test.ts',
      'gateway/outbox/outbox.limits.test.ts',
      'gateway/outbox/outbox.recovery-cases.test.ts',
      'gateway/outbox/outbox.faults.test.ts',
      'gateway/outbox/outbox.order.test.ts',
      'gateway/outbox/outbox.recovery.test.ts',
      'gateway/outbox/outbox.power-loss.test.ts',
      'gateway/storage/disk-full.test.ts',
      'gateway/storage/power-loss.test.ts',
    ],
    testTimeout: 60_000,
  },
});
