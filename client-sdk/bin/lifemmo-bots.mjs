#!/usr/bin/env node
// lifemmo-bots: the load-test command. Runs the TypeScript sources through tsx, so
// `npm install && npm run bots -- ...` works on a fresh clone without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/bots/cli.ts');
