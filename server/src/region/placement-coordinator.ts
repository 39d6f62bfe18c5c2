/**
 * The home's side of placements across sims: the coordinator of a two-phase commit on the
 * sims' logs (docs/regions.md, "Placements across regions"). The home (region 0: players
 * and budgets) takes every placement batch from the gateways and places each one:
 *
 * - all its cells in the home region: as a whole world does (PlacementService.place:
 *   budget, intake, log, acknowledged once durable);
 * - otherwise as transaction `tx` (`placeAcrossRegions` with `decide`):
 *   1. the budget is taken at home;
 *   2. every region's part is **prepared** (prepared-parts.ts: reserved, and durable in that
 *      region's log before it answers yes);
 *   3. the home **decides**: a `decide` record (the transaction, the generation, the
 *      regions, and the whole placement's charge) made durable in the home's log. Only now
 *      is the placement acknowledged: every part is durable where it will land, and the
 *      decision durable where every part can ask for it;
 *   4. every part is **committed** at that generation, each commit delivered again until its
 *      region answers (a region away holds its tick, and its neighbours', meanwhile); once
 *      all have answered, a `done` record lets the transaction go.
 *
 *   A refusal anywhere aborts every part and refunds the budget: nothing placed.
 *
 * A part that hears nothing asks the home (`outcome`): a decided transaction is "commit at
 * g"; one still preparing is aborted there and then (the home then refuses the placement,
 * PLACEMENT_EXPIRED), so a part never waits on a coordinator that is slow; and one the home
 * does not know was never decided (presumed abort: the home forgets a transaction only
 * once aborted, or once every part has its commit).
 *
 * A restarted home replays its `decide` and `done` records (`replayDecided`, `replayDone`)
 * and delivers every decided transaction's commits again (`resume`). While a transaction is
 * decided and not done, the home takes no snapshot (`inFlight`): the snapshot would not
 * hold the decision that parts may still ask for.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { LifeError } from '@lifemmo/shared';
import type { PlacementJournal, PlacementResult, PlacementService } from '../placement/placement-service.js';
import type { RegionLayout } from './layout.js';
import { placeAcrossRegions, splitByRegion, type PlacementCharge, type PlacementParticipant } from './placement-across.js';
import type { Outcome, PreparedParts } from './prepared-parts.js';

/** Where the home logs its decisions (store/persistence.ts). */
export interface DecisionJournal extends PlacementJournal {
  /**
   * Transaction `tx` is decided: its parts land at `generation` in `regions`, and `owner`
   * is charged `cells` (the whole placement's). Durable when the promise resolves.
   */
  decided(tx: string, owner: number, generation: number, cells: number, regions: readonly number[]): Promise<void>;
  /** Every part of `tx` has its commit: the home may forget it (logged, not awaited). */
  done(tx: string): void;
}

/** What the coordinator places with. */
export interface CoordinatorOptions {
  readonly layout: RegionLayout;
  /** The home's region id (0). */
  readonly home: number;
  /** The home's budgets and its placements within its own region. */
  readonly placement: PlacementService;
  readonly journal: DecisionJournal;
  /** The home's own parts of placements across regions. */
  readonly parts: PreparedParts;
  /** Region `id`'s part of transaction `tx`, over the bus (never the home's). */
  readonly remote: (id: number, tx: string) => PlacementParticipant;
  /** How long between deliveries of a commit that did not get through, ms. */
  readonly retryMs: number;
  readonly log: Logger;
}

type Transaction =
  | { readonly state: 'preparing' }
  | { readonly state: 'decided'; readonly generation: number; readonly regions: readonly number[]; readonly durable: Promise<void> };

/** See the module comment. */
export class PlacementCoordinator {
  readonly #o: CoordinatorOptions;
  readonly #charge: PlacementCharge;
  readonly #txs = new Map<string, Transaction>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(options: CoordinatorOptions) {
    this.#o = options;
    this.#charge = { take: (owner, cells) => options.placement.take(owner, cells), refund: (owner, cells) => options.placement.refund(owner, cells) };
  }

  /** Transactions decided whose commits have not all been answered: the home's log holds what a snapshot would not. */
  get inFlight(): number {
    let n = 0;
    for (const tx of this.#txs.values()) if (tx.state === 'decided') n++;
    return n;
  }

  /**
   * Place `cells` for `owner`, all at one generation in every region they touch, or none;
   * resolves once the placement is durable everywhere (prepared in each region, decided at home).
   * @throws LifeError as PlacementService.place, and PLACEMENT_EXPIRED / SIM_UNAVAILABLE
   *   when a region did not answer in time (nothing placed, the budget refunded)
   */
  async place(owner: number, cells: ReadonlyArray<readonly [number, number]>): Promise<PlacementResult> {
    const { layout, home, placement, journal, parts } = this.#o;
    placement.assertSize(cells.length);
    const split = cells.length === 0 ? null : splitByRegion(layout, cells);
    if (split === null || (split.size === 1 && split.has(home))) return placement.place(owner, cells);
    journal.assertWritable();
    const tx = randomUUID();
    this.#txs.set(tx, { state: 'preparing' });
    const participants = layout.regions.map((r) => (r.id === home ? parts.participant(tx) : this.#o.remote(r.id, tx)));
    try {
      const placed = await placeAcrossRegions(layout, participants, cells, owner, {
        budget: this.#charge,
        decide: (generation, regions) => this.#decide(tx, owner, cells.length, generation, regions),
      });
      if (placed.undelivered.length === 0) this.#done(tx);
      else this.#deliverLater(tx, placed.undelivered);
      return { accepted: placed.accepted, generation: placed.generation };
    } finally {
      // Refused or aborted: forgotten, which is "abort" to any part that asks.
      if (this.#txs.get(tx)?.state === 'preparing') this.#txs.delete(tx);
    }
  }

  /** What became of transaction `tx`, for a part that asks (see the module comment). */
  async outcome(tx: string): Promise<Outcome> {
    const known = this.#txs.get(tx);
    if (known === undefined) return { outcome: 'abort' };
    if (known.state === 'preparing') {
      // Slower than the parts wait: aborted now, and the placement refused (#decide).
      this.#txs.delete(tx);
      return { outcome: 'abort' };
    }
    await known.durable;
    return { outcome: 'commit', generation: known.generation };
  }

  /** A `decide` record met while replaying (its charge is the budget's business). */
  replayDecided(tx: string, generation: number, regions: readonly number[]): void {
    this.#txs.set(tx, { state: 'decided', generation, regions, durable: Promise.resolve() });
  }

  /** A `done` record met while replaying. */
  replayDone(tx: string): void {
    this.#txs.delete(tx);
  }

  /** After the replay: deliver every decided transaction's commits again (answered at once where they landed already). */
  resume(): void {
    for (const [tx, known] of this.#txs) if (known.state === 'decided') this.#deliverLater(tx, known.regions, 0);
  }

  /** Stop delivering (the sim stops; its log keeps every decision for the next start). */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #decide(tx: string, owner: number, cells: number, generation: number, regions: readonly number[]): Promise<void> {
    if (this.#txs.get(tx)?.state !== 'preparing') {
      throw new LifeError('PLACEMENT_EXPIRED', 'A region asked what became of this placement before every part was prepared, and it was aborted; place it again');
    }
    const durable = this.#o.journal.decided(tx, owner, generation, cells, regions);
    this.#txs.set(tx, { state: 'decided', generation, regions, durable });
    try {
      await durable;
    } catch (err) {
      // Not durable: not decided. Parts that ask hear "abort"; the placement is refused.
      this.#txs.delete(tx);
      throw err;
    }
    // The take is in the log (the record charges it on replay): a snapshot may count it.
    this.#o.placement.settle();
  }

  #done(tx: string): void {
    this.#txs.delete(tx);
    this.#o.journal.done(tx);
  }

  /** Deliver the commits of decided `tx` to `regions` in `ms`, again every retryMs for those not through. */
  #deliverLater(tx: string, regions: readonly number[], ms = this.#o.retryMs): void {
    const known = this.#txs.get(tx);
    if (known?.state !== 'decided' || this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      const part = (id: number) => (id === this.#o.home ? this.#o.parts.participant(tx) : this.#o.remote(id, tx));
      void Promise.allSettled(regions.map(async (id) => part(id).commit(0, known.generation))).then((commits) => {
        const left = regions.filter((_id, i) => commits[i]!.status === 'rejected');
        if (left.length === 0) this.#done(tx);
        else {
          this.#o.log.warn({ tx, regions: left }, 'a decided placement’s commit did not reach every region: delivering it again');
          this.#deliverLater(tx, left);
        }
      });
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }
}
