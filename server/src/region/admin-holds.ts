/**
 * One sim's admin commands held at a point, as the participant of the two-phase commit that
 * gives one command to every region of a split world (docs/regions.md, "Admin at
 * generation g"). The home coordinates (admin-coordinator.ts); each region, the home
 * included, keeps its own holds here:
 *
 * 1. **Hold** (`hold`): the world is held at the point (Engine.hold: it steps up to it and
 *    waits there), and an `admin-hold` record is made durable before the region says it
 *    holds. From then on the command is the home's to decide: a hold never lapses on its
 *    own, since the home may already have decided to apply it everywhere.
 * 2. **Decide** (`decide`): applied at the point (commit), or let go (abort); an `admin-end`
 *    record is written after the command's own records (a pause's, a reset's).
 *
 * A hold that hears nothing for `askAfterMs` asks the home what became of it, again and
 * again while the home cannot be reached: the world's clock waits meanwhile (the price of
 * two-phase commit, as for placements: a region never guesses). A sim restarted with a hold
 * in its log and no `admin-end` after it holds the world there again and asks at once
 * (`resume`); one its replay took past the point had applied the command already (only a
 * decision lets the world past a hold, and a let-go's `admin-end` precedes any later tick
 * in the log), and a step cut short by the restart steps the rest.
 *
 * Decisions are idempotent: the home delivers a commit again until it is answered. A commit
 * for a transaction not held here was applied before (its record is older than the last
 * snapshot); one let go here is refused with GENERATION_PASSED.
 */
import type { Logger } from 'pino';
import { LifeError, isLifeError } from '@lifemmo/shared';
import type { Engine, HeldPoint, WorldPoint } from '../engine/index.js';
import { AdminRequest, type AdminCommand } from '../wire/index.js';
import { OutcomeAsker } from './outcome-asker.js';

/** What the home decided about an admin transaction. */
export type AdminOutcome = 'commit' | 'abort';

/** Where a sim's holds are logged (store/persistence.ts). */
export interface HoldJournal {
  /** @throws LifeError STORE_FAILED while the log cannot be written */
  assertWritable(): void;
  /** Held at `at` for `tx`: durable when the promise resolves. */
  held(tx: string, at: WorldPoint, command: AdminCommand): Promise<void>;
  /** The command held for `tx` applied (`applied`), or let go: logged. */
  holdEnded(tx: string, applied: boolean): void;
}

/** How holds are applied and learn their outcome. */
export interface AdminHoldsOptions {
  readonly engine: Engine;
  readonly journal: HoldJournal;
  /** Apply `command` at its held point, and log what it changed (the sim: the engine's form of it). */
  readonly apply: (point: HeldPoint, command: AdminCommand) => Promise<void>;
  /** Ask the home what became of transaction `tx`. */
  readonly askOutcome: (tx: string) => Promise<AdminOutcome>;
  /** How long a hold waits for its decision before it asks, and between asks, ms. */
  readonly askAfterMs: number;
  readonly log: Logger;
}

interface Held {
  readonly at: WorldPoint;
  readonly command: AdminCommand;
  /** Null while replayed and not yet held again (`resume`). */
  point: HeldPoint | null;
}

/** How many ended transactions are remembered, to refuse a commit of one let go. */
const ENDED_KEPT = 1_000;

/** See the module comment. */
export class AdminHolds {
  readonly #o: AdminHoldsOptions;
  readonly #open = new Map<string, Held>();
  /** Decisions being applied: the same decision delivered again waits for the same. */
  readonly #deciding = new Map<string, Promise<void>>();
  /** Transactions ended here, and whether applied (the newest ENDED_KEPT). */
  readonly #ended = new Map<string, boolean>();
  readonly #asker: OutcomeAsker;

  constructor(options: AdminHoldsOptions) {
    this.#o = options;
    this.#asker = new OutcomeAsker({
      ask: async (tx) => this.decide(tx, (await options.askOutcome(tx)) === 'commit'),
      againMs: options.askAfterMs,
      log: options.log,
      what: 'an admin command held at a point',
    });
  }

  /** Holds not yet decided: the log holds what a snapshot would not. */
  get size(): number {
    return this.#open.size + this.#deciding.size;
  }

  /**
   * Hold the world at `at` for `tx`, durably: the vote yes. The same hold delivered again is
   * answered as before.
   * @throws LifeError GENERATION_PASSED when the world is past `at` (nothing held),
   * STORE_FAILED (nothing kept), VALIDATION for a transaction already ended here
   */
  async hold(tx: string, at: WorldPoint, command: AdminCommand): Promise<void> {
    if (this.#open.has(tx) || this.#deciding.has(tx)) return;
    if (this.#ended.has(tx)) throw new LifeError('VALIDATION', `Admin transaction ${tx} already ended here`);
    this.#o.journal.assertWritable();
    const held: Held = { at, command, point: this.#o.engine.hold(at) };
    this.#open.set(tx, held);
    try {
      await this.#o.journal.held(tx, at, command);
    } catch (err) {
      // Written later after all, the record is followed by its end.
      if (this.#open.get(tx) === held) this.#letGo(tx, held);
      throw err;
    }
    this.#asker.arm(tx, this.#o.askAfterMs);
  }

  /**
   * Apply the command held for `tx` (`commit`; resolves once applied) or let the world go on.
   * @throws LifeError GENERATION_PASSED for a commit of a transaction let go here
   */
  decide(tx: string, commit: boolean): Promise<void> {
    const deciding = this.#deciding.get(tx);
    if (deciding !== undefined) return deciding;
    const held = this.#open.get(tx);
    if (held === undefined) {
      if (commit && this.#ended.get(tx) === false) {
        return Promise.reject(new LifeError('GENERATION_PASSED', `The admin command of ${tx} was let go here: the home never decided it in time`));
      }
      // Applied before (ended, or its record older than the last snapshot), never held, or let go already.
      return Promise.resolve();
    }
    if (!commit) {
      this.#letGo(tx, held);
      return Promise.resolve();
    }
    if (held.point === null) return Promise.reject(new LifeError('SIM_UNAVAILABLE', 'This sim is still replaying its log: ask again'));
    this.#take(tx);
    const applying = this.#o
      .apply(held.point, held.command)
      .then(() => this.#end(tx, true))
      .finally(() => this.#deciding.delete(tx));
    this.#deciding.set(tx, applying);
    return applying;
  }

  /** An `admin-hold` record met while replaying: open again once the log is replayed (`resume`). */
  replayHeld(tx: string, at: WorldPoint, command: unknown): void {
    const parsed = AdminRequest.parse(command);
    if (parsed.op === 'decide' || parsed.op === 'outcome') throw new LifeError('VALIDATION', `An admin-hold record of ${tx} holds no command`);
    this.#open.set(tx, { at, command: parsed, point: null });
  }

  /** An `admin-end` record met while replaying. */
  replayEnded(tx: string, applied: boolean): void {
    this.#open.delete(tx);
    this.#remember(tx, applied);
  }

  /**
   * After the replay, before the loop starts: hold the world again where the log left a hold
   * undecided, and ask the home at once; a hold the replay took past was applied (see the
   * module comment).
   */
  async resume(): Promise<void> {
    for (const [tx, held] of [...this.#open]) {
      try {
        held.point = this.#o.engine.hold(held.at);
      } catch (err) {
        if (!isLifeError(err, 'GENERATION_PASSED')) throw err;
        this.#take(tx);
        await this.#finishStep(held);
        this.#end(tx, true);
        continue;
      }
      this.#asker.arm(tx, 0);
    }
  }

  /** Stop asking (the sim stops; the log keeps every hold for the next start). */
  stop(): void {
    this.#asker.stop();
  }

  /** A step the restart cut short: the generations it had still to go, stepped now. */
  async #finishStep(held: Held): Promise<void> {
    const e = this.#o.engine;
    if (held.command.op !== 'step' || e.epoch !== held.at.epoch) return;
    const left = held.at.generation + held.command.generations - e.generation;
    if (left > 0) {
      this.#o.log.warn({ at: held.at, left }, 'a step held at a point was cut short by a restart: stepping the rest');
      await e.step(left);
    }
  }

  #letGo(tx: string, held: Held): void {
    this.#take(tx);
    // Written now, before the loop can step past the point: a replay that meets a later tick meets this first.
    void held.point?.decide(null);
    this.#end(tx, false);
  }

  #end(tx: string, applied: boolean): void {
    this.#o.journal.holdEnded(tx, applied);
    this.#remember(tx, applied);
  }

  #remember(tx: string, applied: boolean): void {
    this.#ended.set(tx, applied);
    if (this.#ended.size > ENDED_KEPT) this.#ended.delete(this.#ended.keys().next().value!);
  }

  #take(tx: string): void {
    this.#asker.cancel(tx);
    this.#open.delete(tx);
  }
}
