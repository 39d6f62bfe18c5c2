/**
 * The constants of the WebSocket protocol (docs/protocol.md): version, path, close codes,
 * binary frame tags and snapshot reasons. Kept apart from protocol.ts, which holds the zod
 * schemas, so that clients (the SDK's browser bundle) get them without zod.
 */

/**
 * Version of this protocol; a client hello with another version is closed with
 * PROTOCOL_VERSION. 2: clients acknowledge the frames they read (`ack`), which is how the
 * server bounds how stale a client's view may get.
 */
export const PROTOCOL_VERSION = 2;

/**
 * How often clients acknowledge frames (hello's `limits.ackEveryMs`) under a lag bound of
 * `maxLagMs` (WS_MAX_LAG_MS): twice within the bound, and at most twice a second.
 *
 * Why not more often: at 5,000 clients each ack a second per client is 5,000 messages a
 * second for the gateway to read, on the thread that writes every frame. At four a second
 * the gateway's event loop was busy 97% of the time and fell behind; at two, 82%
 * (docs/benchmarks.md, WebSocket broadcast). A frame read at once is acknowledged up to
 * ackEveryMs later, so the server counts a client behind only once an unacknowledged
 * frame is older than maxLagMs + ackEveryMs.
 */
export function ackEveryMs(maxLagMs: number): number {
  return Math.max(50, Math.min(500, Math.floor(maxLagMs / 2)));
}

/** Path of the WebSocket endpoint. */
export const WS_PATH = '/ws';

/**
 * Close codes the server uses (RFC 6455 reserves 4000-4999 for applications). The close
 * reason is the matching LIFE_ERR_* code from the error catalogue.
 */
export const CloseCodes = {
  /** The client or the server closed normally. */
  NORMAL: 1000,
  /** A message was larger than the maximum message size (set by the ws library). */
  MESSAGE_TOO_BIG: 1009,
  /** The server is shutting down; reconnect later (LIFE_ERR_WS_SHUTTING_DOWN). */
  SHUTTING_DOWN: 4000,
  /** A message came before hello, or too many malformed messages (LIFE_ERR_WS_HELLO_REQUIRED, LIFE_ERR_WS_TOO_MANY_ERRORS). */
  BAD_PROTOCOL: 4001,
  /** The client speaks another protocol version (LIFE_ERR_WS_PROTOCOL_VERSION). */
  PROTOCOL_VERSION: 4002,
  /** The bearer token is not known (LIFE_ERR_WS_UNAUTHORIZED). */
  UNAUTHORIZED: 4003,
  /** The client's send buffer passed the hard limit (LIFE_ERR_WS_SLOW_CONSUMER). */
  SLOW_CONSUMER: 4004,
  /** The client missed a heartbeat ping (LIFE_ERR_WS_HEARTBEAT_MISSED). */
  HEARTBEAT_MISSED: 4005,
  /** The server has WS_MAX_CONNECTIONS connections already (LIFE_ERR_WS_TOO_MANY_CONNECTIONS). */
  TOO_MANY_CONNECTIONS: 4006,
  /** No hello arrived within the heartbeat interval (LIFE_ERR_WS_HELLO_TIMEOUT). */
  HELLO_TIMEOUT: 4007,
  /** The server is overloaded and admits no new connections now; retry with backoff (LIFE_ERR_WS_OVERLOADED). */
  OVERLOADED: 4008,
} as const;

/** One of the close codes above. */
export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];

/** First byte of every binary frame (server to client only). */
export const FrameTypes = {
  /** The full content of the chunks a viewport covers, at one generation. */
  SNAPSHOT: 1,
  /** Births (with owners) and deaths of those chunks, leading to one generation. */
  DIFF: 2,
} as const;

/** One of the frame type tags above. */
export type FrameType = (typeof FrameTypes)[keyof typeof FrameTypes];

/** Why a snapshot was sent (second byte of a snapshot frame). */
export const SnapshotReasons = {
  /** Answer to `subscribe`. */
  SUBSCRIBE: 0,
  /** Answer to `resync`. */
  RESYNC: 1,
  /** Sent by the server: the client drained its backlog after falling behind. */
  BACKPRESSURE: 2,
  /** Sent by the server: the world was reset or jumped generations. */
  WORLD_RESET: 3,
} as const;

/** One of the snapshot reasons above. */
export type SnapshotReason = (typeof SnapshotReasons)[keyof typeof SnapshotReasons];

/** Largest |x| or |y| accepted in a message: keeps arithmetic in safe 32-bit territory. */
export const MAX_COORDINATE = 2 ** 30;
