/**
 * Gliders and glider guns crossing region borders arrive intact: a glider that crosses a
 * border, the point where four regions meet and both torus seams is, every 64
 * generations, the same five cells moved 16 cells diagonally, with its owner; two guns
 * of two players, whose streams cross the three regions of an uneven split, give the cells
 * and owners a whole-world reference engine gives, on a torus and in a bounded world.
 */
import { describe, expect, it } from 'vitest';
import { CONWAY, mod, parseRle } from '@lifemmo/shared';
import type { CellLogicOptions, LiveCell } from '@lifemmo/server/engine';
import { regionWorld, wholeWorld, worldHash, type WorldOptions } from './region-world.js';

const LOCAL: CellLogicOptions = { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 };
const GLIDER = 'bo$2bo$3o!'; // moves one cell down and right every 4 generations
const GOSPER_GUN = '24bo$22bobo$12b2o6b2o12b2o$11bo3bo4b2o12b2o$2o8bo5bo3b2o$2o8bo3bob2o4bobo$10bo5bo7bo$11bo3bo$12b2o!';

function cellsOf(rle: string, x: number, y: number, size: number): Array<[number, number]> {
  return parseRle(rle).cells.map(([dx, dy]) => [mod(x + dx, size), mod(y + dy, size)]);
}

describe('gliders across regions', () => {
  it('a glider crosses a border, a four-region corner and both seams intact, with its owner', async () => {
    const size = 256;
    const options: WorldOptions = { width: size, height: size, topology: 'torus', shardChunks: 1, rule: CONWAY, seed: 1, cellLogic: LOCAL };
    const world = regionWorld(options, '2x2');
    world.place(cellsOf(GLIDER, 100, 100, size), 9);
    await world.step(1);
    // Back to its phase every 4 generations, 1 cell further down and right; all the way round the torus.
    for (let k = 1; k <= size / 16; k++) {
      await world.step(64);
      const shift = 16 * k;
      const expected: LiveCell[] = parseRle(GLIDER)
        .cells.map(([dx, dy]): LiveCell => [mod(100 + dx + shift, size), mod(100 + dy + shift, size), 9])
        .sort((a, b) => a[1] - b[1] || a[0] - b[0]);
      expect(world.liveCells(), `after ${1 + 64 * k} generations`).toEqual(expected);
    }
    expect(world.engines.map((r) => r.engine.population).reduce((a, b) => a + b)).toBe(5);
  });

  it('two guns of two players, streams crossing an uneven split, match the reference', async () => {
    const size = 256;
    for (const topology of ['torus', 'bounded'] as const) {
      const options: WorldOptions = { width: size, height: size, topology, shardChunks: 1, rule: CONWAY, seed: 1, cellLogic: LOCAL };
      const reference = wholeWorld(options);
      const split = regionWorld(options, '3'); // 3x1: 128, 64 and 64 cells across
      for (const w of [reference, split]) {
        w.place(cellsOf(GOSPER_GUN, 20, 30, size), 1); // its gliders head down and right, across x = 128 and 192
        w.place(cellsOf(GOSPER_GUN, 0, 10, size).map(([x, y]) => [mod(235 - x, size), y]), 2); // mirrored, at x 200..235: down and left
      }
      const everLive = split.engines.map(() => false);
      for (let g = 0; g < 600; g += 60) {
        await Promise.all([reference.step(60), split.step(60)]);
        split.engines.forEach((r, i) => (everLive[i] ||= r.engine.population > 0));
        expect(worldHash(split.liveCells()), `${topology}, generation ${g + 60}`).toBe(worldHash(reference.liveCells()));
      }
      expect(split.birthsOf(1)).toBe(reference.birthsOf(1));
      expect(split.birthsOf(2)).toBe(reference.birthsOf(2));
      expect(split.birthsOf(0)).toBe(reference.birthsOf(0));
      expect(reference.birthsOf(2)).toBeGreaterThan(0);
      // The streams got across the borders: every region held cells of the guns at some point.
      expect(everLive, topology).toEqual([true, true, true]);
    }
  });
});
