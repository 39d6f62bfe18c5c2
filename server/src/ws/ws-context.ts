/**
 * What the modules of the WebSocket transport share: the gateway's view of the sim, its
 * players and chunk replica, the connection set, the subscription groups, the snapshot
 * encoder and the counters.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config.js';
import type { Admission } from '../gateway/admission.js';
import type { ChunkReplica } from '../gateway/chunk-replica.js';
import type { GatewayPlayers } from '../gateway/gateway-players.js';
import type { SimLink } from '../gateway/sim-link.js';
import type { Metrics } from '../metrics/metrics.js';
import type { WsConnection } from './connection.js';
import type { SnapshotEncoder } from './snapshots.js';
import type { Group, SubscriptionGroups } from './subscriptions.js';
import type { WsMetrics } from './ws-metrics.js';
import type { WsStats } from './ws-stats.js';

/** Everything a connection, the broadcaster and the heartbeat need. */
export interface WsContext {
  readonly options: Config['ws'];
  /** Most cells in one place / placePattern message (MAX_CELLS_PER_REQUEST). */
  readonly maxCellsPerMessage: number;
  /** The world as the gateway sees it, and where placements go. */
  readonly sim: SimLink;
  /** Whether placements are taken on now (overload protection). */
  readonly admission: Admission;
  readonly players: GatewayPlayers;
  readonly replica: ChunkReplica;
  readonly metrics: Metrics;
  readonly wsMetrics: WsMetrics;
  readonly log: FastifyBaseLogger;
  readonly connections: Set<WsConnection>;
  readonly groups: SubscriptionGroups<WsConnection>;
  readonly snapshots: SnapshotEncoder;
  readonly stats: WsStats;
}

/** The clients watching one chunk set. */
export type ClientGroup = Group<WsConnection>;
