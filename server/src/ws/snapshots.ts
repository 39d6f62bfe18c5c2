/**
 * Snapshot frames: the live cells and owners of a viewport's chunks at the current
 * generation, from the gateway's replica. Each chunk's record is encoded at most once per
 * generation (the replica caches it) and shared by every snapshot that needs it.
 */
import { FrameTypes, encodeFrame, type SnapshotReason } from '@lifemmo/shared';
import type { ChunkReplica } from '../gateway/chunk-replica.js';
import type { WorldView } from '../gateway/sim-link.js';
import type { WsStats } from './ws-stats.js';

/** Assembles snapshot frames from replica records. */
export class SnapshotEncoder {
  readonly #replica: ChunkReplica;
  readonly #world: WorldView;
  readonly #stats: WsStats;

  constructor(replica: ChunkReplica, world: WorldView, stats: WsStats) {
    this.#replica = replica;
    this.#world = world;
    this.#stats = stats;
  }

  /** True when a snapshot of `chunks` can be made now (all kept and current). */
  ready(chunks: Uint32Array): boolean {
    return this.#replica.readyAt(chunks, this.#world.generation);
  }

  /** A snapshot frame of `chunks` (ascending indices) at the current generation; check `ready` first. */
  frame(chunks: Uint32Array, reason: SnapshotReason): Uint8Array {
    const before = this.#replica.recordsEncoded;
    const records: Uint8Array[] = new Array(chunks.length);
    for (let i = 0; i < chunks.length; i++) records[i] = this.#replica.snapshotRecord(chunks[i]!);
    this.#stats.snapshotChunkEncodings += this.#replica.recordsEncoded - before;
    this.#stats.snapshotFrames++;
    return encodeFrame({ type: FrameTypes.SNAPSHOT, reason, generation: this.#world.generation, timestamp: Date.now() }, records);
  }
}
