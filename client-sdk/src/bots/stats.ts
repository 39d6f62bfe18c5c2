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
  /** Attempts to join: player creations and first connects, retries included. */
  joinAttempts: number;
  /** Join attempts that failed and were tried again after a backoff. */
  joinRetries: number;
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
  /** Join attempts refused by a rate limit (429). */
  rateLimited: number;
  /** Failures: failed join attempts, unexpected disconnects, client errors, placements lost (timeout, disconnect). */
  errors: number;
}

/** Why a join attempt failed. */
export const JOIN_CAUSES = ['rate limited', 'refused', 'timeout', 'unreachable', 'run ended'] as const;
/** One of JOIN_CAUSES. */
export type JoinCause = (typeof JOIN_CAUSES)[number];

/** The code a bot that had not joined when the run ended is counted under. */
export const NOT_JOINED = 'not joined when the run ended';

/** The cause of a join failure with catalogue code `code` (or NOT_JOINED, or a short word). */
export function joinCause(code: string): JoinCause {
  if (code === 'LIFE_ERR_RATE_LIMITED' || code === 'LIFE_ERR_PLAYER_CREATE_RATE_LIMITED') return 'rate limited';
  if (code === 'LIFE_ERR_TIMEOUT' || code === 'timeout') return 'timeout';
  if (code === 'LIFE_ERR_CONNECT_FAILED' || code === 'LIFE_ERR_DISCONNECTED' || code === 'connect') return 'unreachable';
  if (code === NOT_JOINED) return 'run ended';
  return 'refused';
}

/** Counts by code or cause, kept per worker and merged like the counters. */
const CODE_MAPS = ['refusedByCode', 'errorsByCode', 'joinFailuresByCode', 'notJoinedByCode'] as const;
type CodeMapName = (typeof CODE_MAPS)[number];

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
    joinAttempts: 0,
    joinRetries: 0,
    rateLimited: 0,
    errors: 0,
  };
}

/** A delta shipped from a worker: counters since the last one, histograms encoded. */
export interface StatsDelta {
  readonly counters: Counters;
  readonly histograms: Record<HistogramName, string>;
  readonly codes: Record<CodeMapName, Record<string, number>>;
}

/**
 * A histogram's counts by range of milliseconds: bucket i holds the values from
 * `edgesMs[i]` (inclusive) to `edgesMs[i + 1]` (exclusive), so there is one more edge than
 * counts; both are empty when nothing was recorded.
 */
export interface Buckets {
  readonly edgesMs: readonly number[];
  readonly counts: readonly number[];
}

/**
 * Bucket edges are these times a power of ten (ms): about six a decade, so a few
 * milliseconds and a few seconds both get a readable shape, and every edge is a round number.
 */
const EDGE_STEPS = [1, 1.5, 2, 3, 5, 7] as const;
/** The smallest edge, ms (1 µs: the histograms' resolution). */
const MIN_EDGE_MS = 0.001;

/** The edge at `index` of the endless sequence 0.001, 0.0015, 0.002, ... ms. */
function edgeAt(index: number): number {
  const decade = Math.floor(index / EDGE_STEPS.length);
  const step = EDGE_STEPS[index - decade * EDGE_STEPS.length]!;
  // toPrecision drops float noise (1.5 * 10 ** -3 is 0.0015000000000000002).
  return Number((step * MIN_EDGE_MS * 10 ** decade).toPrecision(3));
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

function byCause(byCode: Record<string, number>): Record<JoinCause, number> {
  const out = Object.fromEntries(JOIN_CAUSES.map((c) => [c, 0])) as Record<JoinCause, number>;
  for (const [code, n] of Object.entries(byCode)) out[joinCause(code)] += n;
  return out;
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
  /** Placement refusals by code. */
  refusedByCode: Record<string, number> = {};
  /** Errors by code. */
  errorsByCode: Record<string, number> = {};
  /** Failed join attempts by code (each is also an error). */
  joinFailuresByCode: Record<string, number> = {};
  /** Bots that never joined, by the code of their last failure. */
  notJoinedByCode: Record<string, number> = {};
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

  /** Count a failed join attempt (an error too); `retried` when the bot tries again. */
  joinFailure(code: string, retried: boolean): void {
    this.error(code);
    addCount(this.joinFailuresByCode, code);
    if (joinCause(code) === 'rate limited') this.counters.rateLimited++;
    if (retried) this.counters.joinRetries++;
  }

  /** Count a bot that gave up joining, with the code of its last failure. */
  notJoined(code: string): void {
    this.counters.joinFailed++;
    addCount(this.notJoinedByCode, code);
  }

  /** Failed join attempts by cause. */
  joinFailuresByCause(): Record<JoinCause, number> {
    return byCause(this.joinFailuresByCode);
  }

  /** Bots that never joined, by cause. */
  notJoinedByCause(): Record<JoinCause, number> {
    return byCause(this.notJoinedByCode);
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
      codes: this.#codes(),
    };
    this.reset();
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
    this.#addCodes(delta.codes);
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
    this.#addCodes(other.#codes());
    for (const name of HISTOGRAMS) this.histograms[name].add(other.histograms[name]);
  }

  #codes(): Record<CodeMapName, Record<string, number>> {
    return {
      refusedByCode: this.refusedByCode,
      errorsByCode: this.errorsByCode,
      joinFailuresByCode: this.joinFailuresByCode,
      notJoinedByCode: this.notJoinedByCode,
    };
  }

  #addCodes(codes: Record<CodeMapName, Record<string, number>>): void {
    for (const name of CODE_MAPS) for (const [code, n] of Object.entries(codes[name])) addCount(this[name], code, n);
  }

  /** Empty every counter (but the gauge) and histogram. */
  reset(): void {
    const connected = this.counters.connected;
    this.counters = { ...zeroCounters(), connected };
    this.refusedByCode = {};
    this.errorsByCode = {};
    this.joinFailuresByCode = {};
    this.notJoinedByCode = {};
    for (const name of HISTOGRAMS) this.histograms[name].reset();
  }

  /**
   * Histogram `name` as counts by range (Buckets), from the edge at or below its smallest
   * value to the edge above its largest; values under 1 µs count in the first bucket. To
   * the histograms' precision: a value within 0.1% under an edge may count above it.
   */
  buckets(name: HistogramName): Buckets {
    const h = this.histograms[name];
    // Built with useWebAssembly false (newHistogram), so always a JsHistogram: the
    // Histogram interface has no way to walk the recorded values.
    if (!(h instanceof hdr.JsHistogram) || h.totalCount === 0) return { edgesMs: [], counts: [] };
    const recorded: Array<[ms: number, count: number]> = [];
    const it = h.recordedValuesIterator;
    it.reset();
    while (it.hasNext()) {
      const v = it.next();
      // valueIteratedTo is the highest value of the histogram's range (0.1% wide) the values
      // fell in: a value on an edge counts above it, like one a hair over it.
      recorded.push([v.valueIteratedTo / 1000, v.countAtValueIteratedTo]);
    }
    const maxMs = recorded.at(-1)![0];
    let first = 0;
    while (edgeAt(first + 1) <= recorded[0]![0]) first++;
    const edgesMs = [edgeAt(first)];
    while (edgesMs.at(-1)! <= maxMs) edgesMs.push(edgeAt(first + edgesMs.length));
    const counts: number[] = new Array(edgesMs.length - 1).fill(0);
    let bucket = 0;
    // Recorded values come in ascending order: one pass.
    for (const [ms, count] of recorded) {
      while (ms >= edgesMs[bucket + 1]!) bucket++;
      counts[bucket] += count;
    }
    return { edgesMs, counts };
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
