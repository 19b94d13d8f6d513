import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // each file gets its own process: Dawn devices are per file and must not share a thread
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
