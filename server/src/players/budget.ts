/**
 * The placement budget: a token bucket per player, counted in cells. It holds at most
 * `capacity` cells and gains `refillPerGen` cells per generation. It is driven by the
 * generation number, not the wall clock, so a paused world does not refill and
 * `admin step` refills as many generations as it runs.
 */
import { LifeError } from '@lifemmo/shared';

/** Bucket size and refill rate, in cells and cells per generation. */
export interface BudgetOptions {
  readonly capacity: number;
  readonly refillPerGen: number;
}

/** One player's bucket. Starts full. */
export class PlacementBudget {
  readonly #options: BudgetOptions;
  #cells: number;
  #generation: number;

  constructor(options: BudgetOptions, generation: number) {
    this.#options = options;
    this.#cells = options.capacity;
    this.#generation = generation;
  }

  /** Cells available at `generation` (whole cells; the fraction keeps accruing). */
  available(generation: number): number {
    this.#refill(generation);
    return Math.floor(this.#cells);
  }

  /**
   * Take `cells` from the bucket at `generation`, or take nothing and throw.
   * @throws LifeError LIFE_ERR_BUDGET_EXCEEDED when fewer than `cells` are available.
   */
  take(cells: number, generation: number): void {
    this.check(cells, generation);
    this.#cells -= cells;
  }

  /**
   * Throw when `cells` could not be taken at `generation`; takes nothing.
   * @throws LifeError LIFE_ERR_BUDGET_EXCEEDED
   */
  check(cells: number, generation: number): void {
    const available = this.available(generation);
    if (cells > available) {
      const { capacity, refillPerGen } = this.#options;
      const why =
        cells > capacity
          ? `the budget holds at most ${capacity} cells`
          : `${available} cells available, refilling ${refillPerGen} per generation`;
      throw new LifeError('BUDGET_EXCEEDED', `Placement budget exceeded: asked for ${cells} cells, ${why}`, {
        available,
        capacity,
        refillPerGen,
      });
    }
  }

  /** The bucket as stored in a snapshot: cells (may be fractional) as of a generation. */
  save(): { cells: number; generation: number } {
    return { cells: this.#cells, generation: this.#generation };
  }

  /** A bucket as it was saved. */
  static restore(options: BudgetOptions, saved: { cells: number; generation: number }): PlacementBudget {
    const budget = new PlacementBudget(options, saved.generation);
    budget.#cells = Math.min(options.capacity, saved.cells);
    return budget;
  }

  /**
   * Give back `cells` taken at `generation` or before: the placement they paid for was
   * refused after all (one across regions, docs/regions.md). Never above the capacity.
   */
  refund(cells: number, generation: number): void {
    this.#refill(generation);
    this.#cells = Math.min(this.#options.capacity, this.#cells + cells);
  }

  /** Take up to `cells` without refusing (replaying placements that were accepted). */
  charge(cells: number, generation: number): void {
    this.#refill(generation);
    this.#cells = Math.max(0, this.#cells - cells);
  }

  #refill(generation: number): void {
    if (generation < this.#generation) {
      // The world was reset to an earlier generation: start over with a full bucket.
      this.#cells = this.#options.capacity;
    } else {
      const gained = (generation - this.#generation) * this.#options.refillPerGen;
      this.#cells = Math.min(this.#options.capacity, this.#cells + gained);
    }
    this.#generation = generation;
  }
}
