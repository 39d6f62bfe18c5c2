/** `GET /leaderboard`: players with live cells, most cells first. */
import { z } from 'zod';
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
        response: { 200: LeaderboardReply },
      },
    },
    async (request) => {
      const generation = ctx.engine.generation;
      const ranked = [...ctx.engine.populationByOwner()]
        .filter(([owner, population]) => owner !== 0 && population > 0)
        // Most cells first; ties go to the older player (lower id), so the order is stable.
        .sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      const players = [];
      for (const [id, population] of ranked) {
        const player = ctx.players.get(id);
        if (!player) continue;
        players.push({ id, name: player.name, color: player.color, population });
        if (players.length >= request.query.limit) break;
      }
      return { generation, players };
    },
  );
}
