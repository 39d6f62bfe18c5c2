/**
 * Liveness, readiness and metrics: `GET /health` (the process answers), `GET /ready`
 * (the world is loaded and the tick loop runs) and `GET /metrics` (Prometheus text).
 * None of them is rate limited: probes and scrapers must always get through.
 */
import { z } from 'zod';
import { LifeError } from '@lifemmo/shared';
import { ASKS_SIM, errorReplies, replyOf } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

/** Register /health, /ready and /metrics. */
export function registerHealthRoutes(app: ZodApp, ctx: ServerContext): void {
  app.get(
    '/health',
    {
      config: { rateLimit: false },
      schema: {
        operationId: 'getHealth',
        tags: ['operations'],
        summary: 'Liveness',
        description: 'Answers while the process serves HTTP. Not rate limited; logged at debug only.',
        response: { 200: replyOf('The process is up', z.object({ status: z.literal('ok') })), ...errorReplies() },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { rateLimit: false },
      schema: {
        operationId: 'getReady',
        tags: ['operations'],
        summary: 'Readiness: 200 while the sim is reachable and ticking; 503 before, while the sim is gone, and while shutting down',
        description: 'For load balancers and orchestrators. Not rate limited; logged at debug only.',
        response: {
          200: replyOf('The world is loaded and the sim is heard from', z.object({ status: z.literal('ready') })),
          ...errorReplies(['NOT_READY', 'SHUTTING_DOWN'], ASKS_SIM),
        },
      },
    },
    async () => {
      if (ctx.state.shuttingDown) throw new LifeError('SHUTTING_DOWN');
      if (!ctx.sim.seen) throw new LifeError('NOT_READY');
      if (!ctx.sim.up) throw new LifeError('SIM_UNAVAILABLE', 'The simulation is not reachable: the world is not being served');
      return { status: 'ready' as const };
    },
  );

  app.get(
    '/metrics',
    {
      config: { rateLimit: false },
      schema: {
        operationId: 'getMetrics',
        tags: ['operations'],
        summary: 'Prometheus metrics (text format)',
        description: 'lifemmo_* metrics and Node\'s standard process_* and nodejs_* (docs/api.md). Not rate limited; logged at debug only.',
        response: { 200: replyOf('Prometheus text exposition format 0.0.4', z.string(), 'text/plain'), ...errorReplies() },
      },
    },
    async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    },
  );
}
