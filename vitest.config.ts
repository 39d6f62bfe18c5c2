import { defineConfig } from 'vitest/config';

// One vitest run covers every package; tests live beside the code (`*.test.ts`) and in test/.
export default defineConfig({
  test: {
    include: ['shared/src/**/*.test.ts', 'server/src/**/*.test.ts', 'client-sdk/src/**/*.test.ts', 'web/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The machine has 2 cores; servers in tests are real, so keep the pool small.
    maxWorkers: 2,
  },
});
