/**
 * The events of a LifeClient and their payloads, and its public state names. Types only:
 * the connection, request and replica modules and the client all speak them.
 */
import type { LifeError, ServerHello } from '@lifemmo/shared/client';

/** Connection state. */
export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Names of SnapshotReasons, for events. */
export type SnapshotReasonName = 'subscribe' | 'resync' | 'backpressure' | 'worldReset';

/** Payload of `snapshot`: the replica was replaced. */
export interface SnapshotEvent {
  readonly generation: number;
  readonly reason: SnapshotReasonName;
  /** Chunk records in the frame. */
  readonly chunks: number;
  /** Frame size, bytes. */
  readonly bytes: number;
}

/** Payload of `diff`: the replica advanced one generation. */
export interface DiffEvent {
  readonly generation: number;
  /** Chunk records in the frame (chunks that changed). */
  readonly chunks: number;
  /** Cells born and died (0 without a replica). */
  readonly births: number;
  readonly deaths: number;
  /** Frame size, bytes. */
  readonly bytes: number;
  /** From the server committing the generation to this client reading it, ms (clock offset corrected; see README). */
  readonly latencyMs: number;
}

/** Payload of `resync`: the client found its replica unusable and asked for a snapshot. */
export interface ResyncEvent {
  /**
   * `gap`: a diff skipped generations; `inconsistent`: a diff did not fit the replica;
   * `decode`: a frame was malformed; `stale`: a diff was older than the server's lag bound
   * (hello.limits.maxLagMs) when it was read, because the client had stopped reading.
   */
  readonly reason: 'gap' | 'inconsistent' | 'decode' | 'stale';
  /** How old the stale diff was, ms (stale only). */
  readonly ageMs?: number;
  /** The generation the client expected next and the one that came (gap only). */
  readonly expected?: number;
  readonly received?: number;
}

/** Payload of `disconnect`. */
export interface DisconnectEvent {
  readonly code: number;
  readonly reason: string;
  /** What the close means (null for a normal close). */
  readonly error: LifeError | null;
  /** True when the client will try to reconnect. */
  readonly willReconnect: boolean;
}

/** Payload of `reconnect`: connected again, re-subscribed, replica fresh. */
export interface ReconnectEvent {
  /** Attempts it took. */
  readonly attempts: number;
  /** From the disconnect to the fresh snapshot, ms. */
  readonly downtimeMs: number;
}

/** Every event of a LifeClient and its payload. */
export interface LifeClientEvents {
  hello: ServerHello;
  snapshot: SnapshotEvent;
  diff: DiffEvent;
  resync: ResyncEvent;
  disconnect: DisconnectEvent;
  reconnect: ReconnectEvent;
  /** Errors not tied to a call: a refused unsolicited message, a malformed frame, a fatal close. */
  error: LifeError;
}
