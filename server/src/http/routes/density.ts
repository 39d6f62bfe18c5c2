/**
 * `GET /density`: where the life is, at low resolution, for the web client's minimap.
 * The world is cut into at most MAX_BINS x MAX_BINS square bins of whole chunks and each
 * non-empty bin reports its live cells (counted by the sim: sim/queries.ts); the reply is
 * at most MAX_BINS^2 entries (~50 KB).
 */
import { z } from 'zod';
import type { Density } from '@lifemmo/shared';
import { ASKS_SIM, LIMITED, SHED, errorReplies, replyOf, conforming } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

/** Most bins per side: 64 keeps the reply small and is a pixel-or-more on a 200 px minimap. */
export const MAX_BINS = 64;

const DensityReply = conforming<Density>()(
  z
    .object({
      generation: z.int(),
      width: z.int().describe('World width in cells'),
      height: z.int().describe('World height in cells'),
      binSize: z.int().describe('Side of a bin in cells (a multiple of the chunk size)'),
      cols: z.int().describe('Bins across'),
      rows: z.int().describe('Bins down'),
      bins: z.array(z.tuple([z.int(), z.int(), z.int()])).describe('[column, row, live cells] of every non-empty bin'),
    })
    .meta({ id: 'Density' }),
);

/** Register GET /density. */
export function registerDensityRoute(app: ZodApp, ctx: ServerContext): void {
  app.get(
    '/density',
    {
      schema: {
        operationId: 'getDensity',
        tags: ['world'],
        summary: 'Live cells per bin of the world (for minimaps)',
        description: `At most ${MAX_BINS} x ${MAX_BINS} square bins of whole chunks; only non-empty bins are listed.`,
        response: { 200: replyOf('Live cells per bin', DensityReply), ...errorReplies(LIMITED, SHED, ASKS_SIM) },
      },
    },
    async () => ctx.sim.density(MAX_BINS),
  );
}
