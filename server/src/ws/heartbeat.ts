/**
 * The heartbeat: one timer for all connections (not one per client). Every interval each
 * connection that has not shown life since the last sweep (a pong or any message) is
 * closed with 4005, and the others are pinged. A connection still without hello at
 * its second sweep is closed with 4007. Browsers and `ws` answer pings by themselves.
 *
 * A client that stops reading cannot see our ping behind its unread frames, so it misses
 * the heartbeat too: dead and stuck peers are both gone within two intervals, which bounds
 * what they can cost.
 */
import type { WsContext } from './ws-context.js';
import { syncWsMetrics } from './ws-metrics.js';

/** Start sweeping every `ctx.options.heartbeatMs`; returns the function that stops it. */
export function startHeartbeat(ctx: WsContext): () => void {
  const timer = setInterval(() => sweep(ctx), ctx.options.heartbeatMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** One sweep over every connection. */
export function sweep(ctx: WsContext): void {
  for (const conn of ctx.connections) {
    if (conn.closing) continue;
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
