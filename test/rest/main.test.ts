// The entry point as a user runs it: a child process with environment variables.
// Start-up errors, the listening line, and graceful shutdown on SIGTERM / SIGINT.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', WORLD_WIDTH: '256', WORLD_HEIGHT: '256', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Wait (bounded) until stdout shows the listening line; return the port. */
async function listening(r: Run, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /lifemmo listening on http:\/\/127\.0\.0\.1:(\d+) {2}try: curl localhost:(\d+)\/world/.exec(r.stdout());
    if (m) {
      expect(m[2]).toBe(m[1]);
      return Number(m[1]);
    }
    if (r.child.exitCode !== null) throw new Error(`exited early: ${r.stderr()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`no listening line: ${r.stdout()} ${r.stderr()}`);
}

describe('main', () => {
  it.each([
    ['WORLD_WIDTH', '100'],
    ['RULE', 'B0/S23'],
    ['IO_LOSS', 'lots'],
  ])('exits 1 with one line naming %s when it is %s', async (name, value) => {
    const r = run({ [name]: value });
    expect(await r.exit).toBe(1);
    const lines = r.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^lifemmo: invalid configuration: ${name}: `));
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('serves, prints the address and a hint, and exits 0 on %s', async (signal) => {
    const r = run({ PORT: '0', CELL_LOGIC: 'local', TICK_MS: '10' });
    const port = await listening(r);
    const world = await fetch(`http://127.0.0.1:${port}/world`);
    expect(world.status).toBe(200);
    expect((await world.json()).width).toBe(256);
    r.child.kill(signal);
    expect(await r.exit).toBe(0);
  });
});
