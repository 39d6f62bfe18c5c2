/**
 * @lifemmo/client: the lifemmo SDK for Node and browsers. Browser-safe: nothing here
 * imports a Node built-in (the `ws` package is only loaded in Node, see transport.ts);
 * the bots live in ./bots/ and are not exported.
 */
export {
  LifeClient,
  type ClientState,
  type DiffEvent,
  type DisconnectEvent,
  type LifeClientEvents,
  type LifeClientOptions,
  type PatternOptions,
  type ReconnectEvent,
  type ResyncEvent,
  type SnapshotEvent,
  type SnapshotReasonName,
} from './client.js';
export { Replica, type CellState, type DiffResult, type LiveCell, type ReplicaWorld } from './replica.js';
export { TypedEmitter, type Listener } from './events.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './reconnect.js';
export {
  adminCreatePlayer,
  adminListPlayers,
  createPlayer,
  getCells,
  getLeaderboard,
  getWorld,
  httpBaseUrl,
  webSocketUrl,
  type Leaderboard,
  type LeaderboardEntry,
  type ListedPlayer,
  type NewPlayer,
  type PlayersPage,
  type Region,
  type RestOptions,
  type WorldInfo,
} from './rest.js';
export { errorFromClose, errorFromCode } from './errors.js';
export type { WebSocketConstructor, WebSocketLike } from './transport.js';
// The catalogue and protocol types callers branch on, re-exported for convenience.
export { Errors, LifeError, isLifeError, PROTOCOL_VERSION, type ErrorCode, type Placed, type Rect, type ServerHello } from '@lifemmo/shared/client';
