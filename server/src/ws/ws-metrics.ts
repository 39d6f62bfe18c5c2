/**
 * Prometheus metrics of the WebSocket transport beyond the ones metrics.ts declares
 * (clients, frames, bytes, resyncs, drops), registered on the same per-server registry,
 * and the per-tick copy of the hot-path counters (WsStats) into Prometheus.
 */
import { Counter, Histogram } from 'prom-client';
import type { Metrics } from '../metrics/metrics.js';
import type { WsStats } from './ws-stats.js';

/** Publish durations in seconds (0.1 ms .. 1 s). */
const PUBLISH_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** The extra metrics and the last copied totals. */
export interface WsMetrics {
  readonly diffChunkEncodings: Counter;
  readonly snapshotChunkEncodings: Counter;
  readonly diffFrames: Counter;
  readonly lagged: Counter;
  readonly diffsGivenUp: Counter;
  readonly closes: Counter<'code'>;
  readonly publishDuration: Histogram;
  /** Totals already copied to Prometheus. */
  readonly copied: WsStats;
}

/** Register the WebSocket metrics on `metrics.registry`. */
export function createWsMetrics(metrics: Metrics, zero: WsStats): WsMetrics {
  const registers = [metrics.registry];
  return {
    diffChunkEncodings: new Counter({
      name: 'lifemmo_ws_diff_chunk_encodings_total',
      help: 'Chunk diff records encoded (once per changed, watched chunk per tick, whatever the number of clients)',
      registers,
    }),
    snapshotChunkEncodings: new Counter({
      name: 'lifemmo_ws_snapshot_chunk_encodings_total',
      help: 'Chunk snapshot records encoded (once per chunk per generation)',
      registers,
    }),
    diffFrames: new Counter({
      name: 'lifemmo_ws_diff_frames_total',
      help: 'Diff frames assembled (once per distinct watched chunk set per tick)',
      registers,
    }),
    lagged: new Counter({
      name: 'lifemmo_ws_lagged_total',
      help: 'Times a client stopped getting diffs because a frame it had not acknowledged was older than WS_MAX_LAG_MS',
      registers,
    }),
    diffsGivenUp: new Counter({
      name: 'lifemmo_ws_diffs_given_up_total',
      help: 'Diffs not sent because the gateway fell generations behind in handing them out; each such client got a snapshot instead',
      registers,
    }),
    closes: new Counter({ name: 'lifemmo_ws_closes_total', help: 'WebSocket connections closed, by close code', labelNames: ['code'], registers }),
    publishDuration: new Histogram({
      name: 'lifemmo_ws_publish_duration_seconds',
      help: 'Time from a tick reaching the gateway until every client was handed its frame (handed out in slices, the event loop turning between them)',
      buckets: PUBLISH_BUCKETS,
      registers,
    }),
    copied: { ...zero },
  };
}

/** Copy what the counters gained since the last call into Prometheus. */
export function syncWsMetrics(metrics: Metrics, ws: WsMetrics, stats: WsStats): void {
  const c = ws.copied;
  const add = (counter: { inc(v: number): void }, now: number, before: number): void => {
    if (now > before) counter.inc(now - before);
  };
  add(metrics.wsFramesSent, stats.framesSent, c.framesSent);
  add(metrics.wsBytesSent, stats.bytesSent, c.bytesSent);
  add(metrics.wsResyncs, stats.resyncs, c.resyncs);
  add(metrics.wsDrops, stats.drops, c.drops);
  add(ws.diffChunkEncodings, stats.diffChunkEncodings, c.diffChunkEncodings);
  add(ws.snapshotChunkEncodings, stats.snapshotChunkEncodings, c.snapshotChunkEncodings);
  add(ws.diffFrames, stats.diffFrames, c.diffFrames);
  add(ws.lagged, stats.lagged, c.lagged);
  add(ws.diffsGivenUp, stats.diffsGivenUp, c.diffsGivenUp);
  Object.assign(c, stats);
}
