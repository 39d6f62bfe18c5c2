// The SDK as one browser ES module, web/dist/sdk/lifemmo-client.js (+ source map): what
// the server serves at GET /sdk/lifemmo-client.js, for pages that use the SDK without a
// bundler (client-sdk/README.md). It goes next to the web client's bundle so that whatever
// ships web/dist/ (a checkout, the Docker image) serves it too. Used by scripts/build.mjs
// and the tests.
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** Where the bundle is written. */
export const SDK_BUNDLE = fileURLToPath(new URL('../web/dist/sdk/lifemmo-client.js', import.meta.url));

/**
 * Build the bundle (minified, ES2022 for current browsers).
 * @returns {Promise<{ file: string, ms: number, bytes: number, gzipBytes: number }>} sizes in bytes; gzip at level 9
 */
export async function buildSdkBundle() {
  const started = Date.now();
  await mkdir(new URL('../web/dist/sdk/', import.meta.url), { recursive: true });
  await build({
    absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
    entryPoints: ['client-sdk/src/index.ts'],
    outfile: 'web/dist/sdk/lifemmo-client.js',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    sourcemap: true,
    minify: true,
    logLevel: 'warning',
  });
  const code = await readFile(SDK_BUNDLE);
  return { file: SDK_BUNDLE, ms: Date.now() - started, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}
