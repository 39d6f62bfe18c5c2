/**
 * Placing cells for a player, in the sim: the one path every placement goes through
 * (REST and WebSocket, via any gateway), so the per-request limit and the budget are
 * the same everywhere. Gateways count placements in their metrics (gateway/sim-link.ts).
 *
 * Order of checks: request size, then budget, then the engine's own checks (in the
 * world, no duplicates, not live, not pending). All or nothing: the budget is charged
 * only once the engine has accepted every cell, and both steps are synchronous, so no
 * tick or other request can slip in between.
 */
import { LifeError } from '@lifemmo/shared';
import type { Engine } from '../engine/index.js';
import { PlacementBudget, type BudgetOptions } from '../players/budget.js';

/** Limits of PlacementService. */
export interface PlacementOptions {
  readonly budget: BudgetOptions;
  readonly maxCellsPerRequest: number;
}

/** What an accepted placement answers: how many cells, live at which generation. */
export interface PlacementResult {
  readonly accepted: number;
  readonly generation: number;
}

/**
 * Where accepted placements are made durable before they are acknowledged. `placed`
 * must record the placement synchronously (its order against ticks matters) and
 * resolve once it is on stable storage.
 */
export interface PlacementJournal {
  /** Throw LIFE_ERR_STORE_FAILED when nothing can be made durable now (checked first). */
  assertWritable(): void;
  placed(owner: number, generation: number, cells: ReadonlyArray<readonly [number, number]>): Promise<void>;
}

/** A saved budget: cells available as of a generation. */
export interface SavedBudget {
  readonly id: number;
  readonly cells: number;
  readonly generation: number;
}

/** Places cells on the engine on behalf of players, charging their budgets. */
export class PlacementService {
  readonly #engine: Engine;
  readonly #options: PlacementOptions;
  readonly #budgets = new Map<number, PlacementBudget>();
  #journal: PlacementJournal | null = null;
  /** Takes (`take`) neither refunded nor settled yet: see `unsettledTakes`. */
  #unsettled = 0;

  constructor(engine: Engine, options: PlacementOptions) {
    this.#engine = engine;
    this.#options = options;
  }

  /** Make every accepted placement durable here before it is acknowledged. */
  setJournal(journal: PlacementJournal | null): void {
    this.#journal = journal;
  }

  /**
   * Place `cells` (world coordinates) for player `owner`. They are live at the returned
   * generation (the next one). Resolves once the placement is durable (with a journal),
   * so the caller may acknowledge it.
   * @throws LifeError LIFE_ERR_TOO_MANY_CELLS, LIFE_ERR_BUDGET_EXCEEDED, the engine's
   *   LIFE_ERR_OUT_OF_WORLD, LIFE_ERR_DUPLICATE_CELL, LIFE_ERR_CELL_OCCUPIED, and
   *   LIFE_ERR_STORE_FAILED when it could not be made durable (not acknowledged).
   */
  async place(owner: number, cells: ReadonlyArray<readonly [number, number]>): Promise<PlacementResult> {
    // Refused before the world is touched while the log cannot be written (a full disk).
    this.#journal?.assertWritable();
    const result = this.#accept(owner, cells);
    if (this.#journal !== null) await this.#journal.placed(owner, result.generation, cells);
    return result;
  }

  /**
   * Refuse a request of more cells than one may hold.
   * @throws LifeError LIFE_ERR_TOO_MANY_CELLS
   */
  assertSize(cells: number): void {
    if (cells > this.#options.maxCellsPerRequest) {
      throw new LifeError('TOO_MANY_CELLS', `Too many cells in one request: ${cells}, at most ${this.#options.maxCellsPerRequest}`);
    }
  }

  /**
   * Take `cells` from player `owner`'s budget for a placement placed elsewhere (across
   * regions: region/bus-placement.ts), or take nothing. Each take is then either refunded
   * (`refund`) or settled (`settle`, once the log holds what charges it on replay).
   * @throws LifeError LIFE_ERR_BUDGET_EXCEEDED
   */
  take(owner: number, cells: number): void {
    const budget = this.#budgetOf(owner);
    const now = this.#engine.generation;
    budget.check(cells, now);
    budget.take(cells, now);
    this.#unsettled++;
  }

  /** Give back what `take` took: the placement was refused after all. Settles that take. */
  refund(owner: number, cells: number): void {
    this.#budgetOf(owner).refund(cells, this.#engine.generation);
    this.#unsettled--;
  }

  /** A take's placement is in the log (the record that charges it on replay is durable). */
  settle(): void {
    this.#unsettled--;
  }

  /**
   * Takes neither refunded nor settled. While there are any, the budgets differ from what the
   * log says (the record that charges a take, the home's `decide`, is durable after it, once
   * every part is prepared): a snapshot now would count the take, and the replay of that
   * record after it would count it again (Persistence waits for none).
   */
  get unsettledTakes(): number {
    return this.#unsettled;
  }

  /** Validate, charge and queue, synchronously: no tick or request can slip in between. */
  #accept(owner: number, cells: ReadonlyArray<readonly [number, number]>): PlacementResult {
    this.assertSize(cells.length);
    const budget = this.#budgetOf(owner);
    const now = this.#engine.generation;
    budget.check(cells.length, now);
    const { generation } = this.#engine.place(cells, owner);
    budget.take(cells.length, now);
    return { accepted: cells.length, generation };
  }

  /** Every budget, for a snapshot. */
  saveBudgets(): SavedBudget[] {
    return [...this.#budgets].map(([id, budget]) => ({ id, ...budget.save() }));
  }

  /** Put back saved budgets (recovery). */
  restoreBudgets(saved: readonly SavedBudget[]): void {
    for (const b of saved) this.#budgets.set(b.id, PlacementBudget.restore(this.#options.budget, b));
  }

  /** Charge a replayed placement (recovery): it was accepted once, so it is never refused now. */
  chargeReplayed(owner: number, cells: number, generation: number): void {
    this.#budgetOf(owner).charge(cells, generation);
  }

  /** Forget player `owner`'s budget (it was removed): whoever gets the id next starts full. */
  dropBudget(owner: number): void {
    this.#budgets.delete(owner);
  }

  /** Whole cells player `owner` may place now. */
  available(owner: number): number {
    return this.#budgetOf(owner).available(this.#engine.generation);
  }

  #budgetOf(owner: number): PlacementBudget {
    let budget = this.#budgets.get(owner);
    if (!budget) {
      budget = new PlacementBudget(this.#options.budget, this.#engine.generation);
      this.#budgets.set(owner, budget);
    }
    return budget;
  }
}
