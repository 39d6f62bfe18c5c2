/**
 * One region's engine: an Engine that owns only the region's chunks and steps with its
 * neighbours' halos (docs/regions.md). No Life logic of its own: the engine's tick does
 * the stepping, fan-out included (a Promise.all over the region's shards, and inside each
 * over its candidates), and this class only feeds its border and publishes its halo.
 *
 * Lock-step without a clock: after committing generation g the region sends its halo of
 * g; its tick to g + 1 starts by waiting for every neighbour's halo of g. So no region
 * gets more than one generation ahead of a neighbour, and a region that stops stops its
 * neighbours, then theirs.
 *
 * A halo lost on the way (NATS core delivers at most once; a neighbour that subscribed
 * late never saw it) would stop the world for good. So a region that has waited
 * `resendMs` for halos of generation g sends its own halo of g again, marked waiting, and
 * again every `resendMs` while it waits; a neighbour that gets a waiting halo of g answers
 * with its own halo of g (unmarked, so answers never start answers). It still has it: a
 * neighbour is at most one generation ahead, so it keeps its last two halos (three, for
 * a reset: see `#recent`). The region that waits asks; one that is idle (done stepping,
 * paused) only answers.
 *
 * Pace: each region's engine keeps its own timer, and lock-step alone would let two
 * regions keep whatever offset their timers started with (sims started seconds apart):
 * the one behind would tick up to a whole TICK_MS after the other, and the world's
 * generation would be complete (for reads and for clients' frames) only then. So a region
 * that is idle while a neighbour's halo of a later generation arrives ticks at once
 * (`Engine.catchUp`): the world keeps the pace of its earliest timer, and its regions
 * stay within about a tick's work of each other.
 *
 * Halos name the world's epoch (resets so far) as well as the generation, and a region
 * takes only its own epoch's: regions reset at different moments, and a halo of the world
 * before a reset (a late copy on the bus) must never be laid into the world after it.
 * Admin commands reach every region as "at generation g of epoch e" (`admin`, Engine.at),
 * so all of them pause, step and reset at the same point (docs/regions.md).
 *
 * A durable region (given a `journal`: its Persistence, durable-region.ts) records the
 * halos each tick read (its border) in its log before the tick commits, so its log replays
 * without its neighbours, and sends its halo of generation g only once g is durable, so
 * no neighbour ever builds on a generation the region could lose in a crash: a region
 * restarted from its log is at least at the last generation it sent, and its neighbours at
 * most one past it, which their last halos cover (docs/regions.md, "Durability of a region").
 */
import { DEFAULT_SHARD_CHUNKS, Geometry, LifeError, type Rect } from '@lifemmo/shared';
import { Engine, type EngineOptions, type LiveCell, type LoopCommand, type Reservation, type World, type WorldPoint } from '../engine/index.js';
import type { RegionLog } from '../store/persistence.js';
import { decodeHalo, encodeHalo } from '../wire/halo-message.js';
import { GhostRing, extractHalo, type Halo } from './halo.js';
import type { RegionPoint } from './command-point.js';
import type { HaloLink } from './halo-inbox.js';
import { ringShapeOf, type RingShape } from './halo-ring.js';
import { ownedChunkMask, type Region, type RegionLayout } from './layout.js';
import type { PlacementParticipant } from './placement-across.js';

/**
 * Halos a region handed its link and took from it, running totals since it was made (a
 * role exports them; per generation: take two readings and divide by the generations
 * between them). Bytes are the encoded halos (wire/halo-message.ts), as handed over: a link
 * that publishes on several buses (LocalBus pairs) sends each of them once per bus.
 */
export interface HaloCounts {
  /** Halos sent: one per generation, plus each ask (waiting) and each answer. */
  readonly sentMessages: number;
  readonly sentBytes: number;
  /** Halos this region's ticks took: one per distinct neighbour and generation. */
  readonly receivedMessages: number;
  readonly receivedBytes: number;
}

/** Where a durable region records the borders its ticks read, and learns what is durable: its Persistence. */
export interface RegionJournal {
  /** The encoded halos the tick from `generation` read: recorded before that tick commits, durable with its tick record. */
  border(generation: number, halos: readonly Uint8Array[]): void;
  /** Resolves once everything recorded so far is on stable storage; rejects while it cannot be. */
  sync(): Promise<void>;
}

/** Options of RegionEngine. */
export interface RegionEngineOptions {
  /** How long a tick waits for a halo before this region asks again (and again each time this passes), ms (default 500). */
  readonly resendMs?: number;
  /**
   * Make the region durable (see the module comment): its borders are recorded here, and
   * its halos wait for `tickDurable`. Absent: halos leave at each commit, nothing is logged.
   */
  readonly journal?: RegionJournal;
}

/** An engine stepping one region of a world; see the module comment. */
export class RegionEngine implements PlacementParticipant, RegionLog {
  readonly engine: Engine;
  readonly region: Region;
  readonly #ring: RingShape;
  readonly #ghosts: GhostRing;
  readonly #link: HaloLink;
  readonly #layout: RegionLayout;
  /** The point whose halo was last sent; generation -1 before the first of an epoch. */
  #sent: WorldPoint = { epoch: 0, generation: -1 };
  /**
   * The last three halos sent, oldest first, to send again (see the module comment). Two
   * would do within an epoch (a neighbour is at most one generation behind); the third is
   * for a reset: once this region has sent its first halo of the new epoch, a neighbour
   * may still wait one generation behind the reset in the world before it.
   */
  #recent: Halo[] = [];
  /** The epoch the link was last told of (HaloLink.reset). */
  #linkEpoch = 0;
  readonly #resendMs: number;
  readonly #journal: RegionJournal | null;
  /** Borders read back from the log (replayBorder), by `epoch:generation`, until a tick takes them. */
  readonly #logged = new Map<string, Uint8Array[]>();
  /**
   * A durable region asks its neighbours for their halos at its first wait instead of
   * after `resendMs`: restarted, it has lost what they sent its previous life.
   */
  #askAtOnce: boolean;
  readonly #counts = { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0 };

  /**
   * @param options the whole world's engine options (the engine keeps the world's geometry)
   * @param layout the world's regions; `regionId` is the one this engine steps
   */
  constructor(
    options: Omit<EngineOptions, 'area'>,
    layout: RegionLayout,
    regionId: number,
    link: HaloLink,
    { resendMs = 500, journal }: RegionEngineOptions = {},
  ) {
    const region = layout.regions[regionId];
    if (region === undefined) throw new LifeError('VALIDATION', `No region ${regionId} in a layout of ${layout.regions.length}`);
    this.region = region;
    this.#layout = layout;
    this.#link = link;
    this.#resendMs = resendMs;
    this.#journal = journal ?? null;
    this.#askAtOnce = this.#journal !== null;
    const geometry = new Geometry({ ...options, shardChunks: options.shardChunks ?? DEFAULT_SHARD_CHUNKS });
    const owned = ownedChunkMask(region, geometry);
    this.engine = new Engine({ ...options, area: { owned, fillBorder: (world, generation, signal) => this.#fillBorder(world, generation, signal) } });
    this.#ring = ringShapeOf(region, geometry);
    this.#ghosts = new GhostRing(geometry, region.cells);
    // A durable region's halo waits until its generation is durable (tickDurable).
    this.engine.onTick(() => {
      if (this.#journal === null) this.#sendHalo();
    });
    link.onHalo((_from, epoch, generation, waiting) => {
      if (waiting) {
        const halo = this.#recent.find((h) => h.epoch === epoch && h.generation === generation);
        if (halo !== undefined) this.#send(encodeHalo(halo));
      }
      // A neighbour already past this region, which waits for its own timer: its tick is
      // due now (see "Pace" in the module comment).
      if (epoch === this.engine.epoch && generation > this.engine.generation) this.engine.catchUp();
    });
    // A reset starts the world again at generation 0 of a new epoch: its halo is sent afresh.
    this.engine.onReset(() => {
      this.#sent = { epoch: this.engine.epoch, generation: -1 };
      this.#logged.clear();
      this.#enterEpoch(this.engine.epoch);
    });
  }

  /**
   * RegionLog: the tick to `generation` is durable (Persistence, in the tick's persist
   * step): its halo may leave now.
   */
  tickDurable(generation: number): void {
    if (this.engine.generation === generation) this.#sendHalo();
  }

  /**
   * RegionLog: a border read back from the log while replaying. The tick from `generation`
   * (in the world's current epoch) takes it instead of waiting for the neighbours.
   * @throws LifeError VALIDATION when its halos are not this region's neighbours' (another
   * region's log) or not of that point.
   */
  replayBorder(generation: number, halos: readonly Uint8Array[]): void {
    const epoch = this.engine.epoch;
    const from = halos.map((bytes) => decodeHalo(bytes).region).sort((a, b) => a - b);
    if (from.join() !== this.region.neighbours.join()) {
      throw new LifeError(
        'VALIDATION',
        `The log holds a border with halos of regions ${from.join(', ')}; region ${this.region.id}'s neighbours are ${this.region.neighbours.join(', ')}: it is another region's log`,
      );
    }
    for (const bytes of halos) this.#checked(bytes, epoch, generation);
    this.#logged.set(`${epoch}:${generation}`, [...halos]);
  }

  /** RegionLog: this region's encoded halo of `generation` in the current epoch, if it still keeps it (the last three). */
  haloOf(generation: number): Uint8Array | null {
    const halo = this.#recent.find((h) => h.epoch === this.engine.epoch && h.generation === generation);
    return halo === undefined ? null : encodeHalo(halo);
  }

  /**
   * RegionLog: its own halo, logged with a snapshot, read back while replaying: kept with
   * the halos it sent, to answer a neighbour still one generation behind.
   * @throws LifeError VALIDATION when it is another region's (another region's log).
   */
  replayHalo(bytes: Uint8Array): void {
    const halo = decodeHalo(bytes);
    if (halo.region !== this.region.id) {
      throw new LifeError('VALIDATION', `The log holds a halo of region ${halo.region}, not of region ${this.region.id}: it is another region's log`);
    }
    if (this.#recent.some((h) => h.epoch === halo.epoch && h.generation === halo.generation)) return;
    this.#recent = [...this.#recent.slice(-2), halo];
  }

  /** Where the world is: its epoch and generation, and whether its loop is paused. */
  get point(): RegionPoint {
    return { epoch: this.engine.epoch, generation: this.engine.generation, paused: this.engine.paused };
  }

  /**
   * Apply an admin command when this region reaches `at` (before its tick to
   * `at.generation` + 1): every region of the world given the same command at the same
   * point pauses, resumes, steps or resets there (choose `at` with `commandPoint`).
   * Resolves to where the region is once it is applied.
   * @throws LifeError GENERATION_PASSED when this region is already past `at` (Engine.at).
   */
  async admin(at: WorldPoint, command: LoopCommand): Promise<RegionPoint> {
    await this.engine.at(at, command);
    return this.point;
  }

  /**
   * Reserve this region's part of a placement across regions (`placeAcrossRegions`,
   * Engine.reserve): cells of this region only.
   * @throws LifeError as Engine.place (nothing is reserved)
   */
  reserve(cells: ReadonlyArray<readonly [number, number]>, owner: number): Reservation {
    return this.engine.reserve(cells, owner);
  }

  /**
   * Queue reservation `id` for `generation` (Engine.commitReservation).
   * @throws LifeError PLACEMENT_EXPIRED when it is no longer open
   */
  commit(id: number, generation: number): void {
    this.engine.commitReservation(id, generation);
  }

  /** Let reservation `id` go (Engine.releaseReservation). */
  release(id: number): void {
    this.engine.releaseReservation(id);
  }

  #enterEpoch(epoch: number): void {
    if (epoch === this.#linkEpoch) return;
    this.#linkEpoch = epoch;
    this.#link.reset(epoch);
  }

  /** The region's rectangle in cells. */
  get cells(): Rect {
    return this.region.cells;
  }

  /** The region's live cells as [x, y, owner], row by row. */
  liveCells(): LiveCell[] {
    return this.engine.liveCells(this.region.cells);
  }

  /** Halos sent and received so far (a copy). */
  get haloCounts(): HaloCounts {
    return { ...this.#counts };
  }

  #send(bytes: Uint8Array): void {
    this.#counts.sentMessages++;
    this.#counts.sentBytes += bytes.byteLength; // before the link may transfer the buffer away
    this.#link.send(bytes);
  }

  /** True once the halo of the world's current generation has been sent. */
  #sentNow(): boolean {
    const world = this.engine.world;
    return this.#sent.epoch === world.epoch && this.#sent.generation === world.generation;
  }

  #sendHalo(): void {
    const world = this.engine.world;
    if (this.#sentNow()) return;
    this.#sent = { epoch: world.epoch, generation: world.generation };
    const halo = extractHalo(world, this.region.id, this.#ring);
    this.#recent = [...this.#recent.slice(-2), halo];
    this.#send(encodeHalo(halo));
  }

  /** Stuck at `generation` of `epoch`: send its halo again, marked waiting, so neighbours answer with theirs. */
  #askAgain(epoch: number, generation: number): void {
    const halo = this.#recent.find((h) => h.epoch === epoch && h.generation === generation);
    if (halo !== undefined) this.#send(encodeHalo(halo, true));
  }

  async #fillBorder(world: World, generation: number, signal: AbortSignal): Promise<void> {
    // A restored world may be of another epoch than the link was last told.
    const epoch = world.epoch;
    this.#enterEpoch(epoch);
    const key = `${epoch}:${generation}`;
    const logged = this.#logged.get(key);
    if (logged !== undefined) {
      // Replaying (or the tick a crash interrupted): the border is in the log. This
      // generation was rebuilt from the log, so it is durable and its halo may leave (a
      // neighbour one behind may still want it).
      this.#logged.delete(key);
      this.#sendHalo();
      for (const bytes of logged) this.#ghosts.apply(world, this.#checked(bytes, epoch, generation));
      return;
    }
    // Generation 0, a restored world, or a durable tick whose halo was held back (its
    // log could not be written): no halo of this generation has left yet.
    if (!this.#sentNow()) {
      if (this.#journal !== null) await this.#journal.sync();
      this.#sendHalo();
    }
    if (this.region.neighbours.length === 0) return;
    if (this.#askAtOnce) {
      this.#askAtOnce = false;
      this.#askAgain(epoch, generation);
    }
    const resender = setInterval(() => this.#askAgain(epoch, generation), this.#resendMs);
    let halos: Uint8Array[];
    let stopWaiting = (): void => undefined;
    try {
      // The engine is stopping: give up on neighbours that may never answer.
      const stopped = new Promise<never>((_, reject) => {
        stopWaiting = () => reject(new Error('stopped'));
        signal.addEventListener('abort', stopWaiting, { once: true });
      });
      if (signal.aborted) stopWaiting();
      halos = await Promise.race([Promise.all(this.region.neighbours.map((from) => this.#link.receive(from, epoch, generation))), stopped]);
    } finally {
      clearInterval(resender);
      signal.removeEventListener('abort', stopWaiting);
    }
    const decoded = halos.map((bytes) => {
      this.#counts.receivedMessages++;
      this.#counts.receivedBytes += bytes.byteLength;
      return this.#checked(bytes, epoch, generation);
    });
    // In the log before the tick commits: its replay needs no neighbour.
    this.#journal?.border(generation, halos);
    for (const halo of decoded) this.#ghosts.apply(world, halo);
  }

  /**
   * Decode a neighbour's halo and check it is one this region may lay at `generation` of
   * `epoch`.
   * @throws LifeError VALIDATION otherwise.
   */
  #checked(bytes: Uint8Array, epoch: number, generation: number): Halo {
    const halo = decodeHalo(bytes);
    // Never a halo of another world: another epoch is one from before or after a reset.
    if (halo.epoch !== epoch || halo.generation !== generation || !this.region.neighbours.includes(halo.region)) {
      throw new LifeError(
        'VALIDATION',
        `Region ${this.region.id} at generation ${generation} of epoch ${epoch} got a halo of region ${halo.region} at ${halo.generation} of epoch ${halo.epoch}`,
      );
    }
    // Sims configured with different splits (REGIONS) would corrupt each other's borders.
    const expected = this.#layout.regions[halo.region]!.cells;
    const got = halo.shape.rect;
    if (got.x !== expected.x || got.y !== expected.y || got.w !== expected.w || got.h !== expected.h) {
      throw new LifeError('VALIDATION', `Region ${halo.region} sent a halo of rectangle ${JSON.stringify(got)}; this layout has ${JSON.stringify(expected)}: REGIONS differs between sims`);
    }
    return halo;
  }
}
