/** Cell logic implementations and the factory that picks one from configuration. */
import type { Rule } from '@lifemmo/shared';
import type { CellLogic, CellLogicOptions } from './cell-logic.js';
import { LocalCellLogic } from './local.js';
import { SimulatedCellLogic } from './simulated.js';

export * from './cell-logic.js';
export { LocalCellLogic } from './local.js';
export { SimulatedCellLogic, drawLatency, expectedOutcome } from './simulated.js';
export { ReplyWheel } from './reply-wheel.js';
export { IO_LATENCY_BOUNDS_MS, LatencyRecorder, type LatencyCounts } from './latency-counts.js';

/** The cell logic named by `options.kind`, for `rule` and `seed`. */
export function createCellLogic(options: CellLogicOptions, rule: Rule, seed: number): CellLogic {
  return options.kind === 'local' ? new LocalCellLogic(rule) : new SimulatedCellLogic(rule, seed, options);
}
