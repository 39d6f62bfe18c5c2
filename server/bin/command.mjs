// What `lifemmo <command>` means: the command, the .env files to read and the environment
// the server starts with. No side effects besides reading the .env files, so the test can
// call it directly; lifemmo.mjs does the starting.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv, parseArgs } from 'node:util';

/** The usage text of `lifemmo --help`. */
export const USAGE = `Usage: lifemmo <command> [--env-file <file>]...

Commands:
  serve      start the server (server/dist/main.js); ROLE in the environment selects
             standalone (default), sim or gateway
  sim        serve with ROLE=sim
  gateway    serve with ROLE=gateway

Options:
  --env-file <file>  read variables from <file> (repeatable; later files win); without it,
                     ./.env is read when it exists. Variables already in the environment win
                     over every file.
  -h, --help         this text
  -v, --version      the version

Variables: docs/configuration.md. Build first: npm run build.`;

/** ROLE each command sets; serve leaves it to the environment. */
const ROLES = { serve: undefined, sim: 'sim', gateway: 'gateway' };

/**
 * Work out what to do.
 * @param {string[]} argv arguments after the command name
 * @param {Record<string, string | undefined>} env the current environment
 * @param {string} cwd where ./.env is looked for
 * @returns {{ kind: 'help' } | { kind: 'version' } | { kind: 'error', message: string } | { kind: 'run', command: string, envFiles: string[], env: Record<string, string | undefined> }}
 */
export function parseCommand(argv, env, cwd) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { 'env-file': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    });
  } catch (err) {
    return { kind: 'error', message: err.message };
  }
  if (parsed.values.help) return { kind: 'help' };
  if (parsed.values.version) return { kind: 'version' };
  const [command, ...extra] = parsed.positionals;
  if (command === undefined) return { kind: 'help' };
  if (!Object.hasOwn(ROLES, command)) return { kind: 'error', message: `unknown command ${JSON.stringify(command)}` };
  if (extra.length > 0) return { kind: 'error', message: `unexpected argument ${JSON.stringify(extra[0])}` };

  const given = parsed.values['env-file'] ?? [];
  const envFiles = given.length > 0 ? given.map((f) => resolve(cwd, f)) : [resolve(cwd, '.env')].filter((f) => existsSync(f));
  const fromFiles = {};
  for (const file of envFiles) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return { kind: 'error', message: `cannot read --env-file ${file}: ${err.code ?? err.message}` };
    }
    Object.assign(fromFiles, parseEnv(text));
  }
  // As Node's --env-file: what the environment already holds wins over the files.
  const merged = { ...fromFiles, ...env };
  const role = ROLES[command];
  if (role !== undefined) merged.ROLE = role;
  return { kind: 'run', command, envFiles, env: merged };
}
