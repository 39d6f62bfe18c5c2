// Health, readiness, world info, metrics, docs and unknown routes on a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import pino from 'pino';
import { LocalBus, Sim, buildGateway, loadConfig } from '@lifemmo/server';
import { ADMIN, SMALL_WORLD, call, expectError, newPlayer, startServer, type TestServer } from './helpers.js';

describe('operations routes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('GET /health answers ok', async () => {
    const reply = await call(server, 'GET', '/health');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ok' });
  });

  it('GET /ready answers 200 once the tick loop runs', async () => {
    const reply = await call(server, 'GET', '/ready');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: 'ready' });
  });

  it('GET /world describes the world', async () => {
    const reply = await call(server, 'GET', '/world');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      width: 256,
      height: 256,
      topology: 'torus',
      rule: 'B3/S23',
      chunkSize: 64,
      shardSize: 512,
      population: 0,
      tickMs: 1000,
      paused: false,
    });
    expect(Number.isInteger(reply.body.generation)).toBe(true);
  });

  it('every reply carries a request id, and a safe caller id is kept', async () => {
    const mine = await call(server, 'GET', '/health', { headers: { 'x-request-id': 'abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    const garbled = await call(server, 'GET', '/health', { headers: { 'x-request-id': 'a b\tc' } });
    expect(garbled.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /metrics exposes tick, placement and HTTP figures', async () => {
    const { token } = await newPlayer(server);
    await call(server, 'POST', '/cells', { token, body: { cells: [[10, 10]] } });
    await call(server, 'POST', '/cells', { token, body: { cells: [[999, 10]] } });
    const reply = await call(server, 'GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    for (const name of [
      'lifemmo_tick_duration_seconds',
      'lifemmo_tick_lag_seconds',
      'lifemmo_halo_wait_seconds',
      'lifemmo_tick_candidates',
      'lifemmo_tick_io_calls',
      'lifemmo_io_failures_total',
      'lifemmo_io_timeouts_total',
      'lifemmo_placements_total',
      'lifemmo_placed_cells_total',
      'lifemmo_http_request_duration_seconds',
      'lifemmo_ws_clients',
    ]) {
      expect(reply.text).toContain(`# TYPE ${name} `);
    }
    expect(reply.text).toMatch(/lifemmo_placements_total\{transport="rest",result="accepted",code="none"\} 1/);
    expect(reply.text).toMatch(/lifemmo_placements_total\{transport="rest",result="refused",code="LIFE_ERR_OUT_OF_WORLD"\} 1/);
    expect(reply.text).toMatch(/lifemmo_http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} \d+/);
  });

  it('GET /docs serves the UI and /docs/json the OpenAPI document built from the zod schemas', async () => {
    const ui = await call(server, 'GET', '/docs');
    expect(ui.status).toBe(200);
    const doc = await call(server, 'GET', '/docs/json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of ['/health', '/ready', '/world', '/players', '/cells', '/patterns', '/leaderboard', '/admin/step']) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    const body = doc.body.paths['/cells'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(body)).toContain('cells');
  });

  it('an unknown route is 404 LIFE_ERR_NOT_FOUND', async () => {
    expectError(await call(server, 'GET', '/nope'), 404, 'LIFE_ERR_NOT_FOUND');
    expectError(await call(server, 'DELETE', '/world'), 404, 'LIFE_ERR_NOT_FOUND');
  });
});

describe('readiness across the lifecycle', () => {
  it('a gateway answers /ready 503 until a sim is heard, 200 while it ticks, 503 SIM_UNAVAILABLE once it is gone', async () => {
    const config = loadConfig({ ...SMALL_WORLD, SIM_TIMEOUT_MS: '600', BUS_REQUEST_TIMEOUT_MS: '500' });
    const { port1, port2 } = new MessageChannel();
    const gatewayBus = new LocalBus(port1);
    const simBus = new LocalBus(port2);
    const app = await buildGateway(config, gatewayBus, { waitForSimMs: 0 }, { logStream: new PassThrough() });
    const sim = new Sim({ config, bus: simBus, log: pino({ level: 'silent' }) });
    const ready = async () => {
      const reply = await app.inject({ method: 'GET', url: '/ready' });
      return { status: reply.statusCode, code: reply.statusCode === 200 ? null : (reply.json().error.code as string) };
    };
    try {
      await app.ready();
      expect(await ready()).toEqual({ status: 503, code: 'LIFE_ERR_NOT_READY' });
      // A placement with no sim is refused at once with a clear code, not a hang.
      const players = await app.inject({ method: 'POST', url: '/players', payload: { name: 'early' } });
      expect({ status: players.statusCode, code: players.json().error.code }).toEqual({ status: 503, code: 'LIFE_ERR_SIM_UNAVAILABLE' });

      await sim.start();
      await waitFor(async () => (await ready()).status === 200);
      await sim.stop();
      await waitFor(async () => (await ready()).code === 'LIFE_ERR_SIM_UNAVAILABLE');
    } finally {
      await app.close();
      await gatewayBus.close();
      await simBus.close();
    }
  });
});

/** Poll `check` until true (bounded: 10 s). */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('I/O latency metric', () => {
  /** The value of one sample line of the Prometheus text, or NaN when it is missing. */
  const sample = (text: string, line: string): number => {
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found === undefined ? Number.NaN : Number(found.slice(line.length + 1));
  };

  it('counts every simulated call, each at its latency', async () => {
    // Fixed 3 ms per call: every call lands in the 5 ms bucket and none below 2 ms.
    const server = await startServer({ CELL_LOGIC: 'simulated', IO_LATENCY_MODEL: 'fixed', IO_LATENCY_MS: '3', IO_JITTER_MS: '0' });
    try {
      const { token } = await newPlayer(server);
      // A block: four live cells and no births, so 4 calls per generation from now on.
      const placed = await call(server, 'POST', '/cells', { token, body: { cells: [[10, 10], [11, 10], [10, 11], [11, 11]] } });
      expect(placed.status).toBe(202);
      const stepped = await call(server, 'POST', '/admin/step', { token: ADMIN, body: { generations: 5 } });
      expect(stepped.status).toBe(200);

      const text = (await call(server, 'GET', '/metrics')).text;
      expect(text).toContain('# TYPE lifemmo_io_latency_seconds histogram');
      const calls = sample(text, 'lifemmo_tick_io_calls_sum');
      expect(calls).toBeGreaterThanOrEqual(4 * 4);
      expect(sample(text, 'lifemmo_io_latency_seconds_count')).toBe(calls);
      expect(sample(text, 'lifemmo_io_latency_seconds_bucket{le="0.002"}')).toBe(0);
      expect(sample(text, 'lifemmo_io_latency_seconds_bucket{le="0.005"}')).toBe(calls);
      expect(sample(text, 'lifemmo_io_latency_seconds_bucket{le="+Inf"}')).toBe(calls);
      expect(sample(text, 'lifemmo_io_latency_seconds_sum')).toBeCloseTo(calls * 0.003, 9);
    } finally {
      await server.close();
    }
  });
});
