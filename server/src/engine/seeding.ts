/**
 * Seeding: the life a world starts with at generation 0, owned by nobody (owner 0). A
 * recipe (random soup patches and RLE patterns) plus the world's seed give the same cells
 * on every run, so the log records the recipe, not the cells: replaying a seeded reset
 * rebuilds the same world (docs/configuration.md, "A living world").
 *
 * The soup is a grid: the world is cut into `spacing` x `spacing` blocks and each block
 * gets one `patch` x `patch` square of random cells, centred in it, each cell live with
 * probability `density`. Spread out like that, activity reaches every part of the world
 * while the live area stays a small fraction of it (the tick's cost follows live chunks).
 */
import { mulberry32, parseRle, type Geometry } from '@lifemmo/shared';
import { NEUTRAL } from './owners.js';
import type { World } from './world.js';

/** One RLE pattern of a recipe, its top-left corner at (x, y). */
export interface SeedPattern {
  readonly x: number;
  readonly y: number;
  readonly rle: string;
}

/** What a world is seeded with (see the module comment). */
export interface Seeding {
  readonly soup: {
    /** Probability 0..1 that a cell of a patch is live; 0: no soup. */
    readonly density: number;
    /** Side of each soup patch, cells. */
    readonly patch: number;
    /** Side of the block each patch is centred in, cells (at least `patch`). */
    readonly spacing: number;
  };
  readonly patterns: readonly SeedPattern[];
}

/**
 * Mixed into the world's seed for the soup's generator, so the soup is not the same
 * sequence as other draws from the seed (mulberry32 of the bare seed is used elsewhere).
 */
const SOUP_STREAM = 0x50_0b_5e_ed;

/**
 * Call `live(x, y)` for every cell the recipe makes live in a world of this geometry,
 * drawn from `seed`: patterns first (wrapped on a torus, clipped when bounded), then the
 * soup patches block by block, row by row. A cell may be named twice (a pattern on a
 * soup); it is live once.
 */
export function forEachSeededCell(seeding: Seeding, seed: number, geometry: Geometry, live: (x: number, y: number) => void): void {
  for (const pattern of seeding.patterns) {
    for (const [dx, dy] of parseRle(pattern.rle).cells) {
      let x = pattern.x + dx;
      let y = pattern.y + dy;
      if (geometry.torus) {
        x = geometry.wrapX(x);
        y = geometry.wrapY(y);
      } else if (!geometry.contains(x, y)) {
        continue;
      }
      live(x, y);
    }
  }
  const { density, patch, spacing } = seeding.soup;
  if (density <= 0) return;
  const random = mulberry32((seed ^ SOUP_STREAM) >>> 0);
  for (let by = 0; by < geometry.height; by += spacing) {
    for (let bx = 0; bx < geometry.width; bx += spacing) {
      // A block cut short by the world's edge still gets its patch, centred in what is left.
      const x0 = bx + Math.max(0, Math.floor((Math.min(spacing, geometry.width - bx) - patch) / 2));
      const y0 = by + Math.max(0, Math.floor((Math.min(spacing, geometry.height - by) - patch) / 2));
      const x1 = Math.min(x0 + patch, geometry.width);
      const y1 = Math.min(y0 + patch, geometry.height);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (random() < density) live(x, y);
    }
  }
}

/** Make the recipe's cells live in `world` at once, owned by nobody (inside a reset). */
export function plantSeeding(world: World, seeding: Seeding): void {
  forEachSeededCell(seeding, world.seed, world.geometry, (x, y) => world.setCell(x, y, NEUTRAL));
}

/** Most live cells a recipe may ask for (config checks it): a generation 0 that builds in well under a second. */
export const MAX_SEEDED_CELLS = 4_194_304;

/** Upper bound of the live cells a recipe makes in a world of `width` x `height` (soup cells counted at density 1). */
export function seededCellsBound(seeding: Seeding, width: number, height: number): number {
  const { density, patch, spacing } = seeding.soup;
  const soup = density <= 0 ? 0 : Math.ceil(width / spacing) * Math.ceil(height / spacing) * Math.min(patch, spacing) ** 2;
  return soup + seeding.patterns.reduce((n, p) => n + parseRle(p.rle).cells.length, 0);
}
