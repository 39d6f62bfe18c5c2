/**
 * One sim's parts of placements across sims, as the participant of a two-phase commit on
 * the sims' logs (docs/regions.md, "Placements across regions"). The home coordinates
 * (placement-coordinator.ts); each region, the home included, keeps its own parts here:
 *
 * 1. **Prepare** (`prepare`): the part is reserved (checked as a placement is, its cells
 *    spoken for, the tick to its generation held) and a `prepare` record is made durable
 *    before the region votes yes. From then on the part is the coordinator's to decide:
 *    it never lapses on its own, since the home may already have decided to commit it.
 * 2. **Commit** (`commit`) at the generation the home decided: queued, and a `place` record
 *    (naming the transaction) made durable before the reply, so a home told "committed"
 *    may forget the transaction. **Abort** (`abort`): let go, an `abort` record logged.
 *
 * A part that hears neither for `askAfterMs` asks the home what became of it (`askOutcome`),
 * again and again while the home cannot be reached: its tick, and so the world's clock,
 * waits meanwhile. That is the price of two-phase commit: a region never guesses. A sim
 * restarted with prepared parts in its log (`replayPrepared` without a `place` or `abort`
 * after it) asks at once (`resume`).
 *
 * Commits and aborts are idempotent: the home retries a commit until it is answered, and a
 * part already committed (or let go by a reset, which empties the world anyway) answers
 * as committed.
 */
import type { Logger } from 'pino';
import { LifeError } from '@lifemmo/shared';
import type { Engine, Reservation } from '../engine/index.js';
import { OutcomeAsker } from './outcome-asker.js';
import type { PlacementParticipant } from './placement-across.js';

/** What the home decided about a transaction. */
export type Outcome = { readonly outcome: 'commit'; readonly generation: number } | { readonly outcome: 'abort' };

/** Where a sim's parts are logged (store/persistence.ts). */
export interface PartJournal {
  /** @throws LifeError STORE_FAILED while the log cannot be written */
  assertWritable(): void;
  /** Part `tx` reserved for `owner` from `generation` on: durable when the promise resolves. */
  prepared(tx: string, owner: number, generation: number, cells: ReadonlyArray<readonly [number, number]>): Promise<void>;
  /** Part `tx` queued for `generation`: durable when the promise resolves. */
  placed(owner: number, generation: number, cells: ReadonlyArray<readonly [number, number]>, tx: string): Promise<void>;
  /** Part `tx` let go (logged; a replay without it asks the home again, and hears the same). */
  aborted(tx: string): void;
}

/** How prepared parts wait for their outcome. */
export interface PreparedPartsOptions {
  /** Ask the home what became of transaction `tx`. */
  readonly askOutcome: (tx: string) => Promise<Outcome>;
  /** How long a prepared part waits for its commit or abort before it asks, and between asks, ms. */
  readonly askAfterMs: number;
  readonly log: Logger;
}

interface Prepared {
  readonly reservation: number;
  readonly owner: number;
  readonly cells: ReadonlyArray<readonly [number, number]>;
}

/** See the module comment. */
export class PreparedParts {
  readonly #engine: Engine;
  readonly #journal: PartJournal;
  readonly #o: PreparedPartsOptions;
  readonly #open = new Map<string, Prepared>();
  /** Commits whose `place` record is not durable yet: a retried commit waits for the same. */
  readonly #committing = new Map<string, Promise<void>>();
  readonly #offReset: () => void;
  readonly #asker: OutcomeAsker;

  constructor(engine: Engine, journal: PartJournal, options: PreparedPartsOptions) {
    this.#engine = engine;
    this.#journal = journal;
    this.#o = options;
    this.#asker = new OutcomeAsker({
      ask: async (tx) => {
        const o = await options.askOutcome(tx);
        if (o.outcome === 'commit') await this.commit(tx, o.generation);
        else this.abort(tx);
      },
      againMs: options.askAfterMs,
      log: options.log,
      what: 'a prepared part',
    });
    // A reset lets every reservation go (Engine.reset): so are the parts, and their world.
    this.#offReset = engine.onReset(() => {
      this.#asker.clear();
      this.#open.clear();
    });
  }

  /** Parts prepared and not yet committed or let go: the log holds what a snapshot would not. */
  get size(): number {
    return this.#open.size;
  }

  /** Part `tx` as a participant of `placeAcrossRegions` (its reservation ids are this sim's business). */
  participant(tx: string): PlacementParticipant {
    return {
      reserve: (cells, owner) => this.prepare(tx, cells, owner),
      commit: (_id, generation) => this.commit(tx, generation),
      release: () => this.abort(tx),
    };
  }

  /**
   * Reserve `cells` for `owner` as part `tx` and make that durable: the vote yes.
   * @throws LifeError as Engine.reserve (nothing reserved), STORE_FAILED (nothing kept:
   * the record, written later after all, is followed by its `abort`), VALIDATION for a
   * transaction already prepared here
   */
  async prepare(tx: string, cells: ReadonlyArray<readonly [number, number]>, owner: number): Promise<Reservation> {
    if (this.#open.has(tx)) throw new LifeError('VALIDATION', `Transaction ${tx} is already prepared here`);
    this.#journal.assertWritable();
    const reservation = this.#engine.reserve(cells, owner, { lapses: false });
    const kept = cells.map(([x, y]) => [x, y] as const);
    const durable = this.#journal.prepared(tx, owner, reservation.generation, kept);
    this.#keep(tx, reservation.id, owner, kept);
    try {
      await durable;
    } catch (err) {
      this.abort(tx);
      throw err;
    }
    return reservation;
  }

  /**
   * Queue part `tx` for `generation` (the home's decision) and resolve once its `place`
   * record is durable. A part not open here is done already: committed, or let go by a reset.
   */
  commit(tx: string, generation: number): Promise<void> {
    const committing = this.#committing.get(tx);
    if (committing !== undefined) return committing;
    const part = this.#open.get(tx);
    if (part === undefined) return Promise.resolve();
    // Refused (a generation before the part's own): nothing changes, the part stays open.
    this.#engine.commitReservation(part.reservation, generation);
    this.#take(tx);
    const durable = this.#journal.placed(part.owner, generation, part.cells, tx).finally(() => this.#committing.delete(tx));
    this.#committing.set(tx, durable);
    return durable;
  }

  /** Let part `tx` go; nothing happens when it is not open. */
  abort(tx: string): void {
    const part = this.#take(tx);
    if (part === undefined) return;
    this.#engine.releaseReservation(part.reservation);
    this.#journal.aborted(tx);
  }

  /** A `prepare` record met while replaying: reserved again as it was, from the same generation. */
  replayPrepared(tx: string, owner: number, generation: number, cells: ReadonlyArray<readonly [number, number]>): void {
    const reservation = this.#engine.reserve(cells, owner, { generation, lapses: false });
    this.#open.set(tx, { reservation: reservation.id, owner, cells });
  }

  /** A `place` record of part `tx` met while replaying; false when the part is not open (a record from before). */
  replayCommitted(tx: string, generation: number): boolean {
    const part = this.#open.get(tx);
    if (part === undefined) return false;
    this.#engine.commitReservation(part.reservation, generation);
    this.#take(tx);
    return true;
  }

  /** An `abort` record met while replaying. */
  replayAborted(tx: string): void {
    const part = this.#take(tx);
    if (part !== undefined) this.#engine.releaseReservation(part.reservation);
  }

  /** After the replay: ask the home at once about every part the log left undecided. */
  resume(): void {
    for (const tx of this.#open.keys()) this.#asker.arm(tx, 0);
  }

  /** Stop asking (the sim stops; the log keeps every part for the next start). */
  stop(): void {
    this.#offReset();
    this.#asker.stop();
  }

  #keep(tx: string, reservation: number, owner: number, cells: ReadonlyArray<readonly [number, number]>): void {
    this.#open.set(tx, { reservation, owner, cells });
    this.#asker.arm(tx, this.#o.askAfterMs);
  }

  #take(tx: string): Prepared | undefined {
    const part = this.#open.get(tx);
    if (part === undefined) return undefined;
    this.#asker.cancel(tx);
    this.#open.delete(tx);
    return part;
  }
}
