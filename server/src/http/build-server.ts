/**
 * Assemble the HTTP server: logger, zod validation, error handlers, rate limit, OpenAPI,
 * metrics hooks and one module per route group. The returned app does not listen.
 *
 * Engine lifecycle: the app owns the engine, whether it built it or was given one. The
 * tick loop starts when the app is ready (`app.ready()` or `app.listen()`), and
 * `app.close()` first stops accepting requests and flips `/ready` to 503, then waits for
 * the tick in progress to finish and stops the loop.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import { LifeError } from '@lifemmo/shared';
import type { Config } from '../config/config.js';
import { Engine } from '../engine/index.js';
import { createLogger } from '../log/logger.js';
import { attachWebSocket } from '../ws/index.js';
import { createMetrics, observeTick, type Metrics } from '../metrics/metrics.js';
import { PlacementService } from '../placement/placement-service.js';
import { FileStore, MemoryStore, type Store } from '../store/index.js';
import { Persistence } from '../store/persistence.js';
import { MemoryPlayerRegistry, type PlayerRegistry } from '../players/player-registry.js';
import { bearerToken } from './auth.js';
import { installErrorHandlers } from './error-handler.js';
import { DOCS_PREFIX, registerOpenApi } from './openapi.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerCellRoutes } from './routes/cells.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerLeaderboardRoutes } from './routes/leaderboard.js';
import { registerPatternRoutes } from './routes/patterns.js';
import { registerPlayerRoutes } from './routes/players.js';
import { registerWebRoutes } from './routes/web.js';
import { registerWorldRoutes } from './routes/world.js';
import type { ServerContext, ZodApp } from './server-context.js';

/** Version reported in the OpenAPI document. */
export const API_VERSION = '0.1.0';

/** Optional collaborators; each defaults to a fresh in-process one built from the config. */
export interface ServerDeps {
  readonly engine?: Engine;
  readonly players?: PlayerRegistry;
  readonly metrics?: Metrics;
  /** Where acknowledged state is kept; default from the configuration (STORE, DATA_DIR). */
  readonly store?: Store;
  /** A ready logger (wins over `logStream`). */
  readonly logger?: FastifyBaseLogger;
  /** Write JSON log lines here instead of stdout (tests read them). */
  readonly logStream?: DestinationStream;
  /** Whether stdout is a terminal, for LOG_FORMAT=auto. */
  readonly isTty?: boolean;
}

// Accept a caller's request id only when it cannot garble a log line.
const SAFE_REQUEST_ID = /^[\w.:-]{1,64}$/;

function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Build the engine the configuration describes. */
export function createEngine(config: Config): Engine {
  return new Engine({ ...config.world, cellLogic: { ...config.cellLogic } });
}

/** The store the configuration names: files under DATA_DIR, or memory. */
export function createStore(config: Config): Store {
  return config.store.kind === 'memory'
    ? new MemoryStore()
    : new FileStore(config.dataDir, { keepSnapshots: config.store.snapshotKeep });
}

/** The Fastify app serving the REST API of one world. Await `app.close()` when done. */
export async function buildServer(config: Config, deps: ServerDeps = {}): Promise<ZodApp> {
  const logger = deps.logger ?? createLogger(config, { stream: deps.logStream, isTty: deps.isTty });
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.limits.bodyLimitBytes,
    genReqId: requestId,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);

  const engine = deps.engine ?? createEngine(config);
  const metrics = deps.metrics ?? createMetrics();
  const players = deps.players ?? new MemoryPlayerRegistry();
  const placement = new PlacementService(
    engine,
    {
      budget: { capacity: config.budget.cells, refillPerGen: config.budget.refillPerGen },
      maxCellsPerRequest: config.limits.maxCellsPerRequest,
    },
    metrics,
  );
  const store = deps.store ?? createStore(config);
  const persistence = new Persistence({ store, engine, players, placement, log: app.log, snapshotEvery: config.store.snapshotEvery });
  const ctx: ServerContext = { config, engine, players, placement, persistence, metrics, state: { shuttingDown: false } };

  app.decorateRequest('player', null);
  // Callback-style hooks: no promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });

  if (config.limits.rateLimitPerMinute > 0) {
    await app.register(fastifyRateLimit, {
      max: config.limits.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: rateLimitKeyFor(players),
      allowList: (request: FastifyRequest) => request.url.startsWith(DOCS_PREFIX),
      errorResponseBuilder: (_request, context) =>
        new LifeError(
          'RATE_LIMITED',
          `Too many requests: at most ${context.max} per minute; retry in ${context.after}`,
        ),
    });
  }
  await registerOpenApi(app, API_VERSION);

  registerHealthRoutes(app, ctx);
  registerWorldRoutes(app, ctx);
  registerPlayerRoutes(app, ctx);
  registerCellRoutes(app, ctx);
  registerPatternRoutes(app, ctx);
  registerLeaderboardRoutes(app, ctx);
  registerWebRoutes(app, ctx); // the page at /, its assets, and the reads it needs (docs/web-client.md)
  if (config.adminToken !== undefined) {
    registerAdminRoutes(app, ctx, config.adminToken);
  } else {
    app.log.warn('admin routes are off (404): set ADMIN_TOKEN to enable /admin/*');
  }

  // GET /ws; its preClose hook closes every WebSocket before the engine stops.
  attachWebSocket(app, ctx);

  const unsubscribeTick = engine.onTick((result) => observeTick(metrics, result.stats));
  const unsubscribeError = engine.onError((err) => app.log.error({ err }, 'tick failed'));
  app.addHook('onReady', async () => {
    // The world is rebuilt from storage before the first tick; /ready stays 503 until then.
    await persistence.recover();
    if (!engine.running) engine.start();
  });
  app.addHook('preClose', async () => {
    ctx.state.shuttingDown = true;
  });
  app.addHook('onClose', async () => {
    unsubscribeTick();
    unsubscribeError();
    await engine.stop();
    // After the last tick: a final snapshot, so a restart resumes exactly here.
    await persistence.shutdown();
  });
  return app;
}

/**
 * Rate-limit key: the player for requests with a valid player token, the client IP for
 * everything else (no token, an unknown token, the admin token). Keying only valid
 * tokens separately means random tokens cannot buy a fresh allowance, and one player
 * cannot starve others behind the same NAT. The limiter runs first (onRequest), before
 * authentication and body parsing.
 */
function rateLimitKeyFor(players: PlayerRegistry): (request: FastifyRequest) => string {
  return (request) => {
    const token = bearerToken(request);
    const player = token === undefined ? undefined : players.authenticate(token);
    return player ? `player:${player.id}` : `ip:${request.ip}`;
  };
}
