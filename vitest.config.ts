import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.stryker-tmp/**'],
    // Property tests with 100k cases and pseudo-terminal tests need more than the 5 s default.
    testTimeout: 60_000,
    pool: 'forks',
  },
});
