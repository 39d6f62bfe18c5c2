/**
 * A split world's placements as one region's sim runs them (docs/regions.md, "Placements
 * across regions"): its parts of placement transactions (PreparedParts, every region), the
 * home's coordinator (PlacementCoordinator, region 0 only), both served on the sims' bus
 * and both replayed from the region's log. Built before the log is recovered.
 */
import type { Logger } from 'pino';
import type { Bus, BusSubscription } from '../bus/index.js';
import type { PlacementResult, PlacementService } from '../placement/placement-service.js';
import type { Engine } from '../engine/index.js';
import type { TransactionReplay } from '../store/persistence.js';
import type { Subjects } from '../wire/index.js';
import { BusParticipant, askOutcome, servePlacementParts } from './bus-placement.js';
import type { RegionLayout } from './layout.js';
import { PlacementCoordinator, type DecisionJournal } from './placement-coordinator.js';
import { PreparedParts, type PartJournal } from './prepared-parts.js';

/** What a region's placements are made of. */
export interface RegionPlacementsOptions {
  readonly layout: RegionLayout;
  readonly regionId: number;
  readonly engine: Engine;
  /** The region's budgets (the home's are the players'). */
  readonly placement: PlacementService;
  /** The region's log, where its transactions replay to. */
  readonly journal: PartJournal & DecisionJournal & { setTransactions(replay: TransactionReplay): void };
  /** The bus to the other regions' sims. */
  readonly peers: Bus;
  readonly subjects: Subjects;
  /** A request to another sim fails after this long, ms. */
  readonly timeoutMs: number;
  /** A prepared part that hears nothing asks the home after this long, ms (PreparedParts). */
  readonly askAfterMs: number;
  /** A decided commit not answered is delivered again after this long, ms (PlacementCoordinator). */
  readonly retryMs: number;
  readonly log: Logger;
}

/** See the module comment. */
export class RegionPlacements {
  readonly parts: PreparedParts;
  /** The home's (region 0); null elsewhere. */
  readonly coordinator: PlacementCoordinator | null;
  readonly #o: RegionPlacementsOptions;

  constructor(o: RegionPlacementsOptions) {
    this.#o = o;
    const home = o.regionId === 0;
    this.parts = new PreparedParts(o.engine, o.journal, {
      // The home asks itself; another region asks the home over the sims' bus.
      askOutcome: (tx) => (home ? this.coordinator!.outcome(tx) : askOutcome(o.peers, o.subjects.part(0), o.timeoutMs, tx)),
      askAfterMs: o.askAfterMs,
      log: o.log,
    });
    this.coordinator = home
      ? new PlacementCoordinator({
          layout: o.layout,
          home: o.regionId,
          placement: o.placement,
          journal: o.journal,
          parts: this.parts,
          remote: (id, tx) => new BusParticipant(o.peers, o.subjects.part(id), o.timeoutMs, tx),
          retryMs: o.retryMs,
          log: o.log,
        })
      : null;
    o.journal.setTransactions(this.#replay());
  }

  /**
   * The home: place `cells` for `owner` (within the home alone, or across regions).
   * Elsewhere: refused, since placements go to the home.
   */
  async place(owner: number, cells: ReadonlyArray<readonly [number, number]>): Promise<PlacementResult> {
    if (this.coordinator === null) throw new Error(`region ${this.#o.regionId} is not the home: placements go to region 0`);
    return this.coordinator.place(owner, cells);
  }

  /** Answer `part.<region>` on the sims' bus. */
  serve(onError: (err: unknown) => void): BusSubscription {
    return servePlacementParts(this.#o.peers, this.#o.subjects.part(this.#o.regionId), this.parts, this.coordinator, onError);
  }

  /** After recovery: transactions the log left open, decided ones delivered again, undecided parts asked about. */
  resume(): void {
    this.coordinator?.resume();
    this.parts.resume();
  }

  stop(): void {
    this.coordinator?.stop();
    this.parts.stop();
  }

  #replay(): TransactionReplay {
    const { parts, coordinator } = this;
    return {
      replayPrepared: (tx, owner, generation, cells) => parts.replayPrepared(tx, owner, generation, cells),
      replayCommitted: (tx, generation) => parts.replayCommitted(tx, generation),
      replayAborted: (tx) => parts.replayAborted(tx),
      replayDecided: (tx, generation, regions) => coordinator?.replayDecided(tx, generation, regions),
      replayDone: (tx) => coordinator?.replayDone(tx),
      get inFlight() {
        return parts.size > 0 || (coordinator?.inFlight ?? 0) > 0;
      },
    };
  }
}
