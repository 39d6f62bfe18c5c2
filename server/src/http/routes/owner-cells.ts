/**
 * `GET /players/{id}/cells`: where one owner's live cells are, chunk by chunk, most first
 * (counted by the sim from the owners it keeps per chunk: sim/queries.ts). The web page's
 * "Go to my cells" and its leaderboard entries centre the camera on the first chunk.
 */
import { z } from 'zod';
import type { OwnerCells } from '@lifemmo/shared';
import { ASKS_SIM, LIMITED, errorReplies, replyOf, conforming } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

/** Most chunks one reply lists (the chunks of a 4096x4096 world). */
export const MAX_OWNER_CHUNKS = 4096;

const OwnerCellsParams = z.object({
  id: z.coerce.number().int().min(0).max(0xffff).describe('Owner id: a player id, or 0 for neutral cells'),
});

const OwnerCellsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_OWNER_CHUNKS)
    .default(256)
    .describe(`How many chunks to list, most cells first, 1..${MAX_OWNER_CHUNKS} (default 256)`),
});

const OwnerCellsReply = conforming<OwnerCells>()(
  z
    .object({
      generation: z.int(),
      owner: z.int(),
      population: z.int().describe('Live cells of this owner in the whole world'),
      chunkCount: z.int().describe('Chunks holding any of them (`chunks` lists at most `limit`)'),
      chunkSize: z.int().describe('Side of a chunk in cells: chunk (cx, cy) covers x from cx*chunkSize, y from cy*chunkSize'),
      chunks: z
        .array(z.tuple([z.int(), z.int(), z.int()]))
        .describe('[cx, cy, live cells of this owner] of each chunk holding any, most first (ties: by row, then column)'),
    })
    .meta({ id: 'OwnerCells' }),
);

/** Register GET /players/{id}/cells. */
export function registerOwnerCellsRoute(app: ZodApp, ctx: ServerContext): void {
  app.get(
    '/players/:id/cells',
    {
      schema: {
        operationId: 'getOwnerCells',
        tags: ['world'],
        summary: "Where an owner's live cells are, per chunk",
        description:
          'Counts of the live cells owned by `id` in each chunk that has any, most first: the first entry is where to look. ' +
          'Open to everyone, like the leaderboard; an id without live cells gets an empty list.',
        params: OwnerCellsParams,
        querystring: OwnerCellsQuery,
        response: { 200: replyOf("The owner's cells per chunk", OwnerCellsReply), ...errorReplies(['VALIDATION'], LIMITED, ASKS_SIM) },
      },
    },
    async (request) => ctx.sim.ownerCells(request.params.id, request.query.limit),
  );
}
