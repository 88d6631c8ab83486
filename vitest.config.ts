import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-influxd.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real processes on two shared cores: a condition may take seconds, not the default 1 s, to come true.
    expect: { poll: { timeout: 10_000 } },
    // Integration tests start real processes; two workers match the two cores here.
    maxWorkers: 2,
  },
});
