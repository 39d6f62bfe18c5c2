import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The workspace packages resolve to their TypeScript sources, not to their builds (dist/,
 * which a fresh clone lacks): the `paths` of tsconfig.json, which tsc, tsx and esbuild read
 * themselves, become exact-match aliases here.
 */
const tsconfig = JSON.parse(readFileSync(new URL('./tsconfig.json', import.meta.url), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
const alias = Object.entries(tsconfig.compilerOptions.paths).map(([name, [target]]) => ({
  find: new RegExp(`^${name.replace(/[/.]/g, '\\$&')}$`),
  replacement: fileURLToPath(new URL(target!, import.meta.url)),
}));

// One vitest run covers every package; tests live beside the code (`*.test.ts`) and in test/.
export default defineConfig({
  resolve: { alias },
  test: {
    include: ['shared/src/**/*.test.ts', 'server/src/**/*.test.ts', 'client-sdk/src/**/*.test.ts', 'web/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The machine has 2 cores; servers in tests are real, so keep the pool small.
    maxWorkers: 2,
  },
});
