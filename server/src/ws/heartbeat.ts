/**
 * The heartbeat: one timer for all connections (not one per client). Every interval each
 * connection that has not shown life since the last sweep (a pong or any message) is
 * closed with 4005, and the others are pinged. A connection still without hello at
 * its second sweep is closed with 4007. Browsers and `ws` answer pings by themselves.
 *
 * The connections are split into slices by id, and the timer visits one slice every
 * SLICE_MS or so, so each connection is still swept once per interval. Why: pinging all
 * of them at once held the event loop for one ping write per client (about 75 ms at
 * 5,000 clients), and the tick that fell behind it reached every client that much later.
 *
 * A client that stops reading cannot see our ping behind its unread frames, so it misses
 * the heartbeat too: dead and stuck peers are both gone within two intervals, which bounds
 * what they can cost.
 */
import type { WsContext } from './ws-context.js';
import { syncWsMetrics } from './ws-metrics.js';

/** About how often one slice of the connections is swept, ms. */
const SLICE_MS = 250;

/** Start sweeping, each connection once every `ctx.options.heartbeatMs`; returns the function that stops it. */
export function startHeartbeat(ctx: WsContext): () => void {
  const slices = Math.max(1, Math.round(ctx.options.heartbeatMs / SLICE_MS));
  let slice = 0;
  const timer = setInterval(() => {
    sweep(ctx, slice, slices);
    slice = (slice + 1) % slices;
  }, ctx.options.heartbeatMs / slices);
  timer.unref();
  return () => clearInterval(timer);
}

/** Sweep the connections of slice `slice` of `slices` (by id); by default, all of them. */
export function sweep(ctx: WsContext, slice = 0, slices = 1): void {
  for (const conn of ctx.connections) {
    if (conn.id % slices !== slice || conn.closing) continue;
    if (!conn.helloDone && ++conn.sweepsWithoutHello >= 2) {
      conn.close('WS_HELLO_TIMEOUT');
      continue;
    }
    if (!conn.alive) {
      conn.log.info('ws heartbeat missed');
      conn.close('WS_HEARTBEAT_MISSED');
      continue;
    }
    conn.alive = false;
    conn.socket.ping();
  }
  // Messages sent between ticks (e.g. while paused) reach Prometheus here.
  syncWsMetrics(ctx.metrics, ctx.wsMetrics, ctx.stats);
}
