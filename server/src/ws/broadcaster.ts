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
 * Handing out is done in slices (slice-budget.ts: 50 ms, 8 ms while connections arrive),
 * the event loop getting a turn between them.
 * Why: one write per client is most of the gateway's work (on loopback the kernel does the
 * receiver's half in the same call), and at thousands of clients a generation took the
 * thread for hundreds of milliseconds; a few generations queued behind each other held
 * `/health` and every other request for seconds (issue 16). So a generation's frames are
 * built at once (the records are views valid only during `publish`), then handed out slice
 * by slice, generations in order. At most MAX_PENDING generations wait; when a gateway
 * cannot keep up, the oldest is given up and the clients it had not reached get a snapshot
 * instead of their next diff (never a gap in the diffs they apply). A client that got a
 * snapshot of a later generation meanwhile skips the older diffs (connection.ts).
 *
 * A client whose chunks are not all in the gateway's replica at this generation (just
 * subscribed, or the replica lost them) gets no diff: it waits for a snapshot, sent as soon
 * as the replica has them (`flushAwaiting`). A reset sends every client the empty world.
 */
import { FrameTypes, SnapshotReasons } from '@lifemmo/shared';
import type { GatewayTick } from '../gateway/replica-feed.js';
import type { WsConnection } from './connection.js';
import { MessageArena, sharedFrameMessage, type SharedMessage } from './shared-message.js';
import type { ClientGroup, WsContext } from './ws-context.js';
import { syncWsMetrics } from './ws-metrics.js';

/** Generations whose frames may wait to be handed out at once (see the module comment). */
const MAX_PENDING = 3;
/** How many clients are handed frames between two readings of the clock. */
const CLIENTS_PER_CLOCK = 32;

/** One generation's frames and the clients still to be handed theirs. */
interface Delivery {
  readonly generation: number;
  /** performance.now() when the generation arrived. */
  readonly arrived: number;
  /** Each group's frame; null for a group whose chunks the replica lacks (its members wait for a snapshot). */
  readonly frames: Map<ClientGroup, SharedMessage | null>;
  /** The clients connected when it arrived, in that order. */
  readonly clients: WsConnection[];
  /** Index of the next client to hand its frame. */
  next: number;
  /** Whether some socket may still hold this generation's bytes (see MessageArena). */
  retained: boolean;
  readonly arena: MessageArena;
}

/** Sends every generation's diffs to the subscribed clients. */
export class Broadcaster {
  readonly #ctx: WsContext;
  readonly #sliceMs: () => number;
  /** Generations being handed out, oldest first. */
  #pending: Delivery[] = [];
  /** Arenas of finished generations, reused (one arena per generation in flight). */
  #spareArenas: MessageArena[] = [];
  #turnScheduled = false;

  /**
   * @param sliceMs the length of the next slice, read at the start of each (slice-budget.ts;
   * tests give a short constant to see slices with few clients)
   */
  constructor(ctx: WsContext, sliceMs: () => number) {
    this.#ctx = ctx;
    this.#sliceMs = sliceMs;
  }

  /** A generation arrived (its records are views that are only valid during this call). */
  publish(tick: GatewayTick, recordsEncoded: number): void {
    const arrived = performance.now();
    const ctx = this.#ctx;
    const stats = ctx.stats;
    stats.ticks++;
    stats.diffChunkEncodings += recordsEncoded;
    const header = { type: FrameTypes.DIFF, generation: tick.generation, timestamp: tick.timestamp } as const;
    const arena = this.#spareArenas.pop() ?? new MessageArena();
    const frames = new Map<ClientGroup, SharedMessage | null>();
    const parts: Uint8Array[] = [];
    // Groups whose chunks did not change all share one header-only frame.
    let quiet: SharedMessage | null = null;
    for (const group of ctx.groups.values()) {
      if (!ctx.snapshots.ready(group.chunks)) {
        frames.set(group, null);
        continue;
      }
      parts.length = 0;
      for (const chunk of group.chunks) {
        const record = tick.records.get(chunk);
        if (record !== undefined) parts.push(record);
      }
      if (parts.length > 0) {
        frames.set(group, sharedFrameMessage(arena, header, parts));
        stats.diffFrames++;
      } else {
        if (quiet === null) {
          quiet = sharedFrameMessage(arena, header, parts);
          stats.diffFrames++;
        }
        frames.set(group, quiet);
      }
    }
    if (this.#pending.length === MAX_PENDING) this.#giveUp(this.#pending.shift()!);
    this.#pending.push({ generation: tick.generation, arrived, frames, clients: [...ctx.connections], next: 0, retained: false, arena });
    // The first slice at once: a generation that is cheap to send goes out in this turn.
    this.#handOut();
  }

  /** The world was reset: every client gets the empty world's snapshot now. */
  reset(): void {
    this.#dropPending();
    for (const client of this.#ctx.connections) client.sendSnapshot(SnapshotReasons.WORLD_RESET);
  }

  /** The replica starts over (the sim restarted): every client waits for a fresh snapshot. */
  resync(): void {
    this.#dropPending();
    for (const client of this.#ctx.connections) client.awaitSnapshot(SnapshotReasons.WORLD_RESET);
  }

  /** Chunks arrived in the replica: send the snapshots clients were waiting for. */
  flushAwaiting(): void {
    for (const client of this.#ctx.connections) client.retryAwaitedSnapshot();
  }

  /** Hand out frames, oldest generation first, for up to a slice; then yield and go on. */
  #handOut(): void {
    const sliceStart = performance.now();
    const sliceMs = this.#sliceMs();
    let now = sliceStart;
    while (this.#pending.length > 0) {
      const delivery = this.#pending[0]!;
      while (delivery.next < delivery.clients.length) {
        this.#handTo(delivery, delivery.clients[delivery.next++]!, now);
        if (delivery.next % CLIENTS_PER_CLOCK === 0) {
          now = performance.now();
          if (now - sliceStart > sliceMs) return this.#continueNextTurn();
        }
      }
      this.#pending.shift();
      this.#finish(delivery);
    }
  }

  #continueNextTurn(): void {
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    setImmediate(() => {
      this.#turnScheduled = false;
      this.#handOut();
    });
  }

  #handTo(delivery: Delivery, client: WsConnection, now: number): void {
    const group = client.group;
    if (group === null) return;
    const frame = delivery.frames.get(group);
    // A group made after this generation arrived: its members were sent snapshots.
    if (frame === undefined) return;
    if (frame === null) client.awaitSnapshot(SnapshotReasons.RESYNC);
    else if (client.deliverDiff(frame, delivery.generation, now)) delivery.retained = true;
  }

  /** A generation the gateway could not hand out in time: the clients it had not reached get a snapshot next. */
  #giveUp(delivery: Delivery): void {
    for (let i = delivery.next; i < delivery.clients.length; i++) delivery.clients[i]!.missedDiff();
    this.#ctx.stats.diffsGivenUp += delivery.clients.length - delivery.next;
    this.#finish(delivery);
  }

  #dropPending(): void {
    for (const delivery of this.#pending.splice(0)) this.#recycle(delivery.arena, true);
  }

  /** An arena whose generation is done goes back to the spares (as many as may be in flight at once). */
  #recycle(arena: MessageArena, retained: boolean): void {
    arena.release(retained);
    if (this.#spareArenas.length < MAX_PENDING) this.#spareArenas.push(arena);
  }

  #finish(delivery: Delivery): void {
    this.#recycle(delivery.arena, delivery.retained);
    const ctx = this.#ctx;
    syncWsMetrics(ctx.metrics, ctx.wsMetrics, ctx.stats);
    ctx.wsMetrics.publishDuration.observe((performance.now() - delivery.arrived) / 1000);
  }
}
