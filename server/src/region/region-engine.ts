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
 * neighbour is at most one generation ahead, so it keeps its last two halos. The region
 * that waits asks; one that is idle (done stepping, paused) only answers.
 */
import { DEFAULT_SHARD_CHUNKS, Geometry, LifeError, type Rect } from '@lifemmo/shared';
import { Engine, type EngineOptions, type LiveCell, type World } from '../engine/index.js';
import { decodeHalo, encodeHalo } from '../wire/halo-message.js';
import { GhostRing, extractHalo, type Halo } from './halo.js';
import type { HaloLink } from './halo-inbox.js';
import { ringShapeOf, type RingShape } from './halo-ring.js';
import { ownedChunkMask, type Region, type RegionLayout } from './layout.js';

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

/** An engine stepping one region of a world; see the module comment. */
export class RegionEngine {
  readonly engine: Engine;
  readonly region: Region;
  readonly #ring: RingShape;
  readonly #ghosts: GhostRing;
  readonly #link: HaloLink;
  readonly #layout: RegionLayout;
  /** The generation whose halo was last sent; -1 before the first. */
  #sentGeneration = -1;
  /** The last two halos sent, oldest first, to send again (see the module comment). */
  #recent: Halo[] = [];
  readonly #resendMs: number;
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
    /** How long a tick waits for a halo before this region asks again (and again each time this passes), ms. */
    { resendMs = 500 }: { resendMs?: number } = {},
  ) {
    const region = layout.regions[regionId];
    if (region === undefined) throw new LifeError('VALIDATION', `No region ${regionId} in a layout of ${layout.regions.length}`);
    this.region = region;
    this.#layout = layout;
    this.#link = link;
    this.#resendMs = resendMs;
    const geometry = new Geometry({ ...options, shardChunks: options.shardChunks ?? DEFAULT_SHARD_CHUNKS });
    const owned = ownedChunkMask(region, geometry);
    this.engine = new Engine({ ...options, area: { owned, fillBorder: (world, generation, signal) => this.#fillBorder(world, generation, signal) } });
    this.#ring = ringShapeOf(region, geometry);
    this.#ghosts = new GhostRing(geometry, region.cells);
    this.engine.onTick(() => this.#sendHalo());
    link.onNeighbourWaiting((_from, generation) => {
      const halo = this.#recent.find((h) => h.generation === generation);
      if (halo !== undefined) this.#send(encodeHalo(halo));
    });
    // A reset starts the world again at generation 0: its halo is sent afresh.
    this.engine.onReset(() => {
      this.#sentGeneration = -1;
      this.#recent = [];
      link.reset();
    });
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

  #sendHalo(): void {
    const world = this.engine.world;
    if (this.#sentGeneration === world.generation) return;
    this.#sentGeneration = world.generation;
    const halo = extractHalo(world, this.region.id, this.#ring);
    this.#recent = [...this.#recent.slice(-1), halo];
    this.#send(encodeHalo(halo));
  }

  /** Stuck at `generation`: send its halo again, marked waiting, so neighbours answer with theirs. */
  #askAgain(generation: number): void {
    const halo = this.#recent.find((h) => h.generation === generation);
    if (halo !== undefined) this.#send(encodeHalo(halo, true));
  }

  async #fillBorder(world: World, generation: number, signal: AbortSignal): Promise<void> {
    // Generation 0, or a restored world: no commit has sent this generation's halo yet.
    this.#sendHalo();
    if (this.region.neighbours.length === 0) return;
    const resender = setInterval(() => this.#askAgain(generation), this.#resendMs);
    let halos: Uint8Array[];
    let stopWaiting = (): void => undefined;
    try {
      // The engine is stopping: give up on neighbours that may never answer.
      const stopped = new Promise<never>((_, reject) => {
        stopWaiting = () => reject(new Error('stopped'));
        signal.addEventListener('abort', stopWaiting, { once: true });
      });
      if (signal.aborted) stopWaiting();
      halos = await Promise.race([Promise.all(this.region.neighbours.map((from) => this.#link.receive(from, generation))), stopped]);
    } finally {
      clearInterval(resender);
      signal.removeEventListener('abort', stopWaiting);
    }
    for (const bytes of halos) {
      this.#counts.receivedMessages++;
      this.#counts.receivedBytes += bytes.byteLength;
      const halo = decodeHalo(bytes);
      if (halo.generation !== generation || !this.region.neighbours.includes(halo.region)) {
        throw new LifeError('VALIDATION', `Region ${this.region.id} at generation ${generation} got a halo of region ${halo.region} at ${halo.generation}`);
      }
      // Sims configured with different splits (REGIONS) would corrupt each other's borders.
      const expected = this.#layout.regions[halo.region]!.cells;
      const got = halo.shape.rect;
      if (got.x !== expected.x || got.y !== expected.y || got.w !== expected.w || got.h !== expected.h) {
        throw new LifeError('VALIDATION', `Region ${halo.region} sent a halo of rectangle ${JSON.stringify(got)}; this layout has ${JSON.stringify(expected)}: REGIONS differs between sims`);
      }
      this.#ghosts.apply(world, halo);
    }
  }
}
