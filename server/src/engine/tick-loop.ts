/**
 * The tick loop: one tick advances the world one generation, in seven named steps that
 * read top to bottom in `tick()`: intake, decide (fan-out), commit, diff, publish, persist.
 * (Faults are handled inside decide: a failed cell keeps its state.)
 *
 * Ticks never overlap: timer ticks, `step(n)` and `reset()` all run through one queue.
 * The timer keeps a fixed rate with drift correction (each tick is due tickMs after the
 * previous one's due time, not after it ended); a tick that overruns makes the next one
 * start at once, late, and the lateness is counted as lag.
 *
 * Commands at a point of the world's history (`at`): pause, resume, step and reset may be
 * given for an epoch and generation instead of now; each is applied between ticks when the
 * world is at that point, before the tick from it. The regions of a world, each its own
 * loop, apply one command at the same generation that way (docs/regions.md).
 *
 * Reservations (reservations.ts): while one is open, the tick that makes its generation
 * waits for it before its intake (step 0b), so a placement across regions can be committed
 * at one generation in all of them. With none open, nothing waits.
 */
import { LifeError, type Rule } from '@lifemmo/shared';
import { dropOutside, type EngineArea } from './area.js';
import { compileRule, type KernelRule } from './bit-kernel.js';
import type { CellLogic, CellLogicFactory } from './cell-logic/index.js';
import { commitGeneration } from './commit.js';
import { TickChanges } from './diff.js';
import type { PlacementQueue } from './intake.js';
import type { Reservations } from './reservations.js';
import { plantSeeding, type Seeding } from './seeding.js';
import { stepShard, type ShardContext, type ShardStep } from './shard.js';
import type { TickResult, TickStats } from './types.js';
import type { World } from './world.js';

/** Called with every committed tick, synchronously, before the next tick can start. */
export type TickListener = (result: TickResult) => void;
/** Called after every reset with the recipe the world was seeded with, or null for an empty world. */
export type ResetListener = (seeding: Seeding | null) => void;
/** Awaited after publish: where a tick is made durable. */
export type PersistHook = (result: TickResult) => Promise<void>;

/** Resolves after the event loop has had a turn (timers, I/O and messages included). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A point of a world's history: its epoch (resets so far, `World.epoch`) and generation. */
export interface WorldPoint {
  readonly epoch: number;
  readonly generation: number;
}

/** A change of the loop's course, applied at a point of the world's history (`TickLoop.at`). */
export type LoopCommand =
  | { readonly op: 'pause' }
  | { readonly op: 'resume' }
  | { readonly op: 'step'; readonly generations: number }
  | { readonly op: 'reset'; readonly rule?: Rule; readonly seed?: number; readonly seeding?: Seeding };

/** A point the world is held at (TickLoop.hold). */
export interface HeldPoint {
  /** Apply `command` at the point (null: none) and let the world go on; resolves once applied. */
  decide(command: LoopCommand | null): Promise<void>;
}

/** One shard's chunks to step. */
interface ShardChunks {
  readonly shard: number;
  readonly chunks: readonly number[];
}

/** A shard's step, named. */
interface NamedStep extends ShardStep {
  readonly shard: number;
  /** Chunks visited. */
  readonly chunks: number;
}

/** A command, or a read, waiting for its point. */
interface DueCommand {
  readonly at: WorldPoint;
  /** Inside the queue, with the world at `at`. */
  readonly run: () => Promise<void>;
  readonly reject: (err: unknown) => void;
}

/** The tick loop of one world. */
export class TickLoop {
  private kernel: KernelRule;
  private logic: CellLogic;
  private readonly listeners = new Set<TickListener>();
  private readonly errorListeners = new Set<(err: unknown) => void>();
  private readonly resetListeners = new Set<ResetListener>();
  private persist: PersistHook | null = null;
  // Serialises ticks, steps and resets: each waits for the one before.
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private dueAt = 0;
  // Lateness of an overrun, reported by the tick it delayed.
  private carriedLagMs = 0;
  private visitMark: Uint8Array;
  /** A region's chunks with no neighbour outside it (1), stepped while its border is awaited; null for a whole world. */
  private readonly interiorMask: Uint8Array | null;
  private started = false;
  private pausedFlag = false;
  /** True between intake and commit of a tick. */
  private inTick = false;
  /** True while a tick waits for reservations due at the generation it makes (step 0b), until its intake. */
  private holding = false;
  /** True from the start of a tick (its border included) to its end: the tick from this generation has begun. */
  private ticking = false;
  /** Commands waiting for their point of the world's history, in the order given. */
  private due: DueCommand[] = [];
  /** Decisions still to come for `hold`s (admin commands held at a point), so that `stop` can let them go. */
  private readonly undecidedHolds = new Set<(command: LoopCommand | null) => void>();
  /**
   * Paused by a command at a point (`at`), not resumed since: a timer tick that fired before
   * the pause and waited in the queue must not step past that point.
   */
  private pausedAtPoint = false;
  /** Aborts the tick in progress while it waits for its border or its reservations (see stop). */
  private waitAbort: AbortController | null = null;
  /** Ticks that started late because the one before overran. */
  overruns = 0;
  /**
   * Replaying a log (recovery): cell outcomes are taken from `decideNow` without waiting,
   * so logged generations are rebuilt at full speed with the same history.
   */
  replaying = false;
  /** Figures of the last tick. */
  lastStats: TickStats | undefined;

  constructor(
    private readonly world: World,
    private readonly intake: PlacementQueue,
    private readonly makeCellLogic: CellLogicFactory,
    /** Target time between ticks, ms. */
    readonly tickMs: number,
    /** The region this loop steps, or null for the whole world (area.ts). */
    private readonly area: EngineArea | null = null,
    /** Parts of placements across regions, waited for before the intake of their generation (reservations.ts). */
    private readonly reservations: Reservations | null = null,
  ) {
    this.kernel = compileRule(world.rule);
    this.logic = makeCellLogic(world.rule, world.seed);
    this.visitMark = new Uint8Array(world.geometry.chunksX * world.geometry.chunksY);
    this.interiorMask = area === null ? null : interiorOf(world, area.owned);
  }

  get running(): boolean {
    return this.started;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }
  /** A tick from the current generation has begun and not ended: the world's point can no longer be read or held, only the next. */
  get tickInProgress(): boolean {
    return this.ticking;
  }

  /** The generation at which cells queued now will be live. */
  get nextPlacementGeneration(): number {
    return this.world.generation + (this.inTick ? 2 : 1);
  }

  /**
   * The earliest generation a reservation made now can be committed for: the next
   * placement generation, or the one after while the tick in progress waits for the
   * reservations due at the generation it makes (they must not keep it waiting).
   */
  get nextReservationGeneration(): number {
    return this.world.generation + (this.inTick || this.holding ? 2 : 1);
  }

  /** The cell logic in use (its name is shown in stats). */
  get cellLogic(): CellLogic {
    return this.logic;
  }

  onTick(listener: TickListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Errors thrown by a tick or a listener (the loop goes on). */
  onError(listener: (err: unknown) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  setPersistHook(hook: PersistHook | null): void {
    this.persist = hook;
  }

  /** One tick, top to bottom. `lagMs`: how late it started against its schedule. */
  private async tick(lagMs: number): Promise<TickResult> {
    this.ticking = true;
    try {
      return await this.tickSteps(lagMs);
    } finally {
      this.ticking = false;
      this.holding = false;
    }
  }

  private async tickSteps(lagMs: number): Promise<TickResult> {
    const startedAt = performance.now();
    const world = this.world;

    const context: ShardContext = { world, kernel: this.kernel, logic: this.logic, generation: world.generation, instant: this.replaying };

    // 0. Border (a region only): the neighbours' cells this step reads, laid in as ghosts;
    //    waits for the neighbours to reach this generation. Its time is the lock-step's cost,
    //    so the region's interior (chunks with no neighbour outside it: they read no ghost)
    //    steps meanwhile, and a region waiting on a slower neighbour is not idle.
    let borderWaitMs = 0;
    let interior: Promise<NamedStep[]> | null = null;
    const interiorMask = this.interiorMask;
    if (this.area !== null && interiorMask !== null) {
      const area = this.area;
      const stepping = this.stepShards(context, this.activeShards((index) => interiorMask[index] === 1));
      interior = stepping;
      // Awaited with the rest below; a rejection meanwhile must not count as unhandled.
      let interiorDoneAt = Number.POSITIVE_INFINITY;
      stepping.then(
        () => (interiorDoneAt = performance.now()),
        () => undefined,
      );
      try {
        await this.abortable((signal) => area.fillBorder(world, world.generation, signal), 'waiting for the neighbouring regions');
      } catch (err) {
        // The interior's steps are let go with the tick (their chunks' next states are scratch until a commit).
        await stepping.catch(() => undefined);
        throw err;
      }
      // The lock-step's cost: how long the region had nothing left to do but wait (0 when the border came first).
      borderWaitMs = Math.max(0, performance.now() - interiorDoneAt);
    }

    // 0b. Hold (placements across regions, reservations.ts): a reservation that may be
    //     committed for the generation this tick makes is committed (its cells join this
    //     intake) or let go first; none waits longer than its time to live. Reservations
    //     made from here on are for the generation after.
    const reservations = this.reservations;
    if (reservations !== null && reservations.size > 0) {
      this.holding = true;
      await this.abortable((signal) => reservations.due(world.generation + 1, signal), 'waiting for reserved placements');
    }

    // 1. Intake: the placements accepted since the last tick, all at once.
    this.holding = false;
    this.inTick = true;
    const batch = this.intake.take();

    // 2. Decide (fan-out): every active shard steps concurrently (`stepShards`); inside
    //    each, every candidate cell's call is its own promise (fan-in with Promise.all). A
    //    region's interior began during step 0; the rest, its border included, steps now.
    const shards = this.activeShards(interiorMask === null ? null : (index) => interiorMask[index] !== 1);
    let steps: NamedStep[];
    try {
      const rest = this.stepShards(context, shards);
      steps = interior === null ? await rest : (await Promise.all([interior, rest])).flat();
    } catch (err) {
      // Cell logic must not reject; if one does anyway, the world stays as it was.
      if (this.area !== null) dropOutside(world, this.area.owned);
      this.inTick = false;
      this.intake.restore(batch);
      throw err;
    }

    // 3. Commit: the new generation replaces the old one at once; placements on top.
    const commit = commitGeneration(world, steps.flatMap((s) => s.stepped), batch);
    // The ghosts served this step only (the next one gets the neighbours' next border).
    if (this.area !== null) dropOutside(world, this.area.owned);
    this.inTick = false;
    this.intake.settle();

    // 4. Diff: which chunks changed; their births (with owners) and deaths are listed when
    //    a listener asks, so only watched chunks pay for it.
    const changes = new TickChanges(commit.touched, world.generation);
    for (const chunk of commit.touched) if (chunk.population === 0) world.dropChunk(chunk);

    const stats: TickStats = {
      generation: world.generation,
      durationMs: performance.now() - startedAt,
      lagMs,
      borderWaitMs,
      candidates: 0,
      ioCalls: 0,
      ioFailures: 0,
      ioTimeouts: 0,
      ioLatency: this.logic.takeLatencies?.() ?? null,
      population: commit.population,
      placementsApplied: commit.placementsApplied,
      changedChunks: changes.changedChunks.length,
      activeChunks: steps.reduce((n, step) => n + step.chunks, 0),
      activeShards: new Set(steps.map((step) => step.shard)).size,
    };
    for (const step of steps) {
      stats.candidates += step.candidates;
      stats.ioFailures += step.failures;
      stats.ioTimeouts += step.timeouts;
    }
    stats.ioCalls = stats.candidates;
    this.lastStats = stats;
    const result: TickResult = {
      generation: world.generation,
      timestamp: Date.now(),
      changedChunks: changes.changedChunks,
      diffOf: (chunk) => changes.diffOf(chunk),
      get diffs() {
        return changes.all();
      },
      stats,
      populationByOwner: commit.populationByOwner,
    };

    // 5. Publish: listeners (the transports) get the diffs to encode once and send.
    for (const listener of this.listeners) {
      try {
        listener(result);
      } catch (err) {
        this.reportError(err);
      }
    }
    changes.close();

    // 6. Persist: make the tick durable before the next one starts.
    if (this.persist !== null) await this.persist(result);
    return result;
  }

  /**
   * Await `wait` (step 0 or 0b of a tick), which `stop()` may abort. On failure a region
   * drops the border it may have half laid, and an abort becomes SHUTTING_DOWN.
   */
  private async abortable(wait: (signal: AbortSignal) => Promise<void>, what: string): Promise<void> {
    const abort = (this.waitAbort = new AbortController());
    try {
      await wait(abort.signal);
    } catch (err) {
      if (this.area !== null) dropOutside(this.world, this.area.owned); // ghosts must not outlive the tick
      throw abort.signal.aborted ? new LifeError('SHUTTING_DOWN', `Stopped while ${what}`) : err;
    } finally {
      this.waitAbort = null;
    }
  }

  /**
   * Step every shard's chunks (one shard's list each), fanned out and in. Each shard after
   * the first starts one event-loop turn after the one before: issuing a busy world's calls
   * takes most of a tick, and in one block it would starve this thread's timers and messages
   * (the sim's heartbeat, placements waiting for their reply) for seconds.
   */
  private stepShards(context: ShardContext, shards: readonly ShardChunks[]): Promise<NamedStep[]> {
    let turn: Promise<void> = Promise.resolve();
    return Promise.all(
      shards.map(({ shard, chunks }, i) => {
        if (i > 0) turn = turn.then(nextTurn);
        return turn.then(async () => ({ ...(await stepShard(context, chunks)), shard, chunks: chunks.length }));
      }),
    );
  }

  /**
   * Chunk indices to visit, grouped by shard: every live chunk and its eight neighbours
   * (of a region, those it owns), and of those only the ones `include` takes.
   */
  private activeShards(include: ((index: number) => boolean) | null = null): ShardChunks[] {
    const world = this.world;
    const g = world.geometry;
    const mark = this.visitMark;
    const owned = this.area?.owned ?? null;
    const marked: number[] = [];
    const byShard = new Map<number, number[]>();
    for (const chunk of world.chunks) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const index = g.neighbourChunk(chunk.cx, chunk.cy, dx, dy);
          if (index < 0 || mark[index] === 1 || (owned !== null && owned[index] !== 1) || (include !== null && !include(index))) continue;
          mark[index] = 1;
          marked.push(index);
          const shard = g.shardOfChunk(g.chunkX(index), g.chunkY(index));
          let list = byShard.get(shard);
          if (list === undefined) byShard.set(shard, (list = []));
          list.push(index);
        }
      }
    }
    for (const index of marked) mark[index] = 0;
    return Array.from(byShard, ([shard, chunks]) => ({ shard, chunks }));
  }

  private reportError(err: unknown): void {
    for (const listener of this.errorListeners) listener(err);
  }

  /** Run `job` after everything queued before it. */
  private exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Start ticking every tickMs. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.pausedFlag = false;
    this.dueAt = performance.now() + this.tickMs;
    this.schedule();
  }

  /**
   * Stop ticking; resolves once the tick in progress (if any) has finished. A region's tick
   * still waiting for its neighbours' halos, or a tick waiting for reservations, is
   * abandoned (the world stays at its generation; its step rejects with SHUTTING_DOWN), and
   * so are commands waiting for a later point (`at`). Open reservations are let go.
   */
  async stop(): Promise<void> {
    this.started = false;
    this.clearTimer();
    this.waitAbort?.abort();
    this.reservations?.releaseAll();
    for (const d of this.due.splice(0)) d.reject(new LifeError('SHUTTING_DOWN', `Stopped before generation ${d.at.generation} of epoch ${d.at.epoch}`));
    // A hold reached and waiting for its decision keeps the queue: let it go.
    for (const decide of [...this.undecidedHolds]) decide(null);
    this.undecidedHolds.clear();
    await this.exclusive(async () => undefined);
  }

  /** Stop the timer; the world keeps its state. `step` still works. */
  pause(): void {
    this.pausedFlag = true;
    this.clearTimer();
  }

  /** Restart the timer after pause; the next tick is due one tickMs from now. */
  resume(): void {
    this.pausedAtPoint = false;
    if (!this.pausedFlag) return;
    this.pausedFlag = false;
    this.dueAt = performance.now() + this.tickMs;
    this.schedule();
  }

  /**
   * Tick now rather than at the due time the timer waits for: a region whose neighbour is
   * already a generation ahead (RegionEngine). The next tick is then due tickMs after this
   * one, as after any. Does nothing mid-tick, paused, stopped or stepping (no timer waits).
   */
  catchUp(): void {
    if (this.timer === null) return;
    this.clearTimer();
    this.dueAt = performance.now();
    this.schedule();
  }

  /** Run `generations` ticks back to back, as fast as possible; resolves to the new generation. */
  async step(generations: number): Promise<number> {
    for (let i = 0; i < generations; i++) await this.exclusive(() => this.advance(0, false));
    return this.world.generation;
  }

  /**
   * One tick, after the commands due at this point (`at`). A pause among them stops a timer
   * tick, not a step's. Inside the queue.
   */
  private async advance(lagMs: number, byTimer: boolean): Promise<void> {
    while (this.dueIndex() >= 0) await this.applyDue();
    // From the check above to `ticking` set by tick() nothing else runs: a command for this
    // point given from here on is refused, never left waiting for a point that has gone.
    // A timer tick does not go on after a pause at a point, nor in a region after stop()
    // (it fired while a step's tick waited: its border would wait for neighbours that may
    // have stopped too, and stop() with it).
    if (byTimer && (this.pausedAtPoint || (this.area !== null && !this.started))) return;
    await this.tick(lagMs);
  }

  /** Where in `due` a command for the world's point is, or -1. */
  private dueIndex(): number {
    const w = this.world;
    return this.due.findIndex((d) => d.at.epoch === w.epoch && d.at.generation === w.generation);
  }

  /**
   * Apply `command` when the world is at `at`: between ticks, before the tick from
   * `at.generation` (at once if the world is there and no tick from it has begun).
   * Commands for one point apply in the order given; a point not reached yet (a later
   * generation, or a later epoch: after a reset still to come) is waited for. Resolves once
   * applied (a step: once its generations are stepped).
   * @throws LifeError GENERATION_PASSED when the world is past `at` (the tick from that
   * generation has begun, or the world was reset since that epoch), also for a command still
   * waiting when a reset ends its epoch; SHUTTING_DOWN for one still waiting at `stop`.
   */
  at(at: WorldPoint, command: LoopCommand): Promise<void> {
    return this.whenAt(at, () => this.applyCommand(command));
  }

  /**
   * `read()` when the world is at `at`, as `at` applies a command: between ticks,
   * before the tick from `at.generation`. How every region of a split world answers one
   * query at one generation (docs/regions.md, "Reads at one point").
   * @throws LifeError GENERATION_PASSED, SHUTTING_DOWN as `at`
   */
  readAt<T>(at: WorldPoint, read: () => T): Promise<T> {
    return this.whenAt(at, async () => read());
  }

  /** `job` inside the queue when the world is at `at` (see `at`); resolves to its result. */
  private whenAt<T>(at: WorldPoint, job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const refusal = this.refusalOf(at);
      if (refusal !== null) {
        reject(refusal);
        return;
      }
      this.due.push({ at, run: async () => resolve(await job()), reject });
      // There already: apply between ticks. A tick queued before this applies it first.
      if (this.isAt(at)) void this.exclusive(() => this.applyDue());
    });
  }

  /**
   * Hold the world at `at` until told what to do there: the first phase of one admin
   * command given to every region of a split world (docs/regions.md, "Admin at generation
   * g"). The world steps on up to `at` and then waits, before its tick from `at`, for
   * `decide`: a command applies there (resolving once applied), null lets it go on as if
   * nothing had been held. `stop()` lets every hold go.
   * @throws LifeError GENERATION_PASSED at once when the world is past `at` (nothing held)
   */
  hold(at: WorldPoint): HeldPoint {
    const refusal = this.refusalOf(at);
    if (refusal !== null) throw refusal;
    let decide!: (command: LoopCommand | null) => void;
    const decision = new Promise<LoopCommand | null>((resolve) => (decide = resolve));
    this.undecidedHolds.add(decide);
    const applied = this.whenAt(at, async () => {
      const command = await decision;
      if (command !== null) await this.applyCommand(command);
    });
    // Seen by whoever decides; a hold let go unapplied (stop, reset) must not be an unhandled rejection.
    applied.catch(() => undefined);
    return {
      decide: (command) => {
        this.undecidedHolds.delete(decide);
        decide(command);
        return applied;
      },
    };
  }

  /** Whether the world is at `at` now. */
  private isAt(at: WorldPoint): boolean {
    return at.epoch === this.world.epoch && at.generation === this.world.generation;
  }

  /** Why `at` can no longer be waited for (the world is past it, or its tick from it has begun), or null. */
  private refusalOf(at: WorldPoint): LifeError | null {
    const w = this.world;
    const past = at.epoch < w.epoch || (at.epoch === w.epoch && at.generation < w.generation) || (this.isAt(at) && this.ticking);
    return past ? passed(at, { epoch: w.epoch, generation: w.generation }) : null;
  }

  /**
   * Apply the commands (and reads) due at the world's point, in the order given; a step
   * applies those of each generation it passes. Inside the queue.
   */
  private async applyDue(): Promise<void> {
    for (;;) {
      const i = this.dueIndex();
      if (i < 0) return;
      const [{ run, reject }] = this.due.splice(i, 1) as [DueCommand];
      try {
        await run();
      } catch (err) {
        reject(err);
      }
    }
  }

  /** One command of `at`, inside the queue with the world at its point. */
  private async applyCommand(command: LoopCommand): Promise<void> {
    switch (command.op) {
      case 'pause':
        this.pause();
        this.pausedAtPoint = true;
        break;
      case 'resume':
        this.resume();
        break;
      case 'step':
        for (let n = 0; n < command.generations; n++) await this.advance(0, false);
        break;
      case 'reset':
        this.resetNow(command);
        break;
    }
  }

  /** Run `job` with no tick, step or reset in progress (restoring a saved state). */
  whileIdle<T>(job: () => T): Promise<T> {
    return this.exclusive(async () => job());
  }

  /**
   * Empty the world at generation 0, optionally with a new rule and seed, then plant
   * `seeding` (drawn from the new seed) when given: listeners see the world it makes.
   */
  reset(options: { rule?: World['rule']; seed?: number; seeding?: Seeding } = {}): Promise<void> {
    return this.exclusive(async () => this.resetNow(options));
  }

  /** The reset itself, inside the queue: a new epoch begins. */
  private resetNow(options: { rule?: World['rule']; seed?: number; seeding?: Seeding }): void {
    const world = this.world;
    const ended = { epoch: world.epoch, generation: world.generation };
    world.clear();
    world.epoch++;
    if (options.rule !== undefined) world.rule = options.rule;
    if (options.seed !== undefined) world.seed = options.seed;
    this.ruleChanged();
    // Reservations of the world that ended are let go: a commit for one is refused.
    this.reservations?.releaseAll();
    this.intake.clear();
    this.lastStats = undefined;
    if (options.seeding !== undefined) plantSeeding(world, options.seeding);
    // A region keeps its own share of a world-wide seeding.
    if (this.area !== null) dropOutside(world, this.area.owned);
    // Commands for later generations of the world that ended will never be applied.
    const stale = this.due.filter((d) => d.at.epoch < world.epoch);
    this.due = this.due.filter((d) => d.at.epoch >= world.epoch);
    for (const d of stale) d.reject(passed(d.at, ended, 'was reset at'));
    for (const listener of this.resetListeners) listener(options.seeding ?? null);
  }

  /** The world's rule or seed changed: rebuild what depends on them. */
  ruleChanged(): void {
    this.kernel = compileRule(this.world.rule);
    this.logic = this.makeCellLogic(this.world.rule, this.world.seed);
  }

  /** Called after every reset, inside the tick queue (transports resync their clients). */
  onReset(listener: ResetListener): () => void {
    this.resetListeners.add(listener);
    return () => this.resetListeners.delete(listener);
  }

  private schedule(): void {
    if (!this.started || this.pausedFlag || this.timer !== null) return;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, this.dueAt - performance.now()));
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async onTimer(): Promise<void> {
    this.timer = null;
    const lag = Math.max(0, performance.now() - this.dueAt) + this.carriedLagMs;
    this.carriedLagMs = 0;
    try {
      // A command due at this generation comes first; a pause among them stops the timer here.
      await this.exclusive(() => this.advance(lag, true));
    } catch (err) {
      // A tick abandoned by stop() is not an error.
      if (this.started) this.reportError(err);
    }
    this.dueAt += this.tickMs;
    const now = performance.now();
    if (now > this.dueAt) {
      // Overran: start the next tick now rather than bursting to catch up.
      this.overruns++;
      this.carriedLagMs = now - this.dueAt;
      this.dueAt = now;
    }
    this.schedule();
  }
}

/** The error of a command for a point the world is past. */
function passed(at: WorldPoint, now: WorldPoint, verb = 'is at'): LifeError {
  return new LifeError(
    'GENERATION_PASSED',
    `A command for generation ${at.generation} of epoch ${at.epoch}; the world ${verb} generation ${now.generation} of epoch ${now.epoch}`,
  );
}

/** A flag per chunk: 1 for an owned chunk none of whose eight neighbours lies outside `owned` (a bounded world's edge is no neighbour). */
function interiorOf(world: World, owned: Uint8Array): Uint8Array {
  const g = world.geometry;
  const interior = new Uint8Array(owned.length);
  for (let index = 0; index < owned.length; index++) {
    if (owned[index] !== 1) continue;
    const cx = g.chunkX(index);
    const cy = g.chunkY(index);
    let inside = true;
    for (let dy = -1; dy <= 1 && inside; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const n = g.neighbourChunk(cx, cy, dx, dy);
        if (n >= 0 && owned[n] !== 1) {
          inside = false;
          break;
        }
      }
    }
    if (inside) interior[index] = 1;
  }
  return interior;
}
