/**
 * Placements across regions, all or nothing at one generation (docs/regions.md,
 * "Placements across regions"). A placement (one player's cells) whose cells lie in
 * several regions is split by `regionOfCell`, and:
 *
 * 1. **Reserve** each part in its region (Engine.reserve): checked as a placement is (in the
 *    region, in the world, once, dead, not already spoken for) and marked spoken for. Each
 *    region answers with the earliest generation its part can be placed at.
 * 2. **Commit** every part at one generation, the largest of those, or **release** every
 *    part when any was refused: the caller gets that refusal, with its catalogue code, and
 *    no cell of the placement is anywhere.
 *
 * Why one generation can be kept: a region's tick to its reservation's generation waits for
 * the reservation (reservations.ts), so no region passes the generation it may be asked
 * for. Why nothing leaks: a reservation never committed is let go after its time to live.
 * Why the commits cannot half fail, in this process: they are sent only while every
 * reservation is surely still open (started less than the shortest time to live ago, less
 * `commitMarginMs`), and they are all applied in one synchronous pass. Across sims a commit
 * can be lost: there a coordinator passes `decide` (two-phase commit on the sims' logs,
 * placement-coordinator.ts), whose parts do not lapse once prepared, and a commit that did
 * not get through is the coordinator's to deliver again, not a refusal.
 *
 * The player's budget is not the regions' business: a caller that charges one passes a
 * `PlacementCharge`, taken before any region is asked and refunded when the placement is
 * refused, so a refused placement costs nothing anywhere.
 */
import { LifeError, errorFromCode } from '@lifemmo/shared';
import type { Reservation } from '../engine/index.js';
import { regionOfCell, type RegionLayout } from './layout.js';

/**
 * One region's side of a placement across regions: a RegionEngine in this process (its
 * calls are synchronous), a region's sim over the bus later. Reservations follow
 * Engine.reserve, commitReservation and releaseReservation.
 */
export interface PlacementParticipant {
  /** Reserve cells of this region for `owner`; throws (or rejects) with the refusal, reserving nothing. */
  reserve(cells: ReadonlyArray<readonly [number, number]>, owner: number): Reservation | Promise<Reservation>;
  /** Queue reservation `id` for `generation` (at least the reservation's). */
  commit(id: number, generation: number): void | Promise<void>;
  /** Let reservation `id` go; nothing happens when it is not open. */
  release(id: number): void | Promise<void>;
}

/**
 * The home of players' budgets, for a caller that charges them (docs/regions.md: one home
 * per player, not one per region). `refund` must not fail: a home that cannot write now
 * retries by itself.
 */
export interface PlacementCharge {
  /** Take `cells` from player `owner`'s budget, or take nothing and throw LIFE_ERR_BUDGET_EXCEEDED. */
  take(owner: number, cells: number): void | Promise<void>;
  /** Give back what `take` took: the placement was refused. */
  refund(owner: number, cells: number): void | Promise<void>;
}

/** How `placeAcrossRegions` runs. */
export interface AcrossOptions {
  /** Charged before the regions are asked, refunded on refusal; absent: nothing is charged. */
  readonly budget?: PlacementCharge;
  /**
   * Time kept in hand for the commits to reach every region before the first reservation's
   * time to live runs out, ms (default 0: regions in this process commit synchronously; over
   * a bus, at least a request's delivery time).
   */
  readonly commitMarginMs?: number;
  /** The clock, ms (default performance.now). */
  readonly now?: () => number;
  /**
   * Decide to commit at `generation` once every part is reserved (a coordinator makes its
   * decision durable here), or throw to refuse the placement (every part released). Given,
   * the commits are not checked against the reservations' time to live, and a commit that
   * fails after it is left to the caller to deliver again (`AcrossResult.undelivered`).
   */
  readonly decide?: (generation: number, regions: readonly number[]) => Promise<void>;
}

/** A placement across regions that was accepted. */
export interface AcrossResult {
  readonly accepted: number;
  /** Every cell is live from this generation on, in every region. */
  readonly generation: number;
  /** The regions it was placed in, ascending. */
  readonly regions: readonly number[];
  /** With `decide`: the regions whose commit did not get through (to deliver again); else empty. */
  readonly undelivered: readonly number[];
}

/** One region's part of a placement: its cells, and where each was in the whole request. */
export interface PlacementPart {
  readonly cells: Array<readonly [number, number]>;
  readonly indices: number[];
}

/**
 * Split `cells` by the region holding each, in request order within each part.
 * @throws LifeError OUT_OF_WORLD for a cell outside the world (as the intake says it),
 * VALIDATION for no cells at all
 */
export function splitByRegion(layout: RegionLayout, cells: ReadonlyArray<readonly [number, number]>): Map<number, PlacementPart> {
  if (cells.length === 0) throw new LifeError('VALIDATION', 'A placement needs at least one cell');
  const last = layout.regions[layout.regions.length - 1]!.cells;
  const width = last.x + last.w;
  const height = last.y + last.h;
  const parts = new Map<number, PlacementPart>();
  cells.forEach((cell, index) => {
    const [x, y] = cell;
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= width || y >= height) {
      throw new LifeError('OUT_OF_WORLD', `Cell ${index} (${x}, ${y}) is outside the ${width}x${height} world`, { index, x, y });
    }
    const id = regionOfCell(layout, x, y);
    let part = parts.get(id);
    if (part === undefined) parts.set(id, (part = { cells: [], indices: [] }));
    part.cells.push(cell);
    part.indices.push(index);
  });
  return parts;
}

/**
 * Place `cells` for `owner` in every region they fall in, all at one generation, or none.
 * `regions[id]` is region `id` of `layout`.
 * @returns the generation every cell is live from (the largest of the regions' next ones)
 * @throws LifeError the refusal of a part (LIFE_ERR_CELL_OCCUPIED, LIFE_ERR_DUPLICATE_CELL,
 * ...; the one of the earliest cell of the request among them, its `details.index` that
 * cell's index in the whole request, `details.region` its region), OUT_OF_WORLD, a budget's
 * BUDGET_EXCEEDED, VALIDATION when the regions are at different epochs (a reset under way),
 * PLACEMENT_EXPIRED when the reservations took longer than their time to live. Nothing of
 * the placement is placed, and the budget is refunded.
 */
export async function placeAcrossRegions(
  layout: RegionLayout,
  regions: readonly PlacementParticipant[],
  cells: ReadonlyArray<readonly [number, number]>,
  owner: number,
  options: AcrossOptions = {},
): Promise<AcrossResult> {
  if (regions.length !== layout.regions.length) {
    throw new LifeError('VALIDATION', `${regions.length} regions given for a layout of ${layout.regions.length}`);
  }
  const parts = splitByRegion(layout, cells);
  const budget = options.budget;
  if (budget !== undefined) await budget.take(owner, cells.length);
  try {
    const { generation, undelivered } = await reserveAndCommit(regions, parts, owner, options);
    return { accepted: cells.length, generation, regions: [...parts.keys()].sort((a, b) => a - b), undelivered };
  } catch (err) {
    if (budget !== undefined) await budget.refund(owner, cells.length);
    throw err;
  }
}

async function reserveAndCommit(
  regions: readonly PlacementParticipant[],
  parts: ReadonlyMap<number, PlacementPart>,
  owner: number,
  { commitMarginMs = 0, now = () => performance.now(), decide }: AcrossOptions,
): Promise<{ generation: number; undelivered: number[] }> {
  const entries = [...parts];
  const started = now();
  // 1. Reserve every part at once (an async call turns a synchronous refusal into a rejection).
  const outcomes = await Promise.allSettled(entries.map(async ([id, part]) => regions[id]!.reserve(part.cells, owner)));
  const reserved: Array<{ region: number; reservation: Reservation }> = [];
  let refusal: { error: unknown; index: number } | null = null;
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i]!;
    const [region, part] = entries[i]!;
    if (outcome.status === 'fulfilled') {
      reserved.push({ region, reservation: outcome.value });
      continue;
    }
    const error = inRequestTerms(outcome.reason, part, region);
    const at = error instanceof LifeError ? error.details?.index : undefined;
    const index = typeof at === 'number' ? at : -1;
    if (refusal === null || index < refusal.index) refusal = { error, index };
  }
  const releaseAll = () => Promise.allSettled(reserved.map(async ({ region, reservation }) => regions[region]!.release(reservation.id)));
  const fail = async (error: unknown): Promise<never> => {
    // A release that fails (a region out of reach) is let go by its time to live instead.
    await releaseAll();
    throw error;
  };
  if (refusal !== null) return fail(refusal.error);

  // 2. Check the reservations can all still be committed.
  const epochs = new Set(reserved.map((r) => r.reservation.epoch));
  if (epochs.size > 1) {
    return fail(new LifeError('VALIDATION', `Regions at epochs ${[...epochs].sort((a, b) => a - b).join(', ')}: a reset is under way; place again once it is done`));
  }
  const generation = Math.max(...reserved.map((r) => r.reservation.generation));
  if (decide !== undefined) {
    try {
      await decide(generation, reserved.map((r) => r.region).sort((a, b) => a - b));
    } catch (err) {
      return fail(err);
    }
  } else {
    const ttlMs = Math.min(...reserved.map((r) => r.reservation.ttlMs));
    const elapsed = now() - started;
    if (elapsed >= ttlMs - commitMarginMs) {
      return fail(new LifeError('PLACEMENT_EXPIRED', `Reserving in ${reserved.length} regions took ${Math.round(elapsed)} ms, too close to their ${ttlMs} ms time to live to commit`));
    }
  }

  // 3. Commit every part at the largest of their generations, in one pass with no await in
  //    it: with regions in this process, every part is queued before anything else runs.
  const commits = await Promise.allSettled(reserved.map(async ({ region, reservation }) => regions[region]!.commit(reservation.id, generation)));
  const undelivered = reserved.filter((_r, i) => commits[i]!.status === 'rejected').map((r) => r.region);
  const failed = commits.find((c): c is PromiseRejectedResult => c.status === 'rejected');
  // Decided: a commit not through yet is delivered again by the caller, never a refusal.
  if (failed !== undefined && decide === undefined) return fail(failed.reason);
  return { generation, undelivered };
}

/**
 * A part's refusal told in terms of the whole request: a cell's index in the part becomes
 * its index in the request (in `details.index` and in the intake's "Cell i (x, y) ..."
 * message), and `details.region` names the region.
 */
function inRequestTerms(err: unknown, part: PlacementPart, region: number): unknown {
  if (!(err instanceof LifeError)) return err;
  const partIndex = err.details?.index;
  if (typeof partIndex !== 'number' || part.indices[partIndex] === undefined) {
    return errorFromCode(err.code, err.message, { ...err.details, region });
  }
  const index = part.indices[partIndex];
  return errorFromCode(err.code, err.message.replace(/^Cell \d+ /, `Cell ${index} `), { ...err.details, index, region });
}
