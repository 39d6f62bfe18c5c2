/**
 * The `lifemmo` command (server/bin/lifemmo.mjs): what each command sets, how .env files
 * and the environment combine, and `lifemmo serve` starting the built server from a
 * directory holding a .env, through the npm bin link as a user runs it.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseCommand } from '../../server/bin/command.mjs';
import { listening, type Run } from '../support/child-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'node_modules/.bin/lifemmo');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'server/package.json'), 'utf8')) as { version: string }).version;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifemmo-cmd-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseCommand', () => {
  test('sim and gateway set ROLE; serve leaves it to the environment', () => {
    expect(parseCommand(['sim'], { ROLE: 'gateway' }, dir)).toMatchObject({ kind: 'run', env: { ROLE: 'sim' } });
    expect(parseCommand(['gateway'], {}, dir)).toMatchObject({ kind: 'run', env: { ROLE: 'gateway' } });
    const serve = parseCommand(['serve'], { ROLE: 'sim' }, dir);
    expect(serve).toMatchObject({ kind: 'run', env: { ROLE: 'sim' } });
    expect(parseCommand(['serve'], {}, dir)).not.toHaveProperty('env.ROLE');
  });

  test('.env is read when present; --env-file replaces it; the environment wins; later files win', () => {
    const sub = mkdtempSync(join(dir, 'env-'));
    writeFileSync(join(sub, '.env'), 'PORT=9001\nWORLD_WIDTH=128\n# a comment\nLOG_LEVEL="warn"\n');
    writeFileSync(join(sub, 'a.env'), 'PORT=9002\nTICK_MS=50\n');
    writeFileSync(join(sub, 'b.env'), 'TICK_MS=70\n');
    expect(parseCommand(['serve'], { WORLD_WIDTH: '256' }, sub)).toMatchObject({
      envFiles: [join(sub, '.env')],
      env: { PORT: '9001', WORLD_WIDTH: '256', LOG_LEVEL: 'warn' },
    });
    const files = parseCommand(['serve', '--env-file', 'a.env', '--env-file', 'b.env'], {}, sub);
    expect(files).toMatchObject({ env: { PORT: '9002', TICK_MS: '70' } });
    expect(files).not.toHaveProperty('env.WORLD_WIDTH');
    expect(parseCommand(['serve'], {}, dir)).toMatchObject({ kind: 'run', envFiles: [] });
  });

  test('help, version and mistakes', () => {
    expect(parseCommand([], {}, dir)).toEqual({ kind: 'help' });
    expect(parseCommand(['serve', '--help'], {}, dir)).toEqual({ kind: 'help' });
    expect(parseCommand(['-v'], {}, dir)).toEqual({ kind: 'version' });
    expect(parseCommand(['start'], {}, dir)).toEqual({ kind: 'error', message: 'unknown command "start"' });
    expect(parseCommand(['serve', '--port', '1'], {}, dir)).toMatchObject({ kind: 'error' });
    expect(parseCommand(['serve', '--env-file', 'missing.env'], {}, dir)).toMatchObject({ kind: 'error', message: expect.stringContaining('ENOENT') });
  });
});

test('lifemmo --help / --version / a wrong command, as a user runs them', async () => {
  const run = promisify(execFile);
  expect((await run(BIN, ['--help'])).stdout).toContain('Usage: lifemmo <command>');
  expect((await run(BIN, ['--version'])).stdout.trim()).toBe(`lifemmo ${VERSION}`);
  await expect(run(BIN, ['start'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command') });
});

test('lifemmo serve starts the built server with the .env of its directory, and stops on SIGTERM', async () => {
  await promisify(execFile)(process.execPath, ['scripts/build.mjs', '--server-only'], { cwd: ROOT });
  const sub = mkdtempSync(join(dir, 'serve-'));
  writeFileSync(join(sub, '.env'), 'PORT=0\nHOST=127.0.0.1\nWORLD_WIDTH=128\nWORLD_HEIGHT=192\nSTORE=memory\nSEEDING=off\nLOG_LEVEL=warn\nLOG_FORMAT=json\n');
  const child = spawn(BIN, ['serve'], { cwd: sub, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const r: Run = { child, stdout: () => out, stderr: () => err, exit };
  try {
    const port = await listening(r);
    const world = (await (await fetch(`http://127.0.0.1:${port}/world`)).json()) as { width: number; height: number };
    expect(world).toMatchObject({ width: 128, height: 192 });
    child.kill('SIGTERM');
    expect(await exit, err).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
