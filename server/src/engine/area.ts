/**
 * An engine's area: the part of the world it steps, when it steps a region rather than the
 * whole world (docs/regions.md). The engine keeps the world's full geometry, so chunk
 * indices, cell coordinates and every fault draw (a hash of seed, generation, x, y) are
 * the same as in one engine stepping everything; it just owns fewer chunks.
 *
 * The cells outside the area that a step reads (the one-cell ring around it) are laid in
 * by `fillBorder` as ghosts before the tick decides and dropped at its commit, so between
 * ticks the world holds exactly the area's cells, and every read (population, owners,
 * snapshots, diffs) is the area's.
 */
import type { World } from './world.js';

/** The chunks an engine owns, and where the cells around them come from. */
export interface EngineArea {
  /** A flag per chunk of the world (index cy * chunksX + cx): 1 for a chunk the engine steps and keeps. */
  readonly owned: Uint8Array;
  /**
   * Lay into `world` the live cells outside the area that stepping from `generation` reads,
   * as they are at that generation, with their owners. Awaited at the start of every tick,
   * before intake: a tick waits here for its neighbours, so this is where lock-step happens.
   * Must reject soon after `signal` aborts (the engine is stopping: a neighbour that is
   * gone must not keep it from stopping).
   */
  fillBorder(world: World, generation: number, signal: AbortSignal): Promise<void>;
}

/** Drop every chunk outside the area: the ghosts of the last border, or cells planted world-wide. */
export function dropOutside(world: World, owned: Uint8Array): void {
  for (const chunk of world.chunks) if (owned[chunk.index] !== 1) world.dropChunk(chunk);
}
