/** The world engine: world, chunks, shards, the tick loop and the cell logic. No HTTP here. */
export { Engine, MAX_OWNER, type EngineOptions, type SavedWorld } from './engine.js';
export type { EngineArea } from './area.js';
export { DEFAULT_RESERVATION_TTL_MS, type Reservation, type ReserveOptions } from './reservations.js';
export { World, type LiveCell, type SavedChunk, type WorldOptions } from './world.js';
export { NEUTRAL } from './owners.js';
export type { ChunkDiff, TickResult, TickStats } from './types.js';
export type { TickListener, PersistHook, ResetListener, LoopCommand, WorldPoint, HeldPoint } from './tick-loop.js';
export { MAX_SEEDED_CELLS, forEachSeededCell, seededCellsBound, type SeedPattern, type Seeding } from './seeding.js';
export * from './cell-logic/index.js';
