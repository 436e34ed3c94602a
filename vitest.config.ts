import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/src/**/*.test.ts'],
    // Worker-thread tests start real threads; give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
