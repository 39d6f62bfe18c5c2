/**
 * The sim role: owns the world. Its engine, tick loop and per-cell fan-out, placement
 * intake with budgets, the player registry and durability (write-ahead log and
 * snapshots) all live here; everything reaches it over the bus (DESIGN.md, "Beyond one
 * process"). It runs on a worker thread in standalone, or as a process of its own.
 *
 * What it answers (wire/subjects.ts): placements, admin commands, queries, region reads,
 * players, snapshots of chunks; what it publishes: per generation, each watched shard's
 * diff records and a summary, and revoked players (tick-publisher.ts).
 */
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { LifeError, isLifeError, parseRule } from '@lifemmo/shared';
import type { Bus, BusSubscription } from '../bus/index.js';
import { regionLayoutOf, type Config } from '../config/config.js';
import { DEFAULT_RESERVATION_TTL_MS, Engine, MAX_OWNER, type LoopCommand } from '../engine/index.js';
import { PlacementService } from '../placement/placement-service.js';
import { linkOverBus, type BusHaloLink } from '../region/bus-halo-link.js';
import { RegionAdmin } from '../region/region-admin.js';
import { RegionPlacements } from '../region/region-placements.js';
import { regionDir } from '../region/durable-region.js';
import { shardsOfRegion, type RegionLayout } from '../region/layout.js';
import { RegionEngine, type RegionJournal } from '../region/region-engine.js';
import type { RegionPoint } from '../region/command-point.js';
import { MemoryPlayerRegistry, type Player } from '../players/player-registry.js';
import { FileStore, MemoryStore, type Store } from '../store/index.js';
import { checkDataDirLayout } from '../store/data-dir-layout.js';
import { Persistence } from '../store/persistence.js';
import {
  AdminRequest,
  adminWaitMs,
  CellsRequest,
  callJson,
  encodeJson,
  PlayersRequest,
  QueryRequest,
  decodeInterest,
  decodeJson,
  decodePlaceBatch,
  encodeCellsReply,
  encodePlaceOutcomes,
  serveRpc,
  subjectsFor,
  type AdminCommand,
  type AdminOutcomeReply,
  type AdminReply,
  type BudgetReply,
  type NamesReply,
  type OwnersInUseReply,
  type RpcBody,
  type Subjects,
  type WirePlayer,
} from '../wire/index.js';
import { snapshotFrame } from './chunk-records.js';
import { ChunkInterest } from './interest.js';
import { PlayerService } from './player-service.js';
import { OwnerPopulations } from './owner-populations.js';
import { density, leaderboard, ownerCells, ownerFigures } from './queries.js';
import { TickPublisher } from './tick-publisher.js';

/** How often a sim says it is alive, ms (gateways call it gone after SIM_TIMEOUT_MS). */
export const HEARTBEAT_MS = 1_000;
/**
 * How often the home delivers again a decided placement's commit that a region did not
 * answer, ms (the region is away: its restart replays the part and it asks, too).
 */
const COMMIT_RETRY_MS = 500;
/** How long a snapshot request's interest lasts before the gateway's announcements take over, ms. */
const SNAPSHOT_LEASE_MS = 10_000;
/**
 * A held admin command (the first phase of one given to every region) with no decision
 * after this many bus request timeouts asks the home what became of it (region/admin-holds.ts).
 */
const HOLD_ASK_TIMEOUTS = 4;

/** The engine a configuration describes. */
export function createEngine(config: Config): Engine {
  return new Engine({ ...config.world, cellLogic: { ...config.cellLogic } });
}

/**
 * The store a configuration names: files under DATA_DIR (a world split into regions: each
 * region's under `region-<id>/` in it), or memory.
 */
export function createStore(config: Config, regionId: number | null = null): Store {
  if (config.store.kind === 'memory') return new MemoryStore();
  return new FileStore(regionId === null ? config.dataDir : regionDir(config.dataDir, regionId), { keepSnapshots: config.store.snapshotKeep });
}

/** What a Sim is made of; each part defaults to one built from the configuration. */
export interface SimParts {
  readonly config: Config;
  readonly bus: Bus;
  readonly log: Logger;
  readonly engine?: Engine;
  readonly store?: Store;
  /**
   * When the world is split into regions (REGIONS): the one this sim steps, and the bus to
   * the other regions' sims, for halos and placement parts (standalone: a LocalBusMesh to
   * the other sim threads; a cluster: the same NATS connection as `bus`).
   */
  readonly region?: { readonly id: number; readonly peers: Bus };
}

/**
 * One sim: the whole world (region 0 of 1), or one region of a split world, stepped in
 * lock-step with its neighbours (docs/regions.md). Region 0 is the home of players and
 * budgets: it answers `players` and `place.0`.
 */
export class Sim {
  readonly engine: Engine;
  /** The region this sim steps: id 0 of 1 for a whole world. */
  readonly regionId: number;
  readonly layout: RegionLayout;
  /** The engine of a split world's region (null: the whole world). */
  readonly regionEngine: RegionEngine | null;
  readonly players: MemoryPlayerRegistry;
  readonly placement: PlacementService;
  readonly persistence: Persistence;
  readonly playerService: PlayerService;
  readonly #config: Config;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #subjects: Subjects;
  readonly #interest: ChunkInterest;
  readonly #publisher: TickPublisher;
  readonly #populations: OwnerPopulations;
  readonly #subscriptions: BusSubscription[] = [];
  readonly #unlisten: Array<() => void> = [];
  readonly #haloLink: BusHaloLink | null;
  /** The bus to the other regions' sims (null: a whole world). */
  readonly #peers: Bus | null;
  /** A split world's region: its placements across regions (null: a whole world). */
  readonly #regionPlacements: RegionPlacements | null;
  /** Admin commands held at a point, and (the home) given to every region. */
  readonly #admin: RegionAdmin;
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(parts: SimParts) {
    const { config } = parts;
    this.#config = config;
    this.#bus = parts.bus;
    this.#subjects = subjectsFor(config.cluster.worldName);
    this.layout = regionLayoutOf(config);
    const split = this.layout.regions.length > 1;
    if (split && parts.region === undefined) throw new LifeError('CONFIG_INVALID', `REGIONS: a world of ${this.layout.regions.length} regions needs a sim per region`);
    this.regionId = split ? parts.region!.id : 0;
    this.#peers = split ? parts.region!.peers : null;
    this.#log = split ? parts.log.child({ region: this.regionId }) : parts.log;
    if (split) {
      const region = this.layout.regions[this.regionId];
      if (region === undefined) throw new LifeError('CONFIG_INVALID', `REGION: no region ${this.regionId} in a world of ${this.layout.regions.length}`);
      this.#haloLink = linkOverBus([parts.region!.peers], this.#subjects, region, (err) => this.#log.warn({ err }, 'bad halo ignored'));
      // The region's log records the borders its ticks read, and its halos wait for the log.
      const journal: RegionJournal = {
        border: (generation, halos) => this.persistence.border(generation, halos),
        sync: () => this.persistence.sync(),
      };
      this.regionEngine = new RegionEngine({ ...config.world, cellLogic: { ...config.cellLogic } }, this.layout, this.regionId, this.#haloLink, { journal });
    } else {
      this.#haloLink = null;
      this.regionEngine = null;
    }
    this.engine = this.regionEngine?.engine ?? parts.engine ?? createEngine(config);
    this.players = new MemoryPlayerRegistry(config.players.max);
    this.placement = new PlacementService(this.engine, {
      budget: { capacity: config.budget.cells, refillPerGen: config.budget.refillPerGen },
      maxCellsPerRequest: config.limits.maxCellsPerRequest,
    });
    this.persistence = new Persistence({
      store: parts.store ?? createStore(config, split ? this.regionId : null),
      engine: this.engine,
      players: this.players,
      placement: this.placement,
      log: this.#log,
      snapshotEvery: config.store.snapshotEvery,
      ...(this.regionEngine !== null && { region: this.regionEngine }),
    });
    const peers = this.#peers;
    this.#regionPlacements =
      peers === null
        ? null
        : new RegionPlacements({
            layout: this.layout,
            regionId: this.regionId,
            engine: this.engine,
            placement: this.placement,
            journal: this.persistence,
            peers,
            subjects: this.#subjects,
            // Half a gateway's: a transaction's prepares time out, and it is refused, before the
            // gateway gives up on the placement (its client is told 503 and nothing lands).
            timeoutMs: Math.max(1, Math.floor(config.cluster.requestTimeoutMs / 2)),
            // As long as an unprepared reservation lives: the longest a lost commit holds the world.
            askAfterMs: DEFAULT_RESERVATION_TTL_MS,
            retryMs: COMMIT_RETRY_MS,
            log: this.#log,
          });
    this.#admin = new RegionAdmin({
      engine: this.engine,
      regions: this.layout.regions.map((r) => r.id),
      regionId: this.regionId,
      journal: this.persistence,
      peers: this.#peers,
      subjects: this.#subjects,
      timeoutMs: config.cluster.requestTimeoutMs,
      askAfterMs: config.cluster.requestTimeoutMs * HOLD_ASK_TIMEOUTS,
      retryMs: COMMIT_RETRY_MS,
      tickMs: config.world.tickMs,
      sim: {
        apply: async (point, command) => {
          await point.decide(this.#loopCommand(command));
          await this.#applied(command);
        },
        now: (command) => this.#applyHere(command),
        state: () => this.#state(),
        point: () => this.#point(),
      },
      log: this.#log,
    });
    this.#populations = new OwnerPopulations(this.engine);
    const g = this.engine.geometry;
    this.#interest = new ChunkInterest(g.chunksX * g.chunksY);
    const region = this.regionEngine;
    this.#publisher = new TickPublisher(this.#bus, this.#subjects, this.engine, this.#interest, randomInt(1, 0xffff_ffff), {
      id: this.regionId,
      count: this.layout.regions.length,
      ...(region !== null && { halos: () => region.haloCounts }),
    });
    this.playerService = new PlayerService({
      registry: this.players,
      engine: this.engine,
      placement: this.placement,
      persistence: this.persistence,
      revoke: (players) => this.#publisher.revoke(players),
      log: this.#log,
      idleMs: config.players.idleMs,
      ...(this.#peers !== null && { othersInUse: () => this.#othersInUse() }),
    });
  }

  /** Rebuild the world from storage, start answering on the bus, and start ticking (or stay paused). */
  async start(): Promise<void> {
    if (this.#config.store.kind === 'file') await checkDataDirLayout(this.#config.dataDir, this.layout.regions.length);
    const recovered = await this.persistence.recover();
    const e = this.engine;
    if (this.#config.seeding.atStart && recovered.snapshotGeneration === null && recovered.replayedRecords === 0) {
      // A fresh world starts with life: a logged, seeded reset, so a restart replays the same cells.
      await e.reset({ seeding: this.#config.seeding.recipe });
      await this.persistence.sync();
      this.#log.info({ population: e.population, seed: e.seed }, 'fresh world seeded');
    }
    this.#unlisten.push(
      e.onTick((result) => {
        this.#populations.invalidate();
        this.#publisher.publish(result);
      }),
      e.onReset(() => {
        this.#populations.invalidate();
        this.#publisher.reset();
      }),
      e.onError((err) => this.#log.error({ err }, 'tick failed')),
    );
    // Holds the log left open are held again before anything is served or ticks.
    await this.#admin.resume();
    this.#serve();
    this.#regionPlacements?.resume();
    e.start();
    // An admin's pause outlives a restart; nothing ticks between these two lines.
    if (recovered.paused) e.pause();
    this.#publisher.heartbeat();
    this.#heartbeat = setInterval(() => this.#publisher.heartbeat(), HEARTBEAT_MS);
    this.#log.info(
      { generation: e.generation, paused: e.paused, bus: this.#bus.kind, world: this.#config.cluster.worldName, regions: this.layout.regions.length },
      'sim started',
    );
  }

  /** Stop answering, finish the tick in progress, write a final snapshot. */
  async stop(): Promise<void> {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    for (const sub of this.#subscriptions.splice(0)) sub.unsubscribe();
    for (const off of this.#unlisten.splice(0)) off();
    this.#regionPlacements?.stop();
    this.#admin.stop();
    await this.engine.stop();
    await this.persistence.shutdown();
    this.#haloLink?.close();
  }

  /** Owners in use in the other regions (PlayerService.othersInUse), from their sims. */
  async #othersInUse(): Promise<Uint8Array> {
    const used = new Uint8Array(MAX_OWNER + 1);
    const ask = encodeJson({ op: 'owners-in-use' });
    const others = this.layout.regions.filter((region) => region.id !== this.regionId);
    const replies = await Promise.all(
      others.map((region) => callJson(this.#peers!, this.#subjects.query(region.id), ask, this.#config.cluster.requestTimeoutMs) as Promise<OwnersInUseReply>),
    );
    for (const { owners } of replies) for (const id of owners) used[id] = 1;
    return used;
  }

  /** Region 0 holds the players and budgets, and takes every placement. */
  get #home(): boolean {
    return this.regionId === 0;
  }

  #serve(): void {
    const s = this.#subjects;
    const onError = (err: unknown) => this.#log.error({ err }, 'sim request failed');
    const rpc = (subject: string, handler: (request: Uint8Array) => RpcBody | Promise<RpcBody>) =>
      this.#subscriptions.push(serveRpc(this.#bus, subject, handler, onError));

    const r = this.regionId;
    if (this.#home) this.#servePlacements();
    // The home asks the other regions' sims over their own bus (a split standalone world:
    // the channel between sim threads; a cluster: the same NATS connection).
    const peers = this.#peers;
    const onPeers = (subject: string, handler: (request: Uint8Array) => RpcBody | Promise<RpcBody>) => {
      rpc(subject, handler);
      if (peers !== null && peers !== this.#bus) this.#subscriptions.push(serveRpc(peers, subject, handler, onError));
    };
    onPeers(s.admin(r), async (request) => ({ json: await this.#adminRequest(AdminRequest.parse(decodeJson(request))) }));
    onPeers(s.query(r), (request) => {
      const query = QueryRequest.parse(decodeJson(request));
      // A read at a point waits for it (every region of a split world answering at one generation).
      return 'at' in query && query.at !== undefined ? this.engine.readAt(query.at, () => this.#answer(query)) : this.#answer(query);
    });
    rpc(s.cells(r), (request) => {
      const { at, ...rect } = CellsRequest.parse(decodeJson(request));
      const read = () => encodeCellsReply({ generation: this.engine.generation, cells: this.engine.liveCells(rect) });
      return at === undefined ? read() : this.engine.readAt(at, read);
    });
    if (this.#home) this.#servePlayers(rpc);
    if (this.#regionPlacements !== null) this.#subscriptions.push(this.#regionPlacements.serve(onError));
    const owned = this.layout.regions.length === 1 ? null : shardsOfRegion(this.layout.regions[r]!, this.engine.geometry.shardsX);
    const snapshot = (request: Uint8Array) => {
      const ask = decodeInterest(request);
      this.#interest.add(ask.gateway, ask.chunks, SNAPSHOT_LEASE_MS, Date.now());
      return snapshotFrame(this.engine.world, ask.chunks.filter((c) => c < this.engine.world.geometry.chunksX * this.engine.world.geometry.chunksY));
    };
    // A region answers for its own shards only: each shard's snapshot has one responder.
    if (owned === null) rpc(s.snapshotAll, snapshot);
    else for (const shard of owned) rpc(s.snapshot(shard), snapshot);
    this.#subscriptions.push(
      this.#bus.subscribe(s.interest, (payload) => {
        try {
          const m = decodeInterest(payload);
          this.#interest.set(m.gateway, m.chunks, m.leaseMs, Date.now());
        } catch (err) {
          this.#log.warn({ err }, 'bad interest message ignored');
        }
      }),
    );
  }

  /** Home only: players' placement batches from the gateways. */
  #servePlacements(): void {
    const onError = (err: unknown) => this.#log.error({ err }, 'sim request failed');
    const place = async (request: Uint8Array): Promise<RpcBody> => {
      // In order, each accepted or refused synchronously; the reply waits for the one
      // log flush that makes every accepted placement of the batch durable.
      const batch = decodePlaceBatch(request);
      const settled = await Promise.allSettled(
        batch.map(async ({ owner, tag, cells }) => {
          this.playerService.admit(owner, tag);
          return this.#regionPlacements === null ? this.placement.place(owner, cells) : this.#regionPlacements.place(owner, cells);
        }),
      );
      return encodePlaceOutcomes(
        settled.map((outcome) => {
          if (outcome.status === 'fulfilled') return outcome.value;
          if (isLifeError(outcome.reason)) return outcome.reason;
          onError(outcome.reason);
          return new LifeError('INTERNAL');
        }),
      );
    };
    this.#subscriptions.push(serveRpc(this.#bus, this.#subjects.place(0), place, onError));
  }

  #servePlayers(rpc: (subject: string, handler: (request: Uint8Array) => RpcBody | Promise<RpcBody>) => void): void {
    const s = this.#subjects;
    rpc(s.players, async (request) => {
      const ask = PlayersRequest.parse(decodeJson(request));
      const players = this.playerService;
      switch (ask.op) {
        case 'auth': {
          const player = players.authenticate(ask.tokenHash);
          return { json: player === null ? null : wirePlayer(player) };
        }
        case 'create': {
          this.persistence.assertWritable();
          // The player exists for its creator only once durable.
          const player = await players.create(ask.name, ask.tokenHash);
          this.#log.info({ playerId: player.id }, 'player created');
          return { json: wirePlayer(player) };
        }
        case 'list':
          return { json: players.list(ask.after, ask.limit) };
        case 'delete':
          this.persistence.assertWritable();
          return { json: wirePlayer(await players.delete(ask.id)) };
        case 'ban':
          this.persistence.assertWritable();
          return { json: wirePlayer(await players.ban(ask.id)) };
      }
    });
  }

  /** The answer to a query, now. */
  #answer(query: QueryRequest): RpcBody {
    switch (query.op) {
      case 'leaderboard':
        return { json: leaderboard(this.engine, this.#populations.get(), this.players, query.limit) };
      case 'density':
        return { json: density(this.engine, query.maxBins) };
      case 'owner-cells':
        return { json: ownerCells(this.engine, query.owner, query.limit) };
      case 'budget': {
        this.playerService.admit(query.owner, query.tag);
        const reply: BudgetReply = {
          available: this.placement.available(query.owner),
          generation: this.engine.generation,
          population: this.#populations.get().get(query.owner) ?? 0,
          births: this.engine.birthsOf(query.owner),
        };
        return { json: reply };
      }
      case 'owner-figures':
        return { json: ownerFigures(this.engine, this.#populations.get(), query.owners) };
      case 'names': {
        const reply: NamesReply = { players: [] };
        for (const id of query.ids) {
          const player = this.players.get(id);
          if (player !== undefined) reply.players.push({ id, name: player.name, color: player.color });
        }
        return { json: reply };
      }
      case 'owners-in-use': {
        const used = this.engine.ownersInUse();
        const reply: OwnersInUseReply = { owners: [] };
        for (let id = 1; id < used.length; id++) if (used[id] !== 0) reply.owners.push(id);
        return { json: reply };
      }
      case 'point':
        return { json: this.#point() };
    }
  }

  async #adminRequest(request: AdminRequest): Promise<AdminReply | AdminOutcomeReply> {
    // A phase of a split world's command, or (the home) one given to every region.
    const waitMs = request.op === 'decide' || request.op === 'outcome' ? 0 : adminWaitMs(request, this.#config.cluster.requestTimeoutMs);
    const handled = await this.#admin.handle(request, waitMs);
    if (handled !== null) return handled;
    return this.#applyHere(request as AdminCommand);
  }

  /** Apply `command` in this sim: now, or at the point it names (docs/regions.md); the state after it. */
  async #applyHere(command: AdminCommand): Promise<AdminReply> {
    // Pause, resume and reset are logged once applied: refused while the log cannot be written.
    if (command.op !== 'step') this.persistence.assertWritable();
    if (command.at !== undefined) await this.engine.at(command.at, this.#loopCommand(command));
    else await this.#now(this.#loopCommand(command));
    await this.#applied(command);
    return this.#state();
  }

  /** Where this sim's world is (RegionPoint): how the home chooses the point of an admin command. */
  #point(): RegionPoint {
    const e = this.engine;
    return { epoch: e.epoch, generation: e.generation, paused: e.paused, ticking: e.tickInProgress };
  }

  /** The engine's form of an admin command (a reset's rule parsed, its seeding the configured recipe). */
  #loopCommand(command: AdminCommand): LoopCommand {
    switch (command.op) {
      case 'pause':
      case 'resume':
        return { op: command.op };
      case 'step':
        return { op: 'step', generations: command.generations };
      case 'reset':
        return {
          op: 'reset',
          rule: command.rule === undefined ? undefined : parseRule(command.rule),
          seed: command.seed,
          ...(command.seeding === true && { seeding: this.#config.seeding.recipe }),
        };
    }
  }

  /** Apply `command` now (no point named: a whole world's admin). */
  async #now(command: LoopCommand): Promise<void> {
    const e = this.engine;
    switch (command.op) {
      case 'pause':
        return e.pause();
      case 'resume':
        return e.resume();
      case 'step':
        await e.step(command.generations);
        return;
      case 'reset': {
        const { op: _op, ...options } = command;
        return e.reset(options);
      }
    }
  }

  /** After an admin command applied: log what must survive a restart, tell the gateways. */
  async #applied(command: AdminCommand): Promise<void> {
    const e = this.engine;
    if (command.op === 'pause' || command.op === 'resume') await this.persistence.pausedChanged(command.op === 'pause');
    if (command.op === 'reset') {
      await this.persistence.sync();
      this.#log.warn({ rule: e.rule.text, seed: e.seed, seeded: command.seeding === true, population: e.population }, 'world reset by admin');
    }
    // A pause or resume is seen by gateways at once, not at the next heartbeat.
    this.#publisher.heartbeat();
  }

  #state(): AdminReply {
    const e = this.engine;
    return { generation: e.generation, epoch: e.epoch, paused: e.paused, rule: e.rule.text, seed: e.seed };
  }
}

function wirePlayer(p: Player): WirePlayer {
  return { id: p.id, name: p.name, color: p.color, tokenHash: p.tokenHash, banned: p.banned };
}

