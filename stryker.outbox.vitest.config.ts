// The tests of stryker.outbox.config.mjs: the outbox's in-process unit, order, recovery and
// power-loss tests (the kill -9 tests run the outbox in child processes no mutant reaches).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['gateway/outbox/outbox.test.ts', 'gateway/outbox/outbox.order.test.ts', 'gateway/outbox/outbox.recovery.test.ts', 'gateway/outbox/outbox.power-loss.test.ts'],
    testTimeout: 60_000,
  },
});
