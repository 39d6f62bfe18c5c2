/**
 * The sim's per-generation summary on `lifemmo.<world>.tick` (binary): what a gateway
 * needs to serve `/world`, feed its tick metrics, know the sim is alive, and know which
 * shards' diff messages of this generation it should have received before it sends its
 * clients their frames.
 *
 * Kinds: TICK after a committed generation (published after that generation's diff
 * messages); HEARTBEAT about every second whatever happens (a paused world still says it
 * is alive); RESET after the world was emptied at generation 0.
 */
import { LifeError } from '@lifemmo/shared';
import type { LatencyCounts } from '../engine/cell-logic/latency-counts.js';
import type { TickStats } from '../engine/types.js';
import type { HaloCounts } from '../region/region-engine.js';
import { ByteReader, ByteWriter } from './bytes.js';

export const TickKinds = { TICK: 0, HEARTBEAT: 1, RESET: 2 } as const;
export type TickKind = (typeof TickKinds)[keyof typeof TickKinds];

/** One tick's figures, as the engine made them (TickStats), sent as they are. */
export type WireTickStats = TickStats;

/** The summary itself. */
export interface TickMessage {
  readonly kind: TickKind;
  /** A random number per sim start: a new one means the sim restarted (resync everything). */
  readonly simInstance: number;
  /** The region whose sim sent this (0 while one sim owns the world), and how many the world has: a gateway merges every region's summary of a generation into one. */
  readonly region: number;
  readonly regions: number;
  /** The world's resets so far (Engine.epoch): with `generation`, the point the region is at. */
  readonly epoch: number;
  readonly generation: number;
  /** Date.now() at commit (TICK) or at sending (others), ms. */
  readonly timestamp: number;
  /** Date.now() when the sim sent this summary, ms (so a gateway can tell the sim's part of a delay from the bus's). */
  readonly sentAt: number;
  readonly population: number;
  readonly paused: boolean;
  readonly tickMs: number;
  readonly rule: string;
  readonly seed: number;
  /** Diff records the sim encoded for this generation (all shards). */
  readonly recordsEncoded: number;
  /** Shards whose diff message for this generation was published before this summary. */
  readonly shards: readonly number[];
  /**
   * TICK: the gateways whose interest leases this generation's records cover (every chunk
   * they announced or asked a snapshot of); empty for the other kinds (since wire version 6).
   * A gateway not named has no records for its chunks, changed or not: its lease lapsed
   * (its announcements came late), so it must fetch them again (gateway/replica-feed.ts).
   */
  readonly watchers: readonly string[];
  /**
   * Never on the wire: set by the gateway's RegionMerge on a world's TICK, the shards (of
   * `shards`) of a region whose own summary of this generation was lost. Whose leases their
   * diffs served is unknown, so the replica feed fetches their chunks again.
   */
  readonly withoutSummary?: readonly number[];
  /** Figures of the tick (TICK only). */
  readonly stats: WireTickStats | null;
  /** Revocation messages this sim instance has published so far (Revocations.seq of the latest). */
  readonly revocations: number;
  /**
   * The sim thread's V8 heap in use, bytes (its JavaScript objects; chunk cells are typed
   * arrays outside it). The gateway exports it: in standalone the sim is a worker thread,
   * whose heap the process's own `nodejs_heap_*` metrics do not show.
   */
  readonly heapUsedBytes: number;
  /** The sim thread's V8 heap reserved, bytes (in use and free: the young generation grows to its bound). */
  readonly heapTotalBytes: number;
  /**
   * A region's halos since its sim started (RegionEngine.haloCounts; null for a whole
   * world), on TICK summaries: how a standalone gateway exports the halo counters of sim
   * threads that serve no metrics of their own (since wire version 5).
   */
  readonly halos: HaloCounts | null;
}

/** TickStats's numbers, in this order, as f64 each (borderWaitMs since wire version 3). */
const STAT_FIELDS = [
  'generation',
  'durationMs',
  'lagMs',
  'borderWaitMs',
  'candidates',
  'ioCalls',
  'ioFailures',
  'ioTimeouts',
  'population',
  'placementsApplied',
  'changedChunks',
  'activeChunks',
  'activeShards',
] as const;

export function encodeTickMessage(m: TickMessage): Uint8Array {
  const w = new ByteWriter(256 + 4 * m.shards.length)
    .u8(m.kind)
    .u32(m.simInstance)
    .u16(m.region)
    .u16(m.regions)
    .u32(m.epoch)
    .u32(m.generation)
    .f64(m.timestamp)
    .f64(m.sentAt)
    .f64(m.population)
    .u8(m.paused ? 1 : 0)
    .u32(m.tickMs)
    .str(m.rule)
    .u32(m.seed)
    .u32(m.recordsEncoded)
    .u32(m.revocations)
    .f64(m.heapUsedBytes)
    .f64(m.heapTotalBytes)
    .u32(m.shards.length);
  for (const s of m.shards) w.u32(s);
  w.u32(m.watchers.length);
  for (const id of m.watchers) w.str(id);
  w.u8(m.stats === null ? 0 : 1);
  if (m.stats !== null) {
    for (const f of STAT_FIELDS) w.f64(m.stats[f]);
    const lat = m.stats.ioLatency;
    w.u8(lat === null ? 0 : 1);
    if (lat !== null) {
      w.u32(lat.boundsMs.length);
      for (const b of lat.boundsMs) w.f64(b);
      w.u32(lat.counts.length);
      for (const c of lat.counts) w.f64(c);
      w.f64(lat.sumMs).f64(lat.total);
    }
  }
  w.u8(m.halos === null ? 0 : 1);
  if (m.halos !== null) w.f64(m.halos.sentMessages).f64(m.halos.sentBytes).f64(m.halos.receivedMessages).f64(m.halos.receivedBytes);
  return w.finish();
}

export function decodeTickMessage(payload: Uint8Array): TickMessage {
  const r = new ByteReader(payload);
  const kind = r.u8() as TickKind;
  const simInstance = r.u32();
  const region = r.u16();
  const regions = r.u16();
  const epoch = r.u32();
  const generation = r.u32();
  const timestamp = r.f64();
  const sentAt = r.f64();
  const population = r.f64();
  const paused = r.u8() === 1;
  const tickMs = r.u32();
  const rule = r.str();
  const seed = r.u32();
  const recordsEncoded = r.u32();
  const revocations = r.u32();
  const heapUsedBytes = r.f64();
  const heapTotalBytes = r.f64();
  const shards: number[] = new Array(r.u32());
  for (let i = 0; i < shards.length; i++) shards[i] = r.u32();
  const watchers: string[] = new Array(r.u32());
  for (let i = 0; i < watchers.length; i++) watchers[i] = r.str();
  let stats: WireTickStats | null = null;
  if (r.u8() === 1) {
    const s = {} as Record<(typeof STAT_FIELDS)[number], number>;
    for (const f of STAT_FIELDS) s[f] = r.f64();
    let ioLatency: LatencyCounts | null = null;
    if (r.u8() === 1) {
      const boundsMs: number[] = new Array(r.u32());
      for (let i = 0; i < boundsMs.length; i++) boundsMs[i] = r.f64();
      const counts: number[] = new Array(r.u32());
      for (let i = 0; i < counts.length; i++) counts[i] = r.f64();
      ioLatency = { boundsMs, counts, sumMs: r.f64(), total: r.f64() };
    }
    stats = { ...s, ioLatency };
  }
  const halos: HaloCounts | null = r.u8() === 1 ? { sentMessages: r.f64(), sentBytes: r.f64(), receivedMessages: r.f64(), receivedBytes: r.f64() } : null;
  // Bytes past the end mean a writer of another layout: refuse rather than guess.
  if (r.remaining !== 0) throw new LifeError('VALIDATION', `Tick summary with ${r.remaining} bytes past its end`);
  return { kind, simInstance, region, regions, epoch, generation, timestamp, sentAt, population, paused, tickMs, rule, seed, recordsEncoded, revocations, heapUsedBytes, heapTotalBytes, shards, watchers, stats, halos };
}
