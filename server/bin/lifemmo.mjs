#!/usr/bin/env -S node --max-semi-space-size=256
// `lifemmo serve | sim | gateway`: start the built server (server/dist/main.js, from
// `npm run build`) in this process, after reading .env files and setting ROLE. In this
// process rather than a child, so that signals (Ctrl-C, SIGTERM from a supervisor) reach
// the server's own graceful shutdown directly. The shebang passes the V8 flag `npm run
// serve` uses (a larger young generation: fewer scavenges under load, docs/benchmarks.md).
import { existsSync, readFileSync } from 'node:fs';
import { argv, cwd, env, exit, stderr, stdout } from 'node:process';
import { USAGE, parseCommand } from './command.mjs';

const what = parseCommand(argv.slice(2), env, cwd());
if (what.kind === 'help') {
  stdout.write(`${USAGE}\n`);
  exit(0);
}
if (what.kind === 'version') {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  stdout.write(`lifemmo ${pkg.version}\n`);
  exit(0);
}
if (what.kind === 'error') {
  stderr.write(`lifemmo: ${what.message}\n\n${USAGE}\n`);
  exit(2);
}

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  stderr.write(`lifemmo: the server is not built (no ${main.pathname}): run \`npm run build\` first\n`);
  exit(1);
}
for (const [name, value] of Object.entries(what.env)) if (value !== undefined) env[name] = value;
await import(main.href);
