/**
 * What route modules share: the configuration, the engine, the player registry, the
 * placement service and the metrics, plus the typed Fastify instance they register on.
 */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config/config.js';
import type { Engine } from '../engine/index.js';
import type { Metrics } from '../metrics/metrics.js';
import type { PlacementService } from '../placement/placement-service.js';
import type { PlayerRegistry } from '../players/player-registry.js';
import type { Persistence } from '../store/persistence.js';

/** The Fastify instance with zod schemas as its type provider. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** Mutable server state the routes read (the rest of the context never changes). */
export interface ServerState {
  /** Set when close() begins: `/ready` answers 503 from then on. */
  shuttingDown: boolean;
}

/** Everything a route module needs. */
export interface ServerContext {
  readonly config: Config;
  readonly engine: Engine;
  readonly players: PlayerRegistry;
  readonly placement: PlacementService;
  /** Makes acknowledged facts durable (players, placements, resets). */
  readonly persistence: Persistence;
  readonly metrics: Metrics;
  readonly state: ServerState;
}
