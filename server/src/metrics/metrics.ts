/**
 * Prometheus metrics (prom-client) named after DESIGN.md. Each server gets its own
 * Registry, not prom-client's global one, so several servers in one test process do not
 * collide. Times are in seconds, as Prometheus expects.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { IO_LATENCY_BOUNDS_MS, type TickStats } from '../engine/index.js';
import { CountedHistogram } from './counted-histogram.js';
import type { HaloCounts } from '../region/region-engine.js';

/** Buckets for per-tick durations and lag, in seconds (1 ms .. 10 s). */
const TICK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/**
 * Buckets for a region's wait for its neighbours' halos, in seconds (0.1 ms .. 10 s): over
 * threads a halo arrives in well under a millisecond, a slow neighbour costs ticks.
 */
const HALO_WAIT_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets for per-tick counts (candidates, I/O calls). */
const COUNT_BUCKETS = [0, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];
/** Buckets for HTTP request durations, in seconds (0.1 ms .. 5 s). */
const HTTP_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

/**
 * The world's figures per tick: what a sim process exports, and what a gateway exports too
 * from the sim's summaries (so a standalone server's /metrics has them). In a cluster, read
 * them from the sims (docs/operations.md).
 */
export interface TickMetrics {
  readonly registry: Registry;
  readonly tickDuration: Histogram;
  readonly tickLag: Histogram;
  /** How long a region's tick waited for its neighbours' halos (0 for a whole world). */
  readonly haloWait: Histogram;
  readonly tickCandidates: Histogram;
  readonly tickIoCalls: Histogram;
  readonly ioFailures: Counter;
  readonly ioTimeouts: Counter;
  /** How long cell I/O calls waited (fed per tick, in bulk). */
  readonly ioLatency: CountedHistogram;
  readonly generation: Gauge;
  readonly population: Gauge;
  readonly activeChunks: Gauge;
  readonly activeShards: Gauge;
  /** A region's halos, sent and taken (`observeHalos`; none for a whole world). */
  readonly haloMessages: Counter<'direction'>;
  readonly haloBytes: Counter<'direction'>;
}

/** Every metric of one gateway (or standalone server), plus the registry `GET /metrics` renders. */
export interface Metrics extends TickMetrics {
  /** Placement requests by result (`accepted`, `refused`) and error code (`none` when accepted). */
  readonly placements: Counter<'transport' | 'result' | 'code'>;
  /** Cells of accepted placements. */
  readonly placedCells: Counter<'transport'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  /**
   * From the sim's commit of a generation to its summary reaching this gateway, in two
   * stages: `sim` (commit to sending: listing and encoding the records) and `bus` (sending
   * to arrival: the bus and this gateway's event loop).
   */
  readonly busTickDelay: Histogram<'stage'>;
  /** Bus messages and bytes this gateway received from its sim, by subject kind. */
  readonly busMessages: Counter<'kind'>;
  readonly busBytes: Counter<'kind'>;
  /** Whether the sim is heard from (1) or not (0). */
  readonly simUp: Gauge;
  /** How far the sim's tick runs behind its schedule now, as this gateway sees it (`GET /world` lagMs). */
  readonly tickBehind: Gauge;
  /** Ticks per second the sim managed lately, as this gateway counts its summaries. */
  readonly ticksPerSecond: Gauge;
  /** The sim thread's V8 heap in use, from its latest summary (a worker's heap is not in `nodejs_heap_*`). */
  readonly simHeapUsed: Gauge;
  /** The sim thread's V8 heap reserved (in use and free), from its latest summary. */
  readonly simHeapTotal: Gauge;
  /** A world split into regions: how many generations each region is behind the one furthest ahead. */
  readonly regionBehind: Gauge<'region'>;
  /**
   * Work refused because the server is overloaded, by surface (`http`: any shed request,
   * `placement`: REST or WebSocket placements, `ws_connect`: new WebSocket connections) and
   * reason (`event_loop_delay`, `heap`, `tick_lag`).
   */
  readonly shed: Counter<'surface' | 'reason'>;
  /** For the WebSocket transport. */
  readonly wsClients: Gauge;
  readonly wsFramesSent: Counter;
  readonly wsBytesSent: Counter;
  readonly wsResyncs: Counter;
  readonly wsDrops: Counter;
}

/** Options of createMetrics. */
export interface MetricsOptions {
  /** Also collect Node's standard process metrics (`process_*`, `nodejs_*`: CPU, heap, event loop lag, GC). Default true. */
  readonly processMetrics?: boolean;
}

/** Makers of metrics on one registry. */
function makers(registry: Registry) {
  const registers = [registry];
  return {
    histogram: <L extends string = string>(name: string, help: string, buckets: number[], labelNames: L[] = []) =>
      new Histogram<L>({ name, help, buckets, labelNames, registers }),
    counter: <L extends string = string>(name: string, help: string, labelNames: L[] = []) => new Counter<L>({ name, help, labelNames, registers }),
    gauge: <L extends string = string>(name: string, help: string, labelNames: L[] = []) => new Gauge<L>({ name, help, labelNames, registers }),
  };
}

/** A fresh registry with Node's standard metrics (unless turned off). */
function newRegistry(options: MetricsOptions): Registry {
  const registry = new Registry();
  // Node's standard names, unprefixed (process_cpu_user_seconds_total, nodejs_eventloop_lag_seconds,
  // ...): what Node dashboards and alerts query. The `job`/`instance` labels Prometheus adds
  // tell lifemmo's apart; lifemmo's own metrics carry the lifemmo_ prefix.
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    registerEventLoopBusy(registry);
  }
  return registry;
}

/**
 * `lifemmo_event_loop_busy_seconds_total`: time this thread's event loop spent running
 * code rather than waiting for I/O (Node's event loop utilization), so that its rate is the
 * share of the loop in use. Why beside Node's event loop delay: a gateway handing out
 * frames in slices keeps its delay low while it is nearly full, and its clients' latency
 * grows well before the delay does (docs/benchmarks.md, WebSocket broadcast: at 80 to 90%
 * busy, p99 110 to 180 ms). Counted from this call on.
 */
function registerEventLoopBusy(registry: Registry): void {
  let counted = performance.eventLoopUtilization().active;
  new Counter({
    name: 'lifemmo_event_loop_busy_seconds_total',
    help: "Time this process's event loop spent running code rather than waiting (its rate: the share of the loop in use)",
    registers: [registry],
    collect() {
      const active = performance.eventLoopUtilization().active;
      this.inc((active - counted) / 1000);
      counted = active;
    },
  });
}

/** The metrics of a sim process: its ticks and Node's own. */
export function createTickMetrics(options: MetricsOptions = {}, registry = newRegistry(options)): TickMetrics {
  const { histogram, counter, gauge } = makers(registry);
  return {
    registry,
    tickDuration: histogram('lifemmo_tick_duration_seconds', 'Time to compute and commit one generation', TICK_BUCKETS),
    tickLag: histogram('lifemmo_tick_lag_seconds', 'How late a tick started against the fixed tick rate', TICK_BUCKETS),
    haloWait: histogram(
      'lifemmo_halo_wait_seconds',
      "How long a region's tick waited for its neighbouring regions' halos (part of the tick's duration; 0 for a whole world)",
      HALO_WAIT_BUCKETS,
    ),
    tickCandidates: histogram('lifemmo_tick_candidates', 'Cells whose next state was decided, per tick', COUNT_BUCKETS),
    tickIoCalls: histogram('lifemmo_tick_io_calls', 'Cell logic I/O calls, per tick', COUNT_BUCKETS),
    ioFailures: counter('lifemmo_io_failures_total', 'Cell I/O calls that failed (the cell kept its state)'),
    ioTimeouts: counter('lifemmo_io_timeouts_total', 'Cell I/O calls that timed out (the cell kept its state)'),
    ioLatency: new CountedHistogram(
      'lifemmo_io_latency_seconds',
      'How long each cell I/O call waited for its answer (a timed-out call: the timeout)',
      IO_LATENCY_BOUNDS_MS.map((ms) => ms / 1000),
      registry,
    ),
    generation: gauge('lifemmo_generation', 'Current generation'),
    population: gauge('lifemmo_population', 'Live cells'),
    activeChunks: gauge('lifemmo_active_chunks', 'Chunks visited in the last tick'),
    activeShards: gauge('lifemmo_active_shards', 'Shards stepped in the last tick'),
    haloMessages: counter(
      'lifemmo_halo_messages_total',
      'A region: halos sent (one per generation to its neighbours, plus asks for a late halo and answers) and received (one per neighbour and generation its ticks took)',
      ['direction'],
    ),
    haloBytes: counter('lifemmo_halo_bytes_total', 'A region: bytes of the halos sent and received (as lifemmo_halo_messages_total counts them)', ['direction']),
  };
}

const NO_HALOS: HaloCounts = { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0 };

/**
 * One region's halo totals (RegionEngine.haloCounts, running since its sim started) into
 * the counters: each call adds what they grew by since the last, from zero again when
 * `instance` changes (its sim restarted and counts afresh).
 */
export function haloObserver(metrics: TickMetrics): (totals: HaloCounts, instance?: number) => void {
  let last: { instance: number | undefined; totals: HaloCounts } | null = null;
  return (totals, instance) => {
    const before = last === null || last.instance !== instance ? NO_HALOS : last.totals;
    metrics.haloMessages.inc({ direction: 'sent' }, totals.sentMessages - before.sentMessages);
    metrics.haloMessages.inc({ direction: 'received' }, totals.receivedMessages - before.receivedMessages);
    metrics.haloBytes.inc({ direction: 'sent' }, totals.sentBytes - before.sentBytes);
    metrics.haloBytes.inc({ direction: 'received' }, totals.receivedBytes - before.receivedBytes);
    last = { instance, totals };
  };
}

/**
 * What can be shed, and why (gateway/admission.ts): each series starts at 0, so rates and
 * alerts see "nothing shed" rather than no data. HTTP is shed on the gateway's own load
 * only; the tick's lag refuses placements and connections, not reads.
 */
const SHED_SERIES = [
  { surface: 'http', reason: 'event_loop_delay' },
  { surface: 'http', reason: 'heap' },
  ...['placement', 'ws_connect'].flatMap((surface) => ['event_loop_delay', 'heap', 'tick_lag'].map((reason) => ({ surface, reason }))),
] as const;

/** A fresh registry with every metric of a gateway (or standalone server) registered. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = newRegistry(options);
  const { histogram, counter, gauge } = makers(registry);
  const metrics: Metrics = {
    ...createTickMetrics(options, registry),
    placements: counter('lifemmo_placements_total', 'Placement requests by result and error code', [
      'transport',
      'result',
      'code',
    ]),
    placedCells: counter('lifemmo_placed_cells_total', 'Cells of accepted placements', ['transport']),
    httpDuration: histogram(
      'lifemmo_http_request_duration_seconds',
      'HTTP request duration by route',
      HTTP_BUCKETS,
      ['method', 'route', 'status'],
    ),
    busTickDelay: histogram(
      'lifemmo_bus_tick_delay_seconds',
      "From the sim's commit of a generation to its summary reaching this gateway: stage sim (commit to sending) and bus (sending to arrival)",
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      ['stage'],
    ),
    busMessages: counter('lifemmo_bus_messages_received_total', 'Bus messages received from the sim, by kind (tick, diff)', ['kind']),
    busBytes: counter('lifemmo_bus_bytes_received_total', 'Bus bytes received from the sim, by kind (tick, diff)', ['kind']),
    simUp: gauge('lifemmo_sim_up', 'Whether this gateway hears from its sim (1) or not (0)'),
    tickBehind: gauge('lifemmo_tick_behind_seconds', "How far the sim's tick runs behind its schedule now (GET /world lagMs)"),
    ticksPerSecond: gauge('lifemmo_ticks_per_second', 'Ticks per second the sim managed over the last few seconds'),
    simHeapTotal: gauge('lifemmo_sim_heap_total_bytes', "The sim's V8 heap reserved, bytes (in use and free; the young generation grows up to --max-semi-space-size), from its latest summary"),
    regionBehind: gauge(
      'lifemmo_region_generations_behind',
      'A world split into regions: generations each region is behind the one furthest ahead, from their latest summaries (lock-step keeps it to a few; a region that stopped grows it)',
      ['region'],
    ),
    simHeapUsed: gauge('lifemmo_sim_heap_used_bytes', "The sim's V8 heap in use, bytes, from its latest tick summary or heartbeat (its thread's JavaScript objects; chunk cells are outside it)"),
    shed: counter('lifemmo_overload_shed_total', 'Work refused because the server is overloaded, by surface (http, placement, ws_connect) and reason', [
      'surface',
      'reason',
    ]),
    wsClients: gauge('lifemmo_ws_clients', 'Connected WebSocket clients'),
    wsFramesSent: counter('lifemmo_ws_frames_sent_total', 'WebSocket frames sent'),
    wsBytesSent: counter('lifemmo_ws_bytes_sent_total', 'WebSocket bytes sent'),
    wsResyncs: counter('lifemmo_ws_slow_client_resyncs_total', 'Slow clients sent a fresh snapshot after draining'),
    wsDrops: counter('lifemmo_ws_slow_client_drops_total', 'Slow clients disconnected past the hard limit'),
  };
  for (const labels of SHED_SERIES) metrics.shed.inc(labels, 0);
  return metrics;
}

/** Record one tick's statistics. */
export function observeTick(metrics: TickMetrics, stats: TickStats): void {
  metrics.tickDuration.observe(stats.durationMs / 1000);
  metrics.tickLag.observe(stats.lagMs / 1000);
  metrics.haloWait.observe(stats.borderWaitMs / 1000);
  metrics.tickCandidates.observe(stats.candidates);
  metrics.tickIoCalls.observe(stats.ioCalls);
  if (stats.ioFailures > 0) metrics.ioFailures.inc(stats.ioFailures);
  if (stats.ioTimeouts > 0) metrics.ioTimeouts.inc(stats.ioTimeouts);
  if (stats.ioLatency !== null) metrics.ioLatency.add({ counts: stats.ioLatency.counts, sum: stats.ioLatency.sumMs / 1000 });
  metrics.generation.set(stats.generation);
  metrics.population.set(stats.population);
  metrics.activeChunks.set(stats.activeChunks);
  metrics.activeShards.set(stats.activeShards);
}
