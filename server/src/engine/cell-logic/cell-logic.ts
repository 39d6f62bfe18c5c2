/**
 * The cell logic seam: how one candidate cell learns its next state. In the book's design
 * (Effective Python, items 56-60) every cell's step needs some network I/O; here that is
 * an async call per candidate that the shard awaits with Promise.all.
 *
 * Implementations: `simulated` (per-cell simulated network I/O with latency, loss and
 * timeouts; the server's default) and `local` (the rule itself, computed in bulk over the
 * bit planes with no promise per cell: the compute baseline).
 */
import type { Rule } from '@lifemmo/shared';
import type { LatencyCounts } from './latency-counts.js';

/** What a cell call resolves to. A call never rejects: failures are outcomes. */
export const CellOutcome = {
  /** The cell is dead in the next generation. */
  DEAD: 0,
  /** The cell is live in the next generation. */
  ALIVE: 1,
  /** The call failed (lost or refused): the cell keeps its state, counted as a failure. */
  FAILED: 2,
  /** No answer within the per-call timeout: the cell keeps its state, counted as a timeout. */
  TIMED_OUT: 3,
} as const;
export type CellOutcome = (typeof CellOutcome)[keyof typeof CellOutcome];

/** How one generation's candidates are decided. */
export interface CellLogic {
  /** Name shown in stats and logs. */
  readonly name: string;
  /**
   * True for logic that is the bare rule: the engine then computes it in bulk over bit
   * planes and never calls `decide`.
   */
  readonly bulk: boolean;
  /**
   * Decide the next state of the candidate at (x, y), live or not, with `neighbours` live
   * neighbours, stepping from `generation`. One call per candidate, each its own promise.
   */
  decide(x: number, y: number, alive: boolean, neighbours: number, generation: number): Promise<CellOutcome>;
  /**
   * The outcome `decide` would resolve to, without waiting: lets recovery replay logged
   * generations at full speed with the same history. Logic whose outcomes cannot be known
   * in advance leaves it out, and recovery then waits for real calls.
   */
  decideNow?(x: number, y: number, alive: boolean, neighbours: number, generation: number): CellOutcome;
  /**
   * Latencies of the `decide` calls made since the last take (what each call waited,
   * timeouts at the timeout). Logic that makes no calls, or cannot time them, leaves it out.
   */
  takeLatencies?(): LatencyCounts;
}

/** Builds the cell logic for a rule and a seed (again after every reset). */
export type CellLogicFactory = (rule: Rule, seed: number) => CellLogic;

/** Settings of the cell logic, from configuration. */
export interface CellLogicOptions {
  readonly kind: 'simulated' | 'local';
  /** fixed: always latencyMs; uniform: latencyMs + U[0, jitterMs); longtail: latencyMs + Pareto(1.5) scaled by jitterMs. */
  readonly latencyModel: 'fixed' | 'uniform' | 'longtail';
  /** Base one-way latency of a simulated call, ms (>= 0). */
  readonly latencyMs: number;
  /** Spread of the latency, ms (>= 0). */
  readonly jitterMs: number;
  /** Probability (0..1) that a call fails. */
  readonly loss: number;
  /** A call whose latency exceeds this (ms) times out at this time. */
  readonly timeoutMs: number;
}

/** Defaults: ~1-2 ms per call, no loss, 50 ms timeout. */
export const DEFAULT_CELL_LOGIC: CellLogicOptions = Object.freeze({
  kind: 'simulated',
  latencyModel: 'uniform',
  latencyMs: 1,
  jitterMs: 1,
  loss: 0,
  timeoutMs: 50,
});
