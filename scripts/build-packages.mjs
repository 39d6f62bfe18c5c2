// Build the published packages: @lifemmo/shared, then @lifemmo/client (whose types import
// the shared build), each with tsc and its tsconfig.build.json into <package>/dist/ (ESM
// JavaScript and .d.ts). The repo itself never needs this: it imports the sources (the
// `paths` of tsconfig.json). Usage: node scripts/build-packages.mjs [shared] [client-sdk]
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { argv, execPath, stdout } from 'node:process';
import { fileURLToPath } from 'node:url';

const PACKAGES = ['shared', 'client-sdk'];
const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const wanted = argv.length > 2 ? argv.slice(2) : PACKAGES;

for (const name of PACKAGES.filter((p) => wanted.includes(p))) {
  const started = Date.now();
  // tsc never deletes: a file renamed in src/ would linger in dist/ and be published.
  rmSync(`${root}${name}/dist`, { recursive: true, force: true });
  execFileSync(execPath, [tsc, '-p', `${name}/tsconfig.build.json`], { cwd: root, stdio: 'inherit' });
  stdout.write(`built ${name}/dist/ in ${Date.now() - started} ms\n`);
}
