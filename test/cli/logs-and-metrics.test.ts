/**
 * What an operator sees of a running server, as a user runs it (server/src/main.ts in a
 * child process, LOG_FORMAT=json): stdout is JSON lines only, start-up and shutdown
 * included; one line per request with method, URL, status and response time; the probes
 * (/health, /ready, /metrics) at debug, never at info; the sim process likewise; and
 * /metrics with Node's standard process_* and nodejs_* names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killChildren, listening, run, type Run } from '../support/child-server.js';
import { simStarted } from '../support/cluster.js';
import { startNats } from '../support/nats-server.js';

afterEach(() => killChildren());

/** One pino record. */
interface LogRecord {
  level: number;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
  error?: { code: string; message: string };
}

const INFO = 30;
const DEBUG = 20;
const PROBES = ['/health', '/ready', '/metrics'];

/** SIGTERM `r`, wait for exit 0, and parse every stdout line as JSON (failing on any other line). */
async function stopAndParse(r: Run): Promise<LogRecord[]> {
  r.child.kill('SIGTERM');
  expect(await r.exit, r.stdout()).toBe(0);
  const lines = r.stdout().split('\n').filter((l) => l !== '');
  expect(lines.length).toBeGreaterThan(0);
  return lines.map((line) => {
    try {
      return JSON.parse(line) as LogRecord;
    } catch {
      throw new Error(`not a JSON line on stdout: ${line}`);
    }
  });
}

/** GET `path` with our own request id, so its log lines can be found. */
async function get(port: number, path: string, id: string): Promise<Response> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'x-request-id': id } });
  await res.arrayBuffer();
  return res;
}

/** Hit the probes twice and two normal routes (one 200, one 404); return the /metrics text. */
async function traffic(port: number): Promise<string> {
  for (const round of [1, 2]) {
    expect((await get(port, '/health', `probe-health-${round}`)).status).toBe(200);
    expect((await get(port, '/ready', `probe-ready-${round}`)).status).toBe(200);
  }
  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { 'x-request-id': 'probe-metrics' } });
  expect(metrics.status).toBe(200);
  expect((await get(port, '/world', 'normal-world')).status).toBe(200);
  expect((await get(port, '/nothing-here?x=1', 'normal-404')).status).toBe(404);
  return metrics.text();
}

describe('LOG_FORMAT=json', () => {
  it('at info: JSON lines only, one line per request with its status, no probe', async () => {
    const r = run({ PORT: '0', LOG_LEVEL: 'info', CELL_LOGIC: 'local', TICK_MS: '50' });
    const port = await listening(r);
    await traffic(port);
    const records = await stopAndParse(r);
    expect(r.stderr()).toBe('');

    const started = records.filter((l) => l.msg.startsWith('lifemmo listening on '));
    expect(started).toHaveLength(1);
    expect(started[0]!.msg).toBe(`lifemmo listening on http://127.0.0.1:${port}  try: curl localhost:${port}/world`);
    expect(records.some((l) => l.msg === 'SIGTERM: shutting down')).toBe(true);

    for (const line of records) {
      if (line.req !== undefined) expect(PROBES, JSON.stringify(line)).not.toContain(line.req.url);
      expect(line.reqId ?? '').not.toMatch(/^probe-/);
    }
    const world = records.filter((l) => l.reqId === 'normal-world');
    expect(world).toHaveLength(1);
    expect(world[0]).toMatchObject({ level: INFO, msg: 'request completed', req: { method: 'GET', url: '/world' }, res: { statusCode: 200 } });
    expect(world[0]!.responseTime).toBeGreaterThan(0);
    const missing = records.filter((l) => l.reqId === 'normal-404');
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({
      level: INFO,
      req: { method: 'GET', url: '/nothing-here?x=1' },
      res: { statusCode: 404 },
      error: { code: 'LIFE_ERR_NOT_FOUND' },
    });
  });

  it('at debug: the probes are there, one debug line each', async () => {
    const r = run({ PORT: '0', LOG_LEVEL: 'debug', CELL_LOGIC: 'local', TICK_MS: '50' });
    const port = await listening(r);
    await traffic(port);
    const records = await stopAndParse(r);
    for (const id of ['probe-health-1', 'probe-health-2', 'probe-ready-1', 'probe-ready-2', 'probe-metrics']) {
      const lines = records.filter((l) => l.reqId === id);
      expect(lines, id).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: DEBUG, msg: 'request completed', res: { statusCode: 200 } });
    }
    expect(records.filter((l) => l.reqId === 'normal-world').map((l) => l.level)).toEqual([INFO]);
  });

  it('at warn: only the start-up record, as JSON', async () => {
    const r = run({ PORT: '0', LOG_LEVEL: 'warn', CELL_LOGIC: 'local', ADMIN_TOKEN: 'admin-token-123' });
    const port = await listening(r);
    await traffic(port);
    const records = await stopAndParse(r);
    expect(records.map((l) => l.msg)).toEqual([`lifemmo listening on http://127.0.0.1:${port}  try: curl localhost:${port}/world`]);
  });

  it('the sim process (ROLE=sim) writes JSON lines only too, its start-up record included', async () => {
    const nats = await startNats();
    try {
      const sim = run({ ROLE: 'sim', NATS_URL: nats.url, PORT: '0', LOG_LEVEL: 'info', CELL_LOGIC: 'local' });
      const probePort = await simStarted(sim);
      expect((await fetch(`http://127.0.0.1:${probePort}/health`)).status).toBe(200);
      // Its /metrics: its ticks (counted as they happen) and Node's own figures, no gateway's metrics.
      const ticks = async () => {
        const text = await (await fetch(`http://127.0.0.1:${probePort}/metrics`)).text();
        expect(text).toContain('process_cpu_user_seconds_total');
        expect(text).not.toMatch(/lifemmo_(ws|http|bus)_/);
        return Number(/^lifemmo_tick_duration_seconds_count (\d+)$/m.exec(text)?.[1] ?? NaN);
      };
      const first = await ticks();
      const deadline = Date.now() + 10_000;
      while ((await ticks()) <= first && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await ticks()).toBeGreaterThan(first);
      const records = await stopAndParse(sim);
      expect(records.some((l) => l.msg.startsWith('lifemmo sim of world main on nats://'))).toBe(true);
      expect(records.some((l) => l.msg === 'sim started')).toBe(true);
    } finally {
      await nats.stop();
    }
  });
});

it('/metrics has the standard process_* and nodejs_* names, prefixed once or not at all', async () => {
  const r = run({ PORT: '0', CELL_LOGIC: 'local' });
  const port = await listening(r);
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
  expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  expect(text).toMatch(/^lifemmo_generation \d/m);
  expect(text).not.toContain('lifemmo_process_');
  // Every metric is either Node's standard set or lifemmo's own, never both prefixes.
  const names = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
  for (const name of names) expect(name, name).toMatch(/^(process_|nodejs_|lifemmo_)/);
  for (const name of names) expect(name, name).not.toMatch(/^lifemmo_(process|nodejs)_/);
});
