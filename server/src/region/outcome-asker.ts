/**
 * How a participant of a two-phase commit on the sims' logs learns a decision it did not
 * hear (a placement's prepared part, prepared-parts.ts; an admin command's hold,
 * admin-holds.ts): it asks the home, after a while and then again and again while the
 * home cannot be reached. It never guesses, so its region waits meanwhile.
 */
import type { Logger } from 'pino';

/** What the asker does for each transaction. */
export interface OutcomeAskerOptions {
  /** Ask the home about `tx` and act on its answer; a rejection asks again later. */
  readonly ask: (tx: string) => Promise<void>;
  /** How long between a failed ask and the next, ms. */
  readonly againMs: number;
  readonly log: Logger;
  /** What waits, for the log: "a prepared part", "an admin command held at a point". */
  readonly what: string;
}

/** See the module comment. */
export class OutcomeAsker {
  readonly #o: OutcomeAskerOptions;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Transactions still undecided here: an ask that failed after its transaction was decided is not repeated. */
  readonly #undecided = new Set<string>();
  #stopped = false;

  constructor(options: OutcomeAskerOptions) {
    this.#o = options;
  }

  /** Ask about `tx` in `ms` (replacing any ask already due), and again every againMs until an ask succeeds. */
  arm(tx: string, ms: number): void {
    if (this.#stopped) return;
    this.cancel(tx);
    this.#undecided.add(tx);
    const timer = setTimeout(() => {
      this.#timers.delete(tx);
      this.#o.ask(tx).catch((err: unknown) => {
        if (!this.#undecided.has(tx)) return;
        this.#o.log.warn({ err, tx }, `${this.#o.what} could not learn its outcome from the home: asking again`);
        this.arm(tx, this.#o.againMs);
      });
    }, ms);
    // Never what keeps a process alive: a stopping sim leaves its transactions to its log.
    timer.unref();
    this.#timers.set(tx, timer);
  }

  /** Ask no more about `tx` (decided). */
  cancel(tx: string): void {
    this.#undecided.delete(tx);
    const timer = this.#timers.get(tx);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(tx);
  }

  /** Ask no more about anything (the sim stops, or a reset let every transaction go). */
  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#undecided.clear();
  }

  /** Stop for good. */
  stop(): void {
    this.#stopped = true;
    this.clear();
  }
}
