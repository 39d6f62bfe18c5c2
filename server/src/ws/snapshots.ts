/**
 * Snapshot frames: the live cells and owners of a viewport's chunks at the current
 * generation, from the gateway's replica. Each chunk's record is encoded at most once per
 * generation (the replica caches it) and shared by every snapshot that needs it.
 *
 * A group's snapshot is also framed once per generation and reason as a shared WebSocket
 * message (shared-message.ts), written as it is to every member that needs it. Why: when
 * the gateway cannot hand a generation to every client in time (broadcaster.ts), each client
 * it missed gets a snapshot in place of its next diff, and at 5,000 clients those were
 * hundreds a tick; assembled and sent through `ws.send` one by one, they cost the gateway
 * more than the diffs they replaced, so it fell further behind (docs/benchmarks.md).
 */
import { FrameTypes, type SnapshotReason } from '@lifemmo/shared';
import type { ChunkReplica } from '../gateway/chunk-replica.js';
import type { WorldView } from '../gateway/sim-link.js';
import { OWN_BUFFER, sharedFrameMessage, type SharedMessage } from './shared-message.js';
import type { ClientGroup } from './ws-context.js';
import type { WsStats } from './ws-stats.js';

/** A group's snapshot message, and the chunk records it was framed from. */
interface SharedSnapshot {
  readonly reason: SnapshotReason;
  readonly records: readonly Uint8Array[];
  readonly message: SharedMessage;
}

/**
 * Bytes of shared snapshots kept at most: past it they are all let go and framed again as
 * needed. A paused world keeps one generation for as long as it is paused, and every group
 * that subscribes meanwhile adds its snapshot.
 */
const MAX_SHARED_BYTES = 16 * 1024 * 1024;

/** Assembles snapshot frames from replica records. */
export class SnapshotEncoder {
  readonly #replica: ChunkReplica;
  readonly #world: WorldView;
  readonly #stats: WsStats;
  /** The shared snapshots of generation #sharedGeneration, by group. */
  readonly #shared = new Map<ClientGroup, SharedSnapshot>();
  #sharedGeneration = -1;
  #sharedBytes = 0;

  constructor(replica: ChunkReplica, world: WorldView, stats: WsStats) {
    this.#replica = replica;
    this.#world = world;
    this.#stats = stats;
  }

  /** True when a snapshot of `chunks` can be made now (all kept and current). */
  ready(chunks: Uint32Array): boolean {
    return this.#replica.readyAt(chunks, this.#world.generation);
  }

  /**
   * A snapshot of `group`'s chunks at the current generation as one shared WebSocket
   * message; check `ready` first. The same message while the generation, the reason and
   * every chunk's record are the same: a chunk the replica fetched again (its cells were
   * forgotten) has a new record, so its old cells are never sent again. Only the current
   * generation's are kept (and at most MAX_SHARED_BYTES of them).
   */
  sharedFrame(group: ClientGroup, reason: SnapshotReason): SharedMessage {
    const records = this.#records(group.chunks);
    const generation = this.#world.generation;
    if (generation !== this.#sharedGeneration || this.#sharedBytes > MAX_SHARED_BYTES) {
      this.#shared.clear();
      this.#sharedGeneration = generation;
      this.#sharedBytes = 0;
    }
    const kept = this.#shared.get(group);
    if (kept !== undefined && kept.reason === reason && sameRecords(kept.records, records)) return kept.message;
    this.#stats.snapshotFrames++;
    const message = sharedFrameMessage(OWN_BUFFER, this.#header(reason), records);
    this.#shared.set(group, { reason, records, message });
    this.#sharedBytes += message.wire.length;
    return message;
  }

  #header(reason: SnapshotReason) {
    return { type: FrameTypes.SNAPSHOT, reason, generation: this.#world.generation, timestamp: Date.now() } as const;
  }

  /** The chunks' snapshot records, each encoded at most once per generation. */
  #records(chunks: Uint32Array): Uint8Array[] {
    const before = this.#replica.recordsEncoded;
    const records: Uint8Array[] = new Array(chunks.length);
    for (let i = 0; i < chunks.length; i++) records[i] = this.#replica.snapshotRecord(chunks[i]!);
    this.#stats.snapshotChunkEncodings += this.#replica.recordsEncoded - before;
    return records;
  }
}

function sameRecords(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
