// GET /status.json, the live status page's figures: public running totals that move with the
// world and the load, the admin's details with the admin token only, on a standalone server
// and on a cluster gateway.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killChildren } from '../support/child-server.js';
import { startCluster, type Cluster } from '../support/cluster.js';
import { TestClient } from '../ws/helpers.js';
import { ADMIN, call, expectError, newPlayer, startServer, until, type TestServer } from './helpers.js';

describe('GET /status.json on a standalone server', () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    server = await startServer({ TICK_MS: '50' });
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  it('gives public running totals that move with ticks, clients and placements, and is not cached', async () => {
    const first = await call(server, 'GET', '/status.json');
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body.details).toBeUndefined();
    expect(first.body).toMatchObject({ role: 'standalone', world: { tickMs: 50, paused: false }, sim: { up: true } });

    const player = await newPlayer(server);
    // A block: still life, so its cell stays occupied however many ticks pass between the two requests.
    expect((await call(server, 'POST', '/cells', { body: { cells: [[5, 5], [6, 5], [5, 6], [6, 6]] }, token: player.token })).status).toBe(202);
    expect((await call(server, 'POST', '/cells', { body: { cells: [[5, 5]] }, token: player.token })).status).toBe(409);
    const client = new TestClient(`${server.url.replace('http', 'ws')}/ws`, { decode: false });
    clients.push(client);
    await client.opened;

    const later = await until(
      async () => (await call(server, 'GET', '/status.json')).body,
      (b) => b.ticks.count > first.body.ticks.count + 2 && b.clients === 1 && b.world.generation > first.body.world.generation,
      'ticks, a client',
    );
    expect(later.at).toBeGreaterThan(first.body.at);
    expect(later.ticks.durationSeconds).toBeGreaterThan(first.body.ticks.durationSeconds);
    expect(later.placements).toEqual({ accepted: first.body.placements.accepted + 1, refused: first.body.placements.refused + 1 });
    expect(later.bus.messages).toBeGreaterThan(first.body.bus.messages);
    expect(later.bus.summaries).toBeGreaterThan(first.body.bus.summaries);
    expect(later.sim.heardMsAgo).toBeGreaterThanOrEqual(0);
    expect(later.sim.heardMsAgo).toBeLessThan(5000);
    // Standalone: the gateways table is this process alone, with the same figures.
    expect(later.gateways).toHaveLength(1);
    expect(later.gateways[0]).toMatchObject({ role: 'standalone', self: true, heardMsAgo: 0, clients: 1, simUp: true, placements: later.placements });
    expect(later.gateways[0].id).toMatch(/^gw-[0-9a-f]{12}$/);
  });

  it("adds this process's details with the admin token only: another token is 403", async () => {
    const reply = await call(server, 'GET', '/status.json', { token: ADMIN });
    expect(reply.status).toBe(200);
    expect(reply.body.details.gateway).toMatchObject({ id: expect.stringMatching(/^gw-[0-9a-f]+$/), pid: process.pid });
    expect(reply.body.details.gateway.heapUsedBytes).toBeGreaterThan(0);
    expect(reply.body.details.gateway.eventLoopActiveMs + reply.body.details.gateway.eventLoopIdleMs).toBeGreaterThan(0);
    expect(reply.body.details.sim).toMatchObject({ inProcess: true, world: 'main' });
    expect(reply.body.details.sim.instance).toBeGreaterThan(0);

    const player = await newPlayer(server);
    expectError(await call(server, 'GET', '/status.json', { token: player.token }), 403, 'LIFE_ERR_FORBIDDEN');
    expectError(await call(server, 'GET', '/status.json', { token: 'not-the-admin-token' }), 403, 'LIFE_ERR_FORBIDDEN');
  });

  it('is not rate limited (a page polls it)', async () => {
    const limited = await startServer({ RATE_LIMIT_PER_MINUTE: '2' });
    try {
      for (let i = 0; i < 5; i++) expect((await call(limited, 'GET', '/status.json')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('GET /status.json without ADMIN_TOKEN', () => {
  it('answers the public figures, and 403 to any token', async () => {
    const server = await startServer({ ADMIN_TOKEN: undefined });
    try {
      expect((await call(server, 'GET', '/status.json')).status).toBe(200);
      const reply = await call(server, 'GET', '/status.json', { token: ADMIN });
      expectError(reply, 403, 'LIFE_ERR_FORBIDDEN');
      expect(reply.body.error.message).toContain('ADMIN_TOKEN');
    } finally {
      await server.close();
    }
  });
});

describe('GET /status.json on a cluster gateway', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
    killChildren();
  });

  it('reports the sim it hears over NATS and, for the admin, that the sim is another process', async () => {
    cluster = await startCluster(1, { ADMIN_TOKEN: ADMIN, TICK_MS: '100' });
    const gateway = { url: cluster.urls[0]! };
    const status = await until(
      async () => (await call(gateway, 'GET', '/status.json', { token: ADMIN })).body,
      (b) => b.sim?.up === true && b.ticks.count > 2,
      'the sim heard',
      20_000,
    );
    expect(status.role).toBe('gateway');
    expect(status.details.sim).toMatchObject({ inProcess: false, world: 'main' });
    expect(status.details.sim.instance).toBeGreaterThan(0);
    expect(status.details.gateway.pid).not.toBe(process.pid);
    expect(status.bus.bytes).toBeGreaterThan(0);
  });
});
