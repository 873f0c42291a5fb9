// The tests of stryker.record.config.mjs: the framing's own unit and property tests.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['gateway/outbox/record.test.ts'], testTimeout: 60_000 } });
