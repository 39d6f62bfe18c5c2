/**
 * Halos: what a region needs from its neighbours to step one generation, and how it is
 * taken from one world and laid into another.
 *
 * A region's halo of generation g is its own border ring (halo-ring.ts) as committed at g:
 * which cells are live and their owners. It names the world's epoch too (resets so far):
 * generation 0 of the world after a reset is not generation 0 of the world before it. Owners travel because births need them: a
 * newborn takes the owner most of its parents hold (engine/owners.ts), and a newborn on a
 * region's edge has parents on the far side. One halo serves every neighbour: each takes
 * the cells that touch its own rectangle (its ghost ring) and ignores the rest.
 *
 * A region's engine holds its neighbours' cells only as ghosts, live for the one tick that
 * reads them: laid in before the tick decides and dropped at its commit (engine/tick-loop.ts,
 * `EngineArea`). The kernel reads one cell past a chunk's edge and the owner rule reads a
 * cell's eight neighbours, so the ring of cells touching the region is all a step reads
 * from outside it: the same cells, owners and fault draws (drawn from world coordinates)
 * as one engine stepping the whole world.
 */
import { mod, type Geometry, type Rect } from '@lifemmo/shared';
import type { World } from '../engine/world.js';
import { forEachRingCell, ringCellAt, type RingShape } from './halo-ring.js';

/** One region's border at one generation. */
export interface Halo {
  /** The sending region's id. */
  readonly region: number;
  /** The world's epoch when the cells were committed (World.epoch: resets so far). */
  readonly epoch: number;
  /** The generation the cells are of (committed). */
  readonly generation: number;
  readonly shape: RingShape;
  /** Ring positions of the live cells, ascending. */
  readonly positions: Uint32Array;
  /** Owner of each live cell, same order. */
  readonly owners: Uint16Array;
}

/** Read region `region`'s halo (its ring `shape`) from `world`, which holds its cells at `world.generation` of `world.epoch`. */
export function extractHalo(world: World, region: number, shape: RingShape): Halo {
  const positions: number[] = [];
  const owners: number[] = [];
  forEachRingCell(shape, (position, x, y) => {
    const owner = world.cellAt(x, y);
    if (owner < 0) return;
    positions.push(position);
    owners.push(owner);
  });
  return { region, epoch: world.epoch, generation: world.generation, shape, positions: Uint32Array.from(positions), owners: Uint16Array.from(owners) };
}

/**
 * True when v lies within one cell of [start, start + length) along an axis of `size`
 * cells: wrapped on a torus, plainly in a bounded world.
 */
function withinOne(v: number, start: number, length: number, size: number, torus: boolean): boolean {
  if (!torus) return v >= start - 1 && v <= start + length;
  if (length + 2 >= size) return true;
  return mod(v - start + 1, size) < length + 2;
}

/** The cells around one region that its step reads from outside: its ghost ring. */
export class GhostRing {
  constructor(
    private readonly geometry: Geometry,
    /** The region's rectangle, in cells. */
    private readonly rect: Rect,
  ) {}

  /** True when (x, y), inside the world, touches the region (8-neighbourhood) without being in it. */
  holds(x: number, y: number): boolean {
    const { rect, geometry: g } = this;
    const inside = x >= rect.x && x < rect.x + rect.w && y >= rect.y && y < rect.y + rect.h;
    return !inside && withinOne(x, rect.x, rect.w, g.width, g.torus) && withinOne(y, rect.y, rect.h, g.height, g.torus);
  }

  /**
   * Lay the cells of `halo` that fall on this ring into `world` as live ghosts with their
   * owners. Returns how many it laid.
   */
  apply(world: World, halo: Halo): number {
    const at: [number, number] = [0, 0];
    let laid = 0;
    for (let i = 0; i < halo.positions.length; i++) {
      ringCellAt(halo.shape, halo.positions[i]!, at);
      if (!this.holds(at[0], at[1])) continue;
      world.setCell(at[0], at[1], halo.owners[i]!);
      laid++;
    }
    return laid;
  }
}
