/**
 * Real servers on real data directories, for the durability tests: the server in a child
 * process (test/support/child-server.ts) with STORE=file, JSON over fetch, and waiting on
 * what it prints.
 */
import { afterEach, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killChildren, listening, run, type Run } from '../support/child-server.js';
import { waitFor } from '../support/wait.js';

/** The admin token every server here is started with. */
export const ADMIN = 'durability-admin-token';
const dirs: string[] = [];

afterEach(async () => {
  killChildren();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A new, empty data directory, removed after the test. */
export async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lifemmo-durable-'));
  dirs.push(dir);
  return dir;
}

/** Environment of a server on `dir`: fast ticks, an admin token, no rate limit; `extra` wins. */
export function env(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    STORE: 'file',
    DATA_DIR: dir,
    ADMIN_TOKEN: ADMIN,
    PORT: '0',
    TICK_MS: '20',
    IO_LATENCY_MS: '0',
    IO_JITTER_MS: '1',
    BUDGET_CELLS: '100000',
    RATE_LIMIT_PER_MINUTE: '0',
    SNAPSHOT_EVERY: '50',
    ...extra,
  };
}

/** A child server and its base URL. */
export interface Server {
  run: Run;
  url: string;
}

/** Start a server and wait until it listens (`nodeArgs`: see run). */
export async function start(e: Record<string, string>, nodeArgs: readonly string[] = []): Promise<Server> {
  const r = run(e, nodeArgs);
  const port = await listening(r);
  return { run: r, url: `http://127.0.0.1:${port}` };
}

/** SIGKILL a server and wait until it is gone. */
export async function kill9(s: Server): Promise<void> {
  s.run.child.kill('SIGKILL');
  await s.run.exit;
}

// Replies are arbitrary JSON that the tests poke at.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function call(s: Server, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(s.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Everything the server printed once all `patterns` showed up (or after 10 s, for the caller to assert). */
export async function printed(s: Server, patterns: RegExp[]): Promise<string> {
  await waitFor(() => patterns.every((p) => p.test(s.run.stdout())), `${patterns.join(', ')} in the output`).catch(() => undefined);
  return s.run.stdout();
}

/** The four cells of a block (a still life) with its top-left at (x, y). */
export function block(x: number, y: number): Array<[number, number]> {
  return [[x, y], [x + 1, y], [x, y + 1], [x + 1, y + 1]];
}

/** Every live cell of the 256x256 test world as [x, y, owner]. */
export async function allCells(s: Server): Promise<Array<[number, number, number]>> {
  const reply = await call(s, 'GET', '/cells?x=0&y=0&w=256&h=256');
  expect(reply.status).toBe(200);
  return reply.body.cells;
}

/** Name -> `size sha256` of every file in `dir`: compare two to see that nothing changed. */
export async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const bytes = await readFile(path);
    out[name] = `${(await stat(path)).size} ${createHash('sha256').update(bytes).digest('hex')}`;
  }
  return out;
}
