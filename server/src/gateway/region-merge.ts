/**
 * A world split into regions has a sim per region, each publishing its own summaries on
 * the one `tick` subject (docs/regions.md). The gateway's clients must see one world, and
 * never half a generation: this turns the regions' summaries into the summaries of one
 * whole world, which the rest of the gateway (SimLink's listeners, the replica feed, the
 * broadcaster) takes as it takes a single sim's.
 *
 * - **The world's point** is the least (epoch, generation) of the regions' latest
 *   summaries: every region has committed it. Regions in lock-step are a generation or a
 *   few apart, so it trails the region ahead by that much.
 * - **TICK of g** is sent on once the world's point reaches g: its shards are every
 *   region's of g, its figures the regions' together (counts summed; durations, lag and
 *   halo wait the largest: the world's generation took as long as its slowest region),
 *   its watchers the gateways every region's summary of g names (a gateway whose lease
 *   lapsed in one region lacks that region's records, and fetches its chunks again).
 *   A region whose summary of g was lost (NATS drops messages) while it went on has its
 *   shards listed anyway, as `withoutSummary`: with no summary to say whose leases its
 *   diffs served, a diff of one of them made for another gateway may lack this gateway's
 *   chunks, so the replica feed fetches their chunks again, diff or not.
 *   Generations no region summarised (a restored region's jump) are skipped, as a single
 *   sim's skipped TICKs are.
 * - **RESET** once every region has reached the new epoch: population the regions' own
 *   (a seeded reset, or a region whose RESET was lost, makes the gateway fetch again).
 * - **HEARTBEAT** at the world's point on each region's heartbeat: paused when every region
 *   is, population and heaps summed, revocations the home's (region 0: only it has players),
 *   and a sim instance that changes when any region's does (a restart: resync everything).
 *
 * One region: summaries pass through unchanged.
 */
import { LifeError } from '@lifemmo/shared';
import { TickKinds, type TickMessage, type WireTickStats } from '../wire/index.js';

/** TICKs kept per region while the world's point trails them (lock-step keeps it to a few). */
const MAX_KEPT = 64;

/** Where a region is, as its latest summary says. */
export interface RegionStatus {
  readonly id: number;
  readonly epoch: number;
  readonly generation: number;
  readonly paused: boolean;
  /** How far its tick ran behind its schedule at its latest TICK, ms (0 while paused). */
  readonly lagMs: number;
  /** Date.now() when its latest summary arrived, 0 before any. */
  readonly heardAt: number;
}

interface Point {
  readonly epoch: number;
  readonly generation: number;
}

const before = (a: Point, b: Point) => a.epoch < b.epoch || (a.epoch === b.epoch && a.generation < b.generation);
const key = (epoch: number, generation: number) => `${epoch}:${generation}`;

/** See the module comment. */
export class RegionMerge {
  readonly #count: number;
  /** Shards of each region, listed for a region whose summary of a generation was lost. */
  readonly #shardsOf: readonly (readonly number[])[];
  readonly #latest: Array<TickMessage | null>;
  readonly #heardAt: number[];
  readonly #lagMs: number[];
  /** Per region: its TICKs not yet merged, by `epoch:generation`, oldest first. */
  readonly #ticks: Array<Map<string, TickMessage>>;
  /** Per region: the population its latest RESET gave, by epoch. */
  readonly #resets: Array<Map<number, number>>;
  #emitted: Point | null = null;

  /** @param shardsOf the shards of each region (its index is the region id) */
  constructor(shardsOf: readonly (readonly number[])[]) {
    this.#count = shardsOf.length;
    this.#shardsOf = shardsOf;
    this.#latest = new Array<TickMessage | null>(this.#count).fill(null);
    this.#heardAt = new Array<number>(this.#count).fill(0);
    this.#lagMs = new Array<number>(this.#count).fill(0);
    this.#ticks = Array.from({ length: this.#count }, () => new Map());
    this.#resets = Array.from({ length: this.#count }, () => new Map());
  }

  /** The world's region count. */
  get regions(): number {
    return this.#count;
  }

  /** The oldest of the regions' latest arrivals (Date.now()), 0 while one was never heard. */
  get heardAt(): number {
    return Math.min(...this.#heardAt);
  }

  /** Every region's latest state. */
  status(): RegionStatus[] {
    return this.#latest.map((m, id) => ({
      id,
      epoch: m?.epoch ?? 0,
      generation: m?.generation ?? 0,
      paused: m?.paused ?? false,
      lagMs: m === null || m.paused ? 0 : this.#lagMs[id]!,
      heardAt: this.#heardAt[id]!,
    }));
  }

  /**
   * A region's summary arrived at `now`: the whole world's summaries it completes, in order.
   * @throws LifeError VALIDATION for a summary of another layout (a sim started with another REGIONS)
   */
  accept(m: TickMessage, now: number): TickMessage[] {
    if (m.regions !== this.#count || m.region >= this.#count) {
      throw new LifeError('VALIDATION', `A summary of region ${m.region} of ${m.regions}, but this gateway's world has ${this.#count} region(s): start it with the sims' REGIONS`);
    }
    this.#heardAt[m.region] = now;
    this.#latest[m.region] = m;
    if (m.kind === TickKinds.TICK && m.stats !== null) this.#lagMs[m.region] = m.stats.lagMs;
    if (this.#count === 1) return [m];
    if (m.kind === TickKinds.TICK) {
      const kept = this.#ticks[m.region]!;
      kept.set(key(m.epoch, m.generation), m);
      if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value!);
    } else if (m.kind === TickKinds.RESET) {
      this.#resets[m.region]!.set(m.epoch, m.population);
    }
    const latest = this.#latest;
    if (latest.some((l) => l === null)) return [];
    const world = (latest as TickMessage[]).reduce<Point>((least, l) => (before(l, least) ? l : least), latest[0]!);
    const out: TickMessage[] = [];
    if (this.#emitted === null) {
      // Joining a running world: from its point on (the replica fetches what it watches).
      this.#emitted = { epoch: world.epoch, generation: world.generation };
    } else if (world.epoch > this.#emitted.epoch) {
      out.push(this.#merged(TickKinds.RESET, { epoch: world.epoch, generation: 0 }, now, null));
      this.#emitted = { epoch: world.epoch, generation: 0 };
    }
    for (let g = this.#emitted.generation + 1; this.#emitted.epoch === world.epoch && g <= world.generation; g++) {
      const parts = this.#ticks.map((kept) => kept.get(key(world.epoch, g)) ?? null);
      if (parts.some((p) => p !== null)) out.push(this.#merged(TickKinds.TICK, { epoch: world.epoch, generation: g }, now, parts));
      this.#emitted = { epoch: world.epoch, generation: g };
    }
    this.#forget(this.#emitted);
    if (m.kind === TickKinds.HEARTBEAT) out.push(this.#merged(TickKinds.HEARTBEAT, this.#emitted, now, null));
    return out;
  }

  /** Drop the TICKs at or before `point`: merged or skipped. */
  #forget(point: Point): void {
    for (const kept of this.#ticks) {
      for (const [k, m] of kept) if (!before(point, m)) kept.delete(k);
    }
  }

  /** The whole world's summary of `kind` at `point`; `parts`: each region's TICK of it, null where lost. */
  #merged(kind: TickMessage['kind'], point: Point, now: number, parts: ReadonlyArray<TickMessage | null> | null): TickMessage {
    const latest = this.#latest as TickMessage[];
    const home = latest[0]!;
    const of = (r: number) => parts?.[r] ?? latest[r]!;
    const shards: number[] = [];
    let watchers: readonly string[] | null = null;
    const withoutSummary: number[] = [];
    let population = 0;
    let recordsEncoded = 0;
    let timestamp = 0;
    let sentAt = 0;
    for (let r = 0; r < this.#count; r++) {
      const part = parts?.[r] ?? null;
      if (parts !== null && part === null) {
        shards.push(...this.#shardsOf[r]!);
        withoutSummary.push(...this.#shardsOf[r]!);
      }
      if (part !== null) {
        shards.push(...part.shards);
        watchers = watchers === null ? part.watchers : watchers.filter((id) => part.watchers.includes(id));
        recordsEncoded += part.recordsEncoded;
        timestamp = Math.max(timestamp, part.timestamp);
        sentAt = Math.max(sentAt, part.sentAt);
      }
      population += kind === TickKinds.RESET ? (this.#resets[r]!.get(point.epoch) ?? 1) : of(r).population;
    }
    return {
      kind,
      simInstance: instanceOf(latest),
      region: 0,
      regions: this.#count,
      epoch: point.epoch,
      generation: point.generation,
      timestamp: parts === null ? now : timestamp,
      sentAt: parts === null ? Math.max(...latest.map((l) => l.sentAt)) : sentAt,
      population,
      paused: latest.every((l) => l.paused),
      tickMs: home.tickMs,
      rule: home.rule,
      seed: home.seed,
      recordsEncoded,
      revocations: home.revocations,
      heapUsedBytes: latest.reduce((n, l) => n + l.heapUsedBytes, 0),
      heapTotalBytes: latest.reduce((n, l) => n + l.heapTotalBytes, 0),
      shards,
      watchers: watchers ?? [],
      ...(withoutSummary.length > 0 && { withoutSummary }),
      stats: parts === null ? null : mergeStats(point.generation, population, parts),
      // Halo counts are a region's own: a gateway observes them per region (SimLink).
      halos: null,
    };
  }
}

/** One number for the regions' sim instances together: another one when any region restarted. */
function instanceOf(latest: readonly TickMessage[]): number {
  let h = 0x811c9dc5;
  for (const l of latest) h = Math.imul(h ^ l.simInstance, 0x01000193) >>> 0;
  return h === 0 ? 1 : h;
}

/** The regions' figures of one generation as the world's (TickStats; see the module comment). */
function mergeStats(generation: number, population: number, parts: ReadonlyArray<TickMessage | null>): WireTickStats | null {
  const stats = parts.flatMap((p) => (p?.stats == null ? [] : [p.stats]));
  if (stats.length === 0) return null;
  const max = (f: (s: WireTickStats) => number) => Math.max(...stats.map(f));
  const sum = (f: (s: WireTickStats) => number) => stats.reduce((n, s) => n + f(s), 0);
  const latencies = stats.map((s) => s.ioLatency);
  const first = latencies[0] ?? null;
  const ioLatency =
    first === null || latencies.some((l) => l === null || l.boundsMs.length !== first.boundsMs.length)
      ? null
      : {
          boundsMs: first.boundsMs,
          counts: first.counts.map((_, i) => latencies.reduce((n, l) => n + l!.counts[i]!, 0)),
          sumMs: latencies.reduce((n, l) => n + l!.sumMs, 0),
          total: latencies.reduce((n, l) => n + l!.total, 0),
        };
  return {
    generation,
    durationMs: max((s) => s.durationMs),
    lagMs: max((s) => s.lagMs),
    borderWaitMs: max((s) => s.borderWaitMs),
    candidates: sum((s) => s.candidates),
    ioCalls: sum((s) => s.ioCalls),
    ioFailures: sum((s) => s.ioFailures),
    ioTimeouts: sum((s) => s.ioTimeouts),
    population,
    placementsApplied: sum((s) => s.placementsApplied),
    changedChunks: sum((s) => s.changedChunks),
    activeChunks: sum((s) => s.activeChunks),
    activeShards: sum((s) => s.activeShards),
    ioLatency,
  };
}
