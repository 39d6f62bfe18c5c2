/**
 * The server as a user runs it: `server/src/main.ts` in a child process with environment
 * variables, for tests of start-up, signals and crashes. Always call `killChildren()`
 * after each test (afterEach).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcess>();

/** SIGKILL every child still running. */
export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** A running child server and what it printed. */
export interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/**
 * Start the server with a small, empty world (256x256, SEEDING=off), JSON logs at warn, an
 * in-memory store, no overload shedding by event-loop delay or tick lag (a loaded CI
 * machine passes those limits now and then; test/overload tests them), plus `env` (which
 * wins); `nodeArgs` go to node before the script (a test's `--import` preload).
 */
export function run(env: Record<string, string>, nodeArgs: readonly string[] = []): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, 'server/src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', WORLD_WIDTH: '256', WORLD_HEIGHT: '256', STORE: 'memory', SEEDING: 'off', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_MAX_TICK_LAG_MS: '0', ...env },
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

/**
 * Wait (bounded) until stdout shows the listening line; return the port. The bound is
 * generous: on a loaded 2-core machine, loading the sources through tsx alone has taken
 * over 20 s.
 */
export async function listening(r: Run, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /lifemmo listening on http:\/\/127\.0\.0\.1:(\d+) {2}try: curl localhost:(\d+)\/world/.exec(r.stdout());
    if (m) {
      expect(m[2]).toBe(m[1]);
      return Number(m[1]);
    }
    if (r.child.exitCode !== null) throw new Error(`exited early: ${r.stdout()} ${r.stderr()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`no listening line: ${r.stdout()} ${r.stderr()}`);
}
