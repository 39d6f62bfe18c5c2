/**
 * What the gateway's transports (REST routes and the WebSocket endpoint) share: the
 * configuration, the link to the sim (world state and every forwarded request), players,
 * the chunk replica and its feed, metrics and the server's own state.
 */
import type { Config } from '../config/config.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Admission } from './admission.js';
import type { ChunkReplica } from './chunk-replica.js';
import type { GatewayPlayers } from './gateway-players.js';
import type { GatewayRoster } from './gateway-roster.js';
import type { ReplicaFeed } from './replica-feed.js';
import type { SimLink } from './sim-link.js';

/** Mutable server state the routes read (the rest of the context never changes). */
export interface GatewayState {
  /** Set when close() begins: `/ready` answers 503 from then on. */
  shuttingDown: boolean;
}

/** Everything a route module or the WebSocket transport needs. */
export interface GatewayContext {
  /** This gateway's id on the bus (`gw-<hex>`), in its logs and its interest leases. */
  readonly gatewayId: string;
  readonly config: Config;
  readonly sim: SimLink;
  /** Whether placements and new connections are taken on now (overload protection). */
  readonly admission: Admission;
  readonly players: GatewayPlayers;
  readonly replica: ChunkReplica;
  readonly feed: ReplicaFeed;
  /** Every gateway of the world, for the status page. */
  readonly roster: GatewayRoster;
  readonly metrics: Metrics;
  readonly state: GatewayState;
}
