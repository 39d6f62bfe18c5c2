/**
 * The gateway's side of the bus: what it knows of the world (from the sim's summaries),
 * whether the sim is there, and every request it forwards (placements, admin commands,
 * reads, players). Routes and WebSocket connections use this instead of an engine; it
 * never reads engine internals, so the sim may be a thread or a machine away.
 *
 * The sim is `up` while the bus is up and a summary arrived within SIM_TIMEOUT_MS (the
 * sim sends a heartbeat summary every second even when paused).
 *
 * Revoked players (deleted, banned, reclaimed) reach the listeners from the sim's
 * `revoked` messages, and from the sim's refusal of a placement or budget query with
 * LIFE_ERR_BAD_TOKEN or LIFE_ERR_PLAYER_BANNED. A gap in the revocation numbers, a summary
 * counting more than arrived, or a new sim instance means some may have been missed:
 * listeners hear `playersStale` and forget every player they keep.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { LifeError, isLifeError, type Geometry, type Rect } from '@lifemmo/shared';
import type { Log } from '../log/logger.js';
import type { Bus, BusSubscription } from '../bus/index.js';
import type { Metrics } from '../metrics/metrics.js';
import { haloObserver, observeTick } from '../metrics/metrics.js';
import { playerTag, type Player } from '../players/player-registry.js';
import { PlacementBatcher } from './placement-batcher.js';
import { RegionMerge, type RegionStatus } from './region-merge.js';
import { readPoint, type RegionPoint } from '../region/command-point.js';
import { coordinationMs } from '../region/admin-coordinator.js';
import type { WorldPoint } from '../engine/index.js';
import type { HaloCounts } from '../region/region-engine.js';
import { shardsOfRegion, type RegionLayout } from '../region/layout.js';
import { TickPace } from './tick-pace.js';
import {
  Revocations,
  TickKinds,
  adminWaitMs,
  callJson,
  callRpc,
  decodeCellsReply,
  decodeJson,
  decodeTickMessage,
  encodeJson,
  type AdminCommand,
  type AdminReply,
  type BudgetReply,
  type CellsReply,
  type DensityReply,
  type LeaderboardReply,
  type NamesReply,
  type OwnerFiguresReply,
  type OwnerCellsReply,
  type PlacementResult,
  type PlayersPage,
  type Subjects,
  type TickMessage,
  type WirePlayer,
} from '../wire/index.js';

/** The world as the gateway sees it: shape from its configuration, state from the sim. */
export interface WorldView {
  readonly geometry: Geometry;
  readonly generation: number;
  readonly population: number;
  readonly paused: boolean;
  readonly tickMs: number;
  readonly rule: string;
  readonly seed: number;
  /** How far the tick runs behind its schedule now, ms (tick-pace.ts). */
  readonly lagMs: number;
  /** Ticks per second the sim actually managed lately. */
  readonly ticksPerSecond: number;
}

export type { PlacementResult };

/**
 * Reads of a split world (SimLink.#readEveryRegion): how many points are tried before the
 * gateway gives up with 503, and the pause between tries while the regions are not at
 * one point (a reset or a pause at a point under way), ms, times the try's number.
 */
const READ_ATTEMPTS = 5;
const READ_RETRY_MS = 20;

/** Which surface a placement came through (a metrics label). */
export type PlaceTransport = 'rest' | 'ws';

/** A region's state as SimLink.regionStatus gives it. */
export interface RegionView extends RegionStatus {
  /** Heard from within SIM_TIMEOUT_MS. */
  readonly up: boolean;
}

/** Listeners of the sim's summaries. */
export interface SimLinkListeners {
  /** A TICK summary (after its shard diffs arrived). */
  tick(message: TickMessage): void;
  /** The world was emptied at generation 0 (and left empty: a seeded reset calls `resync`). */
  reset(): void;
  /** The sim restarted or came back, or reset the world to a seeded one: everything kept must be fetched again. */
  resync(): void;
  /** The sim went away or came back. */
  availability(up: boolean): void;
  /** These players' tokens stopped working (deleted, banned, reclaimed). */
  revoked(players: Revocations['players']): void;
  /** Revocations may have been missed: forget every player kept. */
  playersStale(): void;
}

/** The player a request is made for: its id and token hash (the sim checks both). */
export type PlayerRef = Pick<Player, 'id' | 'tokenHash'>;

/** Options of SimLink. Times in ms. */
export interface SimLinkOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly geometry: Geometry;
  readonly log: Log;
  readonly metrics: Metrics;
  /** Call the sim gone after this long without a summary. */
  readonly simTimeoutMs: number;
  /** Give up on a request after this long (503 LIFE_ERR_SIM_UNAVAILABLE). */
  readonly requestTimeoutMs: number;
  /** The world's regions (absent: one region, the whole world). */
  readonly layout?: RegionLayout;
  /**
   * Export each region's halo counters from its TICK summaries (`lifemmo_halo_*`): for
   * sims that serve no metrics of their own, a standalone server's threads. A cluster's
   * sims export them on their probe port, so its gateways leave them out (no double count).
   */
  readonly observeHalos?: boolean;
}

/** See the module comment. */
export class SimLink implements WorldView {
  readonly geometry: Geometry;
  generation = 0;
  population = 0;
  paused = false;
  tickMs = 100;
  rule = 'B3/S23';
  seed = 0;
  readonly #o: SimLinkOptions;
  readonly #listeners = new Set<Partial<SimLinkListeners>>();
  readonly #placements: PlacementBatcher;
  readonly #pace = new TickPace();
  readonly #merge: RegionMerge;
  /** Per region, what takes its summaries' halo totals into the counters (observeHalos). */
  readonly #halos = new Map<number, (totals: HaloCounts, instance?: number) => void>();
  readonly #layout: RegionLayout | null;
  #sub: BusSubscription | null = null;
  #revokedSub: BusSubscription | null = null;
  /** Revocations.seq of the last revocation message of this sim instance accounted for. */
  #revocations = 0;
  #offState: (() => void) | null = null;
  #watchdog: NodeJS.Timeout | null = null;
  #simInstance = 0;
  #lastSeen = 0;
  #up = false;

  constructor(options: SimLinkOptions) {
    this.#o = options;
    this.geometry = options.geometry;
    this.#layout = options.layout ?? null;
    this.#merge = new RegionMerge(options.layout?.regions.map((r) => shardsOfRegion(r, options.geometry.shardsX)) ?? [[]]);
    this.#placements = new PlacementBatcher((batch) => callRpc(options.bus, options.subjects.place(0), batch, options.requestTimeoutMs));
  }

  /** Whether the sim answers now (the bus is up and a summary arrived lately). */
  get up(): boolean {
    return this.#up;
  }

  /** Whether any summary ever arrived (the world state above is real). */
  get seen(): boolean {
    return this.#simInstance !== 0;
  }

  /** The sim's instance number from its latest summary (a new one after each sim start), 0 before any. */
  get simInstance(): number {
    return this.#simInstance;
  }

  /** How far the tick runs behind its schedule now, ms (0 while paused). */
  get lagMs(): number {
    return this.#pace.lagMs(Date.now(), this.tickMs);
  }

  /** Ticks per second the sim managed over the last few seconds. */
  get ticksPerSecond(): number {
    return this.#pace.ticksPerSecond(Date.now());
  }

  /** The world's region count (1: one sim owns it). */
  get regions(): number {
    return this.#merge.regions;
  }

  /**
   * Where each region is, from its latest summary (one entry for a whole world); `up`: heard
   * within SIM_TIMEOUT_MS (the link is up only while every region is).
   */
  regionStatus(now = Date.now()): RegionView[] {
    return this.#merge.status().map((r) => ({ ...r, up: r.heardAt > 0 && now - r.heardAt <= this.#o.simTimeoutMs }));
  }

  /** Date.now() when the latest summary arrived, 0 before any. */
  get lastHeardAt(): number {
    return this.#lastSeen;
  }

  listen(listeners: Partial<SimLinkListeners>): () => void {
    this.#listeners.add(listeners);
    return () => this.#listeners.delete(listeners);
  }

  start(): void {
    const { bus, subjects, simTimeoutMs } = this.#o;
    this.#sub = bus.subscribe(subjects.tick, (payload) => this.#onSummary(payload));
    this.#revokedSub = bus.subscribe(subjects.revoked, (payload) => this.#onRevoked(payload));
    this.#offState = bus.onState((state) => {
      this.#o.log.warn({ bus: bus.kind, state }, state === 'down' ? 'bus down: the sim is out of reach' : 'bus back up');
      if (state === 'down') this.#setUp(false);
    });
    const every = Math.min(500, simTimeoutMs);
    let checkedAt = Date.now();
    this.#watchdog = setInterval(() => {
      const now = Date.now();
      // A check that runs late ran after this thread was busy: summaries that arrived
      // meanwhile still wait behind it (timers run before the messages of the same turn),
      // so the silence may be this thread's, not the sim's. Judge at the next check.
      const onTime = now - checkedAt < every + simTimeoutMs / 2;
      checkedAt = now;
      if (onTime && this.#up && now - this.#lastSeen > simTimeoutMs) this.#setUp(false);
      // Between summaries too: a tick that takes seconds shows as growing lag.
      this.#observePace();
    }, every);
  }

  stop(): void {
    this.#sub?.unsubscribe();
    this.#revokedSub?.unsubscribe();
    this.#offState?.();
    if (this.#watchdog !== null) clearInterval(this.#watchdog);
    this.#watchdog = null;
  }

  /** Resolves once the sim has been heard from (bounded by `timeoutMs`; false when it was not). */
  waitUntilUp(timeoutMs: number): Promise<boolean> {
    if (this.#up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      const off = this.listen({
        availability: (up) => {
          if (!up) return;
          clearTimeout(timer);
          off();
          resolve(true);
        },
      });
    });
  }

  // ---------------------------------------------------------------------------------
  // Requests
  // ---------------------------------------------------------------------------------

  /**
   * Place cells for `owner`; resolves once the sim has made them durable.
   * @throws LifeError the sim's refusal (same codes as ever), or LIFE_ERR_SIM_UNAVAILABLE.
   */
  async place(player: PlayerRef, cells: ReadonlyArray<readonly [number, number]>, transport: PlaceTransport): Promise<PlacementResult> {
    const metrics = this.#o.metrics;
    try {
      const result = await this.#placements.place({ owner: player.id, tag: playerTag(player.tokenHash), cells });
      metrics.placements.inc({ transport, result: 'accepted', code: 'none' });
      metrics.placedCells.inc({ transport }, result.accepted);
      return result;
    } catch (err) {
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'internal';
      metrics.placements.inc({ transport, result: 'refused', code });
      this.#refusedPlayer(player, err);
      throw err;
    }
  }

  /** The sim refused `player` itself: it no longer exists or was banned. */
  #refusedPlayer(player: PlayerRef, err: unknown): void {
    const banned = isLifeError(err, 'PLAYER_BANNED');
    if (!banned && !isLifeError(err, 'BAD_TOKEN')) return;
    this.#emitRevoked([{ id: player.id, tokenHash: player.tokenHash, reason: banned ? 'banned' : 'deleted' }]);
  }

  /**
   * Pause, resume, step or reset; resolves to the state after it. A split world's goes to
   * the home, which gives it to every region at one point (region/admin-coordinator.ts).
   */
  async admin(command: AdminCommand): Promise<AdminReply> {
    const wait = adminWaitMs(command, this.#o.requestTimeoutMs);
    const timeout = this.regions === 1 ? wait : coordinationMs(wait, this.#o.requestTimeoutMs, this.tickMs);
    const reply = (await callJson(this.#o.bus, this.#o.subjects.admin(0), encodeJson(command), timeout)) as AdminReply;
    this.generation = Math.max(this.generation, reply.generation);
    this.paused = reply.paused;
    // Resumed, paused or reset: the schedule starts afresh now, not at the next summary.
    if (command.op === 'reset') this.#pace.restart(Date.now());
    this.#pace.state(reply.paused, Date.now());
    this.rule = reply.rule;
    this.seed = reply.seed;
    return reply;
  }

  /** Live cells of `rect` (wrapped on a torus, clipped when bounded). */
  async cells(rect: Rect): Promise<CellsReply> {
    const replies = await this.#readEveryRegion(async (r, at, timeoutMs) =>
      decodeCellsReply(await callRpc(this.#o.bus, this.#o.subjects.cells(r), encodeJson({ ...rect, ...(at !== undefined && { at }) }), timeoutMs)),
    );
    if (replies.length === 1) return replies[0]!;
    return { generation: replies[0]!.generation, cells: replies.flatMap((r) => r.cells) };
  }

  async leaderboard(limit: number): Promise<LeaderboardReply> {
    if (this.regions === 1) return (await this.#query({ op: 'leaderboard', limit })) as LeaderboardReply;
    // Cells are in every region, names only at home: sum, rank, then name the first.
    const { generation, figures } = await this.#ownerFigures();
    const ranked = [...figures].filter(([, f]) => f.population > 0).sort((a, b) => b[1].population - a[1].population || a[0] - b[0]);
    const ids = ranked.slice(0, Math.min(limit + 16, 1000)).map(([id]) => id);
    const { players } = (await this.#queryRegion(0, { op: 'names', ids })) as NamesReply;
    const named = new Map(players.map((p) => [p.id, p]));
    const entries = [];
    for (const [id, f] of ranked) {
      const player = named.get(id);
      if (player === undefined) continue;
      entries.push({ id, name: player.name, color: player.color, population: f.population, births: f.births });
      if (entries.length >= limit) break;
    }
    return { generation, players: entries };
  }

  async density(maxBins: number): Promise<DensityReply> {
    const replies = (await this.#readEveryRegion((r, at, t) => this.#queryRegion(r, { op: 'density', maxBins, at }, t))) as DensityReply[];
    if (replies.length === 1) return replies[0]!;
    const counts = new Map<number, number>();
    for (const reply of replies) for (const [c, r, n] of reply.bins) counts.set(r * reply.cols + c, (counts.get(r * reply.cols + c) ?? 0) + n);
    const first = replies[0]!;
    const bins = [...counts].map(([k, n]): [number, number, number] => [k % first.cols, Math.floor(k / first.cols), n]);
    return { ...first, bins };
  }

  /** Where `owner`'s live cells are: its `limit` most populated chunks. */
  async ownerCells(owner: number, limit: number): Promise<OwnerCellsReply> {
    const replies = (await this.#readEveryRegion((r, at, t) => this.#queryRegion(r, { op: 'owner-cells', owner, limit, at }, t))) as OwnerCellsReply[];
    if (replies.length === 1) return replies[0]!;
    // Most first, ties by row then column, as one sim orders them.
    const chunks = replies.flatMap((r) => r.chunks).sort((a, b) => b[2] - a[2] || a[1] - b[1] || a[0] - b[0]);
    return {
      ...replies[0]!,
      population: replies.reduce((n, r) => n + r.population, 0),
      chunkCount: replies.reduce((n, r) => n + r.chunkCount, 0),
      chunks: chunks.slice(0, limit),
    };
  }

  async budget(player: PlayerRef): Promise<BudgetReply> {
    try {
      const budget = { op: 'budget', owner: player.id, tag: playerTag(player.tokenHash) };
      // The budget is the home's; the player's cells and births are in every region.
      const [home, ...others] = await this.#readEveryRegion((r, at, t) =>
        this.#queryRegion(r, r === 0 ? { ...budget, at } : { op: 'owner-figures', owners: [player.id], at }, t),
      );
      const figures = sumOwnerFigures(others as OwnerFiguresReply[]).get(player.id);
      const reply = home as BudgetReply;
      return { ...reply, population: reply.population + (figures?.population ?? 0), births: reply.births + (figures?.births ?? 0) };
    } catch (err) {
      this.#refusedPlayer(player, err);
      throw err;
    }
  }

  /** Live cells and births per owner summed over the regions, read at one point. */
  async #ownerFigures(): Promise<{ generation: number; figures: Map<number, { population: number; births: number }> }> {
    const replies = (await this.#readEveryRegion((r, at, t) => this.#queryRegion(r, { op: 'owner-figures', at }, t))) as OwnerFiguresReply[];
    return { generation: replies[0]!.generation, figures: sumOwnerFigures(replies) };
  }

  /** Create a player whose token hashes to `tokenHash`; resolves once it is durable. */
  createPlayer(name: string, tokenHash: string): Promise<WirePlayer> {
    return callJson(this.#o.bus, this.#o.subjects.players, encodeJson({ op: 'create', name, tokenHash }), this.#o.requestTimeoutMs) as Promise<WirePlayer>;
  }

  /** The player whose token hashes to `tokenHash`, or null. */
  playerByTokenHash(tokenHash: string): Promise<WirePlayer | null> {
    return this.#players({ op: 'auth', tokenHash }) as Promise<WirePlayer | null>;
  }

  /** Players with ids above `after`, at most `limit` (admin). */
  listPlayers(after: number, limit: number): Promise<PlayersPage> {
    return this.#players({ op: 'list', after, limit }) as Promise<PlayersPage>;
  }

  /**
   * Delete player `id` (admin); resolves once durable. Every gateway forgets it.
   * @throws LifeError LIFE_ERR_PLAYER_NOT_FOUND
   */
  deletePlayer(id: number): Promise<WirePlayer> {
    return this.#players({ op: 'delete', id }) as Promise<WirePlayer>;
  }

  /**
   * Ban player `id` (admin); resolves once durable. Every gateway refuses its token.
   * @throws LifeError LIFE_ERR_PLAYER_NOT_FOUND
   */
  banPlayer(id: number): Promise<WirePlayer> {
    return this.#players({ op: 'ban', id }) as Promise<WirePlayer>;
  }

  #players(request: unknown): Promise<unknown> {
    return callJson(this.#o.bus, this.#o.subjects.players, encodeJson(request), this.#o.requestTimeoutMs);
  }

  /** A query of the home (region 0: the whole world when it is one region). */
  #query(query: unknown): Promise<unknown> {
    return this.#queryRegion(0, query);
  }

  #queryRegion(region: number, query: unknown, timeoutMs = this.#o.requestTimeoutMs): Promise<unknown> {
    return callJson(this.#o.bus, this.#o.subjects.query(region), encodeJson(query), timeoutMs);
  }

  /**
   * `ask` every region for its part of one read, at one point of the world's history
   * (docs/regions.md, "Reads at one point"): ask where each is, wait for all at the furthest
   * (readPoint), and again at a later one if a region moved past it meanwhile. The replies
   * are of one generation and hold no neighbour's border cells (a region answers between
   * ticks). One region (a whole world): now, `at` undefined.
   * @throws LifeError SIM_UNAVAILABLE when READ_ATTEMPTS points went by unread
   */
  async #readEveryRegion<T>(ask: (region: number, at: WorldPoint | undefined, timeoutMs: number) => Promise<T>): Promise<T[]> {
    const ids = this.#regionIds();
    if (ids.length === 1) return [await ask(ids[0]!, undefined, this.#o.requestTimeoutMs)];
    for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      // Each try a generation further ahead than the last: a busy world's regions tick almost all the time.
      const at = readPoint(await Promise.all(ids.map((r) => this.#queryRegion(r, { op: 'point' }) as Promise<RegionPoint>)), attempt - 1);
      if (at === null) {
        await delay(READ_RETRY_MS * attempt);
        continue;
      }
      try {
        // The ones behind reach the point within about a generation of lock-step.
        return await Promise.all(ids.map((r) => ask(r, at, this.#o.requestTimeoutMs + this.tickMs)));
      } catch (err) {
        if (!isLifeError(err, 'GENERATION_PASSED')) throw err;
      }
    }
    throw new LifeError('SIM_UNAVAILABLE', `The regions were not at one generation to read in ${READ_ATTEMPTS} tries (a reset, a pause or a step under way); retry shortly`);
  }

  #regionIds(): number[] {
    return this.#layout?.regions.map((r) => r.id) ?? [0];
  }

  // ---------------------------------------------------------------------------------
  // Summaries
  // ---------------------------------------------------------------------------------

  #onRevoked(payload: Uint8Array): void {
    let m: Revocations;
    try {
      m = Revocations.parse(decodeJson(payload));
    } catch (err) {
      // Unreadable: some players may still be cached that should not be.
      this.#o.log.error({ err }, 'bad revocation message from the sim');
      this.#stale();
      return;
    }
    const missed = m.seq !== this.#revocations + 1;
    this.#revocations = Math.max(this.#revocations, m.seq);
    this.#emitRevoked(m.players);
    if (missed) this.#stale();
  }

  #emitRevoked(players: Revocations['players']): void {
    for (const l of this.#listeners) l.revoked?.(players);
  }

  #stale(): void {
    for (const l of this.#listeners) l.playersStale?.();
  }

  #onSummary(payload: Uint8Array): void {
    let summaries: TickMessage[];
    const now = Date.now();
    const metrics = this.#o.metrics;
    metrics.busMessages.inc({ kind: 'tick' });
    metrics.busBytes.inc({ kind: 'tick' }, payload.length);
    try {
      const m = decodeTickMessage(payload);
      if (m.kind === TickKinds.TICK) {
        metrics.busTickDelay.observe({ stage: 'sim' }, Math.max(0, m.sentAt - m.timestamp) / 1000);
        metrics.busTickDelay.observe({ stage: 'bus' }, Math.max(0, now - m.sentAt) / 1000);
      }
      if (m.halos !== null && this.#o.observeHalos === true) this.#haloObserverOf(m.region)(m.halos, m.simInstance);
      // A world split into regions: the whole world's summaries this one completes.
      summaries = this.#merge.accept(m, now);
    } catch (err) {
      this.#o.log.error({ err }, 'bad tick summary from the sim');
      return;
    }
    // The sim is there while every region's is.
    this.#lastSeen = this.#merge.heardAt;
    if (this.regions > 1) {
      const status = this.#merge.status();
      const ahead = Math.max(...status.map((r) => r.generation));
      for (const r of status) metrics.regionBehind.set({ region: String(r.id) }, ahead - r.generation);
    }
    for (const m of summaries) this.#onWorldSummary(m);
  }

  /** Region `region`'s halo observer (haloObserver), made at its first summary. */
  #haloObserverOf(region: number): (totals: HaloCounts, instance?: number) => void {
    let observe = this.#halos.get(region);
    if (observe === undefined) this.#halos.set(region, (observe = haloObserver(this.#o.metrics)));
    return observe;
  }

  /** A summary of the whole world (a single sim's, or the regions' merged). */
  #onWorldSummary(m: TickMessage): void {
    const metrics = this.#o.metrics;
    metrics.simHeapUsed.set(m.heapUsedBytes);
    metrics.simHeapTotal.set(m.heapTotalBytes);
    const restarted = this.#simInstance !== 0 && m.simInstance !== this.#simInstance;
    // A new sim instance numbers its revocations from 1 again; one may have happened
    // before it died that it had no time to publish. A summary counting more than arrived
    // means one was lost.
    if (m.simInstance !== this.#simInstance || m.revocations > this.#revocations) {
      this.#revocations = m.revocations;
      this.#stale();
    }
    this.#simInstance = m.simInstance;
    this.population = m.population;
    this.paused = m.paused;
    if (restarted || m.kind === TickKinds.RESET) this.#pace.restart(this.#lastSeen);
    if (m.kind === TickKinds.TICK && m.stats !== null) this.#pace.tick(m.stats.lagMs, this.#lastSeen);
    this.#pace.state(m.paused, this.#lastSeen);
    this.#observePace();
    this.tickMs = m.tickMs;
    this.rule = m.rule;
    this.seed = m.seed;
    // Every region heard lately: a merged HEARTBEAT also comes while one region is silent
    // (the others' heartbeats), which must not bring the world back up.
    if (!this.#up && Date.now() - this.#lastSeen <= this.#o.simTimeoutMs) this.#setUp(true);
    if (restarted) this.#o.log.warn({ generation: m.generation }, 'the sim restarted: resyncing every watched chunk');
    // A TICK that skips generations needs nothing here: chunks that cannot follow are
    // fetched again by the replica feed. A HEARTBEAT at another generation means ticks
    // went missing (a bus outage) while the world may now be paused: resync at once.
    const jumped = m.kind === TickKinds.HEARTBEAT && m.generation !== this.generation;
    this.generation = m.generation;
    if (restarted || jumped) for (const l of this.#listeners) l.resync?.();
    if (m.kind === TickKinds.TICK) {
      if (m.stats !== null) observeTick(this.#o.metrics, m.stats);
      for (const l of this.#listeners) l.tick?.(m);
    } else if (m.kind === TickKinds.RESET) {
      // A seeded reset starts with life the replica must fetch; only an empty world is known without asking.
      const seeded = m.population > 0;
      for (const l of this.#listeners) {
        if (seeded) l.resync?.();
        else l.reset?.();
      }
    }
  }

  #observePace(): void {
    const now = Date.now();
    this.#o.metrics.tickBehind.set(this.#pace.lagMs(now, this.tickMs) / 1000);
    this.#o.metrics.ticksPerSecond.set(this.#pace.ticksPerSecond(now));
  }

  #setUp(up: boolean): void {
    if (up === this.#up) return;
    this.#up = up;
    this.#o.metrics.simUp.set(up ? 1 : 0);
    if (!up) this.#o.log.warn('the sim is gone: placements answer 503 until it is back');
    else this.#o.log.info({ generation: this.generation }, 'the sim is here');
    for (const l of this.#listeners) l.availability?.(up);
  }
}

/** Live cells and births per owner, summed over regions' `owner-figures` replies. */
function sumOwnerFigures(replies: readonly OwnerFiguresReply[]): Map<number, { population: number; births: number }> {
  const figures = new Map<number, { population: number; births: number }>();
  for (const reply of replies) {
    for (const [id, population, births] of reply.owners) {
      const f = figures.get(id) ?? { population: 0, births: 0 };
      figures.set(id, { population: f.population + population, births: f.births + births });
    }
  }
  return figures;
}

