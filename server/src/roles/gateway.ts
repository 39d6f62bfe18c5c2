/**
 * The gateway role's composition root: the link to the sim over a bus, players, the chunk
 * replica and its feed, and the HTTP/WebSocket app on top. Used by the `gateway` role
 * (NATS) and by standalone (the in-process bus to the sim's worker thread) alike.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { DestinationStream } from 'pino';
import { Geometry } from '@lifemmo/shared';
import type { Bus } from '../bus/index.js';
import { regionLayoutOf, type Config } from '../config/config.js';
import { Admission } from '../gateway/admission.js';
import { ChunkReplica } from '../gateway/chunk-replica.js';
import type { GatewayContext } from '../gateway/gateway-context.js';
import { GatewayPlayers } from '../gateway/gateway-players.js';
import { GatewayRoster } from '../gateway/gateway-roster.js';
import { ReplicaFeed } from '../gateway/replica-feed.js';
import { SimLink } from '../gateway/sim-link.js';
import { gatewayAnnouncement } from '../gateway/status-report.js';
import { buildHttpApp, type HttpAppOptions } from '../http/http-app.js';
import { heapLimitBytes } from '../http/overload.js';
import type { ZodApp } from '../http/server-context.js';
import { createLogger } from '../log/logger.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { subjectsFor } from '../wire/index.js';

/** Optional collaborators of a gateway. */
export interface GatewayDeps {
  readonly metrics?: Metrics;
  /** A ready logger (wins over `logStream`). */
  readonly logger?: FastifyBaseLogger;
  /** Write JSON log lines here instead of stdout (tests read them). */
  readonly logStream?: DestinationStream;
  /** Whether stdout is a terminal, for LOG_FORMAT=auto. */
  readonly isTty?: boolean;
  /** Sees every HTTP route as it is registered (tests check each is in the OpenAPI document). */
  readonly onRoute?: HttpAppOptions['onRoute'];
}

/** How the gateway starts. */
export interface GatewayStart {
  /**
   * How long `app.ready()` waits to hear from the sim, ms: standalone waits for its own sim
   * to recover (up to this long); a cluster gateway serves at once (0) and answers 503
   * until a sim is there.
   */
  readonly waitForSimMs: number;
  /** Runs first when the app gets ready (standalone: the sim thread has recovered the world). */
  readonly beforeReady?: () => Promise<void>;
  /** Runs last when the app closes, after every client is gone (standalone: stop the sim thread). */
  readonly afterClose?: () => Promise<void>;
  /** Export the regions' halo counters from their summaries (standalone: sim threads serve no metrics; SimLink's `observeHalos`). */
  readonly observeHalos?: boolean;
}

/** A gateway app on `bus`. Its onReady hook starts the link; its onClose hook stops it (not the bus). */
export async function buildGateway(config: Config, bus: Bus, start: GatewayStart, deps: GatewayDeps = {}): Promise<ZodApp> {
  const logger = deps.logger ?? createLogger(config, { stream: deps.logStream, isTty: deps.isTty });
  const metrics = deps.metrics ?? createMetrics();
  const geometry = new Geometry(config.world);
  const layout = regionLayoutOf(config);
  const gatewayId = `gw-${randomBytes(6).toString('hex')}`;
  const log = logger.child({ role: 'gateway', gateway: gatewayId });
  const subjects = subjectsFor(config.cluster.worldName);
  const sim = new SimLink({
    bus,
    subjects,
    geometry,
    log,
    metrics,
    simTimeoutMs: config.cluster.simTimeoutMs,
    requestTimeoutMs: config.cluster.requestTimeoutMs,
    layout,
    observeHalos: start.observeHalos === true,
  });
  const replica = new ChunkReplica(geometry);
  const feed = new ReplicaFeed(bus, subjects, geometry, gatewayId, replica, log, config.cluster.requestTimeoutMs, metrics);
  const ctx: GatewayContext = {
    gatewayId,
    config,
    sim,
    admission: new Admission({ sim, limits: config.overload, heapLimitBytes: heapLimitBytes(), metrics }),
    players: new GatewayPlayers(sim),
    replica,
    feed,
    // Its figures read the context, which exists by the time start() first calls them.
    roster: new GatewayRoster({ bus, subjects, figures: () => gatewayAnnouncement(ctx), log }),
    metrics,
    state: { shuttingDown: false },
  };
  const app = await buildHttpApp(ctx, logger, { onRoute: deps.onRoute });
  app.addHook('onReady', async () => {
    // Listen first: the sim's first summary may come the moment it has started.
    sim.start();
    feed.start();
    ctx.roster.start();
    await start.beforeReady?.();
    if (start.waitForSimMs > 0 && !(await sim.waitUntilUp(start.waitForSimMs))) {
      app.log.warn({ waitedMs: start.waitForSimMs }, 'no sim answered yet; serving 503 until one does');
    }
  });
  app.addHook('onClose', async () => {
    ctx.roster.stop();
    feed.stop();
    sim.stop();
    await start.afterClose?.();
  });
  return app;
}
