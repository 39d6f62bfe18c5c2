import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Geometry, LifeError, type Topology } from '@lifemmo/shared';
import { DIRECTIONS, layoutRegions, ownedChunkMask, parseRegionSpec, regionOfCell, type RegionSpec } from './layout.js';

function geometry(width: number, height: number, topology: Topology = 'torus', shardChunks = 1): Geometry {
  return new Geometry({ width, height, topology, shardChunks });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof LifeError) return err.code;
    throw err;
  }
  throw new Error('expected a LifeError');
}

describe('parseRegionSpec', () => {
  it('reads a count and a columns x rows grid', () => {
    expect(parseRegionSpec('4')).toEqual({ kind: 'count', count: 4 });
    expect(parseRegionSpec(' 2x1 ')).toEqual({ kind: 'grid', columns: 2, rows: 1 });
    expect(parseRegionSpec('3X2')).toEqual({ kind: 'grid', columns: 3, rows: 2 });
  });

  it.each(['0', '-1', 'two', '2x', 'x2', '0x3', '2x0', '1.5', '2*2', '4097', '65x65'])('refuses %j with the config error code', (text) => {
    expect(codeOf(() => parseRegionSpec(text))).toBe('LIFE_ERR_CONFIG_INVALID');
  });
});

describe('layoutRegions', () => {
  it('lays a count out as the grid closest to square regions', () => {
    const g = geometry(512, 256); // 8x4 shards of 64 cells
    expect(layoutRegions({ kind: 'count', count: 1 }, g)).toMatchObject({ columns: 1, rows: 1 });
    expect(layoutRegions({ kind: 'count', count: 2 }, g)).toMatchObject({ columns: 2, rows: 1 }); // 256x256 each
    expect(layoutRegions({ kind: 'count', count: 8 }, g)).toMatchObject({ columns: 4, rows: 2 }); // 128x128 each
    expect(layoutRegions({ kind: 'count', count: 3 }, g)).toMatchObject({ columns: 3, rows: 1 });
    expect(layoutRegions({ kind: 'count', count: 4 }, geometry(256, 256))).toMatchObject({ columns: 2, rows: 2 });
  });

  it('splits shards unevenly when they do not divide: the first columns get one more', () => {
    const layout = layoutRegions({ kind: 'grid', columns: 3, rows: 1 }, geometry(256, 128)); // 4 shards across
    expect(layout.regions.map((r) => r.shards.w)).toEqual([2, 1, 1]);
    expect(layout.regions.map((r) => r.cells)).toEqual([
      { x: 0, y: 0, w: 128, h: 128 },
      { x: 128, y: 0, w: 64, h: 128 },
      { x: 192, y: 0, w: 64, h: 128 },
    ]);
  });

  it('clips the last region to a partial last shard', () => {
    // 5 chunks across with 2-chunk shards: shards of 128, 128 and 64 cells.
    const layout = layoutRegions({ kind: 'grid', columns: 2, rows: 1 }, geometry(320, 128, 'torus', 2));
    expect(layout.regions.map((r) => r.cells.w)).toEqual([256, 64]);
  });

  it('refuses a split the shards cannot carry', () => {
    expect(codeOf(() => layoutRegions({ kind: 'grid', columns: 5, rows: 1 }, geometry(256, 256)))).toBe('LIFE_ERR_CONFIG_INVALID');
    expect(codeOf(() => layoutRegions({ kind: 'count', count: 17 }, geometry(256, 256)))).toBe('LIFE_ERR_CONFIG_INVALID');
    expect(codeOf(() => layoutRegions({ kind: 'count', count: 7 }, geometry(256, 256)))).toBe('LIFE_ERR_CONFIG_INVALID');
  });

  it('wraps neighbours on a torus: two columns are each other\'s east and west, one row is its own north', () => {
    const [a, b] = layoutRegions({ kind: 'grid', columns: 2, rows: 1 }, geometry(256, 128)).regions;
    // N, NE, E, SE, S, SW, W, NW
    expect(a!.neighbourByDirection).toEqual([0, 1, 1, 1, 0, 1, 1, 1]);
    expect(b!.neighbourByDirection).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
    expect(a!.neighbours).toEqual([1]);
    expect(layoutRegions({ kind: 'count', count: 1 }, geometry(128, 128)).regions[0]!.neighbours).toEqual([]);
  });

  it('has no neighbour past the edge of a bounded world', () => {
    const layout = layoutRegions({ kind: 'grid', columns: 2, rows: 2 }, geometry(256, 256, 'bounded'));
    expect(layout.regions[0]!.neighbourByDirection).toEqual([-1, -1, 1, 3, 2, -1, -1, -1]);
    expect(layout.regions[3]!.neighbours).toEqual([0, 1, 2]);
  });
});

const worlds = fc.record({
  chunksX: fc.integer({ min: 1, max: 12 }),
  chunksY: fc.integer({ min: 1, max: 12 }),
  shardChunks: fc.integer({ min: 1, max: 4 }),
  topology: fc.constantFrom<Topology>('torus', 'bounded'),
});

/** A world and a spec that fits it. */
const splits = worlds.chain((w) => {
  const g = new Geometry({ width: w.chunksX * 64, height: w.chunksY * 64, topology: w.topology, shardChunks: w.shardChunks });
  const spec: fc.Arbitrary<RegionSpec> = fc.oneof(
    fc.record({ kind: fc.constant('grid' as const), columns: fc.integer({ min: 1, max: g.shardsX }), rows: fc.integer({ min: 1, max: g.shardsY }) }),
    fc.record({ kind: fc.constant('count' as const), count: fc.constant(1) }),
    fc.record({ kind: fc.constant('count' as const), count: fc.integer({ min: 1, max: g.shardsX }) }),
  );
  return spec.map((s) => ({ g, spec: s }));
});

describe('layoutRegions, properties', () => {
  it('every cell (hence every chunk) belongs to exactly one region, the one regionOfCell names', () => {
    fc.assert(
      fc.property(splits, ({ g, spec }) => {
        const layout = layoutRegions(spec, g);
        const owners = new Uint8Array(g.chunksX * g.chunksY);
        for (const region of layout.regions) {
          const mask = ownedChunkMask(region, g);
          mask.forEach((owned, i) => (owners[i]! += owned));
          expect(region.cells.x % (g.shardChunks * 64)).toBe(0);
          expect(region.cells.w).toBeGreaterThan(0);
        }
        expect([...owners].every((n) => n === 1)).toBe(true);
        for (let y = 0; y < g.height; y += 13) {
          for (let x = 0; x < g.width; x += 11) {
            const r = layout.regions[regionOfCell(layout, x, y)]!.cells;
            expect(x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h).toBe(true);
          }
        }
      }),
    );
  });

  it('the neighbour relation is symmetric, direction by direction, and matches the cells next door', () => {
    fc.assert(
      fc.property(splits, ({ g, spec }) => {
        const layout = layoutRegions(spec, g);
        for (const region of layout.regions) {
          DIRECTIONS.forEach(([dx, dy], d) => {
            const n = region.neighbourByDirection[d]!;
            const opposite = DIRECTIONS.findIndex(([ox, oy]) => ox === -dx && oy === -dy);
            if (n >= 0) expect(layout.regions[n]!.neighbourByDirection[opposite]).toBe(region.id);
            // The cell diagonally (or straight) past the region's corner/edge in this direction.
            const { x, y, w, h } = region.cells;
            const cx = dx < 0 ? x - 1 : dx > 0 ? x + w : x;
            const cy = dy < 0 ? y - 1 : dy > 0 ? y + h : y;
            const cell = g.normalize(cx, cy);
            expect(cell === null ? -1 : regionOfCell(layout, cell[0], cell[1])).toBe(n);
          });
          for (const n of region.neighbours) expect(layout.regions[n]!.neighbours).toContain(region.id);
        }
      }),
    );
  });
});
