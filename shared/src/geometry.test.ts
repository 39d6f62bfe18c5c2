import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from './thrown.test-support.js';
import {
  CHUNK_CELLS,
  CHUNK_SIZE,
  DEFAULT_SHARD_CHUNKS,
  Geometry,
  MAX_WORLD_SIDE,
  MIN_WORLD_SIDE,
  cellIndexInChunk,
  mod,
  type Topology,
  type WorldShape,
} from './geometry.js';

function shape(width: number, height: number, topology: Topology = 'torus', shardChunks = DEFAULT_SHARD_CHUNKS): WorldShape {
  return { width, height, topology, shardChunks };
}

/** Sorted copy, since chunksInRect promises each chunk once but no order. */
function sortedNumbers(xs: number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

describe('mod', () => {
  it('is a positive modulo', () => {
    expect(mod(5, 64)).toBe(5);
    expect(mod(64, 64)).toBe(0);
    expect(mod(130, 64)).toBe(2);
    expect(mod(-1, 64)).toBe(63);
    expect(mod(-65, 64)).toBe(63);
    expect(mod(-128, 64)).toBe(0);
  });

  it('never returns -0', () => {
    // toBe uses Object.is, which tells -0 from 0.
    expect(mod(-64, 64)).toBe(0);
    expect(mod(-0, 64)).toBe(0);
  });

  it('lands in [0, n) and agrees with a + k n', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 1, max: 70000 }), (a, n) => {
        const r = mod(a, n);
        expect(Number.isInteger(r)).toBe(true);
        expect(r >= 0 && r < n).toBe(true);
        expect((a - r) % n === 0).toBe(true);
      }),
    );
  });
});

describe('Geometry: validation and derived sizes', () => {
  it('derives chunk and shard counts, rounding partial shards up', () => {
    const g = new Geometry(shape(640, 128, 'bounded', 8));
    expect([g.width, g.height, g.topology, g.shardChunks]).toEqual([640, 128, 'bounded', 8]);
    expect([g.chunksX, g.chunksY]).toEqual([10, 2]);
    expect([g.shardsX, g.shardsY]).toEqual([2, 1]);
    expect(g.torus).toBe(false);
    expect(new Geometry(shape(64, 64)).torus).toBe(true);
    expect(Object.isFrozen(g)).toBe(true);
  });

  it('has consistent constants', () => {
    expect(CHUNK_CELLS).toBe(CHUNK_SIZE * CHUNK_SIZE);
    expect(MIN_WORLD_SIDE).toBe(CHUNK_SIZE);
  });

  it('accepts the smallest and largest sides', () => {
    expect(new Geometry(shape(MIN_WORLD_SIDE, MAX_WORLD_SIDE)).chunksY).toBe(1024);
    expect(new Geometry(shape(64, 64, 'torus', 1)).shardsX).toBe(1);
    expect(new Geometry(shape(64, 64, 'torus', 64)).shardsX).toBe(1);
  });

  it('refuses sides that are not multiples of 64 within 64..65536', () => {
    for (const side of [0, 32, 63, 100, 64.5, MAX_WORLD_SIDE + 64, -64, Number.NaN, Infinity]) {
      expect(codeOf(() => new Geometry(shape(side, 64))), `width ${side}`).toBe('LIFE_ERR_VALIDATION');
      expect(codeOf(() => new Geometry(shape(64, side))), `height ${side}`).toBe('LIFE_ERR_VALIDATION');
    }
  });

  it('refuses shard sides outside 1..64 chunks', () => {
    for (const shardChunks of [0, -1, 65, 1.5, Number.NaN]) {
      expect(codeOf(() => new Geometry(shape(512, 512, 'torus', shardChunks))), String(shardChunks)).toBe('LIFE_ERR_VALIDATION');
    }
  });
});

describe('Geometry: cells, chunks and shards', () => {
  const g = new Geometry(shape(640, 320, 'torus', 4)); // 10 x 5 chunks, 3 x 2 shards

  it('knows which cells are inside without wrapping', () => {
    expect(g.contains(0, 0)).toBe(true);
    expect(g.contains(639, 319)).toBe(true);
    expect(g.contains(640, 0)).toBe(false);
    expect(g.contains(0, 320)).toBe(false);
    expect(g.contains(-1, 0)).toBe(false);
    expect(g.contains(1.5, 0)).toBe(false);
  });

  it('wraps coordinates', () => {
    expect(g.wrapX(-1)).toBe(639);
    expect(g.wrapX(640)).toBe(0);
    expect(g.wrapX(-640)).toBe(0);
    expect(g.wrapY(-1)).toBe(319);
    expect(g.wrapY(650)).toBe(10);
  });

  it('maps cells to chunks, and chunk indices to columns and rows', () => {
    expect(g.chunkIndexOfCell(0, 0)).toBe(0);
    expect(g.chunkIndexOfCell(63, 63)).toBe(0);
    expect(g.chunkIndexOfCell(64, 0)).toBe(1);
    expect(g.chunkIndexOfCell(0, 64)).toBe(10);
    expect(g.chunkIndexOfCell(639, 319)).toBe(49);
    for (let cy = 0; cy < g.chunksY; cy++) {
      for (let cx = 0; cx < g.chunksX; cx++) {
        const i = g.chunkIndex(cx, cy);
        expect([g.chunkX(i), g.chunkY(i)]).toEqual([cx, cy]);
        expect(g.chunkIndexOfCell(cx * CHUNK_SIZE + 5, cy * CHUNK_SIZE + 7)).toBe(i);
      }
    }
  });

  it('maps chunks to shards, with a partial last column and row', () => {
    expect(g.shardOfChunk(0, 0)).toBe(0);
    expect(g.shardOfChunk(3, 3)).toBe(0);
    expect(g.shardOfChunk(4, 0)).toBe(1);
    expect(g.shardOfChunk(9, 0)).toBe(2); // the third shard column holds only chunks 8 and 9
    expect(g.shardOfChunk(0, 4)).toBe(3);
    expect(g.shardOfChunk(9, 4)).toBe(5);
  });

  it('places cells inside their chunk row-major', () => {
    expect(cellIndexInChunk(0, 0)).toBe(0);
    expect(cellIndexInChunk(1, 0)).toBe(1);
    expect(cellIndexInChunk(0, 1)).toBe(64);
    expect(cellIndexInChunk(63, 63)).toBe(CHUNK_CELLS - 1);
    expect(cellIndexInChunk(64 + 5, 128 + 2)).toBe(2 * 64 + 5);
    expect(cellIndexInChunk(-1, -1)).toBe(CHUNK_CELLS - 1);
  });
});

describe('Geometry: topologies', () => {
  const torus = new Geometry(shape(256, 128, 'torus')); // 4 x 2 chunks
  const bounded = new Geometry(shape(256, 128, 'bounded'));

  it('wraps neighbour chunks on a torus', () => {
    expect(torus.neighbourChunk(1, 0, 1, 1)).toBe(torus.chunkIndex(2, 1));
    expect(torus.neighbourChunk(0, 0, -1, 0)).toBe(torus.chunkIndex(3, 0));
    expect(torus.neighbourChunk(0, 0, -1, -1)).toBe(torus.chunkIndex(3, 1));
    expect(torus.neighbourChunk(3, 1, 1, 1)).toBe(torus.chunkIndex(0, 0));
  });

  it('answers -1 for neighbour chunks outside a bounded world', () => {
    expect(bounded.neighbourChunk(1, 0, 1, 1)).toBe(bounded.chunkIndex(2, 1));
    expect(bounded.neighbourChunk(0, 0, -1, 0)).toBe(-1);
    expect(bounded.neighbourChunk(0, 0, 0, -1)).toBe(-1);
    expect(bounded.neighbourChunk(3, 1, 1, 0)).toBe(-1);
    expect(bounded.neighbourChunk(3, 1, 0, 1)).toBe(-1);
  });

  it('normalizes cells: wrapped on a torus, null outside a bounded world', () => {
    expect(torus.normalize(-1, -1)).toEqual([255, 127]);
    expect(torus.normalize(256, 128)).toEqual([0, 0]);
    expect(torus.normalize(-256, 0)).toStrictEqual([0, 0]);
    expect(bounded.normalize(10, 20)).toEqual([10, 20]);
    expect(bounded.normalize(-1, 0)).toBeNull();
    expect(bounded.normalize(0, 128)).toBeNull();
  });
});

describe('Geometry.chunksInRect', () => {
  const torus = new Geometry(shape(256, 128, 'torus')); // 4 x 2 chunks
  const bounded = new Geometry(shape(256, 128, 'bounded'));
  const all = Array.from({ length: 8 }, (_, i) => i);

  it('finds the one chunk holding a small rectangle', () => {
    expect(torus.chunksInRect({ x: 70, y: 70, w: 10, h: 10 })).toEqual([torus.chunkIndex(1, 1)]);
    expect(torus.chunksInRect({ x: 64, y: 0, w: 64, h: 64 })).toEqual([1]);
  });

  it('finds every chunk a rectangle touches', () => {
    expect(sortedNumbers(torus.chunksInRect({ x: 60, y: 60, w: 10, h: 10 }))).toEqual([0, 1, 4, 5]);
    expect(sortedNumbers(torus.chunksInRect({ x: 0, y: 0, w: 65, h: 1 }))).toEqual([0, 1]);
  });

  it('wraps across the edges of a torus', () => {
    expect(sortedNumbers(torus.chunksInRect({ x: -10, y: 0, w: 20, h: 1 }))).toEqual([0, 3]);
    expect(sortedNumbers(torus.chunksInRect({ x: 250, y: 120, w: 10, h: 10 }))).toEqual([0, 3, 4, 7]);
  });

  it('clips to a bounded world', () => {
    expect(sortedNumbers(bounded.chunksInRect({ x: -10, y: 0, w: 20, h: 1 }))).toEqual([0]);
    expect(sortedNumbers(bounded.chunksInRect({ x: 250, y: 120, w: 10, h: 10 }))).toEqual([7]);
    expect(bounded.chunksInRect({ x: 300, y: 0, w: 10, h: 10 })).toEqual([]);
    expect(bounded.chunksInRect({ x: -100, y: -100, w: 10, h: 10 })).toEqual([]);
  });

  it('lists each chunk once when the rectangle is larger than the world', () => {
    expect(sortedNumbers(torus.chunksInRect({ x: -300, y: -300, w: 1000, h: 1000 }))).toEqual(all);
    expect(sortedNumbers(bounded.chunksInRect({ x: -300, y: -300, w: 1000, h: 1000 }))).toEqual(all);
  });

  it('stays quick for enormous rectangles', () => {
    const started = performance.now();
    expect(torus.chunksInRect({ x: 0, y: 0, w: 1e9, h: 1e9 })).toHaveLength(8);
    expect(bounded.chunksInRect({ x: -1e9, y: -1e9, w: 2e9, h: 2e9 })).toHaveLength(8);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('agrees with a cell-by-cell scan', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(torus, bounded),
        fc.integer({ min: -300, max: 300 }),
        fc.integer({ min: -200, max: 200 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 200 }),
        (g, x, y, w, h) => {
          const expected = new Set<number>();
          for (let cy = y; cy < y + h; cy++) {
            for (let cx = x; cx < x + w; cx++) {
              const cell = g.normalize(cx, cy);
              if (cell) expected.add(g.chunkIndexOfCell(cell[0], cell[1]));
            }
          }
          const got = g.chunksInRect({ x, y, w, h });
          expect(got.length).toBe(new Set(got).size);
          expect(sortedNumbers(got)).toEqual(sortedNumbers([...expected]));
        },
      ),
      { numRuns: 60 },
    );
  });
});
