/**
 * The engine: one world, its intake and its tick loop, behind one small façade. Knows
 * nothing of HTTP or WebSockets; transports read it and listen to its ticks.
 */
import { DEFAULT_SHARD_CHUNKS, LifeError, type Geometry, type Rect, type Rule, type Topology } from '@lifemmo/shared';
import type { EngineArea } from './area.js';
import { DEFAULT_CELL_LOGIC, createCellLogic, type CellLogicFactory, type CellLogicOptions } from './cell-logic/index.js';
import { MAX_OWNER } from './chunk.js';
import { PlacementQueue } from './intake.js';
import { DEFAULT_RESERVATION_TTL_MS, Reservations, type Reservation, type ReserveOptions } from './reservations.js';
import type { Seeding } from './seeding.js';
import { TickLoop, type HeldPoint, type LoopCommand, type PersistHook, type ResetListener, type TickListener, type WorldPoint } from './tick-loop.js';
import type { TickStats } from './types.js';
import { World, forEachSetBit, type LiveCell, type SavedChunk } from './world.js';

export { MAX_OWNER } from './chunk.js';

/** A world as saved: enough to rebuild it exactly. */
export interface SavedWorld {
  readonly generation: number;
  /** Resets before this state (`Engine.epoch`); absent in worlds saved before it was kept: 0. */
  readonly epoch?: number;
  readonly rule: Rule;
  readonly seed: number;
  readonly chunks: readonly SavedChunk[];
  /**
   * Placements queued for the next generation: [cell key (y * width + x), owner]. Not the
   * parts of placements across regions held for a later generation, nor open reservations
   * (docs/regions.md, "Known limits").
   */
  readonly pending: ReadonlyArray<readonly [number, number]>;
}

/** Everything an engine is made from. */
export interface EngineOptions {
  readonly width: number;
  readonly height: number;
  readonly topology: Topology;
  /** Shard side in chunks (default 8). */
  readonly shardChunks?: number;
  readonly rule: Rule;
  /** Seed of every simulated draw. */
  readonly seed: number;
  /** Target time between ticks, ms (default 100). */
  readonly tickMs?: number;
  readonly cellLogic?: CellLogicOptions;
  /**
   * Build the cell logic yourself (benchmarks, other backends); overrides `cellLogic`.
   * Called again on reset, with the new rule and seed.
   */
  readonly cellLogicFactory?: CellLogicFactory;
  /**
   * Step only this part of the world (a region, docs/regions.md), with the cells around it
   * supplied each tick; absent: the whole world.
   */
  readonly area?: EngineArea;
  /**
   * How long a reservation (one region's part of a placement across regions, `reserve`)
   * lives uncommitted before it is let go, ms (default 1000). Also the longest a reservation
   * whose coordinator is gone holds the tick to its generation.
   */
  readonly reservationTtlMs?: number;
}

/** A running (or runnable) world. */
export class Engine {
  readonly world: World;
  private readonly intake: PlacementQueue;
  private readonly reservations: Reservations;
  private readonly loop: TickLoop;
  private readonly area: EngineArea | null;

  constructor(options: EngineOptions) {
    this.world = new World({
      width: options.width,
      height: options.height,
      topology: options.topology,
      shardChunks: options.shardChunks ?? DEFAULT_SHARD_CHUNKS,
      rule: options.rule,
      seed: options.seed,
    });
    this.intake = new PlacementQueue(this.world);
    this.reservations = new Reservations(this.intake, options.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS);
    const cellLogicOptions = options.cellLogic ?? DEFAULT_CELL_LOGIC;
    const factory = options.cellLogicFactory ?? ((rule, seed) => createCellLogic(cellLogicOptions, rule, seed));
    this.area = options.area ?? null;
    this.loop = new TickLoop(this.world, this.intake, factory, options.tickMs ?? 100, this.area, this.reservations);
  }

  get geometry(): Geometry {
    return this.world.geometry;
  }
  get rule(): Rule {
    return this.world.rule;
  }
  get seed(): number {
    return this.world.seed;
  }
  get generation(): number {
    return this.world.generation;
  }
  /** Resets so far: with the generation, a point of the world's history (see `at`). */
  get epoch(): number {
    return this.world.epoch;
  }
  get population(): number {
    return this.world.population;
  }
  get running(): boolean {
    return this.loop.running;
  }
  get paused(): boolean {
    return this.loop.paused;
  }
  /** A tick from the current generation has begun (TickLoop.tickInProgress). */
  get tickInProgress(): boolean {
    return this.loop.tickInProgress;
  }
  get tickMs(): number {
    return this.loop.tickMs;
  }
  get lastStats(): TickStats | undefined {
    return this.loop.lastStats;
  }
  /** Ticks that started late because the one before overran. */
  get overruns(): number {
    return this.loop.overruns;
  }
  /** Name of the cell logic in use ("simulated" or "local"). */
  get cellLogicName(): string {
    return this.loop.cellLogic.name;
  }

  /** Live cells per owner id (0 = neutral). */
  populationByOwner(): Map<number, number> {
    return this.world.populationByOwner();
  }

  /**
   * Cells born by the rule that took `owner`, since the world was created, reset or
   * restored (not persisted: see owner-births.ts).
   */
  birthsOf(owner: number): number {
    return this.world.births.of(owner);
  }

  /** Start `owner`'s births from zero: its id was given to a new player. */
  forgetBirths(owner: number): void {
    this.world.births.forget(owner);
  }

  /**
   * Owners of a live cell or of a placement queued for the next generation: the ids a new
   * player must not be given, as flags by owner (1: in use). Complete only between
   * ticks: call it inside `whileIdle`. A flag array, not a Map of counts: a world of a
   * million mixed-owner cells takes a fraction of populationByOwner's time.
   */
  ownersInUse(): Uint8Array {
    const used = new Uint8Array(MAX_OWNER + 1);
    const mark = (owner: number) => (used[owner] = 1);
    for (const chunk of this.world.chunks) {
      if (chunk.population === 0) continue;
      const owners = chunk.owners;
      if (owners === null) used[chunk.owner] = 1;
      else forEachSetBit(chunk.cells, (cell) => mark(owners[cell]!));
    }
    for (const [, owner] of this.intake.queued()) used[owner] = 1;
    for (const owner of this.intake.heldOwners()) used[owner] = 1;
    for (const owner of this.reservations.owners()) used[owner] = 1;
    return used;
  }

  /**
   * Run `job` between two ticks (never while one is in progress, nor during a step or a
   * reset); resolves to what it returns.
   */
  whileIdle<T>(job: () => T): Promise<T> {
    return this.loop.whileIdle(job);
  }

  /** -1 when (x, y) is dead, else its owner. (x, y) must be inside the world. */
  cellAt(x: number, y: number): number {
    return this.world.cellAt(x, y);
  }

  /** Live cells of a region as [x, y, owner]: wrapped on a torus, clipped when bounded. */
  liveCells(rect: Rect): LiveCell[] {
    return this.world.liveCells(rect);
  }

  /**
   * Queue cells to become live, owned by `owner`, at the returned generation (the next
   * one the world reaches). All or nothing.
   * @throws LifeError OUT_OF_WORLD, DUPLICATE_CELL, CELL_OCCUPIED, VALIDATION (bad owner, or
   * a cell outside this engine's area)
   */
  place(cells: ReadonlyArray<readonly [number, number]>, owner: number): { generation: number } {
    this.checkPlacement(cells, owner);
    this.intake.add(cells, owner);
    return { generation: this.loop.nextPlacementGeneration };
  }

  /**
   * Reserve cells for `owner`: this engine's part of a placement across regions
   * (docs/regions.md). Checked as `place` checks them, then spoken for (refused to any other
   * placement) until `commitReservation` queues them or `releaseReservation` lets them go;
   * one neither is let go after `reservationTtlMs` (unless `options.lapses` is false). The
   * tick that makes the reservation's generation waits for it before its intake. All or nothing.
   * @throws LifeError as `place` (nothing is reserved)
   */
  reserve(cells: ReadonlyArray<readonly [number, number]>, owner: number, options: ReserveOptions = {}): Reservation {
    this.checkPlacement(cells, owner);
    const generation = options.generation ?? this.loop.nextReservationGeneration;
    return this.reservations.open(cells, owner, generation, this.world.epoch, options.lapses ?? true);
  }

  /**
   * Queue reservation `id`'s cells to become live at `generation` (at least the
   * reservation's own; a later one holds them, spoken for, until the tick that makes it).
   * @throws LifeError PLACEMENT_EXPIRED when it is no longer open (its time to live passed,
   * or the world was reset or stopped since); VALIDATION for a generation before its own
   */
  commitReservation(id: number, generation: number): { generation: number } {
    this.reservations.commit(id, generation);
    return { generation };
  }

  /** Let reservation `id` go (its cells are free again); nothing happens when it is not open. */
  releaseReservation(id: number): void {
    this.reservations.release(id);
  }

  /**
   * Whether cells are held for a generation after the next (committed reservations,
   * `queueClaimed`): `save()` leaves them out, so a snapshot now would lose them (the log
   * still holds them; Persistence waits).
   */
  get holdsLaterPlacements(): boolean {
    return this.intake.heldOwners().length > 0;
  }

  /** Reservations neither committed nor let go yet. */
  get openReservations(): number {
    return this.reservations.size;
  }

  /** The checks of a placement before the intake's: the owner, and (a region) its area. */
  private checkPlacement(cells: ReadonlyArray<readonly [number, number]>, owner: number): void {
    if (!Number.isInteger(owner) || owner < 0 || owner > MAX_OWNER) {
      throw new LifeError('VALIDATION', `Owner must be an integer from 0 to ${MAX_OWNER}, got ${owner}`);
    }
    if (this.area !== null) this.checkInArea(cells, this.area.owned);
  }

  /** Refuse cells another region owns: placements are routed to the region of their cells. */
  private checkInArea(cells: ReadonlyArray<readonly [number, number]>, owned: Uint8Array): void {
    const g = this.world.geometry;
    for (const [x, y] of cells) {
      const cell = g.normalize(x, y);
      // Outside the world: the intake refuses it with its own code.
      if (cell !== null && owned[g.chunkIndexOfCell(cell[0], cell[1])] !== 1) {
        throw new LifeError('VALIDATION', `Cell (${x}, ${y}) belongs to another region`);
      }
    }
  }

  /** Refuse a save with cells or queued placements outside this engine's region. */
  private checkSavedInArea(saved: SavedWorld, owned: Uint8Array): void {
    const g = this.world.geometry;
    const foreign = saved.chunks.find((c) => owned[c.index] !== 1);
    if (foreign !== undefined) {
      throw new LifeError(
        'VALIDATION',
        `Saved world has cells in chunk (${g.chunkX(foreign.index)}, ${g.chunkY(foreign.index)}), outside this engine's region: it is another region's (or a whole world's) save`,
      );
    }
    const pending = saved.pending.find(([key]) => owned[g.chunkIndexOfCell(key % g.width, Math.floor(key / g.width))] !== 1);
    if (pending !== undefined) {
      throw new LifeError('VALIDATION', `Saved world queues cell (${pending[0] % g.width}, ${Math.floor(pending[0] / g.width)}), outside this engine's region: it is another region's save`);
    }
  }

  /** Start ticking every tickMs. */
  start(): void {
    this.loop.start();
  }
  /** Stop after the tick in progress. */
  stop(): Promise<void> {
    return this.loop.stop();
  }
  pause(): void {
    this.loop.pause();
  }
  resume(): void {
    this.loop.resume();
  }
  /** Tick now if the timer is waiting for this tick's due time (a region whose neighbour is ahead). */
  catchUp(): void {
    this.loop.catchUp();
  }
  /** Run n generations as fast as possible (paused or not); resolves to the new generation. */
  step(generations: number): Promise<number> {
    return this.loop.step(generations);
  }
  /**
   * Pause, resume, step or reset when the world is at generation `at.generation` of epoch
   * `at.epoch`: between ticks, before the tick to the next generation (at once if it is
   * there and that tick has not begun; a point not reached yet is waited for). How every
   * region of a world applies one admin command at the same generation (docs/regions.md).
   * Resolves once applied.
   * @throws LifeError GENERATION_PASSED when the world is past that point, or gets reset
   * before it; SHUTTING_DOWN when the engine stops first.
   */
  at(at: WorldPoint, command: LoopCommand): Promise<void> {
    return this.loop.at(at, command);
  }
  /**
   * `read()` between ticks when the world is at `at` (TickLoop.readAt): a query that every
   * region of a split world answers at one generation.
   * @throws LifeError GENERATION_PASSED when the world is past `at`; SHUTTING_DOWN
   */
  readAt<T>(at: WorldPoint, read: () => T): Promise<T> {
    return this.loop.readAt(at, read);
  }
  /**
   * Hold the world at `at` until `decide` says which command applies there, if any
   * (TickLoop.hold): the first phase of an admin command given to every region at once.
   * @throws LifeError GENERATION_PASSED when the world is past `at`
   */
  hold(at: WorldPoint): HeldPoint {
    return this.loop.hold(at);
  }
  /**
   * Empty world at generation 0, optionally with a new rule and seed, and seeded with
   * `seeding`'s neutral cells (drawn from the seed) when given. Queued placements are dropped.
   * Begins a new epoch (`epoch` + 1).
   */
  reset(options?: { rule?: Rule; seed?: number; seeding?: Seeding }): Promise<void> {
    return this.loop.reset(options);
  }
  /** Everything needed to rebuild the current world: see `restore`. */
  save(): SavedWorld {
    const w = this.world;
    return { generation: w.generation, epoch: w.epoch, rule: w.rule, seed: w.seed, chunks: w.saveChunks(), pending: this.intake.queued() };
  }

  /**
   * Replace the world with a saved one (recovery, before `start`), its queued
   * placements included.
   * @throws LifeError VALIDATION when a saved chunk is outside the world, or, for an engine
   * stepping a region, outside its area (another region's save): nothing is changed.
   */
  restore(saved: SavedWorld): Promise<void> {
    return this.loop.whileIdle(() => {
      const w = this.world;
      if (saved.chunks.some((c) => c.index < 0 || c.index >= w.geometry.chunksX * w.geometry.chunksY)) {
        throw new LifeError('VALIDATION', 'Saved world does not fit this world size');
      }
      if (this.area !== null) this.checkSavedInArea(saved, this.area.owned);
      w.clear();
      w.rule = saved.rule;
      w.seed = saved.seed;
      this.loop.ruleChanged();
      for (const chunk of saved.chunks) w.loadChunk(chunk);
      w.generation = saved.generation;
      w.epoch = saved.epoch ?? 0;
      this.reservations.releaseAll(); // of the world replaced
      this.intake.clear();
      this.intake.requeue(saved.pending);
    });
  }

  /**
   * Run `job` in replay mode: generations stepped inside it take every cell's outcome
   * from the cell logic's `decideNow` without waiting, so a log is replayed at full speed
   * with the same history. Do not call while the tick loop runs.
   */
  async replay<T>(job: () => Promise<T>): Promise<T> {
    this.loop.replaying = true;
    try {
      return await job();
    } finally {
      this.loop.replaying = false;
    }
  }

  /** Listen to every committed tick; returns the function that stops listening. */
  onTick(listener: TickListener): () => void {
    return this.loop.onTick(listener);
  }
  /** Listen to resets (called inside the tick queue, after the world is emptied and seeded). */
  onReset(listener: ResetListener): () => void {
    return this.loop.onReset(listener);
  }
  /** Listen to errors of ticks and tick listeners. */
  onError(listener: (err: unknown) => void): () => void {
    return this.loop.onError(listener);
  }
  /** Where each tick is made durable (awaited before the next tick starts). */
  setPersistHook(hook: PersistHook | null): void {
    this.loop.setPersistHook(hook);
  }
}
