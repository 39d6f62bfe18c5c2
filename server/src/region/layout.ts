/**
 * Region layout: how the world's shards are split into regions, the rectangles of whole
 * shards each owned by one sim (DESIGN.md, "Beyond one process"). Pure arithmetic.
 *
 * The regions form a grid of `columns` x `rows`. Shard columns are split as evenly as they
 * go: with 5 shard columns over 2 region columns the first gets 3 and the second 2 (the
 * first `shardsX % columns` region columns get one extra shard), and the same for rows.
 * Every region of one grid column spans the same cells across, so neighbours are simply
 * the grid's neighbours: region (col + dx, row + dy), wrapped on a torus, absent past the
 * edge of a bounded world.
 *
 * Region ids are row-major: id = row * columns + column.
 */
import { CHUNK_SIZE, LifeError, type Geometry, type Rect } from '@lifemmo/shared';

/** What REGIONS asks for: a number of regions laid out by lifemmo, or an explicit grid. */
export type RegionSpec = { readonly kind: 'count'; readonly count: number } | { readonly kind: 'grid'; readonly columns: number; readonly rows: number };

/** The eight directions, as [dx, dy], in a fixed order (N, NE, E, SE, S, SW, W, NW). */
export const DIRECTIONS: ReadonlyArray<readonly [number, number]> = [
  [0, -1], [1, -1], [1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1],
];

/** One region: where it is, in shards and in cells, and who is around it. */
export interface Region {
  readonly id: number;
  /** Position in the grid of regions. */
  readonly column: number;
  readonly row: number;
  /** Its rectangle in shards: first shard column and row, and how many of each. */
  readonly shards: Rect;
  /** Its rectangle in cells (the last shard of a world may be partial, so not always shards x shard side). */
  readonly cells: Rect;
  /**
   * The neighbour in each of DIRECTIONS (same order), or -1 past the edge of a bounded
   * world. On a torus a neighbour may be the region itself (a grid one region wide or
   * high) or the same region in several directions (a grid two wide).
   */
  readonly neighbourByDirection: readonly number[];
  /** The distinct regions other than itself it exchanges halos with, ascending. */
  readonly neighbours: readonly number[];
}

/** Regions of one world. */
export interface RegionLayout {
  readonly columns: number;
  readonly rows: number;
  /** By id. */
  readonly regions: readonly Region[];
}

/** Most regions one world may be split into (a region id fits the halo message's u16 with room to spare). */
export const MAX_REGIONS = 4096;

/**
 * Parse a REGIONS value: `N` (a count, laid out as a near-square grid) or `CxR` (C region
 * columns by R region rows, like a screen size: across first).
 * @throws LifeError CONFIG_INVALID on anything else.
 */
export function parseRegionSpec(text: string): RegionSpec {
  const trimmed = text.trim();
  const count = /^([0-9]+)$/.exec(trimmed);
  if (count !== null) {
    const n = Number(count[1]);
    if (n < 1 || n > MAX_REGIONS) throw new LifeError('CONFIG_INVALID', `REGIONS: a count must be from 1 to ${MAX_REGIONS}, got ${JSON.stringify(text)}`);
    return { kind: 'count', count: n };
  }
  const grid = /^([0-9]+)x([0-9]+)$/i.exec(trimmed);
  if (grid !== null) {
    const columns = Number(grid[1]);
    const rows = Number(grid[2]);
    if (columns < 1 || rows < 1 || columns * rows > MAX_REGIONS) {
      throw new LifeError('CONFIG_INVALID', `REGIONS: a grid needs at least 1x1 and at most ${MAX_REGIONS} regions, got ${JSON.stringify(text)}`);
    }
    return { kind: 'grid', columns, rows };
  }
  throw new LifeError('CONFIG_INVALID', `REGIONS: must be a count like 4 or a grid like 2x1 (columns x rows), got ${JSON.stringify(text)}`);
}

/**
 * The grid a spec asks for in this world. A count N becomes the columns x rows = N whose
 * regions are closest to square in cells (ties: more columns); a count that fits no grid
 * of whole shards is refused.
 * @throws LifeError CONFIG_INVALID when the world has too few shards for the split.
 */
export function gridFor(spec: RegionSpec, geometry: Geometry): { columns: number; rows: number } {
  const { shardsX, shardsY } = geometry;
  if (spec.kind === 'grid') {
    if (spec.columns > shardsX || spec.rows > shardsY) {
      throw new LifeError(
        'CONFIG_INVALID',
        `REGIONS: a ${spec.columns}x${spec.rows} grid needs at least that many shards across and down; the world has ${shardsX}x${shardsY}`,
      );
    }
    return { columns: spec.columns, rows: spec.rows };
  }
  let best: { columns: number; rows: number; skew: number } | null = null;
  for (let columns = spec.count; columns >= 1; columns--) {
    if (spec.count % columns !== 0) continue;
    const rows = spec.count / columns;
    if (columns > shardsX || rows > shardsY) continue;
    // How far from square a typical region is: the ratio of its longer side to its shorter.
    const w = geometry.width / columns;
    const h = geometry.height / rows;
    const skew = Math.max(w / h, h / w);
    if (best === null || skew < best.skew - 1e-9) best = { columns, rows, skew };
  }
  if (best === null) {
    throw new LifeError(
      'CONFIG_INVALID',
      `REGIONS: ${spec.count} regions do not fit a grid of whole shards in a world of ${shardsX}x${shardsY} shards; use fewer regions or smaller shards (SHARD_CHUNKS)`,
    );
  }
  return { columns: best.columns, rows: best.rows };
}

/** Split `n` items into `parts` runs as evenly as possible: the first n % parts runs get one more. Returns each run's start, then n. */
function evenSplit(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  const starts = [0];
  for (let i = 0; i < parts; i++) starts.push(starts[i]! + base + (i < extra ? 1 : 0));
  return starts;
}

/**
 * Lay the world out in regions as `spec` asks.
 * @throws LifeError CONFIG_INVALID when the world has too few shards for the split.
 */
export function layoutRegions(spec: RegionSpec, geometry: Geometry): RegionLayout {
  const { columns, rows } = gridFor(spec, geometry);
  const shardCells = geometry.shardChunks * CHUNK_SIZE;
  const xs = evenSplit(geometry.shardsX, columns);
  const ys = evenSplit(geometry.shardsY, rows);
  const regions: Region[] = [];
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const shards = { x: xs[column]!, y: ys[row]!, w: xs[column + 1]! - xs[column]!, h: ys[row + 1]! - ys[row]! };
      const x = shards.x * shardCells;
      const y = shards.y * shardCells;
      const cells = {
        x,
        y,
        w: Math.min((shards.x + shards.w) * shardCells, geometry.width) - x,
        h: Math.min((shards.y + shards.h) * shardCells, geometry.height) - y,
      };
      const neighbourByDirection = DIRECTIONS.map(([dx, dy]) => {
        let c = column + dx;
        let r = row + dy;
        if (geometry.torus) {
          c = (c + columns) % columns;
          r = (r + rows) % rows;
        } else if (c < 0 || r < 0 || c >= columns || r >= rows) {
          return -1;
        }
        return r * columns + c;
      });
      const id = row * columns + column;
      const neighbours = [...new Set(neighbourByDirection.filter((n) => n >= 0 && n !== id))].sort((a, b) => a - b);
      regions.push({ id, column, row, shards, cells, neighbourByDirection, neighbours });
    }
  }
  return { columns, rows, regions };
}

/** The id of the region holding cell (x, y), which must be inside the world. */
export function regionOfCell(layout: RegionLayout, x: number, y: number): number {
  const column = findRun(layout.regions, layout.columns, (r) => r.cells.x, x, 1);
  const row = findRun(layout.regions, layout.rows, (r) => r.cells.y, y, layout.columns);
  return row * layout.columns + column;
}

/** The last of `count` runs (read from regions at index i * stride) whose start is <= v. */
function findRun(regions: readonly Region[], count: number, start: (r: Region) => number, v: number, stride: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (start(regions[mid * stride]!) <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Chunk indices owned by `region`, as a flag per chunk of the world (1: owned): what an
 * engine stepping only that region steps and keeps.
 */
export function ownedChunkMask(region: Region, geometry: Geometry): Uint8Array {
  const mask = new Uint8Array(geometry.chunksX * geometry.chunksY);
  const { x, y, w, h } = region.cells;
  for (let cy = y / CHUNK_SIZE; cy < (y + h) / CHUNK_SIZE; cy++) {
    for (let cx = x / CHUNK_SIZE; cx < (x + w) / CHUNK_SIZE; cx++) mask[geometry.chunkIndex(cx, cy)] = 1;
  }
  return mask;
}

/** The shards region `region` owns, as shard indices (`y * shardsX + x`): every shard is in exactly one region. */
export function shardsOfRegion(region: Region, shardsX: number): number[] {
  const { x, y, w, h } = region.shards;
  const shards: number[] = [];
  for (let sy = y; sy < y + h; sy++) for (let sx = x; sx < x + w; sx++) shards.push(sy * shardsX + sx);
  return shards;
}
