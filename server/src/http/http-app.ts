/**
 * Assemble the gateway's HTTP server: zod validation, error handlers, CORS, rate limit, OpenAPI,
 * metrics hooks, one module per route group and the WebSocket endpoint. The returned app
 * does not listen, and knows nothing of where the sim runs: the roles (roles/) compose it
 * with a bus and decide its lifecycle.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyRequest, type RouteOptions } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { LifeError } from '@lifemmo/shared';
import type { GatewayContext } from '../gateway/gateway-context.js';
import type { GatewayPlayers } from '../gateway/gateway-players.js';
import { attachWebSocket } from '../ws/index.js';
import { AdminGuard, bearerToken } from './auth.js';
import { drainOversizedBodies } from './body-limit.js';
import { registerCors } from './cors.js';
import { installErrorHandlers } from './error-handler.js';
import { DOCS_PREFIX, registerOpenApi } from './openapi.js';
import { registerOverloadProtection } from './overload.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAdminPlayerRoutes } from './routes/admin-players.js';
import { registerCellRoutes } from './routes/cells.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerLeaderboardRoutes } from './routes/leaderboard.js';
import { registerOwnerCellsRoute } from './routes/owner-cells.js';
import { registerPatternRoutes } from './routes/patterns.js';
import { registerPlayerRoutes } from './routes/players.js';
import { registerWebRoutes } from './routes/web.js';
import { registerWorldRoutes } from './routes/world.js';
import { registerWsRoute } from './routes/ws.js';
import { RequestLog } from './request-log.js';
import type { ZodApp } from './server-context.js';

/** Version reported in the OpenAPI document. */
export const API_VERSION = '0.2.0';

// Accept a caller's request id only when it cannot garble a log line.
const SAFE_REQUEST_ID = /^[\w.:-]{1,64}$/;

function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Options of buildHttpApp. */
export interface HttpAppOptions {
  /** Sees every route as it is registered (Fastify's onRoute hook): tests check each is documented. */
  readonly onRoute?: (route: RouteOptions) => void;
}

/** The Fastify app serving the REST API and `GET /ws` of one world. Await `app.close()` when done. */
export async function buildHttpApp(ctx: GatewayContext, logger: FastifyBaseLogger, options: HttpAppOptions = {}): Promise<ZodApp> {
  const { config, metrics, players } = ctx;
  const app = Fastify({
    loggerInstance: logger,
    // One line per request, probes at debug (request-log.ts).
    logController: new RequestLog(),
    bodyLimit: config.limits.bodyLimitBytes,
    genReqId: requestId,
  }).withTypeProvider<ZodTypeProvider>();

  if (options.onRoute !== undefined) app.addHook('onRoute', options.onRoute);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  drainOversizedBodies(app, config.limits.bodyLimitBytes);

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

  // Before the rate limit: its 429s carry CORS headers too, and preflights never count.
  await registerCors(app, config.cors);
  // Before the rate limit too: a shed request costs nothing more and counts against no one.
  await registerOverloadProtection(app, config.overload, ctx.admission);
  const { rateLimitPerMinute, playerCreatePerMinute } = config.limits;
  if (rateLimitPerMinute > 0 || playerCreatePerMinute > 0) {
    const admin = config.adminToken === undefined ? undefined : new AdminGuard(config.adminToken);
    await app.register(fastifyRateLimit, {
      // Off globally with RATE_LIMIT_PER_MINUTE=0: then only POST /players has its limit.
      global: rateLimitPerMinute > 0,
      max: rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: rateLimitKeyFor(players),
      // The admin is not limited (bots create players through it). A cached player's
      // token is not the admin's: no hashing on the hot path.
      allowList: (request: FastifyRequest, key: string) =>
        request.url.startsWith(DOCS_PREFIX) || (!key.startsWith('player:') && admin !== undefined && admin.carried(request)),
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
  registerOwnerCellsRoute(app, ctx);
  registerWebRoutes(app, ctx); // the page at /, its assets, and the reads it needs (docs/web-client.md)
  if (config.adminToken !== undefined) {
    registerAdminRoutes(app, ctx, config.adminToken);
    registerAdminPlayerRoutes(app, ctx, config.adminToken);
  } else {
    app.log.warn('admin routes are off (404): set ADMIN_TOKEN to enable /admin/*');
  }

  // GET /ws: the upgrade (ws/), and a 426 for plain requests, which also documents it.
  registerWsRoute(app);
  // Its preClose hook closes every WebSocket before the engine stops.
  attachWebSocket(app, ctx);

  app.addHook('preClose', async () => {
    ctx.state.shuttingDown = true;
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
function rateLimitKeyFor(players: GatewayPlayers): (request: FastifyRequest) => string {
  return (request) => {
    // Synchronous: a token this gateway has not seen yet counts against the address once.
    const token = bearerToken(request);
    const player = token === undefined ? undefined : players.cached(token);
    return player ? `player:${player.id}` : `ip:${request.ip}`;
  };
}
