/** @lifemmo/server: the lifemmo server's roles, configuration and parts, for tests and embedding. */
export { buildServer, type ServerDeps } from './roles/standalone.js';
export { buildGateway, type GatewayDeps, type GatewayStart } from './roles/gateway.js';
export { Sim, createEngine, createStore, type SimParts } from './sim/sim.js';
export { API_VERSION } from './http/http-app.js';
export type { ZodApp, ServerContext } from './http/server-context.js';
export { loadConfig, CONFIG_VARIABLES, type Config } from './config/config.js';
export { createMetrics, type Metrics } from './metrics/metrics.js';
export { MemoryPlayerRegistry, type Player, type PlayerRegistry } from './players/player-registry.js';
export { PlacementService, type PlacementResult } from './placement/placement-service.js';
export { BusRequestError, LocalBus, LocalBusMesh, NatsBus, connectNatsBus, type Bus } from './bus/index.js';
export { subjectsFor, type Subjects } from './wire/subjects.js';
