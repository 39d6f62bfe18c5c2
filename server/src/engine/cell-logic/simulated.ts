/**
 * Simulated per-cell network I/O: each candidate's next state comes back from a "remote"
 * call after a drawn latency, or fails, or times out.
 *
 * Every draw (latency, loss) is a hash of (seed, generation, x, y), so a run is the same
 * on every machine and every run. The remote's answer is the rule applied to the state
 * and neighbour count the call carried; a lost call answers with a failure after its
 * latency (like a refused connection); a call slower than the timeout answers TIMED_OUT
 * at the timeout. Either way the engine keeps the cell's current state and counts it.
 */
import { nextState, type Rule } from '@lifemmo/shared';
import { CellOutcome, type CellLogic, type CellLogicOptions } from './cell-logic.js';
import { cellHash, unitDraw } from './fault-hash.js';
import { LatencyRecorder, type LatencyCounts } from './latency-counts.js';
import { ReplyWheel } from './reply-wheel.js';

const LATENCY_STREAM = 1;
const LOSS_STREAM = 2;
/** Pareto shape of the long-tail model: heavy tail, finite mean. */
const PARETO_ALPHA = 1.5;

/** Latency in ms of one call, drawn from `u` in [0, 1) under the configured model. */
export function drawLatency(options: CellLogicOptions, u: number): number {
  switch (options.latencyModel) {
    case 'fixed':
      return options.latencyMs;
    case 'uniform':
      return options.latencyMs + u * options.jitterMs;
    case 'longtail':
      // Pareto(1.5) minus 1: median ~0.59, p99 ~20.5, in units of jitterMs.
      return options.latencyMs + options.jitterMs * (Math.pow(1 - u, -1 / PARETO_ALPHA) - 1);
  }
}

/** The remote's answer to one call whose draws hash to `hash` and whose latency is `latency`. */
function answerOf(
  rule: Rule,
  options: CellLogicOptions,
  hash: number,
  latency: number,
  alive: boolean,
  neighbours: number,
): CellOutcome {
  if (latency > options.timeoutMs) return CellOutcome.TIMED_OUT;
  if (options.loss > 0 && unitDraw(hash, LOSS_STREAM) < options.loss) return CellOutcome.FAILED;
  return nextState(rule, alive, neighbours) ? CellOutcome.ALIVE : CellOutcome.DEAD;
}

/** Per-cell simulated network I/O; see the module comment. */
export class SimulatedCellLogic implements CellLogic {
  readonly name = 'simulated';
  readonly bulk = false;
  private readonly wheel = new ReplyWheel<CellOutcome>();
  private readonly latencies = new LatencyRecorder();

  constructor(
    private readonly rule: Rule,
    private readonly seed: number,
    private readonly options: CellLogicOptions,
  ) {}

  decide(x: number, y: number, alive: boolean, neighbours: number, generation: number): Promise<CellOutcome> {
    const options = this.options;
    const hash = cellHash(this.seed, generation, x, y);
    const latency = drawLatency(options, unitDraw(hash, LATENCY_STREAM));
    const outcome = answerOf(this.rule, options, hash, latency, alive, neighbours);
    const waited = Math.min(latency, options.timeoutMs);
    this.latencies.record(waited);
    return this.wheel.deliver(waited, outcome);
  }

  takeLatencies(): LatencyCounts {
    return this.latencies.take();
  }

  decideNow(x: number, y: number, alive: boolean, neighbours: number, generation: number): CellOutcome {
    return expectedOutcome(this.rule, this.seed, this.options, x, y, alive, neighbours, generation);
  }
}

/**
 * What the simulated logic answers for one call, without waiting: lets tests check the
 * engine's counters against the draws.
 */
export function expectedOutcome(
  rule: Rule,
  seed: number,
  options: CellLogicOptions,
  x: number,
  y: number,
  alive: boolean,
  neighbours: number,
  generation: number,
): CellOutcome {
  const hash = cellHash(seed, generation, x, y);
  return answerOf(rule, options, hash, drawLatency(options, unitDraw(hash, LATENCY_STREAM)), alive, neighbours);
}
