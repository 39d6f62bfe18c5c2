/** @lifemmo/shared: what server and clients agree on. */
export * from './errors.js';
export * from './rules.js';
export * from './geometry.js';
export * from './rle.js';
export * from './protocol.js';
export * from './codec.js';
export * from './random.js';
export type * from './rest-replies.js';
