/**
 * The engine against the naive reference world: random soups on small and odd sizes
 * (several shards wide, so shard edges and torus wraps are crossed), both topologies,
 * several rules, both cell logics, compared cell by cell with owners every generation.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseRule, type Topology } from '@lifemmo/shared';
import { Engine, type CellLogicOptions } from '@lifemmo/server/engine';
import { ReferenceWorld, soup } from './reference.js';

const LOCAL: CellLogicOptions = { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 };
const SIMULATED_FAST: CellLogicOptions = { kind: 'simulated', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 };

interface Case {
  width: number;
  height: number;
  topology: Topology;
  shardChunks: number;
  rule: string;
  generations: number;
  density: number;
  logic: CellLogicOptions;
}

async function compareRun(c: Case, seed: number): Promise<void> {
  const rule = parseRule(c.rule);
  const engine = new Engine({ ...c, rule, seed, cellLogic: c.logic });
  const ref = new ReferenceWorld(c.width, c.height, c.topology === 'torus', rule);
  const cells = soup(c.width, c.height, c.density, 4, seed);
  engine.place(cells.map(([x, y]) => [x, y] as const).filter((_, i) => cells[i]![2] === 0), 0);
  for (const owner of [1, 2, 3]) {
    engine.place(cells.filter((cell) => cell[2] === owner).map(([x, y]) => [x, y] as const), owner);
  }
  for (const [x, y, o] of cells) ref.set(x, y, o);
  // Placements become live at generation 1, on top of generation 0's (empty) successor.
  await engine.step(1);
  const all = { x: 0, y: 0, w: c.width, h: c.height };
  expect(engine.liveCells(all)).toEqual(ref.live());
  for (let g = 0; g < c.generations; g++) {
    await engine.step(1);
    ref.step();
    const got = engine.liveCells(all);
    const want = ref.live();
    if (got.length !== want.length || JSON.stringify(got) !== JSON.stringify(want)) {
      expect({ generation: engine.generation, cells: got }).toEqual({ generation: engine.generation, cells: want });
    }
    expect(engine.population).toBe(want.length);
  }
  const byOwner = new Map<number, number>();
  for (const [, , o] of ref.live()) byOwner.set(o, (byOwner.get(o) ?? 0) + 1);
  expect(engine.populationByOwner()).toEqual(byOwner);
}

describe('engine vs naive reference', () => {
  const cases: Array<[string, Case]> = [
    ['B3/S23 torus, 3x2 shards of 1 chunk', { width: 192, height: 128, topology: 'torus', shardChunks: 1, rule: 'B3/S23', generations: 220, density: 0.35, logic: LOCAL }],
    ['B3/S23 bounded, partial shards', { width: 320, height: 192, topology: 'bounded', shardChunks: 2, rule: 'B3/S23', generations: 200, density: 0.3, logic: LOCAL }],
    ['HighLife B36/S23 torus', { width: 192, height: 192, topology: 'torus', shardChunks: 2, rule: 'B36/S23', generations: 200, density: 0.3, logic: LOCAL }],
    ['Day & Night B3678/S34678 bounded', { width: 128, height: 192, topology: 'bounded', shardChunks: 1, rule: 'B3678/S34678', generations: 200, density: 0.5, logic: LOCAL }],
    ['Seeds B2/S torus', { width: 128, height: 64, topology: 'torus', shardChunks: 1, rule: 'B2/S', generations: 200, density: 0.05, logic: LOCAL }],
    ['world of one chunk, smaller than a shard', { width: 64, height: 64, topology: 'torus', shardChunks: 8, rule: 'B3/S23', generations: 200, density: 0.4, logic: LOCAL }],
    ['one chunk, bounded', { width: 64, height: 64, topology: 'bounded', shardChunks: 8, rule: 'B36/S23', generations: 200, density: 0.4, logic: LOCAL }],
    ['per-cell simulated I/O, torus', { width: 128, height: 128, topology: 'torus', shardChunks: 1, rule: 'B3/S23', generations: 200, density: 0.3, logic: SIMULATED_FAST }],
    ['per-cell simulated I/O, bounded HighLife', { width: 192, height: 64, topology: 'bounded', shardChunks: 1, rule: 'B36/S23', generations: 200, density: 0.3, logic: SIMULATED_FAST }],
  ];
  for (const [name, c] of cases) {
    it(name, async () => {
      await compareRun(c, 1234);
    });
  }

  it('matches on random worlds, rules and topologies (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          chunksX: fc.integer({ min: 1, max: 3 }),
          chunksY: fc.integer({ min: 1, max: 3 }),
          topology: fc.constantFrom<Topology>('torus', 'bounded'),
          shardChunks: fc.integer({ min: 1, max: 2 }),
          rule: fc.constantFrom('B3/S23', 'B36/S23', 'B3678/S34678', 'B34/S34', 'B2/S', 'B1/S1'),
          density: fc.double({ min: 0.02, max: 0.6, noNaN: true }),
          logic: fc.constantFrom(LOCAL, SIMULATED_FAST),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        async (p) => {
          await compareRun(
            { width: p.chunksX * 64, height: p.chunksY * 64, topology: p.topology, shardChunks: p.shardChunks, rule: p.rule, generations: 12, density: p.density, logic: p.logic },
            p.seed,
          );
        },
      ),
      { numRuns: 25 },
    );
  });
});
