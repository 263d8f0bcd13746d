import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summaryReporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start loopback servers and Azurite; two cores on CI.
    maxWorkers: 2,
  },
});
