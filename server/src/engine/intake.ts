/**
 * Intake: placements accepted between ticks, applied all at once at the next tick
 * boundary. A request is validated as a whole and queued as a whole (all or nothing).
 */
import { LifeError } from '@lifemmo/shared';
import type { World } from './world.js';

/** Queued placements: cell key (y * width + x) -> owner. */
export type PlacementBatch = ReadonlyMap<number, number>;

const EMPTY_BATCH: PlacementBatch = new Map();

/** The queue of placements for the next tick boundary. */
export class PlacementQueue {
  private pending = new Map<number, number>();
  // The batch the tick in progress took: its cells are spoken for until it commits.
  private inFlight: PlacementBatch = EMPTY_BATCH;

  constructor(private readonly world: World) {}

  /** Cells waiting for the next tick. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Validate and queue `cells` for `owner`. Every cell must be inside the world, appear
   * once, be dead now and not already queued; otherwise nothing is queued.
   * @throws LifeError LIFE_ERR_OUT_OF_WORLD, LIFE_ERR_DUPLICATE_CELL or LIFE_ERR_CELL_OCCUPIED
   */
  add(cells: ReadonlyArray<readonly [number, number]>, owner: number): void {
    const g = this.world.geometry;
    const keys = new Set<number>();
    for (let i = 0; i < cells.length; i++) {
      const [x, y] = cells[i]!;
      if (!g.contains(x, y)) {
        throw new LifeError('OUT_OF_WORLD', `Cell ${i} (${x}, ${y}) is outside the ${g.width}x${g.height} world`, { index: i, x, y });
      }
      const key = y * g.width + x;
      if (keys.has(key)) throw new LifeError('DUPLICATE_CELL', `Cell ${i} (${x}, ${y}) appears twice`, { index: i, x, y });
      if (this.world.cellAt(x, y) >= 0 || this.pending.has(key) || this.inFlight.has(key)) {
        throw new LifeError('CELL_OCCUPIED', `Cell ${i} (${x}, ${y}) is live or already placed`, { index: i, x, y });
      }
      keys.add(key);
    }
    for (const key of keys) this.pending.set(key, owner);
  }

  /** Take everything queued so far for the tick that starts now. */
  take(): PlacementBatch {
    const batch = this.pending;
    this.pending = new Map();
    this.inFlight = batch;
    return batch;
  }

  /** The tick that took the last batch has committed it. */
  settle(): void {
    this.inFlight = EMPTY_BATCH;
  }

  /** Everything queued (not yet taken by a tick), as [cell key, owner]. */
  queued(): Array<[number, number]> {
    return [...this.pending];
  }

  /** Queue saved placements again as they were, without checks (they were accepted once). */
  requeue(entries: ReadonlyArray<readonly [number, number]>): void {
    for (const [key, owner] of entries) this.pending.set(key, owner);
  }

  /** Put a batch back in front of the queue: its tick failed before committing it. */
  restore(batch: PlacementBatch): void {
    const merged = new Map(batch);
    for (const [key, owner] of this.pending) merged.set(key, owner);
    this.pending = merged;
    this.inFlight = EMPTY_BATCH;
  }

  /** Drop everything (world reset). */
  clear(): void {
    this.pending = new Map();
    this.inFlight = EMPTY_BATCH;
  }
}
