/**
 * Publish: on every generation the sim commits, send each subscribed client one diff frame.
 *
 * Encode once, send many, across the split: the sim encodes each changed, watched chunk's
 * record once; the gateway assembles one diff frame per distinct chunk set (group) by
 * copying those records and frames it once as a WebSocket message (shared-message.ts);
 * every member of the group is handed the same bytes. The gateway's cost per tick follows
 * the changed, watched chunks and the number of distinct viewports, never the number of
 * clients, and it encodes nothing itself.
 *
 * The frames are handed out client by client in the order the clients connected, not group
 * by group. The kernel's state for each socket (descriptor table entry, file, socket) was
 * allocated in about that order; walked in it, that memory is mostly in cache
 * (docs/benchmarks.md, WebSocket section).
 *
 * A client whose chunks are not all in the gateway's replica at this generation (just
 * subscribed, or the replica lost them) gets no diff: it waits for a snapshot, sent as soon
 * as the replica has them (`flushAwaiting`). A reset sends every client the empty world.
 */
import { FrameTypes, SnapshotReasons } from '@lifemmo/shared';
import type { GatewayTick } from '../gateway/replica-feed.js';
import { MessageArena, sharedFrameMessage, type SharedMessage } from './shared-message.js';
import type { WsContext } from './ws-context.js';
import { syncWsMetrics } from './ws-metrics.js';

/** Sends every generation's diffs to the subscribed clients. */
export class Broadcaster {
  readonly #ctx: WsContext;
  readonly #arena = new MessageArena();

  constructor(ctx: WsContext) {
    this.#ctx = ctx;
  }

  /** A generation arrived (its records are views that are only valid during this call). */
  publish(tick: GatewayTick, recordsEncoded: number): void {
    const started = performance.now();
    const ctx = this.#ctx;
    const stats = ctx.stats;
    stats.ticks++;
    stats.diffChunkEncodings += recordsEncoded;
    const header = { type: FrameTypes.DIFF, generation: tick.generation, timestamp: tick.timestamp } as const;
    const parts: Uint8Array[] = [];
    // Groups whose chunks did not change all share one header-only frame.
    let quiet: SharedMessage | null = null;
    // Whether some client may still hold this tick's message bytes (see MessageArena).
    let retained = false;
    for (const group of ctx.groups.values()) {
      if (!ctx.snapshots.ready(group.chunks)) {
        group.frame = null;
        continue;
      }
      parts.length = 0;
      for (const chunk of group.chunks) {
        const record = tick.records.get(chunk);
        if (record !== undefined) parts.push(record);
      }
      if (parts.length > 0) {
        group.frame = sharedFrameMessage(this.#arena, header, parts);
        stats.diffFrames++;
      } else {
        if (quiet === null) {
          quiet = sharedFrameMessage(this.#arena, header, parts);
          stats.diffFrames++;
        }
        group.frame = quiet;
      }
    }
    // Client by client in the order they connected, not group by group: see the note above.
    for (const client of ctx.connections) {
      const group = client.group;
      if (group === null) continue;
      if (group.frame === null) client.awaitSnapshot(SnapshotReasons.RESYNC);
      else if (client.deliverDiff(group.frame, tick.generation, started)) retained = true;
    }
    for (const group of ctx.groups.values()) group.frame = null;
    this.#arena.release(retained);
    syncWsMetrics(ctx.metrics, ctx.wsMetrics, stats);
    ctx.wsMetrics.publishDuration.observe((performance.now() - started) / 1000);
  }

  /** The world was reset: every client gets the empty world's snapshot now. */
  reset(): void {
    for (const client of this.#ctx.connections) client.sendSnapshot(SnapshotReasons.WORLD_RESET);
  }

  /** The replica starts over (the sim restarted): every client waits for a fresh snapshot. */
  resync(): void {
    for (const client of this.#ctx.connections) client.awaitSnapshot(SnapshotReasons.WORLD_RESET);
  }

  /** Chunks arrived in the replica: send the snapshots clients were waiting for. */
  flushAwaiting(): void {
    for (const client of this.#ctx.connections) client.retryAwaitedSnapshot();
  }
}
