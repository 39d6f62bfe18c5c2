// Bundle the server into server/dist/main.js with esbuild: workspace code (@lifemmo/*) is
// bundled, npm packages stay external and load from node_modules at run time.
import { readFile } from 'node:fs/promises';
import { stdout } from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildWeb } from '../web/build.mjs';
import { buildSdkBundle } from './build-sdk-bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const serverPackage = JSON.parse(await readFile(new URL('../server/package.json', import.meta.url), 'utf8'));
const external = Object.keys(serverPackage.dependencies ?? {}).filter((name) => !name.startsWith('@lifemmo/'));

const started = Date.now();
await build({
  absWorkingDir: root,
  // The server and the sim's worker thread (standalone runs the sim there: roles/standalone.ts).
  entryPoints: { main: 'server/src/main.ts', 'sim-worker': 'server/src/sim/sim-worker.ts' },
  outdir: 'server/dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // A package's subpaths (pino/file, zod/v4) are external too.
  external: external.flatMap((name) => [name, `${name}/*`]),
  logLevel: 'warning',
});
stdout.write(`built server/dist/main.js and sim-worker.js in ${Date.now() - started} ms\n`);

// `--server-only`: tests that start the built server without touching web/dist/, which
// other tests serve while they run.
if (process.argv.includes('--server-only')) process.exit(0);

// The web client the server serves at / (web/dist/).
const web = await buildWeb();
stdout.write(`built web/dist/ (main.js ${Math.round(web.bytes / 1024)} KiB, status.js ${Math.round(web.statusBytes / 1024)} KiB) in ${web.ms} ms\n`);

// The SDK as a browser module, served at GET /sdk/lifemmo-client.js (web/dist/sdk/).
const sdk = await buildSdkBundle();
stdout.write(`built web/dist/sdk/lifemmo-client.js (${(sdk.bytes / 1024).toFixed(1)} KiB, ${(sdk.gzipBytes / 1024).toFixed(1)} KiB gzipped) in ${sdk.ms} ms\n`);
