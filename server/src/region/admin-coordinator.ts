/**
 * The home's side of admin commands given to a split world: the coordinator of a
 * two-phase commit on the sims' logs (docs/regions.md, "Admin at generation g"), as the
 * home coordinates placements across regions (placement-coordinator.ts). A gateway gives
 * the command to the home (region 0), which, one command at a time:
 *
 * 1. asks every region where it is and chooses the point (commandPoint);
 * 2. has every region **hold** the world there (admin-holds.ts: durable in that region's
 *    log before it says yes). A region already past the point refuses: every hold is let
 *    go, nothing applied anywhere, and the command is tried again further ahead
 *    (ADMIN_ATTEMPTS points in all);
 * 3. **decides**: an `admin-decide` record made durable in the home's log;
 * 4. has every region **apply** it, each commit delivered again until its region answers
 *    (a region away holds its neighbours, and so the world, at the point meanwhile); once
 *    all have, an `admin-done` record lets the transaction go. The reply to the gateway
 *    comes once every region has applied it, or, when one has not answered within the
 *    wait, as 503 saying the command is decided and where it still has to apply.
 *
 * A hold that hears nothing asks the home (`outcome`): a decided transaction is "commit";
 * one still holding is aborted there and then (the home then tries the next point), so a
 * region never waits on a slow coordinator; one the home does not know was never decided
 * (presumed abort). A restarted home replays its `admin-decide` and `admin-done` records and
 * delivers every decided transaction's commits again (`resume`).
 *
 * A world not at one point (regions paused apart: a sim stopped mid-step, say) is brought
 * back by a resume, given to every region at once: pausing and resuming never change the
 * world's history, only when it moves.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { LifeError, isLifeError } from '@lifemmo/shared';
import type { WorldPoint } from '../engine/index.js';
import type { AdminCommand, AdminReply } from '../wire/index.js';
import { commandPoint, type RegionPoint } from './command-point.js';
import type { AdminOutcome } from './admin-holds.js';

/**
 * How far ahead of a running split world an admin command is placed, ms of generations:
 * the time for its holds to reach every region's sim, generously.
 */
const ADMIN_LEAD_MS = 250;
/** Points an admin command of a split world is tried at before it is refused. */
const ADMIN_ATTEMPTS = 3;

/**
 * The longest the home may take over one admin command of a split world, ms (a gateway's
 * wait for its reply): ADMIN_ATTEMPTS points of three rounds each (where each region is,
 * the holds, letting them go), then the command's own `waitMs` once the point is reached,
 * which is the last attempt's lead of generations ahead, and one request timeout spare.
 */
export function coordinationMs(waitMs: number, requestTimeoutMs: number, tickMs: number): number {
  const lastLead = firstLead(tickMs) * 2 ** (ADMIN_ATTEMPTS - 1);
  return (ADMIN_ATTEMPTS * 3 + 1) * requestTimeoutMs + waitMs + lastLead * tickMs;
}

/** A running world's lead for the first point: ADMIN_LEAD_MS of generations, at least one. */
function firstLead(tickMs: number): number {
  return 1 + Math.ceil(ADMIN_LEAD_MS / Math.max(1, tickMs));
}

/** Where the home logs its admin decisions (store/persistence.ts). */
export interface AdminDecisionJournal {
  /** @throws LifeError STORE_FAILED while the log cannot be written */
  assertWritable(): void;
  /** Transaction `tx` is to be applied in every region: durable when the promise resolves. */
  adminDecided(tx: string): Promise<void>;
  /** Every region applied `tx` (logged, not awaited). */
  adminDone(tx: string): void;
}

/** One region's sim as the coordinator reaches it (the home's own directly, the others over the bus). */
export interface AdminRegion {
  point(): Promise<RegionPoint>;
  /** Hold at `at` for `tx`, durably. @throws LifeError GENERATION_PASSED when past it */
  hold(tx: string, at: WorldPoint, command: AdminCommand): Promise<void>;
  /** Apply (commit) or let go the command held for `tx`; the state after it. `waitMs`: how long a commit may take. */
  decide(tx: string, commit: boolean, waitMs: number): Promise<AdminReply>;
  /** Apply `command` now, at no point (a resume bringing back a world not at one point). */
  now(command: AdminCommand): Promise<AdminReply>;
}

/** What the coordinator works with. */
export interface AdminCoordinatorOptions {
  /** Every region's id, the home's included. */
  readonly regions: readonly number[];
  readonly region: (id: number) => AdminRegion;
  readonly journal: AdminDecisionJournal;
  /** The world's tick interval, ms (a running world's lead is ADMIN_LEAD_MS of generations). */
  readonly tickMs: number;
  /** How long between deliveries of a commit that did not get through, ms. */
  readonly retryMs: number;
  readonly log: Logger;
}

type Transaction = { readonly state: 'holding' } | { readonly state: 'decided'; readonly durable: Promise<void> };

/** See the module comment. */
export class AdminCoordinator {
  readonly #o: AdminCoordinatorOptions;
  readonly #txs = new Map<string, Transaction>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Commands one at a time: two held at one point could apply in different orders in different regions. */
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(options: AdminCoordinatorOptions) {
    this.#o = options;
  }

  /** Transactions decided and not applied everywhere: the home's log holds what a snapshot would not. */
  get inFlight(): number {
    let n = 0;
    for (const tx of this.#txs.values()) if (tx.state === 'decided') n++;
    return n;
  }

  /**
   * Apply `command` in every region at one point; the world's state after it.
   * `waitMs`: how long applying it may take once the point is reached (a step's generations).
   * @throws LifeError GENERATION_PASSED when no point held in ADMIN_ATTEMPTS tries, a
   * region's refusal (nothing applied anywhere), SIM_UNAVAILABLE when decided but not yet
   * applied everywhere within the wait (it will be)
   */
  command(command: AdminCommand, waitMs: number): Promise<AdminReply> {
    const run = this.#queue.then(() => this.#command(command, waitMs));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** What became of transaction `tx`, for a region whose hold asks (see the module comment). */
  async outcome(tx: string): Promise<AdminOutcome> {
    const known = this.#txs.get(tx);
    if (known === undefined) return 'abort';
    if (known.state === 'holding') {
      this.#txs.delete(tx);
      return 'abort';
    }
    await known.durable;
    return 'commit';
  }

  /** An `admin-decide` record met while replaying. */
  replayDecided(tx: string): void {
    this.#txs.set(tx, { state: 'decided', durable: Promise.resolve() });
  }

  /** An `admin-done` record met while replaying. */
  replayDone(tx: string): void {
    this.#txs.delete(tx);
  }

  /** After the replay: deliver every decided transaction's commits again (answered at once where applied already). */
  resume(waitMs: number): void {
    for (const [tx, known] of this.#txs) if (known.state === 'decided') void this.#deliver(tx, new Map(), waitMs);
  }

  /** Stop delivering (the sim stops; its log keeps every decision for the next start). */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #command(command: AdminCommand, waitMs: number): Promise<AdminReply> {
    const { regions, region, journal, tickMs } = this.#o;
    journal.assertWritable();
    // A running world's region ahead steps on while the holds travel: give it the
    // generations of ADMIN_LEAD_MS, at least one; twice as many after each refusal.
    let lead = firstLead(tickMs);
    for (let attempt = 1; ; attempt++, lead *= 2) {
      const points = await Promise.all(regions.map((r) => region(r).point()));
      if (command.op === 'resume' && notAtOnePoint(points)) return mergeAdminReplies(await Promise.all(regions.map((r) => region(r).now(command))));
      const at = commandPoint(points, lead);
      const tx = randomUUID();
      this.#txs.set(tx, { state: 'holding' });
      const holds = await Promise.allSettled(regions.map((r) => region(r).hold(tx, at, command)));
      const refused = holds.find((h): h is PromiseRejectedResult => h.status === 'rejected');
      // Still holding: no region asked meanwhile and heard "abort".
      if (refused === undefined && this.#txs.get(tx)?.state === 'holding') return this.#commit(tx, at, command, waitMs + lead * tickMs);
      this.#txs.delete(tx);
      // Every hold let go (one that never arrived, or whose reply was lost, asks and hears "abort").
      await Promise.allSettled(regions.map((r) => region(r).decide(tx, false, waitMs)));
      const reason: unknown = refused?.reason ?? new LifeError('GENERATION_PASSED', `A region asked what became of the ${command.op} before every region held it`);
      if (!isLifeError(reason, 'GENERATION_PASSED') || attempt === ADMIN_ATTEMPTS) throw reason;
    }
  }

  /** Decide `tx` durably, deliver it everywhere, and reply once applied everywhere or after `waitMs`. */
  async #commit(tx: string, at: WorldPoint, command: AdminCommand, waitMs: number): Promise<AdminReply> {
    const { regions, journal, log } = this.#o;
    const durable = journal.adminDecided(tx);
    this.#txs.set(tx, { state: 'decided', durable });
    try {
      await durable;
    } catch (err) {
      // Not durable: not decided. Holds that ask hear "abort"; so do those told now.
      this.#txs.delete(tx);
      await Promise.allSettled(regions.map((r) => this.#o.region(r).decide(tx, false, waitMs)));
      throw err;
    }
    const replies = new Map<number, AdminReply>();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
    const applied = await Promise.race([this.#deliver(tx, replies, waitMs).then(() => true), waited]);
    clearTimeout(timer);
    if (applied) return mergeAdminReplies([...replies.values()]);
    const missing = regions.filter((r) => !replies.has(r));
    log.warn({ tx, at, missing, op: command.op }, 'an admin command is decided but not yet applied in every region: delivering it until it is');
    throw new LifeError(
      'SIM_UNAVAILABLE',
      `The ${command.op} is decided for generation ${at.generation} and applied in ${replies.size} of ${regions.length} regions; ` +
        `region ${missing.join(', ')} applies it once its sim answers (the world waits for it there meanwhile)`,
    );
  }

  /** Deliver the commit of `tx` to every region not in `replies`, again every retryMs until all have answered; then done. */
  async #deliver(tx: string, replies: Map<number, AdminReply>, waitMs: number): Promise<void> {
    for (;;) {
      const left = this.#o.regions.filter((r) => !replies.has(r));
      const commits = await Promise.allSettled(left.map((r) => this.#o.region(r).decide(tx, true, waitMs)));
      commits.forEach((c, i) => c.status === 'fulfilled' && replies.set(left[i]!, c.value));
      if (replies.size === this.#o.regions.length) break;
      if (this.#stopped) return;
      const reasons = commits.flatMap((c) => (c.status === 'rejected' ? [c.reason as unknown] : []));
      this.#o.log.warn({ tx, err: reasons[0] }, 'an admin command’s commit did not reach every region: delivering it again');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          resolve();
        }, this.#o.retryMs);
        timer.unref();
        this.#timers.add(timer);
      });
      if (this.#stopped) return;
    }
    this.#txs.delete(tx);
    this.#o.journal.adminDone(tx);
  }
}

/** Every region's reply to one admin command, as the world's: the least generation (the world's point). */
export function mergeAdminReplies(replies: readonly AdminReply[]): AdminReply {
  return { ...replies[0]!, generation: Math.min(...replies.map((r) => r.generation)) };
}

/** Regions in one epoch but not at one point: some paused and some not, or paused at different generations. */
export function notAtOnePoint(points: readonly RegionPoint[]): boolean {
  if (points.some((p) => p.epoch !== points[0]!.epoch)) return false;
  const paused = points.filter((p) => p.paused);
  return (paused.length > 0 && paused.length < points.length) || new Set(paused.map((p) => p.generation)).size > 1;
}
