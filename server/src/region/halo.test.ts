import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Geometry, parseRule, type Topology } from '@lifemmo/shared';
import { World } from '../engine/world.js';
import { decodeHalo, encodeHalo, peekHalo } from '../wire/halo-message.js';
import { ByteWriter } from '../wire/bytes.js';
import { GhostRing, extractHalo, type Halo } from './halo.js';
import { forEachRingCell, ringCellAt, ringLength, ringShapeOf } from './halo-ring.js';
import { layoutRegions, regionOfCell, type RegionSpec } from './layout.js';

const splits = fc
  .record({
    chunksX: fc.integer({ min: 1, max: 6 }),
    chunksY: fc.integer({ min: 1, max: 6 }),
    topology: fc.constantFrom<Topology>('torus', 'bounded'),
  })
  .chain(({ chunksX, chunksY, topology }) => {
    const g = new Geometry({ width: chunksX * 64, height: chunksY * 64, topology, shardChunks: 1 });
    return fc
      .record({ columns: fc.integer({ min: 1, max: chunksX }), rows: fc.integer({ min: 1, max: chunksY }) })
      .map(({ columns, rows }) => ({ g, spec: { kind: 'grid', columns, rows } as RegionSpec }));
  });

describe('the halo ring', () => {
  it('lists each border cell of the region once, and ringCellAt finds each position', () => {
    fc.assert(
      fc.property(splits, ({ g, spec }) => {
        for (const region of layoutRegions(spec, g).regions) {
          const shape = ringShapeOf(region, g);
          const seen = new Set<number>();
          const at: [number, number] = [0, 0];
          const { x, y, w, h } = region.cells;
          const wrong: string[] = []; // one expect at the end: an expect per cell is slow
          forEachRingCell(shape, (position, cx, cy) => {
            if (position !== seen.size) wrong.push(`position ${position} out of order`);
            seen.add(cy * g.width + cx);
            ringCellAt(shape, position, at);
            if (at[0] !== cx || at[1] !== cy) wrong.push(`ringCellAt(${position}) = ${at.join()}, not ${cx},${cy}`);
            const onRows = shape.rows && (cy === y || cy === y + h - 1);
            const onColumns = shape.columns && (cx === x || cx === x + w - 1);
            if (!onRows && !onColumns) wrong.push(`${cx},${cy} is not on the border`);
          });
          expect(wrong).toEqual([]);
          expect(seen.size).toBe(ringLength(shape));
        }
      }),
    );
  });

  it('covers every ghost cell of every region: each is on the ring of a neighbour', () => {
    fc.assert(
      fc.property(splits, ({ g, spec }) => {
        const layout = layoutRegions(spec, g);
        const rings = layout.regions.map((r) => {
          const cells = new Set<number>();
          forEachRingCell(ringShapeOf(r, g), (_p, x, y) => cells.add(y * g.width + x));
          return cells;
        });
        for (const region of layout.regions) {
          const ghosts = new GhostRing(g, region.cells);
          let count = 0;
          const uncovered: string[] = [];
          for (let y = 0; y < g.height; y++) {
            for (let x = 0; x < g.width; x++) {
              if (!ghosts.holds(x, y)) continue;
              count++;
              const owner = regionOfCell(layout, x, y);
              if (!region.neighbours.includes(owner) || !rings[owner]!.has(y * g.width + x)) uncovered.push(`${x},${y}`);
            }
          }
          // Brute force: the cells outside the region with a neighbour inside it.
          let expected = 0;
          const { x: rx, y: ry, w, h } = region.cells;
          const inside = (x: number, y: number) => x >= rx && x < rx + w && y >= ry && y < ry + h;
          for (let y = 0; y < g.height; y++) {
            for (let x = 0; x < g.width; x++) {
              if (inside(x, y)) continue;
              let touches = false;
              for (let dy = -1; dy <= 1 && !touches; dy++) {
                for (let dx = -1; dx <= 1 && !touches; dx++) {
                  const n = g.normalize(x + dx, y + dy);
                  if (n !== null && inside(n[0], n[1])) touches = true;
                }
              }
              if (touches) expected++;
            }
          }
          expect(uncovered).toEqual([]);
          expect(count).toBe(expected);
        }
      }),
      { numRuns: 25 },
    );
  });
});

function worldOf(g: Geometry): World {
  return new World({ width: g.width, height: g.height, topology: g.topology, shardChunks: g.shardChunks, rule: parseRule('B3/S23'), seed: 1 });
}

describe('halo messages', () => {
  it('round-trip any halo, owners and epoch and all', () => {
    fc.assert(
      fc.property(
        splits,
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 65535 })), { maxLength: 300 }),
        fc.nat({ max: 2 ** 40 }),
        fc.nat({ max: 0xffff_ffff }),
        ({ g, spec }, cells, generation, epoch) => {
          const layout = layoutRegions(spec, g);
          const world = worldOf(g);
          for (const [x, y, owner] of cells) world.setCell(x % g.width, y % g.height, owner % 4 === 0 ? owner : owner % 3);
          world.generation = generation;
          world.epoch = epoch;
          for (const region of layout.regions) {
            const halo = extractHalo(world, region.id, ringShapeOf(region, g));
            const bytes = encodeHalo(halo);
            expect(decodeHalo(bytes)).toEqual(halo);
            expect(halo.epoch).toBe(epoch);
            expect(peekHalo(bytes)).toEqual({ region: region.id, epoch, generation, waiting: false });
            const asking = encodeHalo(halo, true);
            expect(peekHalo(asking)).toEqual({ region: region.id, epoch, generation, waiting: true });
            expect(decodeHalo(asking)).toEqual(halo);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses another format (format 1 had no epoch) and counts that disagree', () => {
    const halo: Halo = {
      region: 1,
      epoch: 2,
      generation: 5,
      shape: { rect: { x: 0, y: 0, w: 64, h: 64 }, rows: true, columns: true },
      positions: Uint32Array.of(0, 3),
      owners: Uint16Array.of(7, 7),
    };
    const good = encodeHalo(halo);
    const wrongFormat = good.slice();
    wrongFormat[1] = 9;
    expect(() => decodeHalo(wrongFormat)).toThrow(/format 9/);
    const formatOne = good.slice();
    formatOne[1] = 1;
    expect(() => decodeHalo(formatOne)).toThrow(/format 1; this process reads 2/);
    expect(() => peekHalo(formatOne)).toThrow(/format 1/);
    const tooFew = encodeHalo({ ...halo, owners: Uint16Array.of(7, 8) }).slice(0, -6);
    expect(() => decodeHalo(tooFew)).toThrow();
    const liveCountAt = 1 + 2 + 1 + 4 + 4 + 8 + 16 + 1; // version, format, waiting, region, epoch, generation, rect, flags
    const lying = good.slice();
    lying[liveCountAt] = 3;
    expect(() => decodeHalo(lying)).toThrow(/count says 3/);
    expect(() => decodeHalo(new ByteWriter().finish())).toThrow(/truncated/);
  });

  it('is one bitmap bit per ring cell plus one owner run for a one-owner border', () => {
    const g = new Geometry({ width: 1024, height: 1024, topology: 'torus', shardChunks: 8 });
    const region = layoutRegions({ kind: 'count', count: 4 }, g).regions[0]!;
    const world = worldOf(g);
    for (let x = 0; x < 512; x += 2) world.setCell(x, 0, 3);
    const bytes = encodeHalo(extractHalo(world, 0, ringShapeOf(region, g)));
    expect(bytes.length).toBe(1 + 2 + 1 + 4 + 4 + 8 + 16 + 1 + 4 + Math.ceil(2044 / 8) + 4 + 6);
  });
});

describe('GhostRing.apply', () => {
  it('lays only the cells touching the region, with their owners, across the torus seam too', () => {
    const g = new Geometry({ width: 256, height: 256, topology: 'torus', shardChunks: 1 });
    const layout = layoutRegions({ kind: 'grid', columns: 2, rows: 2 }, g);
    const a = layout.regions[0]!;
    const d = layout.regions[3]!; // [128, 256) x [128, 256): A's SE neighbour, and NW across both seams
    const source = worldOf(g);
    source.setCell(128, 128, 2); // D's NW corner: touches A's SE corner (127, 127)
    source.setCell(255, 255, 3); // D's SE corner: touches A's (0, 0) across both seams
    source.setCell(140, 128, 4); // D's top row, far from A: ignored
    source.setCell(200, 255, 5); // D's bottom row, far from A: ignored
    const halo = extractHalo(source, d.id, ringShapeOf(d, g));
    expect(halo.positions.length).toBe(4);
    const target = worldOf(g);
    expect(new GhostRing(g, a.cells).apply(target, halo)).toBe(2);
    expect(target.liveCells({ x: 0, y: 0, w: 256, h: 256 })).toEqual([
      [128, 128, 2],
      [255, 255, 3],
    ]);
  });
});
