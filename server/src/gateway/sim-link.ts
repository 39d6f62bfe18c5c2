/**
 * The gateway's side of the bus: what it knows of the world (from the sim's summaries),
 * whether the sim is there, and every request it forwards (placements, admin commands,
 * reads, players). Routes and WebSocket connections use this instead of an engine; it
 * never reads engine internals, so the sim may be a thread or a machine away.
 *
 * The sim is `up` while the bus is up and a summary arrived within SIM_TIMEOUT_MS (the
 * sim sends a heartbeat summary every second even when paused).
 */
import type { Geometry, Rect } from '@lifemmo/shared';
import type { Log } from '../log/logger.js';
import type { Bus, BusSubscription } from '../bus/index.js';
import type { Metrics } from '../metrics/metrics.js';
import { observeTick } from '../metrics/metrics.js';
import { PlacementBatcher } from './placement-batcher.js';
import {
  TickKinds,
  callJson,
  callRpc,
  decodeCellsReply,
  decodeTickMessage,
  encodeJson,
  type AdminReply,
  type AdminRequest,
  type BudgetReply,
  type CellsReply,
  type DensityReply,
  type LeaderboardReply,
  type PlacementResult,
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
}

export type { PlacementResult };

/** Which surface a placement came through (a metrics label). */
export type PlaceTransport = 'rest' | 'ws';

/** Listeners of the sim's summaries. */
export interface SimLinkListeners {
  /** A TICK summary (after its shard diffs arrived). */
  tick(message: TickMessage): void;
  /** The world was emptied at generation 0. */
  reset(): void;
  /** The sim restarted or came back: everything kept must be fetched again. */
  resync(): void;
  /** The sim went away or came back. */
  availability(up: boolean): void;
}

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
  #sub: BusSubscription | null = null;
  #offState: (() => void) | null = null;
  #watchdog: NodeJS.Timeout | null = null;
  #simInstance = 0;
  #lastSeen = 0;
  #up = false;

  constructor(options: SimLinkOptions) {
    this.#o = options;
    this.geometry = options.geometry;
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
    this.#offState = bus.onState((state) => {
      this.#o.log.warn({ bus: bus.kind, state }, state === 'down' ? 'bus down: the sim is out of reach' : 'bus back up');
      if (state === 'down') this.#setUp(false);
    });
    this.#watchdog = setInterval(() => {
      if (this.#up && Date.now() - this.#lastSeen > simTimeoutMs) this.#setUp(false);
    }, Math.min(500, simTimeoutMs));
  }

  stop(): void {
    this.#sub?.unsubscribe();
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
  async place(owner: number, cells: ReadonlyArray<readonly [number, number]>, transport: PlaceTransport): Promise<PlacementResult> {
    const metrics = this.#o.metrics;
    try {
      const result = await this.#placements.place({ owner, cells });
      metrics.placements.inc({ transport, result: 'accepted', code: 'none' });
      metrics.placedCells.inc({ transport }, result.accepted);
      return result;
    } catch (err) {
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'internal';
      metrics.placements.inc({ transport, result: 'refused', code });
      throw err;
    }
  }

  /** Pause, resume, step or reset; resolves to the state after it. */
  async admin(command: AdminRequest): Promise<AdminReply> {
    // Stepping runs as fast as the sim can: allow one request timeout per 100 generations.
    const timeout = this.#o.requestTimeoutMs * (command.op === 'step' ? Math.max(1, Math.ceil(command.generations / 100)) : 1);
    const reply = (await callJson(this.#o.bus, this.#o.subjects.admin, encodeJson(command), timeout)) as AdminReply;
    this.generation = Math.max(this.generation, reply.generation);
    this.paused = reply.paused;
    this.rule = reply.rule;
    this.seed = reply.seed;
    return reply;
  }

  /** Live cells of `rect` (wrapped on a torus, clipped when bounded). */
  async cells(rect: Rect): Promise<CellsReply> {
    return decodeCellsReply(await callRpc(this.#o.bus, this.#o.subjects.cells, encodeJson(rect), this.#o.requestTimeoutMs));
  }

  leaderboard(limit: number): Promise<LeaderboardReply> {
    return this.#query({ op: 'leaderboard', limit }) as Promise<LeaderboardReply>;
  }

  density(maxBins: number): Promise<DensityReply> {
    return this.#query({ op: 'density', maxBins }) as Promise<DensityReply>;
  }

  budget(owner: number): Promise<BudgetReply> {
    return this.#query({ op: 'budget', owner }) as Promise<BudgetReply>;
  }

  /** Create a player whose token hashes to `tokenHash`; resolves once it is durable. */
  createPlayer(name: string, tokenHash: string): Promise<WirePlayer> {
    return callJson(this.#o.bus, this.#o.subjects.players, encodeJson({ op: 'create', name, tokenHash }), this.#o.requestTimeoutMs) as Promise<WirePlayer>;
  }

  /** The player whose token hashes to `tokenHash`, or null. */
  playerByTokenHash(tokenHash: string): Promise<WirePlayer | null> {
    return callJson(this.#o.bus, this.#o.subjects.players, encodeJson({ op: 'auth', tokenHash }), this.#o.requestTimeoutMs) as Promise<WirePlayer | null>;
  }

  #query(query: unknown): Promise<unknown> {
    return callJson(this.#o.bus, this.#o.subjects.query, encodeJson(query), this.#o.requestTimeoutMs);
  }

  // ---------------------------------------------------------------------------------
  // Summaries
  // ---------------------------------------------------------------------------------

  #onSummary(payload: Uint8Array): void {
    let m: TickMessage;
    try {
      m = decodeTickMessage(payload);
    } catch (err) {
      this.#o.log.error({ err }, 'bad tick summary from the sim');
      return;
    }
    this.#lastSeen = Date.now();
    const metrics = this.#o.metrics;
    metrics.busMessages.inc({ kind: 'tick' });
    metrics.busBytes.inc({ kind: 'tick' }, payload.length);
    if (m.kind === TickKinds.TICK) {
      metrics.busTickDelay.observe({ stage: 'sim' }, Math.max(0, m.sentAt - m.timestamp) / 1000);
      metrics.busTickDelay.observe({ stage: 'bus' }, Math.max(0, this.#lastSeen - m.sentAt) / 1000);
    }
    const restarted = this.#simInstance !== 0 && m.simInstance !== this.#simInstance;
    this.#simInstance = m.simInstance;
    this.population = m.population;
    this.paused = m.paused;
    this.tickMs = m.tickMs;
    this.rule = m.rule;
    this.seed = m.seed;
    if (!this.#up) this.#setUp(true);
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
      for (const l of this.#listeners) l.reset?.();
    }
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
