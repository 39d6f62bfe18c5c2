/** `GET /leaderboard`: players with live cells, most cells first. */
import { z } from 'zod';
import { errorReplies } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

const LeaderboardQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('How many players, 1..100 (default 20)'),
});

const LeaderboardReply = z
  .object({
    generation: z.int(),
    players: z.array(
      z.object({ id: z.int(), name: z.string(), color: z.string(), population: z.int().describe('Live cells owned') }),
    ),
  })
  .meta({ id: 'Leaderboard' });

/** Register GET /leaderboard. */
export function registerLeaderboardRoutes(app: ZodApp, ctx: ServerContext): void {
  app.get(
    '/leaderboard',
    {
      schema: {
        tags: ['world'],
        summary: 'Players by live cells (players without cells are left out)',
        querystring: LeaderboardQuery,
        response: { 200: LeaderboardReply, ...errorReplies(503) },
      },
    },
    // Most cells first; ties go to the older player (lower id), so the order is stable.
    async (request) => ctx.sim.leaderboard(request.query.limit),
  );
}
