/**
 * Test support: one world stepped as several regions in one thread, next to a reference
 * engine stepping it whole. Halos go through `linkInProcess` (no bus); `place` splits
 * placements by cell among the regions that own them and places each part at its region's
 * next generation, not all or nothing: callers place only what the reference accepted, and
 * only while every region is at one generation. The all-or-nothing path at one generation is
 * `placeAcrossRegions` (region-placements.test.ts).
 */
import { MessageChannel } from 'node:worker_threads';
import { LocalBus, type Bus, type Subjects } from '@lifemmo/server';
import { Engine, type EngineOptions, type LiveCell } from '@lifemmo/server/engine';
import {
  HaloInbox,
  RegionEngine,
  layoutRegions,
  linkInProcess,
  linkOverBus,
  parseRegionSpec,
  regionOfCell,
  type BusHaloLink,
  type HaloLink,
  type RegionLayout,
} from '@lifemmo/server/region';
import { DEFAULT_SHARD_CHUNKS, Geometry } from '@lifemmo/shared';

export type WorldOptions = Omit<EngineOptions, 'area'>;

/** Something that steps a whole world: the reference engine, or a set of regions. */
export interface SteppedWorld {
  step(generations: number): Promise<void>;
  /** The world's live cells as [x, y, owner], row by row. */
  liveCells(): LiveCell[];
  /** Queue cells for the next generation. */
  place(cells: ReadonlyArray<readonly [number, number]>, owner: number): void;
  birthsOf(owner: number): number;
  /** Sums over every tick so far: candidates, failed and timed-out calls. */
  readonly totals: { candidates: number; failures: number; timeouts: number };
  readonly generation: number;
}

function countTicks(engine: Engine, totals: SteppedWorld['totals']): void {
  engine.onTick(({ stats }) => {
    totals.candidates += stats.candidates;
    totals.failures += stats.ioFailures;
    totals.timeouts += stats.ioTimeouts;
  });
}

/** The whole world in one engine. */
export function wholeWorld(options: WorldOptions, setup?: (engine: Engine) => void): SteppedWorld {
  const engine = new Engine(options);
  setup?.(engine);
  const totals = { candidates: 0, failures: 0, timeouts: 0 };
  countTicks(engine, totals);
  return {
    async step(n) {
      await engine.step(n);
    },
    liveCells: () => engine.liveCells({ x: 0, y: 0, w: options.width, h: options.height }),
    place: (cells, owner) => void engine.place(cells, owner),
    birthsOf: (owner) => engine.birthsOf(owner),
    totals,
    get generation() {
      return engine.generation;
    },
  };
}

/** How the regions of a test world exchange halos: in memory by default. */
export interface RegionWorldOptions {
  readonly setup?: (engine: Engine) => void;
  /** The links, one per region of `layout` (default: linkInProcess). */
  readonly links?: (layout: RegionLayout) => HaloLink[];
  /** RegionEngine's resendMs. */
  readonly resendMs?: number;
}

/** The layout `regions` (a REGIONS value) gives a world of `options`. */
export function layoutOf(options: WorldOptions, regions: string): RegionLayout {
  return layoutRegions(parseRegionSpec(regions), new Geometry({ ...options, shardChunks: options.shardChunks ?? DEFAULT_SHARD_CHUNKS }));
}

/** A world split as `regions` (a REGIONS value), each region its own engine, stepped concurrently. */
export function regionWorld(
  options: WorldOptions,
  regions: string,
  { setup, links: makeLinks = (layout) => linkInProcess(layout), resendMs }: RegionWorldOptions = {},
): SteppedWorld & { readonly layout: RegionLayout; readonly engines: RegionEngine[] } {
  const geometry = new Geometry({ ...options, shardChunks: options.shardChunks ?? DEFAULT_SHARD_CHUNKS });
  const layout = layoutOf(options, regions);
  const links = makeLinks(layout);
  const engines = layout.regions.map((r) => new RegionEngine(options, layout, r.id, links[r.id]!, resendMs === undefined ? {} : { resendMs }));
  const totals = { candidates: 0, failures: 0, timeouts: 0 };
  for (const r of engines) {
    setup?.(r.engine);
    countTicks(r.engine, totals);
  }
  return {
    layout,
    engines,
    // No clock between them: each region's tick waits for its neighbours' halos.
    async step(n) {
      await Promise.all(engines.map((r) => r.engine.step(n)));
    },
    liveCells: () => engines.flatMap((r) => r.liveCells()).sort((a, b) => a[1] - b[1] || a[0] - b[0]),
    place(cells, owner) {
      const parts = new Map<number, Array<readonly [number, number]>>();
      for (const [x, y] of cells) {
        const [wx, wy] = geometry.normalize(x, y)!;
        const id = regionOfCell(layout, wx, wy);
        let part = parts.get(id);
        if (part === undefined) parts.set(id, (part = []));
        part.push([x, y]);
      }
      for (const [id, part] of parts) engines[id]!.engine.place(part, owner);
    },
    birthsOf: (owner) => engines.reduce((n, r) => n + r.engine.birthsOf(owner), 0),
    totals,
    get generation() {
      const generations = new Set(engines.map((r) => r.engine.generation));
      if (generations.size !== 1) throw new Error(`regions at different generations: ${[...generations].join(', ')}`);
      return engines[0]!.engine.generation;
    },
  };
}

/** A 32-bit FNV-1a hash of the live cells and their owners. */
export function worldHash(cells: readonly LiveCell[]): string {
  let h = 0x811c9dc5;
  for (const cell of cells) {
    for (const v of cell) {
      h ^= v & 0xffff;
      h = Math.imul(h, 0x01000193);
      h ^= v >>> 16;
      h = Math.imul(h, 0x01000193);
    }
  }
  return `${(h >>> 0).toString(16).padStart(8, '0')}/${cells.length}`;
}

/**
 * Links over real buses in one process: each pair of neighbouring regions joined by a
 * MessageChannel with a LocalBus on each end; each region's link publishes on all of its
 * ends. Every bus opened is pushed to `opened`, for the caller to close.
 */
export function linksOverLocalBusPairs(subjects: Pick<Subjects, 'halo'>, opened: Bus[]): (layout: RegionLayout) => BusHaloLink[] {
  return (layout) => {
    const ends: Bus[][] = layout.regions.map(() => []);
    for (const region of layout.regions) {
      for (const other of region.neighbours) {
        if (other < region.id) continue; // one channel per pair
        const { port1, port2 } = new MessageChannel();
        const a = new LocalBus(port1);
        const b = new LocalBus(port2);
        ends[region.id]!.push(a);
        ends[other]!.push(b);
        opened.push(a, b);
      }
    }
    return layout.regions.map((region) => linkOverBus(ends[region.id]!, subjects, region));
  };
}


/**
 * In-process links whose regions can be killed and restarted: `link(id)` gives region `id`
 * a new link with an empty inbox (what a restarted region's new connection is), and from
 * then on the halos of its old link go nowhere and none reach it; `cut(id)` kills it (its
 * halos dropped, halos sent to it lost, as on NATS with no subscriber).
 */
export class SwitchableLinks {
  readonly #layout: RegionLayout;
  readonly #current: Array<
    | { readonly inbox: HaloInbox }
    | { readonly deliver: (halo: Uint8Array) => void }
    | null
  >;

  constructor(layout: RegionLayout) {
    this.#layout = layout;
    this.#current = layout.regions.map(() => null);
  }

  /** A new link for region `id`, replacing any it had. */
  link(id: number): HaloLink {
    const entry = { inbox: new HaloInbox() };
    this.#current[id] = entry;
    return {
      send: (halo) => this.#send(id, entry, halo),
      onHalo: (listener) => entry.inbox.onHalo(listener),
      receive: (from, epoch, generation) => entry.inbox.take(from, epoch, generation),
      reset: (epoch) => entry.inbox.enter(epoch),
    };
  }

  /**
   * Region `id` runs elsewhere (a worker thread): halos for it go to `deliver`, and the
   * returned function takes the halos it sends.
   */
  attach(id: number, deliver: (halo: Uint8Array) => void): (halo: Uint8Array) => void {
    const entry = { deliver };
    this.#current[id] = entry;
    return (halo) => this.#send(id, entry, halo);
  }

  #send(id: number, entry: object, halo: Uint8Array): void {
    if (this.#current[id] !== entry) return; // a killed region's
    for (const to of this.#layout.regions[id]!.neighbours) {
      const there = this.#current[to];
      if (there === null || there === undefined) continue;
      if ('deliver' in there) {
        there.deliver(halo);
        continue;
      }
      there.inbox.deliver(halo);
    }
  }

  /** Region `id` is gone: nothing it sends arrives, nothing sent to it is kept. */
  cut(id: number): void {
    this.#current[id] = null;
  }
}
