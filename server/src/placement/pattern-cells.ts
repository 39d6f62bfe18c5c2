/**
 * From an RLE pattern placement request to world cells: parse (bounded by the world and
 * the per-request cell limit), flip then rotate, and put the top-left at (x, y), wrapping
 * on a torus. Shared by every transport that places patterns, so they refuse the same
 * inputs with the same codes.
 */
import { LifeError, parseRle, transformCells, type Geometry, type PatternFlip, type PatternRotation } from '@lifemmo/shared';

/** A pattern placement as a client asks for it. */
export interface PatternRequest {
  readonly rle: string;
  /** Column and row of the top-left of the transformed pattern; must be inside the world. */
  readonly x: number;
  readonly y: number;
  readonly rotate?: PatternRotation;
  readonly flip?: PatternFlip;
}

/**
 * The world cells a pattern placement covers.
 * @throws LifeError LIFE_ERR_OUT_OF_WORLD (origin outside, or a cell outside a bounded world),
 *   LIFE_ERR_RLE_INVALID, LIFE_ERR_RLE_TOO_LARGE.
 */
export function patternCells(geometry: Geometry, request: PatternRequest, maxCells: number): Array<[number, number]> {
  const { rle, x, y } = request;
  const g = geometry;
  if (!g.contains(x, y)) {
    throw new LifeError('OUT_OF_WORLD', `Pattern origin (${x}, ${y}) is outside the ${g.width}x${g.height} world`);
  }
  const pattern = parseRle(rle, { maxWidth: g.width, maxHeight: g.height, maxCells });
  const box = transformCells(pattern.cells, pattern.width, pattern.height, {
    rotate: request.rotate ?? 0,
    flip: request.flip ?? 'none',
  });
  return box.cells.map(([px, py]): [number, number] => {
    const at = g.normalize(x + px, y + py);
    if (!at) {
      throw new LifeError('OUT_OF_WORLD', `Pattern cell (${x + px}, ${y + py}) is outside the ${g.width}x${g.height} world`);
    }
    return at;
  });
}
