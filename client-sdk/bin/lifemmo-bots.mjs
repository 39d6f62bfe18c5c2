#!/usr/bin/env node
// lifemmo-bots: the load-test command. An installed package runs its build (dist/, plain
// JavaScript, production dependencies only). A checkout of the repo, which has src/ and
// the dev dependency tsx, runs the TypeScript sources, so `npm run bots` needs no build
// step and never runs a stale dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/bots/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/bots/cli.js');
}
