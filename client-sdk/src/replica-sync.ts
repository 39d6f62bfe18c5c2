/**
 * Replica sync of a LifeClient: the viewport, the replica and its generation, kept by the
 * server's binary frames. A snapshot replaces the replica; a diff advances it one
 * generation. A diff that skips a generation, does not fit the replica or does not decode
 * is a reason to ask for a snapshot (a resync), never to guess; diffs are ignored until
 * the snapshot arrives.
 *
 * It sends nothing and emits nothing: each frame returns an outcome (FrameOutcome) and
 * the client emits the events and sends the resync.
 */
import {
  FrameTypes,
  SnapshotReasons,
  decodeFrame,
  type DiffFrame,
  type FrameHeader,
  type LifeError,
  type Rect,
  type ServerHello,
  type SnapshotFrame,
} from '@lifemmo/shared/client';
import type { ResyncEvent, SnapshotReasonName } from './client-events.js';
import { Replica } from './replica.js';

const REASON_NAMES: Record<number, SnapshotReasonName> = {
  [SnapshotReasons.SUBSCRIBE]: 'subscribe',
  [SnapshotReasons.RESYNC]: 'resync',
  [SnapshotReasons.BACKPRESSURE]: 'backpressure',
  [SnapshotReasons.WORLD_RESET]: 'worldReset',
};

/** What a frame did to the replica. */
export type FrameOutcome =
  /** Nothing: no viewport, a stale diff, or diffs while a snapshot is awaited. */
  | { readonly kind: 'ignored' }
  /** The replica was replaced. */
  | { readonly kind: 'snapshot'; readonly generation: number; readonly reason: SnapshotReasonName; readonly chunks: number }
  /** The replica advanced one generation. */
  | { readonly kind: 'diff'; readonly generation: number; readonly chunks: number; readonly births: number; readonly deaths: number }
  /** The replica is unusable: ask for a snapshot (and report `error` when the frame was malformed). */
  | { readonly kind: 'resync'; readonly event: ResyncEvent; readonly error?: LifeError };

const IGNORED: FrameOutcome = { kind: 'ignored' };

/** The replica side of a LifeClient. */
export class ReplicaSync {
  readonly #keepCells: boolean;
  #replica: Replica | null = null;
  #generation = -1;
  #viewport: Rect | null = null;
  /** Diffs are ignored until a snapshot comes (after subscribe, resync, reconnect). */
  #awaitingSnapshot = false;

  /** @param keepCells keep a cell-level replica; false: only follow generations (frame headers) */
  constructor(keepCells: boolean) {
    this.#keepCells = keepCells;
  }

  /** The replica, or null without cells or before the first hello. */
  get replica(): Replica | null {
    return this.#replica;
  }

  /** Generation of the last frame applied; -1 before the first snapshot. */
  get generation(): number {
    return this.#generation;
  }

  /** The subscribed rectangle, or null. */
  get viewport(): Rect | null {
    return this.#viewport;
  }

  /** A (re)connection's hello: a replica for its world (kept when the world is the same). */
  onHello(world: ServerHello['world']): void {
    if (!this.#keepCells) return;
    const r = this.#replica;
    if (r === null || r.world.width !== world.width || r.world.height !== world.height || r.world.topology !== world.topology) {
      this.#replica = new Replica({ width: world.width, height: world.height, topology: world.topology });
    }
  }

  /** A subscribe to `rect` was (or will be) sent: wait for its snapshot. */
  watch(rect: Rect): void {
    this.#viewport = { x: rect.x, y: rect.y, w: rect.w, h: rect.h };
    this.#awaitingSnapshot = true;
  }

  /** A snapshot was asked for (resync, or the subscribe sent on a reconnect). */
  expectSnapshot(): void {
    this.#awaitingSnapshot = true;
  }

  /** unsubscribe(): the replica is emptied and frames still in flight are ignored. */
  unwatch(): void {
    this.#viewport = null;
    this.#awaitingSnapshot = false;
    this.#replica?.clear();
    this.#generation = -1;
  }

  /**
   * Every subscribe in flight was refused: the server kept the previous viewport, if any.
   * Stop waiting for a snapshot; diffs skipped meanwhile show up as a gap and resync.
   */
  onSubscribesRefused(): void {
    this.#awaitingSnapshot = false;
    if (this.#generation < 0) this.#viewport = null;
  }

  /** True when frames matter (a viewport is set): after unsubscribe, frames in flight are skipped. */
  get watching(): boolean {
    return this.#viewport !== null;
  }

  /** Apply a snapshot frame. */
  applySnapshot(header: FrameHeader, bytes: Uint8Array): FrameOutcome {
    if (this.#replica !== null) {
      let frame: SnapshotFrame;
      try {
        frame = decodeFrame(bytes) as SnapshotFrame;
      } catch (err) {
        return this.#resync({ reason: 'decode' }, err as LifeError);
      }
      this.#replica.applySnapshot(frame.generation, frame.chunks);
    }
    this.#generation = header.generation;
    this.#awaitingSnapshot = false;
    return { kind: 'snapshot', generation: header.generation, reason: REASON_NAMES[header.reason] ?? 'resync', chunks: header.chunkCount };
  }

  /** Apply a diff frame; `staleAgeMs`: it is too old to show (its age), so ask for a snapshot instead. */
  applyDiff(header: FrameHeader, bytes: Uint8Array, staleAgeMs?: number): FrameOutcome {
    if (header.type !== FrameTypes.DIFF || this.#awaitingSnapshot || this.#generation < 0) return IGNORED;
    if (header.generation <= this.#generation) return IGNORED; // stale, already covered by a snapshot
    if (staleAgeMs !== undefined) return this.#resync({ reason: 'stale', ageMs: staleAgeMs });
    if (header.generation !== this.#generation + 1) {
      return this.#resync({ reason: 'gap', expected: this.#generation + 1, received: header.generation });
    }
    let births = 0;
    let deaths = 0;
    if (this.#replica !== null) {
      let frame: DiffFrame;
      try {
        frame = decodeFrame(bytes) as DiffFrame;
      } catch (err) {
        return this.#resync({ reason: 'decode' }, err as LifeError);
      }
      const result = this.#replica.applyDiff(frame.generation, frame.chunks);
      births = result.births;
      deaths = result.deaths;
      if (!result.consistent) {
        this.#generation = header.generation;
        return this.#resync({ reason: 'inconsistent' });
      }
    }
    this.#generation = header.generation;
    return { kind: 'diff', generation: header.generation, chunks: header.chunkCount, births, deaths };
  }

  #resync(event: ResyncEvent, error?: LifeError): FrameOutcome {
    return error === undefined ? { kind: 'resync', event } : { kind: 'resync', event, error };
  }
}
