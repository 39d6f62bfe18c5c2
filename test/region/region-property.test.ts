/**
 * Any split, any small world: for random world sizes (partial last shards included), shard
 * sides, topologies and region grids (one region wide or high, two wide, uneven), a random
 * soup of several owners stepped as regions matches one engine stepping the whole world,
 * cell for cell and owner for owner, with bulk logic and with faulty per-cell I/O.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONWAY, mulberry32, type Topology } from '@lifemmo/shared';
import type { CellLogicOptions } from '@lifemmo/server/engine';
import { regionWorld, wholeWorld, type WorldOptions } from './region-world.js';

const LOCAL: CellLogicOptions = { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 };
const FAULTY: CellLogicOptions = { kind: 'simulated', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0.15, timeoutMs: 50 };

const cases = fc
  .record({
    chunksX: fc.integer({ min: 1, max: 5 }),
    chunksY: fc.integer({ min: 1, max: 5 }),
    shardChunks: fc.integer({ min: 1, max: 2 }),
    topology: fc.constantFrom<Topology>('torus', 'bounded'),
    soupSeed: fc.nat(),
    faulty: fc.boolean(),
  })
  .chain((w) => {
    const shardsX = Math.ceil(w.chunksX / w.shardChunks);
    const shardsY = Math.ceil(w.chunksY / w.shardChunks);
    return fc.record({ columns: fc.integer({ min: 1, max: shardsX }), rows: fc.integer({ min: 1, max: shardsY }) }).map((grid) => ({ ...w, ...grid }));
  });

describe('regions, property', () => {
  it('any grid of any small world gives the whole world\'s cells and owners', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const options: WorldOptions = {
          width: c.chunksX * 64,
          height: c.chunksY * 64,
          topology: c.topology,
          shardChunks: c.shardChunks,
          rule: CONWAY,
          seed: c.soupSeed,
          cellLogic: c.faulty ? FAULTY : LOCAL,
        };
        const random = mulberry32(c.soupSeed);
        const byOwner = new Map<number, Array<[number, number]>>();
        for (let y = 0; y < options.height; y++) {
          for (let x = 0; x < options.width; x++) {
            if (random() >= 0.25) continue;
            const owner = 1 + Math.floor(random() * 3);
            if (!byOwner.has(owner)) byOwner.set(owner, []);
            byOwner.get(owner)!.push([x, y]);
          }
        }
        const whole = wholeWorld(options);
        const split = regionWorld(options, `${c.columns}x${c.rows}`);
        for (const w of [whole, split]) for (const [owner, cells] of byOwner) w.place(cells, owner);
        for (let i = 0; i < 3; i++) {
          await Promise.all([whole.step(8), split.step(8)]);
          expect(split.liveCells()).toEqual(whole.liveCells());
        }
        for (const owner of [0, 1, 2, 3]) expect(split.birthsOf(owner)).toBe(whole.birthsOf(owner));
        expect(split.totals).toEqual(whole.totals);
      }),
      { numRuns: 20 },
    );
  });
});
