// A world split into regions across processes (docs/regions.md): a ROLE=sim process per
// region and gateways, on a real nats-server. The history is one region's, bit for bit;
// a region's sim killed with SIGKILL under placements stops the world, comes back from its
// own directory, and the world goes on with every acknowledged placement and nothing else.
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '@lifemmo/shared';
import { createEngine, loadConfig } from '@lifemmo/server';
import { admin, allCells, call, newPlayer, sortCells, startServer, type TestServer } from '../rest/helpers.js';
import { REGION_TEST_ENV, WORLD, scriptedHistory, soup } from '../region/rest-script.js';
import { killChildren } from '../support/child-server.js';
import { poll, simStarted, startCluster, type Cluster } from '../support/cluster.js';

let cluster: Cluster | undefined;
let standalone: TestServer | undefined;
afterEach(async () => {
  await cluster?.stop();
  await standalone?.close();
  cluster = standalone = undefined;
  killChildren();
});

const config = loadConfig({ WORLD_WIDTH: String(WORLD), WORLD_HEIGHT: String(WORLD), SEEDING: 'off' });
const endpoint = (url: string) => ({ url, config });

describe('cluster: a sim process per region', () => {
  it('gives one region’s history, bit for bit, with 2 regions and with an uneven 3x1 split', { timeout: 300_000 }, async () => {
    standalone = await startServer({ ...REGION_TEST_ENV, REGIONS: '1' });
    const expected = await scriptedHistory(standalone);
    await standalone.close();
    standalone = undefined;
    for (const [regions, sims] of [
      ['2', 2],
      ['3x1', 3],
    ] as const) {
      cluster = await startCluster(1, { ...REGION_TEST_ENV, REGIONS: regions }, sims);
      expect(await scriptedHistory(endpoint(cluster.urls[0]!)), `REGIONS=${regions}`).toEqual(expected);
      // Each region's sim counts its halos on its probe port: one sent a generation at least
      // (300 generations), and as many taken from each neighbour.
      for (const sim of cluster.sims) {
        const text = await (await fetch(`http://127.0.0.1:${await simStarted(sim)}/metrics`)).text();
        const value = (name: string, direction: string) => Number(new RegExp(`^${name}\\{direction="${direction}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
        expect(value('lifemmo_halo_messages_total', 'sent')).toBeGreaterThanOrEqual(300);
        expect(value('lifemmo_halo_messages_total', 'received')).toBeGreaterThanOrEqual(300);
        expect(value('lifemmo_halo_bytes_total', 'sent')).toBeGreaterThan(value('lifemmo_halo_messages_total', 'sent'));
        expect(value('lifemmo_halo_bytes_total', 'received')).toBeGreaterThan(0);
      }
      await cluster.stop();
      cluster = undefined;
    }
  });

  it('survives SIGKILL of one region’s sim under placements: every acknowledged placement there, nothing else, the world resumes', { timeout: 240_000 }, async () => {
    const { g, player } = await splitWorldWithPlacer();
    // Blocks (still lifes) on a grid of 8 cells, so none touches another: whatever the world
    // does, the live cells are exactly the acknowledged blocks. Every third straddles the
    // border at x = 128 (two cells in each region), some the seam at x = 0.
    const spots = Array.from({ length: 32 * 32 }, (_, i) => [(i % 32) * 8, Math.floor(i / 32) * 8] as const);
    const random = mulberry32(3);
    const border = new Set<number>();
    const block = (i: number): Array<[number, number]> | null => {
      const [sx, sy] = spots.splice(Math.floor(random() * spots.length), 1)[0]!;
      const x = i % 3 === 0 ? 127 : i % 7 === 0 ? 255 : sx + 2;
      const y = sy + 2;
      // One block per row along the border and the seam: blocks there must not touch either.
      if ((x === 127 || x === 255) && border.has(x * 1000 + y)) return null;
      border.add(x * 1000 + y);
      return [
        [x, y],
        [(x + 1) % WORLD, y],
        [x, y + 1],
        [(x + 1) % WORLD, y + 1],
      ];
    };
    const { acknowledged } = await killUnderPlacements(g, player, block, 600);
    // A generation more: every acknowledged block has landed.
    await admin(g, 'step', { generations: 2 });
    const final = await allCells(g);
    expect(acknowledged.length).toBeGreaterThan(40);
    expect(acknowledged.filter((b) => b.cells[0]![0] === 127).length).toBeGreaterThan(5);
    const expected = acknowledged.flatMap((b) => b.cells).map(([x, y]) => [x, y, player.id]);
    expect(final.cells).toEqual(sortCells(expected));
  });

  it('keeps the history through SIGKILL of one region’s sim under placements: one region’s, given the acknowledged placements', { timeout: 300_000 }, async () => {
    const { g, player } = await splitWorldWithPlacer();
    // Soups around the border at x = 128 (in both regions) and inside each region alone.
    const random = mulberry32(3);
    const placement = (i: number) => soup(random, [110, 20, 180][i % 3]!, Math.floor(random() * 230), 24, 40);
    const { acknowledged, paused } = await killUnderPlacements(g, player, placement, 2000, /^(409 LIFE_ERR_CELL_OCCUPIED|503 LIFE_ERR_\w+)$/);
    const final = await allCells(g);
    expect(final.generation).toBe(paused);
    expect(acknowledged.length).toBeGreaterThan(20);

    // The reference: one engine given the acknowledged placements, each at its generation.
    // Not a server through REST: a placement is checked when accepted and lands on top of
    // whatever is there at its generation (a part held for a later generation may land on a
    // cell born meanwhile), which a server would refuse as occupied if asked at that point.
    const reference = createEngine(loadConfig({ ...REGION_TEST_ENV, SEEDING: 'off' }));
    await reference.reset({ seed: 5 });
    for (const generation of [...new Set(acknowledged.map((a) => a.generation))].sort((a, b) => a - b)) {
      await reference.step(generation - 1 - reference.generation);
      const saved = reference.save();
      const placed = acknowledged.filter((a) => a.generation === generation).flatMap((a) => a.cells.map(([x, y]) => [y * WORLD + x, player.id] as const));
      await reference.restore({ ...saved, pending: [...saved.pending, ...placed] });
    }
    await reference.step(paused - reference.generation);
    const expected = sortCells(reference.liveCells({ x: 0, y: 0, w: WORLD, h: WORLD }).map(([x, y, owner]) => [x, y, owner]));
    expect(final.cells.length).toBe(expected.length);
    expect(final.cells).toEqual(expected);
  });
});

/** A cluster of two region sims and a gateway, ticking every 50 ms from a reset empty world, and a player. */
async function splitWorldWithPlacer() {
  // Info logs: a sim that does not come back shows how far its recovery got.
  cluster = await startCluster(1, { ...REGION_TEST_ENV, REGIONS: '2', TICK_MS: '50', SNAPSHOT_EVERY: '40', SIM_LEASE_MS: '1000', LOG_LEVEL: 'info' }, 2);
  const g = endpoint(cluster.urls[0]!);
  expect((await admin(g, 'pause')).status).toBe(200);
  expect((await admin(g, 'reset', { seed: 5 })).status).toBe(200);
  const player = await newPlayer(g, 'placer');
  expect((await admin(g, 'resume')).status).toBe(200);
  return { g, player };
}

/** A placement acknowledged: its cells live from `generation` on. */
interface Acknowledged {
  readonly generation: number;
  readonly cells: Array<[number, number]>;
}

/**
 * Place `next(i)` (null: skip) every 15 ms (at most `most`) while region 1's sim is killed
 * with SIGKILL, restarted, and the world goes 40 generations on; then pause. Placements
 * refused meanwhile must be refused as `refusals` says (a 503 and a code: never lost in silence).
 */
async function killUnderPlacements(
  g: ReturnType<typeof endpoint>,
  player: { token: string },
  next: (i: number) => Array<[number, number]> | null,
  most: number,
  refusals = /^503 LIFE_ERR_\w+$/,
): Promise<{ acknowledged: Acknowledged[]; paused: number }> {
  const c = cluster!;
  const acknowledged: Acknowledged[] = [];
  const refused: string[] = [];
  let placing = true;
  // Placements go on before the kill, through it (a transaction in flight at that instant:
  // decided and landing, or refused and nowhere), during the outage and after it.
  const placer = (async () => {
    for (let i = 0; placing && i < most; i++) {
      const cells = next(i);
      if (cells === null) continue;
      const reply = await call(g, 'POST', '/cells', { token: player.token, body: { cells } });
      if (reply.status === 202) acknowledged.push({ generation: (reply.body as { generation: number }).generation, cells });
      else refused.push(`${reply.status} ${reply.body?.error?.code}`);
      await new Promise((r) => setTimeout(r, 15));
    }
  })();

  const world = async () => (await call(g, 'GET', '/world')).body as { generation: number };
  await poll(async () => (await world()).generation >= 30 && acknowledged.length >= 10, 'placements and 30 generations');
  const victim = c.sims[1]!;
  victim.child.kill('SIGKILL');
  await victim.exit;
  const stoppedAt = (await world()).generation;
  // Its neighbour waits: the world's clock stops within a generation or two.
  await new Promise((r) => setTimeout(r, 500));
  expect((await world()).generation).toBeLessThanOrEqual(stoppedAt + 2);
  const restartAt = Date.now();
  await c.restartSim(1);
  await poll(async () => (await world()).generation > stoppedAt + 2, 'the world going on', 60_000);
  console.warn(`region 1's sim killed at generation ${stoppedAt}; the world resumed ${Date.now() - restartAt} ms after its restart began`);
  await poll(async () => (await world()).generation >= stoppedAt + 40, '40 more generations', 60_000);
  placing = false;
  await placer;
  const paused = (await admin(g, 'pause')).body.generation as number;
  for (const r of refused) expect(r).toMatch(refusals);
  return { acknowledged, paused };
}
