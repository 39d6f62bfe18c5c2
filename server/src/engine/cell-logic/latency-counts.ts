/**
 * I/O latency of cell calls, counted into fixed buckets as the calls are made, so a tick
 * with a million calls reports its latency distribution for the price of a comparison or
 * two per call (a histogram observation per call would cost more than the call).
 */

/** Upper bounds of the latency buckets, ms; a last, open bucket takes the rest. */
export const IO_LATENCY_BOUNDS_MS: readonly number[] = Object.freeze([0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000]);

/** Latencies of some calls: `counts[i]` calls took at most `boundsMs[i]` ms and more than the bound before it. */
export interface LatencyCounts {
  readonly boundsMs: readonly number[];
  /** One count per bound, plus the open bucket last (not cumulative). */
  readonly counts: readonly number[];
  /** Sum of all latencies, ms. */
  readonly sumMs: number;
  /** Calls counted. */
  readonly total: number;
}

/** Counts latencies into IO_LATENCY_BOUNDS_MS buckets until taken. */
export class LatencyRecorder {
  private counts = new Float64Array(IO_LATENCY_BOUNDS_MS.length + 1);
  private sumMs = 0;
  private total = 0;

  record(latencyMs: number): void {
    const bounds = IO_LATENCY_BOUNDS_MS;
    let i = 0;
    while (i < bounds.length && latencyMs > bounds[i]!) i++;
    this.counts[i]!++;
    this.sumMs += latencyMs;
    this.total++;
  }

  /** What was recorded since the last take, and start again. */
  take(): LatencyCounts {
    const taken: LatencyCounts = { boundsMs: IO_LATENCY_BOUNDS_MS, counts: [...this.counts], sumMs: this.sumMs, total: this.total };
    this.counts.fill(0);
    this.sumMs = 0;
    this.total = 0;
    return taken;
  }
}
