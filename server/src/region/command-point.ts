/**
 * Where in the world's history an admin command takes effect when the world is split into
 * regions (docs/regions.md, "Admin at generation g"). Every region is given the same
 * command for the same point, epoch e and generation g, and applies it when it reaches g,
 * before its tick to g + 1 (RegionEngine.admin); a region already past g refuses it with
 * LIFE_ERR_GENERATION_PASSED. This module is the rule a caller (a gateway broadcasting to
 * every region's sim, or a test) uses to choose the point from the regions' own.
 */
import { LifeError } from '@lifemmo/shared';
import type { WorldPoint } from '../engine/index.js';

/** Where one region is: its epoch, generation, and whether its loop is paused (RegionEngine.point). */
export interface RegionPoint extends WorldPoint {
  readonly paused: boolean;
  /**
   * A tick from `generation` has begun (waiting for halos, or stepping): the region can be
   * read at the next generation at the earliest (readPoint). Absent: false.
   */
  readonly ticking?: boolean;
}

/**
 * The point at which to give every region one admin command, from where each region is.
 *
 * - Every region paused: the generation they are all at. A paused world does not move, so
 *   every region applies the command at once, and none can be past it.
 * - Every region running: the largest generation plus `lead`. Regions in lock-step are a few
 *   generations apart at most (one per neighbour between them), and the ones behind simply
 *   reach g later; `lead` is how many generations the one ahead may step while the command
 *   is on its way, so it must exceed that (a gateway: 1 + its request timeout over TICK_MS).
 *
 * @param lead generations given to a running world to receive the command (at least 1)
 * @throws LifeError VALIDATION when the regions are at different epochs (a reset still
 * under way: ask again once its replies are in), when some are paused and some not, or
 * when paused ones are at different generations: the world is not at one point, which
 * commands given this way never leave it in (see the known limits in docs/regions.md).
 */
export function commandPoint(regions: readonly RegionPoint[], lead: number): WorldPoint {
  if (regions.length === 0) throw new LifeError('VALIDATION', 'No regions to command');
  if (!Number.isInteger(lead) || lead < 1) throw new LifeError('VALIDATION', `The lead must be a whole number of generations from 1, got ${lead}`);
  const epoch = regions[0]!.epoch;
  if (regions.some((r) => r.epoch !== epoch)) {
    throw new LifeError('VALIDATION', `Regions at epochs ${describe(regions.map((r) => r.epoch))}: a reset is under way`);
  }
  const paused = regions.filter((r) => r.paused).length;
  const generations = regions.map((r) => r.generation);
  if (paused === regions.length) {
    if (new Set(generations).size !== 1) throw new LifeError('VALIDATION', `Regions paused at generations ${describe(generations)}`);
    return { epoch, generation: generations[0]! };
  }
  if (paused > 0) throw new LifeError('VALIDATION', `${paused} of ${regions.length} regions are paused`);
  return { epoch, generation: Math.max(...generations) + lead };
}

function describe(values: readonly number[]): string {
  return [...new Set(values)].sort((a, b) => a - b).join(', ');
}

/**
 * The point at which to read every region at once (docs/regions.md, "Reads at one point"):
 * the furthest generation a region can still be read at (its own, or the next when a tick
 * from it has begun), plus `ahead` (an asker's later tries). Each region answers between
 * two ticks, when at that point (no neighbour's border laid in its world, nothing half
 * stepped); the ones behind reach it within about a tick of lock-step, and one that moved
 * past it meanwhile refuses (the asker reads again, further ahead).
 *
 * @returns null when no point can be waited for: regions at different epochs (a reset
 * under way), or one paused behind the furthest (a pause at a point under way, or a world
 * an admin command left split). Ask again shortly.
 */
export function readPoint(regions: readonly RegionPoint[], ahead = 0): WorldPoint | null {
  if (regions.length === 0) throw new LifeError('VALIDATION', 'No regions to read');
  const epoch = regions[0]!.epoch;
  if (regions.some((r) => r.epoch !== epoch)) return null;
  const generation = Math.max(...regions.map((r) => r.generation + (r.ticking === true ? 1 : 0))) + ahead;
  if (regions.some((r) => r.paused && r.generation < generation)) return null;
  return { epoch, generation };
}
