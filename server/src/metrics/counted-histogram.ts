/**
 * A Prometheus histogram fed with bucket counts rather than one observation at a time.
 *
 * Why: the engine counts a tick's I/O latencies into buckets as the calls are made (a
 * tick can make a million calls); prom-client's Histogram takes one `observe()` per value,
 * which would cost more than the calls themselves. This metric adds a whole tick's counts
 * at once and renders exactly what a prom-client Histogram renders (`_bucket{le}`
 * cumulative, `_sum`, `_count`).
 */
import type { Histogram, Registry } from 'prom-client';

/** Bucket counts to add: `counts[i]` values fell at most at `bounds[i]`, the last entry above every bound. */
export interface BucketCounts {
  readonly counts: readonly number[];
  readonly sum: number;
}

interface RenderedValue {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName: string;
}

/** A label-less histogram whose buckets are added in bulk; see the module comment. */
export class CountedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private counts: number[];
  private sum = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds of the buckets, in the metric's unit, increasing. */
    readonly bounds: readonly number[],
    registry: Registry,
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
    // prom-client's typings list only its own four metric classes; its registry needs no
    // more than name, get() and reset() (lib/registry.js), which this class has.
    registry.registerMetric(this as unknown as Histogram);
  }

  /** Add counts bucket by bucket; `sum` is the sum of the values counted. */
  add({ counts, sum }: BucketCounts): void {
    if (counts.length !== this.counts.length) {
      throw new Error(`${this.name}: expected ${this.counts.length} bucket counts, got ${counts.length}`);
    }
    for (let i = 0; i < counts.length; i++) this.counts[i]! += counts[i]!;
    this.sum += sum;
  }

  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: RenderedValue[] }> {
    const values: RenderedValue[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.counts.length; i++) {
      cumulative += this.counts[i]!;
      const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
      values.push({ value: cumulative, labels: { le }, metricName: `${this.name}_bucket` });
    }
    values.push({ value: this.sum, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: cumulative, labels: {}, metricName: `${this.name}_count` });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
  }
}
