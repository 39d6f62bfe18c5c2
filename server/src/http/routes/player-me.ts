/**
 * `GET /players/me`: who a token belongs to, how many cells it may place now, and its
 * figures (live cells, births credited), so a client can show the remaining budget and
 * what its patterns became (and check a stored token) without spending any.
 */
import { z } from 'zod';
import type { PlayerMe } from '@lifemmo/shared';
import { currentPlayer, playerAuth } from '../auth.js';
import { ASKS_SIM, LIMITED, SHED, PLAYER_AUTH, PLAYER_SECURITY, errorReplies, replyOf, conforming } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

const MeReply = conforming<PlayerMe>()(
  z
    .object({
      id: z.int(),
      name: z.string(),
      color: z.string(),
      population: z.int().describe('Live cells the player owns'),
      births: z.int().describe('Cells born by the rule that took the player as owner (not persisted: since the sim started or the world was reset)'),
      budget: z.object({
        available: z.int().describe('Cells the player may place now'),
        capacity: z.int().describe('Most cells the bucket holds (BUDGET_CELLS)'),
        refillPerGen: z.number().describe('Cells added back per generation (BUDGET_REFILL_PER_GEN)'),
        generation: z.int().describe('The generation `available` was computed at'),
      }),
    })
    .meta({ id: 'Me' }),
);

/** Register GET /players/me. */
export function registerPlayerMeRoute(app: ZodApp, ctx: ServerContext): void {
  app.get(
    '/players/me',
    {
      preParsing: playerAuth(ctx.players),
      schema: {
        operationId: 'getMe',
        tags: ['players'],
        summary: 'The calling player, its live cells and births, and its remaining placement budget',
        description: 'Costs no budget; also a way to check a stored token.',
        security: PLAYER_SECURITY,
        response: { 200: replyOf('The player and its budget now', MeReply), ...errorReplies(PLAYER_AUTH, LIMITED, SHED, ASKS_SIM) },
      },
    },
    async (request) => {
      const player = currentPlayer(request);
      const { budget } = ctx.config;
      const now = await ctx.sim.budget(player);
      return {
        id: player.id,
        name: player.name,
        color: player.color,
        population: now.population,
        births: now.births,
        budget: {
          available: now.available,
          capacity: budget.cells,
          refillPerGen: budget.refillPerGen,
          generation: now.generation,
        },
      };
    },
  );
}
