/** @lifemmo/server: build the lifemmo HTTP server from a configuration. */
export { buildServer, createEngine, API_VERSION, type ServerDeps } from './http/build-server.js';
export type { ZodApp, ServerContext } from './http/server-context.js';
export { loadConfig, CONFIG_VARIABLES, type Config } from './config/config.js';
export { createMetrics, type Metrics } from './metrics/metrics.js';
export { MemoryPlayerRegistry, type Player, type PlayerRegistry } from './players/player-registry.js';
export { PlacementService, type PlacementResult } from './placement/placement-service.js';
