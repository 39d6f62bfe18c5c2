/**
 * Publish: after every committed generation, the sim encodes each changed, watched
 * chunk's diff record once, publishes them shard by shard (`diff.<shard>`), then the
 * generation's summary (`tick`) naming those shards and the gateways whose leases the
 * records cover. Encode once survives the split: the gateways only copy these bytes into
 * their clients' frames.
 *
 * Besides ticks: a RESET summary after the world was emptied, a HEARTBEAT summary about
 * every second, so gateways can tell a paused sim from a dead one, and revocations
 * (`revoked`) when players' tokens stop working; every summary carries the count of
 * revocations so far, so a gateway that missed one knows.
 */
import { getHeapStatistics } from 'node:v8';
import { FrameTypes, encodeDiffChunkWith } from '@lifemmo/shared';
import type { Bus } from '../bus/index.js';
import type { Engine, TickResult } from '../engine/index.js';
import {
  MessageArena,
  TickKinds,
  encodeJson,
  encodeTickMessage,
  type Revocations,
  type Subjects,
  type TickKind,
  type WireTickStats,
} from '../wire/index.js';
import { framed } from './chunk-records.js';
import type { ChunkInterest } from './interest.js';
import type { HaloCounts } from '../region/index.js';

/** Which region a sim steps, of how many (0 of 1: the whole world). */
export interface RegionOfSim {
  readonly id: number;
  readonly count: number;
  /** The region's halos so far (RegionEngine.haloCounts), sent in TICK summaries; absent for a whole world. */
  readonly halos?: () => HaloCounts;
}

/** Sends the sim's ticks to the bus. */
export class TickPublisher {
  readonly #bus: Bus;
  readonly #subjects: Subjects;
  readonly #engine: Engine;
  readonly #interest: ChunkInterest;
  readonly #simInstance: number;
  readonly #region: RegionOfSim;
  /** Diff records encoded since start (a counter gateways report as encodings). */
  recordsEncoded = 0;
  /** Revocation messages published since start. */
  #revocations = 0;
  /**
   * This tick's records, copied into their shard's message within `publish`, so the next
   * tick can overwrite them: a typed array each cost ~2 µs (engine/diff.ts, ListBlocks).
   */
  readonly #records = new MessageArena();
  readonly #allocate = (bytes: number): Uint8Array => this.#records.allocate(bytes);

  constructor(bus: Bus, subjects: Subjects, engine: Engine, interest: ChunkInterest, simInstance: number, region: RegionOfSim = { id: 0, count: 1 }) {
    this.#region = region;
    this.#bus = bus;
    this.#subjects = subjects;
    this.#engine = engine;
    this.#interest = interest;
    this.#simInstance = simInstance;
  }

  /** The tick listener: runs synchronously right after commit. */
  publish(result: TickResult): void {
    const g = this.#engine.geometry;
    this.#interest.expire(Date.now());
    const byShard = new Map<number, Uint8Array[]>();
    let encoded = 0;
    for (const chunk of result.changedChunks) {
      if (!this.#interest.watched(chunk)) continue;
      const diff = result.diffOf(chunk)!;
      const shard = g.shardOfChunk(diff.cx, diff.cy);
      let records = byShard.get(shard);
      if (records === undefined) byShard.set(shard, (records = []));
      records.push(encodeDiffChunkWith(diff, this.#allocate));
      encoded++;
    }
    this.recordsEncoded += encoded;
    const header = { type: FrameTypes.DIFF, generation: result.generation, timestamp: result.timestamp } as const;
    for (const [shard, records] of byShard) this.#bus.publish(this.#subjects.diff(shard), framed(header, records, true));
    this.#records.release(false);
    const stats: WireTickStats = { ...result.stats, ioLatency: result.stats.ioLatency };
    // Named after `expire` above: exactly the gateways whose chunks these records cover.
    this.#summary(TickKinds.TICK, result.timestamp, [...byShard.keys()], encoded, stats, this.#interest.holders());
  }

  /** The world was emptied at generation 0. */
  reset(): void {
    this.#summary(TickKinds.RESET, Date.now(), [], 0, null);
  }

  /** Tell gateways these players' tokens no longer work (once it is durable). */
  revoke(players: Revocations['players']): void {
    if (players.length === 0) return;
    const message: Revocations = { seq: ++this.#revocations, players };
    this.#bus.publish(this.#subjects.revoked, encodeJson(message));
  }

  /** "Still here", with the current state. */
  heartbeat(): void {
    this.#summary(TickKinds.HEARTBEAT, Date.now(), [], 0, null);
  }

  #summary(kind: TickKind, timestamp: number, shards: number[], encoded: number, stats: WireTickStats | null, watchers: string[] = []): void {
    const e = this.#engine;
    const payload = encodeTickMessage({
      kind,
      simInstance: this.#simInstance,
      region: this.#region.id,
      regions: this.#region.count,
      epoch: e.epoch,
      generation: e.generation,
      timestamp,
      sentAt: Date.now(),
      population: e.population,
      paused: e.paused,
      tickMs: e.tickMs,
      rule: e.rule.text,
      seed: e.seed,
      recordsEncoded: encoded,
      revocations: this.#revocations,
      ...heapFigures(),
      shards,
      watchers,
      stats,
      halos: kind === TickKinds.TICK ? (this.#region.halos?.() ?? null) : null,
    });
    this.#bus.publish(this.#subjects.tick, payload);
  }
}

/** The sim thread's V8 heap, in use and reserved, bytes. */
function heapFigures(): { heapUsedBytes: number; heapTotalBytes: number } {
  const heap = getHeapStatistics();
  return { heapUsedBytes: heap.used_heap_size, heapTotalBytes: heap.total_heap_size };
}
