// A world split into regions across processes (docs/regions.md): a ROLE=sim process per
// region and gateways, on a real nats-server. The history is one region's, bit for bit;
// a region's sim killed with SIGKILL under placements stops the world, comes back from its
// own directory, and the world goes on with every acknowledged placement and the history
// it would have had.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '@lifemmo/shared';
import { loadConfig } from '@lifemmo/server';
import { ADMIN, admin, allCells, call, newPlayer, startServer, type TestServer } from '../rest/helpers.js';
import { WORLD, scriptedHistory, soup } from '../region/rest-script.js';
import { killChildren } from '../support/child-server.js';
import { poll, startCluster, type Cluster } from '../support/cluster.js';

let cluster: Cluster | undefined;
let standalone: TestServer | undefined;
afterEach(async () => {
  await cluster?.stop();
  await standalone?.close();
  cluster = standalone = undefined;
  killChildren();
});

/** The world of these tests: a 256x256 torus of 4x4 shards, faults on. */
const ENV: Record<string, string> = {
  WORLD_WIDTH: String(WORLD),
  WORLD_HEIGHT: String(WORLD),
  SHARD_CHUNKS: '1',
  ADMIN_TOKEN: ADMIN,
  RATE_LIMIT_PER_MINUTE: '0',
  BUDGET_CELLS: '1000000',
  MAX_CELLS_PER_REQUEST: '100000',
  CELL_LOGIC: 'simulated',
  IO_LATENCY_MODEL: 'uniform',
  IO_LATENCY_MS: '0.2',
  IO_JITTER_MS: '0.2',
  IO_LOSS: '0.03',
  TICK_MS: '1000',
};
const config = loadConfig({ WORLD_WIDTH: String(WORLD), WORLD_HEIGHT: String(WORLD), SEEDING: 'off' });
const endpoint = (url: string) => ({ url, config });
const hashOf = (cells: number[][]) => createHash('sha256').update(JSON.stringify(cells)).digest('hex');

describe('cluster: a sim process per region', () => {
  it('gives one region’s history, bit for bit, with 2 regions and with an uneven 3x1 split', async () => {
    standalone = await startServer({ ...ENV, REGIONS: '1' });
    const expected = await scriptedHistory(standalone);
    await standalone.close();
    standalone = undefined;
    for (const [regions, sims] of [
      ['2', 2],
      ['3x1', 3],
    ] as const) {
      cluster = await startCluster(1, { ...ENV, REGIONS: regions }, sims);
      expect(await scriptedHistory(endpoint(cluster.urls[0]!)), `REGIONS=${regions}`).toEqual(expected);
      await cluster.stop();
      cluster = undefined;
    }
  });

  it('survives SIGKILL of one region’s sim under placements: no acknowledged placement lost, the same history, the world resumes', async () => {
    cluster = await startCluster(1, { ...ENV, REGIONS: '2', TICK_MS: '50', SNAPSHOT_EVERY: '40' }, 2);
    const g = endpoint(cluster.urls[0]!);
    expect((await admin(g, 'pause')).status).toBe(200);
    expect((await admin(g, 'reset', { seed: 5 })).status).toBe(200);
    const player = await newPlayer(g, 'placer');
    expect((await admin(g, 'resume')).status).toBe(200);

    const random = mulberry32(3);
    const acknowledged: Array<{ generation: number; cells: Array<[number, number]> }> = [];
    const refused: string[] = [];
    let placing = true;
    const placer = (async () => {
      for (let i = 0; placing && i < 2000; i++) {
        // Around the border at x = 128 (both regions), and inside each region alone.
        const x0 = [110, 20, 180][i % 3]!;
        const cells = soup(random, x0, Math.floor(random() * 230), 24, 40);
        const reply = await call(g, 'POST', '/cells', { token: player.token, body: { cells } });
        if (reply.status === 202) acknowledged.push({ generation: (reply.body as { generation: number }).generation, cells });
        else refused.push(`${reply.status} ${reply.body?.error?.code}`);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();

    const world = async () => (await call(g, 'GET', '/world')).body as { generation: number };
    await poll(async () => (await world()).generation >= 30 && acknowledged.length >= 10, 'placements and 30 generations');
    const victim = cluster.sims[1]!;
    victim.child.kill('SIGKILL');
    await victim.exit;
    const stoppedAt = (await world()).generation;
    // Its neighbour waits: the world's clock stops within a generation or two.
    await new Promise((r) => setTimeout(r, 500));
    expect((await world()).generation).toBeLessThanOrEqual(stoppedAt + 2);
    const restartAt = Date.now();
    await cluster.restartSim(1);
    await poll(async () => (await world()).generation > stoppedAt + 2, 'the world going on');
    const resumeMs = Date.now() - restartAt;
    console.warn(`region 1's sim killed at generation ${stoppedAt}; the world resumed ${resumeMs} ms after its restart began`);
    await poll(async () => (await world()).generation >= stoppedAt + 40, '40 more generations');
    placing = false;
    await placer;
    const paused = (await admin(g, 'pause')).body.generation as number;
    const final = await allCells(g);
    expect(final.generation).toBe(paused);
    expect(acknowledged.length).toBeGreaterThan(20);
    // Placements refused while region 1 was away are refused with a code, never lost in silence.
    for (const r of refused) expect(r).toMatch(/^(409 LIFE_ERR_CELL_OCCUPIED|503 LIFE_ERR_\w+)$/);

    // The reference: one region given the acknowledged placements at their generations.
    standalone = await startServer({ ...ENV, REGIONS: '1' });
    const s = standalone;
    await admin(s, 'pause');
    await admin(s, 'reset', { seed: 5 });
    const p = await newPlayer(s, 'placer');
    expect(p.id).toBe(player.id);
    let at = 0;
    for (const { generation, cells } of [...acknowledged].sort((a, b) => a.generation - b.generation)) {
      if (at < generation - 1) at = (await admin(s, 'step', { generations: generation - 1 - at })).body.generation as number;
      const placed = await call(s, 'POST', '/cells', { token: p.token, body: { cells } });
      expect(placed.status).toBe(202);
      expect((placed.body as { generation: number }).generation).toBe(generation);
    }
    if (at < paused) await admin(s, 'step', { generations: paused - at });
    const reference = await allCells(s);
    expect(reference.generation).toBe(paused);
    expect(final.cells.length).toBe(reference.cells.length);
    expect(hashOf(final.cells)).toBe(hashOf(reference.cells));
  });
});
