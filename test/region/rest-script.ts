// The scripted history of the region tests that go through a server's REST API (standalone
// threads, a cluster of processes): placements across region borders and the torus seam,
// hashed every 50 generations, so histories of different splits can be compared bit for bit.
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { mulberry32 } from '@lifemmo/shared';
import { ADMIN, GLIDER, admin, allCells, at, call, newPlayer } from '../rest/helpers.js';

/** The side of the scripted world (a torus). */
export const WORLD = 256;

/** The region tests' world: a 256x256 torus of 4x4 shards of 64 cells, faults on, budgets out of the way. */
export const REGION_TEST_ENV: Record<string, string> = {
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
  LOG_LEVEL: 'warn',
};

/** A server to script: its URL and its configuration (allCells reads the world's size). */
type Target = Parameters<typeof allCells>[0];

/** `n` random distinct cells in a square of side `side` at (x0, y0), wrapped onto the torus. */
export function soup(random: () => number, x0: number, y0: number, side: number, n: number): Array<[number, number]> {
  const seen = new Set<number>();
  const cells: Array<[number, number]> = [];
  while (cells.length < n) {
    const x = (x0 + Math.floor(random() * side)) % WORLD;
    const y = (y0 + Math.floor(random() * side)) % WORLD;
    if (seen.has(y * WORLD + x)) continue;
    seen.add(y * WORLD + x);
    cells.push([x, y]);
  }
  return cells;
}

/**
 * The scripted history: a paused empty world, two players, 30 rounds of soups placed at
 * random (some across x = 128 and y = 128, some across the seam at 0/255) and 10
 * generations stepped; the world's hash at every 50th generation and every reply's status.
 */
export async function scriptedHistory(s: Target): Promise<string[]> {
  expect((await admin(s, 'pause')).status).toBe(200);
  expect((await admin(s, 'reset', { seed: 77 })).status).toBe(200);
  const players = [await newPlayer(s, 'p0'), await newPlayer(s, 'p1')];
  const random = mulberry32(11);
  const hashes: string[] = [];
  const statuses: number[] = [];
  // Gliders set off across the borders and the seam in the first round.
  const gliders = [at(GLIDER, 120, 40), at(GLIDER, 60, 124), at(GLIDER, 252, 200)];
  for (const cells of gliders) statuses.push((await call(s, 'POST', '/cells', { token: players[0]!.token, body: { cells } })).status);
  for (let round = 0; round < 30; round++) {
    for (let p = 0; p < 2; p++) {
      // Corners near the borders and the seam more often than chance would.
      const near = [0, 100, 110, 118, 230, 240, 250][Math.floor(random() * 7)]!;
      const x0 = random() < 0.5 ? near : Math.floor(random() * WORLD);
      const y0 = random() < 0.5 ? near : Math.floor(random() * WORLD);
      const cells = soup(random, x0, y0, 24, 90);
      statuses.push((await call(s, 'POST', '/cells', { token: players[p]!.token, body: { cells } })).status);
    }
    const stepped = await admin(s, 'step', { generations: 10 });
    expect(stepped.status).toBe(200);
    const generation = (stepped.body as { generation: number }).generation;
    if (generation % 50 === 0) {
      const { cells, generation: at } = await allCells(s);
      expect(at).toBe(generation);
      hashes.push(`${generation}:${cells.length}:${createHash('sha256').update(JSON.stringify(cells)).digest('hex')}`);
    }
  }
  hashes.push(`statuses:${statuses.join(',')}`);
  return hashes;
}
