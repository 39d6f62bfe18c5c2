// Bundle the web client (web/src/main.ts, with the SDK and @lifemmo/shared) for browsers
// into web/dist/, next to copies of index.html and style.css, and the status page
// (web/src/status/main.ts with uPlot, its CSS and uPlot's in status.css; status.html): the
// server serves that folder as is (server/src/http/routes/web.ts). Used by scripts/build.mjs
// and the tests.
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** web/, as a path. */
export const WEB_DIR = fileURLToPath(new URL('.', import.meta.url));

/** The pages copied as they are. */
const PAGES = ['index.html', 'style.css', 'status.html'];

/**
 * Build web/dist/: main.js (+ source map), index.html, style.css; status.js (+ source
 * map), status.css, status.html.
 * @param {{ minify?: boolean }} [options] minify: default true.
 * @returns {Promise<{ outdir: string, ms: number, bytes: number }>}
 */
export async function buildWeb(options = {}) {
  const started = Date.now();
  const outdir = fileURLToPath(new URL('./dist/', import.meta.url));
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: WEB_DIR,
    entryPoints: { main: 'src/main.ts', status: 'src/status/main.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    sourcemap: true,
    minify: options.minify ?? true,
    metafile: true,
    logLevel: 'warning',
  });
  await Promise.all(PAGES.map((f) => copyFile(new URL(f, import.meta.url), new URL(`./dist/${f}`, import.meta.url))));
  const bytes = result.metafile.outputs['dist/main.js']?.bytes ?? 0;
  const statusBytes = result.metafile.outputs['dist/status.js']?.bytes ?? 0;
  return { outdir, ms: Date.now() - started, bytes, statusBytes };
}
