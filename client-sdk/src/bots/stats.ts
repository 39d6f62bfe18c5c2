/**
 * What the bots measure: counters and HDR histograms (hdr-histogram-js), never a log line
 * per message. Each worker thread keeps one BotStats, ships a delta to the main thread
 * every second (`takeDelta`, histograms as compressed base64) and the main thread merges.
 * Latencies are recorded in microseconds, reported in milliseconds.
 */
import * as hdr from 'hdr-histogram-js';

/** Largest latency tracked, µs (1 hour); larger values are clamped. */
const MAX_MICROS = 3_600_000_000;

/** The histograms of a run. */
export const HISTOGRAMS = ['tickLatency', 'placeLatency', 'connectTime'] as const;
/** One of the histograms: tick-to-client latency of diffs, placement round trip, connect to first snapshot. */
export type HistogramName = (typeof HISTOGRAMS)[number];

/** Plain counters (all monotonic except `connected`, a gauge). */
export interface Counters {
  /** Bots that began joining. */
  started: number;
  /** Bots whose first connect and subscribe succeeded. */
  joined: number;
  /** Bots that never got connected (player creation or connect failed). */
  joinFailed: number;
  /** Bots connected now (gauge). */
  connected: number;
  disconnects: number;
  reconnects: number;
  diffs: number;
  snapshots: number;
  /** Bytes of binary frames received. */
  bytes: number;
  /** Resyncs the clients asked for (gaps, inconsistent diffs). */
  resyncs: number;
  placementsSent: number;
  placementsOk: number;
  /** Refused by the server with a game reason (budget, occupied cell): not errors. */
  placementsRefused: number;
  /** Player creations that were rate limited and retried. */
  rateLimited: number;
  /** Failures: join failures, unexpected disconnects, client errors, placements lost (timeout, disconnect). */
  errors: number;
}

/** A fresh set of zeroed counters. */
export function zeroCounters(): Counters {
  return {
    started: 0,
    joined: 0,
    joinFailed: 0,
    connected: 0,
    disconnects: 0,
    reconnects: 0,
    diffs: 0,
    snapshots: 0,
    bytes: 0,
    resyncs: 0,
    placementsSent: 0,
    placementsOk: 0,
    placementsRefused: 0,
    rateLimited: 0,
    errors: 0,
  };
}

/** A delta shipped from a worker: counters since the last one, histograms encoded. */
export interface StatsDelta {
  readonly counters: Counters;
  readonly histograms: Record<HistogramName, string>;
  readonly refusedByCode: Record<string, number>;
  readonly errorsByCode: Record<string, number>;
}

/** Percentiles of one histogram, ms. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

function newHistogram(): hdr.Histogram {
  return hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

function addCount(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

/** Counters and histograms of some bots (one worker) or of the whole run (merged). */
export class BotStats {
  counters: Counters = zeroCounters();
  refusedByCode: Record<string, number> = {};
  errorsByCode: Record<string, number> = {};
  readonly histograms: Record<HistogramName, hdr.Histogram> = {
    tickLatency: newHistogram(),
    placeLatency: newHistogram(),
    connectTime: newHistogram(),
  };

  /** Record a latency of `ms` milliseconds. */
  record(name: HistogramName, ms: number): void {
    this.histograms[name].recordValue(Math.min(MAX_MICROS, Math.max(0, Math.round(ms * 1000))));
  }

  /** Count a placement refusal with its catalogue code. */
  refused(code: string): void {
    this.counters.placementsRefused++;
    addCount(this.refusedByCode, code);
  }

  /** Count an error with its catalogue code (or a short word). */
  error(code: string): void {
    this.counters.errors++;
    addCount(this.errorsByCode, code);
  }

  /**
   * Everything since the last call, and reset (the `connected` gauge is sent as is and
   * kept). Workers call this once a second.
   */
  takeDelta(): StatsDelta {
    const delta: StatsDelta = {
      counters: { ...this.counters },
      histograms: {
        tickLatency: hdr.encodeIntoCompressedBase64(this.histograms.tickLatency),
        placeLatency: hdr.encodeIntoCompressedBase64(this.histograms.placeLatency),
        connectTime: hdr.encodeIntoCompressedBase64(this.histograms.connectTime),
      },
      refusedByCode: this.refusedByCode,
      errorsByCode: this.errorsByCode,
    };
    const connected = this.counters.connected;
    this.counters = { ...zeroCounters(), connected };
    this.refusedByCode = {};
    this.errorsByCode = {};
    for (const name of HISTOGRAMS) this.histograms[name].reset();
    return delta;
  }

  /**
   * Add a worker's delta. `connected` is a gauge: the caller tracks it per worker, so
   * here it is overwritten, not added.
   */
  addDelta(delta: StatsDelta): void {
    for (const key of Object.keys(delta.counters) as Array<keyof Counters>) {
      if (key !== 'connected') this.counters[key] += delta.counters[key];
    }
    for (const [code, n] of Object.entries(delta.refusedByCode)) addCount(this.refusedByCode, code, n);
    for (const [code, n] of Object.entries(delta.errorsByCode)) addCount(this.errorsByCode, code, n);
    for (const name of HISTOGRAMS) {
      const decoded = hdr.decodeFromCompressedBase64(delta.histograms[name], 32, false);
      this.histograms[name].add(decoded);
      decoded.destroy();
    }
  }

  /** Add everything of another BotStats (the per-second window into the run's totals). */
  addStats(other: BotStats): void {
    for (const key of Object.keys(other.counters) as Array<keyof Counters>) {
      if (key !== 'connected') this.counters[key] += other.counters[key];
    }
    for (const [code, n] of Object.entries(other.refusedByCode)) addCount(this.refusedByCode, code, n);
    for (const [code, n] of Object.entries(other.errorsByCode)) addCount(this.errorsByCode, code, n);
    for (const name of HISTOGRAMS) this.histograms[name].add(other.histograms[name]);
  }

  /** Empty every counter (but the gauge) and histogram. */
  reset(): void {
    const connected = this.counters.connected;
    this.counters = { ...zeroCounters(), connected };
    this.refusedByCode = {};
    this.errorsByCode = {};
    for (const name of HISTOGRAMS) this.histograms[name].reset();
  }

  /** Percentiles of histogram `name`, in ms (zeros when empty). */
  summary(name: HistogramName): LatencySummary {
    const h = this.histograms[name];
    const ms = (us: number) => Math.round(us) / 1000;
    if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
    return {
      count: h.totalCount,
      p50: ms(h.getValueAtPercentile(50)),
      p90: ms(h.getValueAtPercentile(90)),
      p99: ms(h.getValueAtPercentile(99)),
      max: ms(h.maxValue),
      mean: ms(h.mean),
    };
  }
}
