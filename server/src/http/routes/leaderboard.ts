/** `GET /leaderboard`: players with live cells, most cells first. */
import { z } from 'zod';
import type { Leaderboard } from '@lifemmo/shared';
import { ASKS_SIM, LIMITED, SHED, errorReplies, replyOf, conforming } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

const LeaderboardQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('How many players, 1..100 (default 20)'),
});

const LeaderboardReply = conforming<Leaderboard>()(
  z
    .object({
      generation: z.int(),
      players: z.array(
        z.object({
          id: z.int(),
          name: z.string(),
          color: z.string(),
          population: z.int().describe('Live cells owned'),
          births: z.int().describe('Cells born by the rule that took this player as owner (not persisted: since the sim started or the world was reset)'),
        }),
      ),
    })
    .meta({ id: 'Leaderboard' }),
);

/** Register GET /leaderboard. */
export function registerLeaderboardRoutes(app: ZodApp, ctx: ServerContext): void {
  app.get(
    '/leaderboard',
    {
      schema: {
        operationId: 'getLeaderboard',
        tags: ['world'],
        summary: 'Players by live cells (players without cells are left out)',
        description: 'Most cells first; ties go to the lower id. Neutral cells (owner 0) are not counted.',
        querystring: LeaderboardQuery,
        response: { 200: replyOf('The leading players', LeaderboardReply), ...errorReplies(['VALIDATION'], LIMITED, SHED, ASKS_SIM) },
      },
    },
    // Most cells first; ties go to the older player (lower id), so the order is stable.
    async (request) => ctx.sim.leaderboard(request.query.limit),
  );
}
