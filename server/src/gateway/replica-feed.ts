/**
 * Keeps the gateway's chunk replica in step with the sim: subscribes to the diff subject
 * of every shard holding a watched chunk, asks for snapshots of newly watched (or lost)
 * chunks, announces its interest so the sim keeps encoding them, and on each tick summary
 * hands that generation's records on for the clients' frames, then applies them.
 *
 * A kept chunk with no record in a generation is taken as unchanged. That holds only while
 * the sim encodes it: each TICK summary names the gateways whose leases it served, and one
 * that does not name this gateway makes it fetch every ready chunk again.
 */
import { FrameTypes, decodeFrameRecords, splitDiffFrame, type Geometry } from '@lifemmo/shared';
import type { Log } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Bus, BusSubscription } from '../bus/index.js';
import { callRpc, encodeInterest, shardDiffFrame, type Subjects, type TickMessage } from '../wire/index.js';
import type { ChunkReplica } from './chunk-replica.js';

/** How often the gateway renews its interest, ms; the lease is three times that. */
export const INTEREST_EVERY_MS = 1_000;

/** A generation as the gateway's clients get it: each changed, watched chunk's record bytes. */
export interface GatewayTick {
  readonly generation: number;
  readonly timestamp: number;
  /** Chunk index -> its diff record (views into the sim's message; copy, do not keep). */
  readonly records: ReadonlyMap<number, Uint8Array>;
}

/** Diff messages kept per shard for summaries still to come (lock-step keeps regions a few generations apart). */
const MAX_PENDING_PER_SHARD = 8;

interface ShardDiff {
  readonly generation: number;
  readonly records: Array<{ cx: number; cy: number; bytes: Uint8Array }>;
}

/** See the module comment. */
export class ReplicaFeed {
  readonly #bus: Bus;
  readonly #subjects: Subjects;
  readonly #geometry: Geometry;
  readonly #gatewayId: string;
  readonly #replica: ChunkReplica;
  readonly #log: Log;
  readonly #timeoutMs: number;
  readonly #metrics: Metrics;
  /** Per shard: its diff subscription and how many kept chunks it holds. */
  readonly #shards = new Map<number, { sub: BusSubscription; chunks: number }>();
  /**
   * Diff messages by shard until their generation's summary arrives: usually one, but in a
   * world split into regions a region a generation or two ahead publishes its next ones
   * before the world's summary of this one is complete (gateway/region-merge.ts).
   */
  readonly #pending = new Map<number, ShardDiff[]>();
  readonly #readyListeners = new Set<() => void>();
  #flushQueued = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(bus: Bus, subjects: Subjects, geometry: Geometry, gatewayId: string, replica: ChunkReplica, log: Log, timeoutMs: number, metrics: Metrics) {
    this.#metrics = metrics;
    this.#bus = bus;
    this.#subjects = subjects;
    this.#geometry = geometry;
    this.#gatewayId = gatewayId;
    this.#replica = replica;
    this.#log = log;
    this.#timeoutMs = timeoutMs;
  }

  /** Start renewing interest (and retrying snapshot requests that failed). */
  start(): void {
    this.#timer = setInterval(() => {
      this.announce();
      this.#queueFlush();
    }, INTEREST_EVERY_MS);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const { sub } of this.#shards.values()) sub.unsubscribe();
    this.#shards.clear();
  }

  /** Called when kept chunks became ready (a snapshot arrived). */
  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  /** A client now watches chunk `index` and no one here did. */
  cover(index: number): void {
    this.#replica.track(index);
    const shard = this.#shardOf(index);
    const entry = this.#shards.get(shard);
    if (entry !== undefined) entry.chunks++;
    else this.#shards.set(shard, { sub: this.#bus.subscribe(this.#subjects.diff(shard), (p) => this.#onDiff(shard, p)), chunks: 1 });
    this.#queueFlush();
  }

  /** No client watches chunk `index` any more. */
  uncover(index: number): void {
    this.#replica.untrack(index);
    const shard = this.#shardOf(index);
    const entry = this.#shards.get(shard);
    if (entry === undefined) return;
    if (--entry.chunks === 0) {
      entry.sub.unsubscribe();
      this.#shards.delete(shard);
      this.#pending.delete(shard);
    }
  }

  /** Tell the sim which chunks this gateway watches (a lease of three announcement periods). */
  announce(): void {
    const chunks = Uint32Array.from(this.#replica.indices());
    this.#bus.publish(this.#subjects.interest, encodeInterest({ gateway: this.#gatewayId, leaseMs: 3 * INTEREST_EVERY_MS, chunks }));
  }

  /**
   * A TICK summary arrived: apply its generation to the replica. Returns the records to
   * send on; chunks that could not follow are asked for again.
   */
  tick(message: TickMessage): GatewayTick {
    if (!message.watchers.includes(this.#gatewayId)) this.#leaseLapsed(message.generation);
    const records = new Map<number, Uint8Array>();
    const g = this.#geometry;
    const withoutSummary = message.withoutSummary ?? [];
    for (const shard of message.shards) {
      if (!this.#shards.has(shard)) continue;
      const diff = this.#pending.get(shard)?.find((d) => d.generation === message.generation);
      if (diff === undefined || withoutSummary.includes(shard)) {
        // Its diff message was lost, or its region's summary (so whether the diff covers
        // this gateway's chunks is unknown): every kept chunk of the shard must start over.
        const lost = diff === undefined ? 'diff' : 'region summary';
        this.#log.warn({ shard, generation: message.generation, lost }, 'shard diff or its region summary lost; resyncing its chunks');
        this.#invalidateShard(shard);
        continue;
      }
      for (const record of diff.records) records.set(g.chunkIndex(record.cx, record.cy), record.bytes);
    }
    // What is left is of later generations (regions ahead); anything older is never wanted.
    for (const [shard, diffs] of this.#pending) {
      const later = diffs.filter((d) => d.generation > message.generation);
      if (later.length === 0) this.#pending.delete(shard);
      else this.#pending.set(shard, later);
    }
    const lost = this.#replica.advance(message.generation, records);
    if (lost.length > 0) this.#queueFlush();
    return { generation: message.generation, timestamp: message.timestamp, records };
  }

  /** Decode the generation's records into the replica (after the clients got them). */
  settle(): void {
    if (this.#replica.settle().length > 0) {
      this.#log.error('a diff record from the sim did not decode; resyncing its chunk');
      this.#queueFlush();
    }
  }

  /** The world was emptied at generation 0. */
  reset(): void {
    this.#pending.clear();
    this.#replica.resetEmpty();
  }

  /** The sim restarted: everything kept must be fetched again. */
  invalidate(): void {
    this.#pending.clear();
    this.#replica.invalidateAll();
    this.#queueFlush();
  }

  #shardOf(index: number): number {
    const g = this.#geometry;
    return g.shardOfChunk(g.chunkX(index), g.chunkY(index));
  }

  /**
   * The sim served no lease of this gateway's at `generation` (it lapsed: announcements
   * held back past the lease, by a starved event loop or the bus). It encoded no record of
   * our chunks, so a chunk without one may have changed all the same: its cells can no
   * longer be vouched for, and taking it as unchanged would serve every later snapshot
   * wrong cells. Every ready chunk is fetched again; a request renews the lease. Chunks
   * already waiting for a snapshot are left to it: the request that fetches one renews
   * the lease before the snapshot is taken, so their records follow from there.
   */
  #leaseLapsed(generation: number): void {
    const lost = this.#replica.invalidateReady();
    if (lost === 0) return;
    this.#log.warn({ generation, chunks: lost }, 'interest lease lapsed at the sim; resyncing every watched chunk');
    this.#queueFlush();
  }

  #invalidateShard(shard: number): void {
    const indices = [...this.#replica.indices()].filter((index) => this.#shardOf(index) === shard);
    this.#replica.invalidate(indices);
    this.#queueFlush();
  }

  #onDiff(shard: number, payload: Uint8Array): void {
    this.#metrics.busMessages.inc({ kind: 'diff' });
    this.#metrics.busBytes.inc({ kind: 'diff' }, payload.length);
    try {
      const { header, records } = splitDiffFrame(shardDiffFrame(payload));
      const diffs = this.#pending.get(shard);
      if (diffs === undefined) this.#pending.set(shard, [{ generation: header.generation, records }]);
      else if (diffs.push({ generation: header.generation, records }) > MAX_PENDING_PER_SHARD) diffs.shift();
    } catch (err) {
      this.#log.error({ err, shard }, 'bad diff message from the sim');
    }
  }

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      this.#requestSnapshots();
    });
  }

  /** One snapshot request per shard for the kept chunks that need one. */
  #requestSnapshots(): void {
    const wanted = this.#replica.takeUnrequested();
    if (wanted.length === 0) return;
    const era = this.#replica.era;
    const byShard = new Map<number, number[]>();
    for (const index of wanted) {
      const shard = this.#shardOf(index);
      let list = byShard.get(shard);
      if (list === undefined) byShard.set(shard, (list = []));
      list.push(index);
    }
    for (const [shard, indices] of byShard) {
      const request = encodeInterest({ gateway: this.#gatewayId, leaseMs: 3 * INTEREST_EVERY_MS, chunks: Uint32Array.from(indices) });
      callRpc(this.#bus, this.#subjects.snapshot(shard), request, this.#timeoutMs).then(
        (body) => {
          const { frame } = decodeFrameRecords(body);
          if (frame.type !== FrameTypes.SNAPSHOT) throw new Error('snapshot reply is not a snapshot frame');
          // A reply to a request made before a reset or a restart is of the world before it.
          if (!this.#replica.applySnapshot(frame.generation, frame.chunks, era)) return;
          for (const listener of this.#readyListeners) listener();
        },
        (err: unknown) => {
          this.#replica.requestFailed(indices, era);
          this.#log.debug({ err, shard }, 'snapshot request failed; retrying');
        },
      );
    }
  }
}
