/**
 * Test helpers for the REST suite: a real server on 127.0.0.1 with an ephemeral port,
 * a tiny fetch wrapper, captured JSON logs, and a naive Life reference to compare with.
 */
import { Writable } from 'node:stream';
import { afterEach, expect } from 'vitest';
import { nextState, parseRule, mod } from '@lifemmo/shared';
import { buildServer, loadConfig, type Config, type ZodApp } from '@lifemmo/server';

/** The admin token of test servers. */
export const ADMIN = 'test-admin-token-0123456789';

/** Environment of a small, quiet test world; override per test. */
export const SMALL_WORLD: Record<string, string> = {
  WORLD_WIDTH: '256',
  WORLD_HEIGHT: '256',
  CELL_LOGIC: 'local',
  TICK_MS: '1000',
  ADMIN_TOKEN: ADMIN,
  LOG_LEVEL: 'warn',
  // Tests that need files set STORE=file and a DATA_DIR of their own.
  STORE: 'memory',
  // An empty world at generation 0, as most tests expect; tests of seeding turn it on.
  SEEDING: 'off',
  // No shedding by event-loop delay or tick lag: a loaded CI machine holds a test server's
  // thread past the limits now and then, and a 503 there is not what those tests test.
  // test/overload sets the limits it tests.
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
  OVERLOAD_MAX_TICK_LAG_MS: '0',
};

/** A listening test server. Always `await close()` (use afterEach/afterAll). */
export interface TestServer {
  readonly app: ZodApp;
  readonly config: Config;
  readonly url: string;
  /** Every log line written so far. */
  readonly logs: string[];
  close(): Promise<void>;
}

/** Start a server on 127.0.0.1:0 with SMALL_WORLD plus `env`. */
export async function startServer(env: Record<string, string | undefined> = {}): Promise<TestServer> {
  const config = loadConfig({ ...SMALL_WORLD, ...env });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  const app = await buildServer(config, { logStream });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return { app, config, url: `http://127.0.0.1:${address.port}`, logs, close: () => app.close() };
}

/** A parsed reply. */
export interface Reply {
  readonly status: number;
  // Tests poke at arbitrary JSON.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly text: string;
  readonly headers: Headers;
}

/** fetch `path` on `server` with an optional JSON body and bearer token. */
export async function call(
  server: Pick<TestServer, 'url'>,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await fetch(server.url + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** Assert an error reply: status and catalogue code. */
export function expectError(reply: Reply, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
  expect(typeof reply.body.error.message).toBe('string');
}

/** Create a player; returns its id and token. */
export async function newPlayer(server: Pick<TestServer, 'url'>, name = 'tester'): Promise<{ id: number; token: string }> {
  const reply = await call(server, 'POST', '/players', { body: { name } });
  expect(reply.status).toBe(201);
  return { id: reply.body.id, token: reply.body.token };
}

/** Poll `read` until `ok` holds (bounded). */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An admin call. */
export function admin(server: Pick<TestServer, 'url'>, action: string, body?: unknown): Promise<Reply> {
  return call(server, 'POST', `/admin/${action}`, { body, token: ADMIN });
}

/** Every live cell of the whole (small) world, as sorted [x, y, owner]. */
export async function allCells(server: Pick<TestServer, 'url' | 'config'>): Promise<{ generation: number; cells: number[][] }> {
  const { width, height } = server.config.world;
  const reply = await call(server, 'GET', `/cells?x=0&y=0&w=${width}&h=${height}`);
  expect(reply.status).toBe(200);
  return { generation: reply.body.generation, cells: sortCells(reply.body.cells) };
}

/** Sort cells by y, then x. */
export function sortCells<T extends number[]>(cells: T[]): T[] {
  return [...cells].sort((a, b) => (a[1] ?? 0) - (b[1] ?? 0) || (a[0] ?? 0) - (b[0] ?? 0));
}

/**
 * A naive reference: `generations` steps of the rule on a torus, one Set of live
 * cells. Independent of the engine's bit kernel, chunks and shards.
 */
export function referenceLife(
  cells: ReadonlyArray<readonly [number, number]>,
  generations: number,
  width: number,
  height: number,
  ruleText = 'B3/S23',
): Array<[number, number]> {
  const rule = parseRule(ruleText);
  const key = (x: number, y: number) => mod(y, height) * width + mod(x, width);
  let live = new Set(cells.map(([x, y]) => key(x, y)));
  for (let g = 0; g < generations; g++) {
    const counts = new Map<number, number>();
    for (const k of live) {
      const x = k % width;
      const y = Math.floor(k / width);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if (dx === 0 && dy === 0) continue;
          const n = key(x + dx, y + dy);
          counts.set(n, (counts.get(n) ?? 0) + 1);
        }
      }
    }
    const next = new Set<number>();
    for (const [k, n] of counts) if (nextState(rule, live.has(k), n)) next.add(k);
    live = next;
  }
  return sortCells([...live].map((k): [number, number] => [k % width, Math.floor(k / width)]));
}

/** A glider heading down-right, as [x, y] cells relative to (0, 0). */
export const GLIDER: ReadonlyArray<readonly [number, number]> = [
  [1, 0],
  [2, 1],
  [0, 2],
  [1, 2],
  [2, 2],
];

/** Offset cells by (dx, dy). */
export function at(cells: ReadonlyArray<readonly [number, number]>, dx: number, dy: number): Array<[number, number]> {
  return cells.map(([x, y]) => [x + dx, y + dy]);
}

/**
 * Servers for a test file whose tests each start their own: call once at the top of the
 * file; every server started through it is closed after the test that started it.
 */
export function serversPerTest(): {
  /** Start a server with SMALL_WORLD plus `env`. */
  start(env?: Record<string, string | undefined>): Promise<TestServer>;
  /** Start one, pause its world and create one player. */
  pausedWithPlayer(env?: Record<string, string | undefined>): Promise<{ server: TestServer; id: number; token: string }>;
} {
  const started: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()));
  });
  const start = async (env: Record<string, string | undefined> = {}): Promise<TestServer> => {
    const server = await startServer(env);
    started.push(server);
    return server;
  };
  return {
    start,
    async pausedWithPlayer(env = {}) {
      const server = await start(env);
      expect((await admin(server, 'pause')).status).toBe(200);
      return { server, ...(await newPlayer(server)) };
    },
  };
}
