import { defineConfig } from 'vitest/config';

// Tests spawn real processes (the built CLI, fake and real sources) and spend much of their time
// waiting on them and on fsync, so a third worker keeps two cores busy.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 3,
  },
});
