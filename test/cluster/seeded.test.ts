// A seeded world in the cluster (one sim, one gateway, real nats-server): the sim seeds the
// fresh world exactly as standalone does, the history from there is the same bit for bit,
// a client of the gateway sees a seeded reset's cells (its replica is fetched again, not
// emptied), and the sim answers where an owner's cells are through the gateway.
import { afterEach, describe, expect, it } from 'vitest';
import { LifeClient } from '@lifemmo/client';
import { loadConfig } from '@lifemmo/server';
import { ADMIN, admin, allCells, call, startServer, type TestServer } from '../rest/helpers.js';
import { replicaCells, waitFor } from '../sdk/helpers.js';
import { killChildren } from '../support/child-server.js';
import { startCluster, type Cluster } from '../support/cluster.js';

let cluster: Cluster | undefined;
let standalone: TestServer | undefined;
const clients: LifeClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await cluster?.stop();
  await standalone?.close();
  cluster = standalone = undefined;
  killChildren();
});

const WORLD = 256;
const ENV: Record<string, string> = {
  WORLD_WIDTH: String(WORLD),
  WORLD_HEIGHT: String(WORLD),
  ADMIN_TOKEN: ADMIN,
  RATE_LIMIT_PER_MINUTE: '0',
  SEEDING: 'on',
  SEEDING_SOUP_DENSITY: '0.35',
  SEEDING_SOUP_PATCH: '48',
  SEEDING_SOUP_SPACING: '128',
  SEEDING_PATTERNS: '200,20:bo$2bo$3o!',
  SEED: '1234',
  CELL_LOGIC: 'simulated',
  IO_LOSS: '0.02',
  // Only admin steps move the world.
  TICK_MS: '60000',
};
const config = loadConfig(ENV);
const endpoint = (url: string) => ({ url, config });

describe('cluster: a seeded world', () => {
  it('starts with the same life as standalone, steps to the same world, and its clients see a seeded reset', async () => {
    standalone = await startServer({ ...ENV, STORE: 'memory' });
    cluster = await startCluster(1, ENV);
    const gateway = endpoint(cluster.urls[0]!);

    const single0 = await allCells(standalone);
    expect(single0.cells.length).toBeGreaterThan(1500);
    expect(await allCells(gateway)).toEqual(single0);
    for (const via of [standalone, gateway]) expect((await admin(via, 'step', { generations: 30 })).body.generation).toBe(30);
    const single30 = await allCells(standalone);
    expect(single30.cells).not.toEqual(single0.cells);
    expect(await allCells(gateway)).toEqual(single30);

    const ownerCells = await call(gateway, 'GET', '/players/0/cells');
    expect(ownerCells.status).toBe(200);
    expect(ownerCells.body).toMatchObject({ generation: 30, population: single30.cells.length });

    const viewer = new LifeClient({ url: gateway.url });
    clients.push(viewer);
    await viewer.connect();
    await viewer.subscribe({ x: 0, y: 0, w: WORLD, h: WORLD });
    await waitFor(() => viewer.generation === 30, 10_000, 'the viewer at generation 30');
    expect(replicaCells(viewer)).toEqual(single30.cells);

    expect((await admin(gateway, 'reset', { seed: 9, seeding: true })).status).toBe(200);
    expect((await admin(standalone, 'reset', { seed: 9, seeding: true })).status).toBe(200);
    const reseeded = await allCells(standalone);
    expect(reseeded.generation).toBe(0);
    expect(await allCells(gateway)).toEqual(reseeded);
    await waitFor(() => viewer.generation === 0 && replicaCells(viewer).length === reseeded.cells.length, 10_000, 'the seeded reset in the replica');
    expect(replicaCells(viewer)).toEqual(reseeded.cells);
  });
});
