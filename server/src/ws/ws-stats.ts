/**
 * Counters of the WebSocket transport, kept as plain numbers on the hot path and copied
 * to Prometheus once per tick. Tests read them to prove "encode once, send many".
 */

/** Running totals since the server started. */
export interface WsStats {
  /** Diff records encoded (at most one per changed, watched chunk per tick). */
  diffChunkEncodings: number;
  /** Snapshot records encoded (at most one per chunk per generation). */
  snapshotChunkEncodings: number;
  /** Diff frames assembled (at most one per distinct chunk set per tick). */
  diffFrames: number;
  /** Snapshot frames assembled. */
  snapshotFrames: number;
  /** Binary and text messages handed to sockets, and their bytes. */
  framesSent: number;
  bytesSent: number;
  /** Snapshots sent to clients that had fallen behind and drained. */
  resyncs: number;
  /** Clients disconnected past the hard limit. */
  drops: number;
  /** Times a client stopped getting diffs because its oldest unacknowledged frame passed WS_MAX_LAG_MS. */
  lagged: number;
  /** Diffs not handed to a client because the gateway fell MAX_PENDING generations behind (broadcaster.ts); each such client got a snapshot instead. */
  diffsGivenUp: number;
  /** Ticks published. */
  ticks: number;
}

/** Fresh counters at zero. */
export function createWsStats(): WsStats {
  return {
    diffChunkEncodings: 0,
    snapshotChunkEncodings: 0,
    diffFrames: 0,
    snapshotFrames: 0,
    framesSent: 0,
    bytesSent: 0,
    resyncs: 0,
    drops: 0,
    lagged: 0,
    diffsGivenUp: 0,
    ticks: 0,
  };
}
