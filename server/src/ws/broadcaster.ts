/**
 * Publish: on every committed tick, send each subscribed client one diff frame.
 *
 * Encode once, send many: a changed chunk's diff record is encoded once per tick, and only
 * if some viewport covers it; a diff frame is assembled once per distinct chunk set (group)
 * by copying those records and framed once as a WebSocket message (shared-message.ts);
 * every member of the group is handed the same bytes. The cost of a tick's encoding thus
 * follows the changed, watched chunks and the number of distinct viewports, never the
 * number of clients.
 *
 * The frames are handed out client by client in the order the clients connected, not group
 * by group. The kernel's state for each socket (descriptor table entry, file, socket) was
 * allocated in about that order; walked in it, that memory is mostly in cache. In group
 * order every write missed on it: at 5,000 clients a tick's sends took about 90 ms instead
 * of about 68, and the server's CPU went from about 72% to 90% (npm run bench, 2026-12-02).
 *
 * A reset sends every client the empty world's snapshot at once (`reset`). A generation
 * that is not the last one plus one (the broadcaster missed ticks) also gets every client
 * a fresh snapshot instead of a diff.
 */
import { FrameTypes, SnapshotReasons, encodeDiffChunkWith } from '@lifemmo/shared';
import type { ChunkDiff, TickResult } from '../engine/index.js';
import { MessageArena, sharedFrameMessage, type SharedMessage } from './shared-message.js';
import type { WsContext } from './ws-context.js';
import { syncWsMetrics } from './ws-metrics.js';

/** Sends every tick's diffs to the subscribed clients. */
export class Broadcaster {
  readonly #ctx: WsContext;
  #lastGeneration: number;
  // Reused per tick: changed chunk index -> its diff, and -> its encoded record.
  readonly #changed = new Map<number, ChunkDiff>();
  readonly #records = new Map<number, Uint8Array>();
  readonly #arena = new MessageArena();
  /**
   * This tick's records: only copied into messages within `publish`, so the next tick can
   * always overwrite them. Why not an array each: see ListBlocks in engine/diff.ts.
   */
  readonly #recordArena = new MessageArena();
  readonly #allocateRecord = (bytes: number): Uint8Array => this.#recordArena.allocate(bytes);

  constructor(ctx: WsContext) {
    this.#ctx = ctx;
    this.#lastGeneration = ctx.engine.generation;
  }

  /** The tick listener: runs synchronously right after commit, before the next tick can start. */
  publish(result: TickResult): void {
    const started = performance.now();
    const ctx = this.#ctx;
    const stats = ctx.stats;
    stats.ticks++;
    ctx.snapshots.invalidate();
    const contiguous = result.generation === this.#lastGeneration + 1;
    this.#lastGeneration = result.generation;

    if (!contiguous) {
      for (const group of ctx.groups.values()) {
        for (const member of group.members) member.sendSnapshot(SnapshotReasons.WORLD_RESET);
      }
    } else {
      this.#changed.clear();
      this.#records.clear();
      // Only the changed chunks some viewport covers get their births and deaths listed.
      for (const chunk of result.changedChunks) if (ctx.groups.covers(chunk)) this.#changed.set(chunk, result.diffOf(chunk)!);
      const header = { type: FrameTypes.DIFF, generation: result.generation, timestamp: result.timestamp } as const;
      const parts: Uint8Array[] = [];
      // Groups whose chunks did not change all share one header-only frame.
      let quiet: SharedMessage | null = null;
      // Whether some client may still hold this tick's message bytes (see MessageArena).
      let retained = false;
      for (const group of ctx.groups.values()) {
        parts.length = 0;
        for (const chunk of group.chunks) {
          const diff = this.#changed.get(chunk);
          if (diff !== undefined) parts.push(this.#record(diff));
        }
        let message: SharedMessage;
        if (parts.length > 0) {
          message = sharedFrameMessage(this.#arena, header, parts);
          stats.diffFrames++;
        } else {
          if (quiet === null) {
            quiet = sharedFrameMessage(this.#arena, header, parts);
            stats.diffFrames++;
          }
          message = quiet;
        }
        group.frame = message;
      }
      // Client by client in the order they connected, not group by group: see the note above.
      for (const client of ctx.connections) {
        const message = client.group?.frame;
        if (message != null && client.deliverDiff(message)) retained = true;
      }
      for (const group of ctx.groups.values()) group.frame = null;
      this.#arena.release(retained);
      this.#recordArena.release(false);
    }
    syncWsMetrics(ctx.metrics, ctx.wsMetrics, stats);
    ctx.wsMetrics.publishDuration.observe((performance.now() - started) / 1000);
  }

  /**
   * The world was reset (called by the engine right after it emptied the world): every
   * client gets the empty world's snapshot now, and diffs go on from generation 0.
   */
  reset(): void {
    const ctx = this.#ctx;
    ctx.snapshots.invalidate();
    this.#lastGeneration = ctx.engine.generation;
    for (const group of ctx.groups.values()) {
      for (const member of group.members) member.sendSnapshot(SnapshotReasons.WORLD_RESET);
    }
  }

  #record(diff: ChunkDiff): Uint8Array {
    let record = this.#records.get(diff.chunk);
    if (record === undefined) {
      record = encodeDiffChunkWith(diff, this.#allocateRecord);
      this.#ctx.stats.diffChunkEncodings++;
      this.#records.set(diff.chunk, record);
    }
    return record;
  }
}
