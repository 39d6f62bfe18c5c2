/**
 * The pattern palette: a single cell, the classic patterns (from their LifeWiki RLE) and
 * the player's own RLE, each turned into cells with @lifemmo/shared's parser and
 * transform, so the preview on the canvas and the cells sent are the same cells the
 * server would compute for `placePattern`.
 */
import type { CameraWorld } from './camera.js';
import { normalizeCell, parseRle, transformCells, type PatternBox, type PatternRotation } from '@lifemmo/shared/client';

/** One palette entry. */
export interface PaletteEntry {
  readonly id: string;
  readonly label: string;
  readonly rle: string;
}

/** The built-in patterns, in palette order. `cell` paints single cells (and by drag). */
export const BUILT_IN: readonly PaletteEntry[] = [
  { id: 'cell', label: 'Cell', rle: 'o!' },
  { id: 'glider', label: 'Glider', rle: 'x = 3, y = 3\nbo$2bo$3o!' },
  { id: 'lwss', label: 'LWSS', rle: 'x = 5, y = 4\nbo2bo$o4b$o3bo$4o!' },
  { id: 'r-pentomino', label: 'R-pentomino', rle: 'x = 3, y = 3\nb2o$2ob$bo!' },
  {
    id: 'gosper-gun',
    label: 'Gosper gun',
    rle:
      'x = 36, y = 9\n24bo11b$22bobo11b$12b2o6b2o12b2o$11bo3bo4b2o12b2o$2o8bo5bo3b2o14b$' +
      '2o8bo3bob2o4bobo11b$10bo5bo7bo11b$11bo3bo20b$12b2o!',
  },
];

/** Largest pattern the palette accepts, in cells and per side: a sanity limit before the server's own. */
export const PALETTE_LIMITS = { maxWidth: 512, maxHeight: 512, maxCells: 10_000 } as const;

/** The next clockwise rotation. */
export function nextRotation(r: PatternRotation): PatternRotation {
  return ((r + 90) % 360) as PatternRotation;
}

/**
 * The cells of an RLE pattern rotated clockwise by `rotate`, relative to its box's top-left.
 * @throws LifeError LIFE_ERR_RLE_INVALID (with line and column), LIFE_ERR_RLE_TOO_LARGE.
 */
export function patternCells(rle: string, rotate: PatternRotation = 0): PatternBox {
  const pattern = parseRle(rle, PALETTE_LIMITS);
  return transformCells(pattern.cells, pattern.width, pattern.height, { rotate });
}

/**
 * World cells of `box` placed with its centre on cell (x, y) (so the preview sits under
 * the pointer); wrapped on a torus of `width` x `height`, or null for a bounded world when
 * a cell falls outside.
 */
export function placeAt(
  box: PatternBox,
  x: number,
  y: number,
  world: CameraWorld,
): Array<[number, number]> | null {
  const left = x - Math.floor((box.width - 1) / 2);
  const top = y - Math.floor((box.height - 1) / 2);
  const out: Array<[number, number]> = [];
  for (const [dx, dy] of box.cells) {
    const cell = normalizeCell(world, left + dx, top + dy);
    if (cell === null) return null;
    out.push(cell);
  }
  return out;
}
