#!/usr/bin/env node
// lifemmo-bots: the load-test command. An installed package runs its build (dist/, plain
// JavaScript, production dependencies only). A checkout of the repo, which has src/ and
// the dev dependency tsx, runs the TypeScript sources, so `npm run bots` needs no build
// step and never runs a stale dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/bots/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  // The repo's tsconfig maps @lifemmo/* to their sources (whatever the current directory).
  register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
  await import(source.href);
} else {
  await import('../dist/bots/cli.js');
}
