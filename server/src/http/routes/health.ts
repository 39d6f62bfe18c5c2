/**
 * Liveness, readiness and metrics: `GET /health` (the process answers), `GET /ready`
 * (the world is loaded and the tick loop runs) and `GET /metrics` (Prometheus text).
 * None of them is rate limited: probes and scrapers must always get through.
 */
import { z } from 'zod';
import { LifeError } from '@lifemmo/shared';
import { errorReplies } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

/** Register /health, /ready and /metrics. */
export function registerHealthRoutes(app: ZodApp, ctx: ServerContext): void {
  app.get(
    '/health',
    {
      config: { rateLimit: false },
      schema: { tags: ['operations'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 200 while the sim is reachable and ticking; 503 before, while the sim is gone, and while shutting down',
        response: { 200: z.object({ status: z.literal('ready') }), ...errorReplies(503) },
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
    { config: { rateLimit: false }, schema: { tags: ['operations'], summary: 'Prometheus metrics (text format)' } },
    async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    },
  );
}
