/**
 * The WebSocket endpoint `GET /ws`: a `ws` WebSocketServer in noServer mode on the
 * Fastify server's `upgrade` event. It only upgrades and admits connections (path,
 * shutdown, connection limit); connection.ts speaks the protocol, broadcaster.ts
 * publishes ticks, heartbeat.ts pings.
 *
 * Guards (docs/protocol.md): a small maximum message size (the ws library closes larger
 * ones with 1009), permessage-deflate off unless configured (compressing a frame per
 * client would undo "encode once"), a connection limit, a heartbeat, backpressure.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { Errors, WS_PATH } from '@lifemmo/shared';
import { bearerOf } from '../gateway/bearer-token.js';
import type { GatewayContext } from '../gateway/gateway-context.js';
import { Broadcaster } from './broadcaster.js';
import { WsConnection } from './connection.js';
import { startHeartbeat } from './heartbeat.js';
import { sliceBudget } from './slice-budget.js';
import { SnapshotEncoder } from './snapshots.js';
import { SubscriptionGroups } from './subscriptions.js';
import type { WsContext } from './ws-context.js';
import { createWsMetrics } from './ws-metrics.js';
import { createWsStats, type WsStats } from './ws-stats.js';

/** How long shutdown waits for clients to answer the close frame before destroying sockets, ms. */
const SHUTDOWN_GRACE_MS = 1500;

/** The running WebSocket transport of one app. */
export interface WsServerHandle {
  /** Counters since start (encodings, frames, bytes, resyncs, drops). */
  readonly stats: Readonly<WsStats>;
  /** Connections open now. */
  readonly connectionCount: number;
  /** Distinct watched chunk sets now. */
  readonly groupCount: number;
  /** Connections now skipping diffs because their send buffer is over the watermark. */
  readonly behindCount: number;
  /** Bytes queued for all connections and not yet written to the network (O(connections)). */
  bufferedBytes(): number;
  /** Close every connection with 4000 and stop; idempotent. Called by `app.close()`. */
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The WebSocket transport, once attachWebSocket has run. */
    lifemmoWs: WsServerHandle;
  }
}

/**
 * Serve `GET /ws` on `app`'s HTTP server, publishing the generations the sim sends.
 * Registers a preClose hook, so `app.close()` closes every connection first.
 */
// Any Fastify instance will do (the gateway's is typed with zod; this module does not care).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function attachWebSocket(app: FastifyInstance<any, any, any, any, any>, server: GatewayContext): WsServerHandle {
  const options = server.config.ws;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: options.permessageDeflate,
    clientTracking: false,
  });
  const stats = createWsStats();
  const { sim, feed } = server;
  const geometry = sim.geometry;
  const ctx: WsContext = {
    options,
    maxCellsPerMessage: server.config.limits.maxCellsPerRequest,
    sim,
    admission: server.admission,
    players: server.players,
    replica: server.replica,
    metrics: server.metrics,
    wsMetrics: createWsMetrics(server.metrics, stats),
    log: app.log.child({ component: 'ws' }),
    connections: new Set(),
    // The replica keeps exactly the chunks some client watches.
    groups: new SubscriptionGroups(geometry.chunksX * geometry.chunksY, feed),
    snapshots: new SnapshotEncoder(server.replica, sim, stats),
    stats,
  };
  const broadcaster = new Broadcaster(ctx, sliceBudget(app.server));
  const stopSim = sim.listen({
    tick: (message) => {
      // Clients first; the replica decodes the same records after (off the latency path).
      broadcaster.publish(feed.tick(message), message.recordsEncoded);
      feed.settle();
    },
    reset: () => {
      feed.reset();
      broadcaster.reset();
    },
    resync: () => {
      feed.invalidate();
      broadcaster.resync();
    },
    availability: (up) => {
      // Clients stay connected; they hear why placements fail, and get a snapshot when it is back.
      if (up) return;
      const { code, message } = Errors.SIM_UNAVAILABLE;
      for (const conn of ctx.connections) if (conn.helloDone) conn.sendJson({ type: 'error', code, message });
    },
  });
  const stopReady = feed.onReady(() => broadcaster.flushAwaiting());
  // A player deleted, banned or reclaimed: its connections end with 4003, saying why.
  const stopRevoked = server.players.onRevoked((players) => {
    const why = new Map(players.map((p) => [p.tokenHash, REVOKED_MESSAGES[p.reason]]));
    for (const conn of ctx.connections) {
      const message = conn.player === null ? undefined : why.get(conn.player.tokenHash);
      if (message === undefined) continue;
      conn.sendJson({ type: 'error', code: Errors.WS_UNAUTHORIZED.code, message });
      conn.close('WS_UNAUTHORIZED');
    }
  });
  const stopHeartbeat = startHeartbeat(ctx);
  let closed = false;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return refuseUpgrade(socket, 400, 'Bad Request');
    }
    if (url.pathname !== WS_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (closed || server.state.shuttingDown) return refuseUpgrade(socket, 503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => admit(ws, socket, req, url));
  };

  const admit = (ws: WebSocket, socket: Duplex, req: IncomingMessage, url: URL): void => {
    if (ctx.connections.size >= options.maxConnections) return refuseConnection(ws, 'WS_TOO_MANY_CONNECTIONS');
    // Overloaded (the tick runs behind, or this thread is busy): a new client would only add
    // to it. Refused explicitly, so its SDK retries with backoff (docs/protocol.md, 4008).
    const overload = server.admission.refusal();
    if (overload !== null) {
      server.admission.shed('ws_connect', overload);
      return refuseConnection(ws, 'WS_OVERLOADED');
    }
    // The query token is for clients that cannot set headers; the hello token wins over both.
    const token = url.searchParams.get('token') ?? bearerOf(req.headers.authorization) ?? undefined;
    const conn = new WsConnection(ctx, ws, socket, token === '' ? undefined : token, req.socket.remoteAddress);
    ctx.connections.add(conn);
    server.metrics.wsClients.inc();
  };

  /** Accept, then close with a code: a browser cannot read an HTTP status on a failed upgrade. */
  const refuseConnection = (ws: WebSocket, name: 'WS_TOO_MANY_CONNECTIONS' | 'WS_OVERLOADED'): void => {
    const { code, closeCode } = Errors[name];
    ws.on('error', () => undefined);
    ws.close(closeCode, code);
    setTimeout(() => ws.terminate(), 1000).unref();
    ctx.wsMetrics.closes.inc({ code: String(closeCode) });
  };

  app.server.on('upgrade', onUpgrade);

  const handle: WsServerHandle = {
    stats,
    get connectionCount() {
      return ctx.connections.size;
    },
    get groupCount() {
      return ctx.groups.size;
    },
    get behindCount() {
      let n = 0;
      for (const conn of ctx.connections) if (conn.behind) n++;
      return n;
    },
    bufferedBytes() {
      let n = 0;
      for (const conn of ctx.connections) n += conn.bufferedAmount;
      return n;
    },
    async close() {
      if (closed) return;
      closed = true;
      app.server.off('upgrade', onUpgrade);
      stopSim();
      stopReady();
      stopRevoked();
      stopHeartbeat();
      for (const conn of ctx.connections) conn.close('WS_SHUTTING_DOWN');
      const deadline = Date.now() + SHUTDOWN_GRACE_MS;
      while (ctx.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const conn of ctx.connections) conn.socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  app.decorate('lifemmoWs', handle);
  app.addHook('preClose', () => handle.close());
  return handle;
}

/** What a revoked player's connections are told before they close. */
const REVOKED_MESSAGES = {
  deleted: 'This player was deleted by the admin: create a new player',
  banned: Errors.PLAYER_BANNED.message,
  reclaimed: 'This player was idle and its id was given to a new player: create a new player',
} as const;

/** Answer a refused upgrade with a bare HTTP status and drop the socket. */
function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
