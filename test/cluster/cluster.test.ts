// One sim and two gateways as real processes on a real nats-server: clients on either
// gateway see the same world, the cluster's history equals standalone's bit for bit, and
// one player's budget is exact across gateways.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { LifeClient } from '@lifemmo/client';
import { mulberry32 } from '@lifemmo/shared';
import { loadConfig } from '@lifemmo/server';
import { ADMIN, admin, allCells, call, newPlayer, startServer, until, type TestServer } from '../rest/helpers.js';
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
const config = loadConfig({ WORLD_WIDTH: String(WORLD), WORLD_HEIGHT: String(WORLD), SEEDING: 'off' });
const BASE: Record<string, string> = { ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_MINUTE: '0', BUDGET_CELLS: '1000000', MAX_CELLS_PER_REQUEST: '100000' };

/** `n` random distinct cells in a square of side `side` at (x0, y0). */
function soup(random: () => number, x0: number, y0: number, side: number, n: number): Array<[number, number]> {
  const seen = new Set<number>();
  const cells: Array<[number, number]> = [];
  while (cells.length < n) {
    const x = x0 + Math.floor(random() * side);
    const y = y0 + Math.floor(random() * side);
    if (seen.has(y * WORLD + x)) continue;
    seen.add(y * WORLD + x);
    cells.push([x, y]);
  }
  return cells;
}

const endpoint = (url: string) => ({ url, config });

describe('cluster: one sim, two gateways', () => {
  it('SDK replicas on both gateways equal GET /cells after 50 ticks of a soup placed through both', async () => {
    cluster = await startCluster(2, { ...BASE, TICK_MS: '40' });
    const [g1, g2] = cluster.urls.map(endpoint) as [ReturnType<typeof endpoint>, ReturnType<typeof endpoint>];
    const a = await newPlayer(g1, 'alice');
    const b = await newPlayer(g2, 'bob');
    const viewers = cluster.urls.map((url) => new LifeClient({ url, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } }));
    clients.push(...viewers);
    for (const v of viewers) {
      await v.connect();
      await v.subscribe({ x: 0, y: 0, w: WORLD, h: WORLD });
    }
    const random = mulberry32(5);
    const start = (await call(g1, 'GET', '/world')).body.generation as number;
    let accepted = 0;
    for (let i = 0; (await call(g1, 'GET', '/world')).body.generation < start + 50; i++) {
      const [who, via] = i % 2 === 0 ? [a, g1] : [b, g2];
      const placed = await call(via, 'POST', '/cells', { token: who.token, body: { cells: soup(random, (i * 37) % 200, (i * 53) % 200, 40, 300) } });
      expect([202, 409]).toContain(placed.status);
      if (placed.status === 202) accepted++;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(accepted).toBeGreaterThan(3);
    const paused = (await admin(g2, 'pause')).body.generation as number;
    expect(paused).toBeGreaterThanOrEqual(start + 50);
    for (const v of viewers) await waitFor(() => v.generation === paused, 10_000, `a viewer at generation ${paused}`);
    const truth1 = await allCells(g1);
    const truth2 = await allCells(g2);
    expect(truth1).toEqual(truth2);
    expect(truth1.generation).toBe(paused);
    expect(truth1.cells.length).toBeGreaterThan(100);
    for (const v of viewers) expect(replicaCells(v)).toEqual(truth1.cells);
    // Both players own cells: placements from both gateways landed.
    const owners = new Set(truth1.cells.map((c) => c[2]));
    expect(owners.has(a.id) && owners.has(b.id)).toBe(true);
  });

  it('the same seeded script gives the same world hash in standalone and in the cluster (210 generations, faults on)', async () => {
    const env = { ...BASE, CELL_LOGIC: 'simulated', IO_LATENCY_MODEL: 'uniform', IO_LATENCY_MS: '0.2', IO_JITTER_MS: '0.2', IO_LOSS: '0.03', TICK_MS: '1000' };
    /** Runs the script through `via(i)` and returns the hash at every 50th generation. */
    const script = async (via: (i: number) => { url: string; config: typeof config }): Promise<string[]> => {
      await admin(via(0), 'pause');
      // Whatever ticked before the pause: start over from an empty world, same seed.
      expect((await admin(via(0), 'reset', { seed: 77 })).status).toBe(200);
      const players = [await newPlayer(via(0), 'p0'), await newPlayer(via(1), 'p1')];
      const random = mulberry32(11);
      const hashes: string[] = [];
      const statuses: number[] = [];
      for (let round = 0; round < 21; round++) {
        for (let p = 0; p < 2; p++) {
          const cells = soup(random, Math.floor(random() * 200), Math.floor(random() * 200), 30, 120);
          statuses.push((await call(via(p), 'POST', '/cells', { token: players[p]!.token, body: { cells } })).status);
        }
        const { generation } = (await admin(via(round), 'step', { generations: 10 })).body as { generation: number };
        if (generation % 50 === 0) {
          const { cells } = await allCells(via(round + 1));
          hashes.push(`${generation}:${createHash('sha256').update(JSON.stringify(cells)).digest('hex')}`);
        }
      }
      hashes.push(`statuses:${statuses.join(',')}`);
      return hashes;
    };

    standalone = await startServer({ ...env, LOG_LEVEL: 'warn' });
    const single = standalone;
    const expected = await script(() => single);
    expect(expected.slice(0, 4).map((h) => h.split(':')[0])).toEqual(['50', '100', '150', '200']);

    cluster = await startCluster(2, env);
    const urls = cluster.urls;
    expect(await script((i) => endpoint(urls[i % 2]!))).toEqual(expected);
  });

  it("one player's budget is exact when placing through both gateways at once", async () => {
    cluster = await startCluster(2, { ...BASE, BUDGET_CELLS: '100', BUDGET_REFILL_PER_GEN: '0' });
    const [g1, g2] = cluster.urls.map(endpoint) as [ReturnType<typeof endpoint>, ReturnType<typeof endpoint>];
    await admin(g1, 'pause');
    const p = await newPlayer(g1, 'spender');
    // 160 one-cell placements, 80 through each gateway, all in flight together.
    const tries = Array.from({ length: 160 }, (_, i) =>
      call(i % 2 === 0 ? g1 : g2, 'POST', '/cells', { token: p.token, body: { cells: [[(i % 16) * 4, Math.floor(i / 16) * 4]] } }),
    );
    const statuses = (await Promise.all(tries)).map((r) => (r.status === 429 ? r.body.error.code : r.status));
    expect(statuses.filter((s) => s === 202)).toHaveLength(100);
    expect(statuses.filter((s) => s === 'LIFE_ERR_BUDGET_EXCEEDED')).toHaveLength(60);
    for (const g of [g1, g2]) {
      const me = await call(g, 'GET', '/players/me', { token: p.token });
      expect(me.body.budget.available).toBe(0);
    }
    // The 100 accepted cells are live at the generation their replies named, and no others.
    await admin(g2, 'step', { generations: 1 });
    const live = await allCells(g1);
    expect(live.cells).toHaveLength(100);
    expect(live.cells.every((c) => c[2] === p.id)).toBe(true);

    // Each gateway's status lists both gateways, itself first, with the placements each took
    // (80 requests each; which of them fit the budget depends on their race).
    type Entry = { id: string; self: boolean; role: string; simUp: boolean; placements: { accepted: number; refused: number } };
    const status = await Promise.all(
      [g1, g2].map((g) =>
        until(
          async () => (await call(g, 'GET', '/status.json')).body,
          (b) => b.gateways.length === 2 && b.gateways.every((e: Entry) => e.placements.accepted + e.placements.refused === 80),
          'both gateways announced, with their placements',
        ),
      ),
    );
    const [first, second] = status.map((b) => b.gateways as Entry[]) as [Entry[], Entry[]];
    expect(first.map((e) => e.self)).toEqual([true, false]);
    expect(second.map((e) => e.id)).toEqual([first[1]!.id, first[0]!.id]);
    expect(first[0]!.placements).toEqual(status[0].placements);
    expect(first[1]!.placements).toEqual(status[1].placements);
    expect(first[0]!.placements.accepted + first[1]!.placements.accepted).toBe(100);
    for (const e of first) expect(e).toMatchObject({ role: 'gateway', simUp: true });
  });
});
