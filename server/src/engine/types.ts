/** What a tick produces: per-chunk diffs for the transports and statistics for metrics. */

import type { LatencyCounts } from './cell-logic/latency-counts.js';

/**
 * The change of one chunk in one tick. Cell indices are positions inside the chunk,
 * (y % 64) * 64 + (x % 64), in increasing order.
 */
export interface ChunkDiff {
  /** Chunk index in the world (cy * chunksX + cx). */
  readonly chunk: number;
  readonly cx: number;
  readonly cy: number;
  /** Cells that became live (by the rule or by a placement). */
  readonly births: Uint16Array;
  /** Owner of each birth, same order. */
  readonly birthOwners: Uint16Array;
  /** Cells that died. */
  readonly deaths: Uint16Array;
}

/** Figures of one tick. */
export interface TickStats {
  /** The generation this tick produced. */
  generation: number;
  /** Wall time of the tick, ms. */
  durationMs: number;
  /** How late the tick started against its schedule, ms (0 when on time or stepped by hand). */
  lagMs: number;
  /**
   * Time the tick spent with nothing to do but wait for its neighbours' halos in step 0
   * (border), ms: from the end of its interior's step (which runs meanwhile) to the border
   * laid in; 0 when the border came first. Included in durationMs; 0 for an engine stepping
   * the whole world, which has no border to wait for.
   */
  borderWaitMs: number;
  /** Cells whose next state was asked of the cell logic (0 for bulk logic). */
  candidates: number;
  /** Calls made to the cell logic (one per candidate). */
  ioCalls: number;
  /** Calls that failed; those cells kept their state. */
  ioFailures: number;
  /** Calls that timed out; those cells kept their state. */
  ioTimeouts: number;
  /** How long this tick's calls waited, per bucket; null when the logic made no timed calls. */
  ioLatency: LatencyCounts | null;
  /** Live cells after the tick. */
  population: number;
  /** Placed cells applied at this tick's boundary. */
  placementsApplied: number;
  /** Chunks with at least one birth or death. */
  changedChunks: number;
  /** Chunks visited (live chunks and their neighbours). */
  activeChunks: number;
  /** Shards stepped. */
  activeShards: number;
}

/** Everything a tick hands to its listeners. */
export interface TickResult {
  /** The generation the world is now at. */
  readonly generation: number;
  /** Date.now() when the generation was committed, ms since the epoch. */
  readonly timestamp: number;
  /** Indices of the chunks that changed, ascending. */
  readonly changedChunks: readonly number[];
  /**
   * The diff of chunk `chunk`, or undefined when it did not change. Built on first request,
   * which must come from inside the tick listener (see TickChanges in diff.ts).
   */
  diffOf(chunk: number): ChunkDiff | undefined;
  /** Every changed chunk's diff, in chunk index order; built on first access, inside the listener. */
  readonly diffs: readonly ChunkDiff[];
  readonly stats: Readonly<TickStats>;
  /** Live cells per owner (0 = neutral). */
  readonly populationByOwner: ReadonlyMap<number, number>;
}
