// REGIONS=N in standalone (docs/regions.md): a sim thread per region, the gateway merging
// them. Clients see one world: the same history as one region, bit for bit, through the
// REST API (placements across region borders and the torus seam included, faults on);
// viewers whose viewport spans regions see whole generations; a placement across regions
// is all or nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { LifeClient } from '@lifemmo/client';
import { mulberry32 } from '@lifemmo/shared';
import { GLIDER, admin, allCells, at, call, expectError, newPlayer, referenceLife, startServer, type TestServer } from '../rest/helpers.js';
import { REGION_TEST_ENV, WORLD, scriptedHistory, soup } from './rest-script.js';
import { replicaCells, waitFor } from '../sdk/helpers.js';


let server: TestServer | undefined;
const clients: LifeClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
  server = undefined;
});

describe('standalone with REGIONS=N', () => {
  it('gives one region’s history, bit for bit, with 2, 4 and an uneven 3x1 split (300 generations, faults on)', { timeout: 300_000 }, async () => {
    const histories = new Map<string, string[]>();
    for (const regions of ['1', '2', '4', '3x1']) {
      server = await startServer({ ...REGION_TEST_ENV, REGIONS: regions });
      histories.set(regions, await scriptedHistory(server));
      await server.close();
      server = undefined;
    }
    const one = histories.get('1')!;
    expect(one.slice(0, 6).map((h) => h.split(':')[0])).toEqual(['50', '100', '150', '200', '250', '300']);
    // Something lives at every sample, and the samples differ: the history is not trivial;
    // a third of the placements or more land (the others meet live cells: refused alike).
    expect(one.slice(0, 6).every((h) => Number(h.split(':')[1]) > 50)).toBe(true);
    expect(new Set(one.slice(0, 6)).size).toBe(6);
    const statuses = one.at(-1)!.slice("statuses:".length).split(",");
    expect(statuses.filter((st) => st === "202").length, statuses.join()).toBeGreaterThan(statuses.length / 3);
    for (const regions of ['2', '4', '3x1']) expect(histories.get(regions), `REGIONS=${regions}`).toEqual(one);
  });

  it('lets a glider cross the border between two regions intact', { timeout: 120_000 }, async () => {
    server = await startServer({ ...REGION_TEST_ENV, CELL_LOGIC: 'local', REGIONS: '2' });
    const s = server;
    await admin(s, 'pause');
    const p = await newPlayer(s, 'pilot');
    const glider = at(GLIDER, 110, 20); // heading down-right across x = 128
    const placed = await call(s, 'POST', '/cells', { token: p.token, body: { cells: glider } });
    expect(placed.status).toBe(202);
    const landed = (placed.body as { generation: number }).generation;
    const stepped = await admin(s, 'step', { generations: 80 });
    const generation = (stepped.body as { generation: number }).generation;
    const { cells } = await allCells(s);
    expect(cells.map(([x, y]) => [x, y])).toEqual(referenceLife(glider, generation - landed, WORLD, WORLD));
    expect(cells.every(([x]) => x! > 128)).toBe(true);
  });

  it('shows viewers whose viewport spans every region whole generations, equal to GET /cells', { timeout: 120_000 }, async () => {
    server = await startServer({ ...REGION_TEST_ENV, CELL_LOGIC: 'local', REGIONS: '4', TICK_MS: '40' });
    const s = server;
    const p = await newPlayer(s, 'painter');
    const viewer = new LifeClient({ url: s.url, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
    clients.push(viewer);
    await viewer.connect();
    await viewer.subscribe({ x: 0, y: 0, w: WORLD, h: WORLD });
    const random = mulberry32(5);
    for (let i = 0; i < 8; i++) {
      // Each soup straddles the point where the four regions meet, or the seam.
      const cells = soup(random, i % 2 === 0 ? 110 : 240, i % 2 === 0 ? 110 : 240, 36, 300);
      expect([202, 409]).toContain((await call(s, 'POST', '/cells', { token: p.token, body: { cells } })).status);
    }
    const start = (await call(s, 'GET', '/world')).body.generation as number;
    await waitFor(() => viewer.generation >= start + 20, 20_000, 'the viewer 20 generations on');
    const paused = (await admin(s, 'pause')).body.generation as number;
    await waitFor(() => viewer.generation === paused, 10_000, `the viewer at generation ${paused}`);
    // GET /world says where each region is: paused together at one generation.
    const world = (await call(s, 'GET', '/world')).body as { generation: number; regions: Array<{ id: number; generation: number; behind: number; paused: boolean; heardMsAgo: number }> };
    expect(world.generation).toBe(paused);
    expect(world.regions.map((r) => [r.id, r.generation, r.behind, r.paused])).toEqual([0, 1, 2, 3].map((id) => [id, paused, 0, true]));
    expect(world.regions.every((r) => r.heardMsAgo >= 0 && r.heardMsAgo < 10_000)).toBe(true);
    const metrics = (await call(s, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/lifemmo_region_generations_behind\{region="3"\} 0/);
    // The sim threads' halo counters, from their summaries: each of the 4 regions sent a
    // halo every generation and took one from each of its 3 neighbours (2x2 on a torus).
    const counter = (name: string, direction: string) => Number(new RegExp(`^${name}\\{direction="${direction}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    expect(counter('lifemmo_halo_messages_total', 'sent')).toBeGreaterThanOrEqual(4 * (paused - start));
    expect(counter('lifemmo_halo_messages_total', 'received')).toBeGreaterThanOrEqual(4 * 3 * (paused - start));
    expect(counter('lifemmo_halo_bytes_total', 'sent')).toBeGreaterThan(counter('lifemmo_halo_messages_total', 'sent'));
    expect(counter('lifemmo_halo_bytes_total', 'received')).toBeGreaterThan(0);
    const truth = await allCells(s);
    expect(truth.generation).toBe(paused);
    expect(truth.cells.length).toBeGreaterThan(100);
    const quadrants = new Set(truth.cells.map(([x, y]) => (x! < 128 ? 0 : 1) + (y! < 128 ? 0 : 2)));
    expect(quadrants.size).toBe(4);
    expect(replicaCells(viewer)).toEqual(truth.cells);
  });

  it('answers reads of a running world at one generation, with no neighbour\'s border cells in them', { timeout: 120_000 }, async () => {
    server = await startServer({ ...REGION_TEST_ENV, CELL_LOGIC: 'local', REGIONS: '4', TICK_MS: '25' });
    const s = server;
    await admin(s, 'pause');
    const p = await newPlayer(s, 'sower');
    const random = mulberry32(11);
    for (const [x, y] of [[100, 100], [230, 230], [100, 230], [230, 100]] as const) {
      // Soups over the point where regions meet, and over the seam.
      expect([202, 409]).toContain((await call(s, 'POST', '/cells', { token: p.token, body: { cells: soup(random, x, y, 50, 600) } })).status);
    }
    await admin(s, 'step', { generations: 1 });
    const start = await allCells(s);
    expect(start.cells.length).toBeGreaterThan(1000);
    // The reference steps from the paused world; reads of the running one must be one of its generations.
    const reference = new Map<number, Array<[number, number]>>([[start.generation, start.cells.map(([x, y]): [number, number] => [x!, y!])]]);
    const referenceAt = (g: number): Array<[number, number]> => {
      for (let k = Math.max(...reference.keys()); k < g; k++) reference.set(k + 1, referenceLife(reference.get(k)!, 1, WORLD, WORLD));
      return reference.get(g)!;
    };
    await admin(s, 'resume');
    const generations = new Set<number>();
    for (let i = 0; i < 25; i++) {
      const read = await allCells(s);
      expect(read.generation).toBeGreaterThanOrEqual(start.generation);
      expect(read.cells.map(([x, y]) => [x, y]), `GET /cells at generation ${read.generation}`).toEqual(referenceAt(read.generation));
      const density = (await call(s, 'GET', '/density')).body as { generation: number; bins: Array<[number, number, number]> };
      expect(density.bins.reduce((n, b) => n + b[2], 0), `GET /density at generation ${density.generation}`).toBe(referenceAt(density.generation).length);
      generations.add(read.generation);
    }
    // The world ran while it was read: the reads saw many generations, not one paused one.
    expect(generations.size).toBeGreaterThan(5);
  });

  it('answers reads of a world whose regions tick back to back (a tick from the point nearly always begun)', { timeout: 120_000 }, async () => {
    server = await startServer({ ...REGION_TEST_ENV, CELL_LOGIC: 'local', REGIONS: '2', TICK_MS: '1' });
    const s = server;
    const p = await newPlayer(s, 'sower');
    const random = mulberry32(12);
    for (const x of [100, 230]) expect([202, 409]).toContain((await call(s, 'POST', '/cells', { token: p.token, body: { cells: soup(random, x, 20, 60, 900) } })).status);
    let last = -1;
    for (let i = 0; i < 10; i++) {
      const reply = await call(s, 'GET', `/cells?x=0&y=0&w=${WORLD}&h=${WORLD}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      const cells = reply.body.cells as number[][];
      // One generation, each cell once: no neighbour's border cell counted twice.
      expect(new Set(cells.map(([x, y]) => `${x},${y}`)).size).toBe(cells.length);
      expect(reply.body.generation).toBeGreaterThan(last);
      last = reply.body.generation as number;
      expect((await call(s, 'GET', '/density')).status).toBe(200);
    }
  });

  it('places across regions all or nothing: one occupied cell refuses it, nothing placed, the budget unchanged', { timeout: 120_000 }, async () => {
    server = await startServer({ ...REGION_TEST_ENV, CELL_LOGIC: 'local', REGIONS: '2', BUDGET_CELLS: '100', BUDGET_REFILL_PER_GEN: '0' });
    const s = server;
    await admin(s, 'pause');
    const p = await newPlayer(s, 'builder');
    // A block in region 1, just past the border.
    expect((await call(s, 'POST', '/cells', { token: p.token, body: { cells: [[130, 10], [131, 10], [130, 11], [131, 11]] } })).status).toBe(202);
    await admin(s, 'step', { generations: 1 });
    const before = await allCells(s);
    const budget = (await call(s, 'GET', '/players/me', { token: p.token })).body.budget.available as number;
    expect(budget).toBe(96);
    // A line across the border whose last cell is on the block.
    const refused = await call(s, 'POST', '/cells', { token: p.token, body: { cells: [[124, 10], [125, 10], [126, 10], [127, 10], [128, 10], [129, 10], [130, 10]] } });
    expectError(refused, 409, 'LIFE_ERR_CELL_OCCUPIED');
    await admin(s, 'step', { generations: 1 });
    expect((await allCells(s)).cells).toEqual(before.cells);
    expect((await call(s, 'GET', '/players/me', { token: p.token })).body.budget.available).toBe(96);
    // The same line without the occupied cell lands whole, at one generation, in both regions.
    const line = [[124, 30], [125, 30], [126, 30], [127, 30], [128, 30], [129, 30], [130, 30]];
    const placed = await call(s, 'POST', '/cells', { token: p.token, body: { cells: line } });
    expect(placed.status).toBe(202);
    const generation = (placed.body as { generation: number }).generation;
    const stepped = (await admin(s, 'step', { generations: 1 })).body.generation as number;
    expect(stepped).toBe(generation);
    const now = await allCells(s);
    expect(now.cells.filter(([, y]) => y === 30).map(([x, y, owner]) => [x, y, owner])).toEqual(line.map(([x, y]) => [x, y, p.id]));
    expect((await call(s, 'GET', '/players/me', { token: p.token })).body.budget.available).toBe(89);
  });
});
