/** Regions: one world split across several engines that exchange halos (docs/regions.md). */
export * from './layout.js';
export * from './halo-ring.js';
export * from './halo.js';
export * from './halo-inbox.js';
export * from './region-engine.js';
export { HALO_FORMAT, decodeHalo, encodeHalo, peekHalo } from '../wire/halo-message.js';
export * from './bus-halo-link.js';
export * from './command-point.js';
export * from './placement-across.js';
export * from './durable-region.js';
export * from './bus-placement.js';
export * from './prepared-parts.js';
export * from './placement-coordinator.js';
export * from './region-placements.js';
