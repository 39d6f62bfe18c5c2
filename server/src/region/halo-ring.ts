/**
 * The halo ring: the cells of a region on its own border, in one fixed order, so that a
 * halo can carry them as one bit per position (wire/halo-message.ts) and any receiver can
 * tell which cell a bit stands for from the sender's rectangle alone.
 *
 * Order: when the ring has rows, the top row left to right, then the bottom row; when it
 * has columns, the left column top to bottom, then the right column, each without the
 * corners the rows already hold. An axis the region spans entirely has no border on it
 * (on a torus its cells wrap onto the region itself; in a bounded world it meets the edge),
 * so a region as wide as the world sends rows only, and one region alone sends nothing.
 *
 * Pure arithmetic on a rectangle; no world.
 */
import type { Geometry, Rect } from '@lifemmo/shared';
import type { Region } from './layout.js';

/** Which border cells of a rectangle a halo carries. */
export interface RingShape {
  /** The sender's rectangle, in cells. */
  readonly rect: Rect;
  /** Top and bottom rows are on the ring. */
  readonly rows: boolean;
  /** Left and right columns are on the ring. */
  readonly columns: boolean;
}

/** The ring a region sends in a world of `geometry`. */
export function ringShapeOf(region: Region, geometry: Geometry): RingShape {
  const rect = region.cells;
  return { rect, rows: rect.h < geometry.height, columns: rect.w < geometry.width };
}

/** Rows on the ring (0, 1 or 2) and the first and last y of the columns' runs. */
function parts(shape: RingShape): { rowCount: number; columnCount: number; colY0: number; colLen: number } {
  const { y, w, h } = shape.rect;
  const rowCount = shape.rows ? Math.min(h, 2) : 0;
  const columnCount = shape.columns ? Math.min(w, 2) : 0;
  const colY0 = shape.rows ? y + 1 : y;
  const colLen = Math.max(0, shape.rows ? h - 2 : h);
  return { rowCount, columnCount, colY0, colLen };
}

/** Cells on the ring. */
export function ringLength(shape: RingShape): number {
  const p = parts(shape);
  return p.rowCount * shape.rect.w + p.columnCount * p.colLen;
}

/**
 * Call `fn(position, x, y)` for every cell of the ring, in ring order. Coordinates are
 * inside the world (the rectangle is).
 */
export function forEachRingCell(shape: RingShape, fn: (position: number, x: number, y: number) => void): void {
  const { x, y, w, h } = shape.rect;
  const p = parts(shape);
  let position = 0;
  for (let r = 0; r < p.rowCount; r++) {
    const ry = r === 0 ? y : y + h - 1;
    for (let i = 0; i < w; i++) fn(position++, x + i, ry);
  }
  for (let c = 0; c < p.columnCount; c++) {
    const cx = c === 0 ? x : x + w - 1;
    for (let i = 0; i < p.colLen; i++) fn(position++, cx, p.colY0 + i);
  }
}

/** The cell at ring `position` (0 <= position < ringLength), written into `out` as [x, y]. */
export function ringCellAt(shape: RingShape, position: number, out: [number, number]): [number, number] {
  const { x, y, w, h } = shape.rect;
  const p = parts(shape);
  const rowCells = p.rowCount * w;
  if (position < rowCells) {
    out[0] = x + (position % w);
    out[1] = position < w ? y : y + h - 1;
    return out;
  }
  const k = position - rowCells;
  out[0] = k < p.colLen ? x : x + w - 1;
  out[1] = p.colY0 + (k % p.colLen);
  return out;
}
