/** `POST /players`: create a player and hand out its bearer token, once. */
import { z } from 'zod';
import { MAX_NAME_LENGTH } from '../../players/player-name.js';
import { playerCreateRateLimit } from '../player-create-limit.js';
import { errorReplies } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

export const CreatePlayerBody = z.object({
  // Length and characters are checked by validatePlayerName, so the reply carries
  // LIFE_ERR_BAD_NAME rather than a generic validation error.
  name: z.string().describe(`1 to ${MAX_NAME_LENGTH} letters, digits, spaces, - or _`),
});

export const NewPlayerReply = z
  .object({
    id: z.int().describe('Player id, 1..65535; the owner of its cells'),
    name: z.string(),
    color: z.string().describe('#rrggbb'),
    token: z.string().describe('Bearer token for POST /cells and /patterns. Shown once: the server keeps only a hash'),
  })
  .meta({ id: 'NewPlayer' });

/** Register POST /players. */
export function registerPlayerRoutes(app: ZodApp, ctx: ServerContext): void {
  app.post(
    '/players',
    {
      config: { rateLimit: playerCreateRateLimit(ctx.config.limits.playerCreatePerMinute) },
      schema: {
        tags: ['players'],
        summary: 'Create a player',
        body: CreatePlayerBody,
        response: { 201: NewPlayerReply, ...errorReplies(400, 429, 503) },
      },
    },
    async (request, reply) => {
      // The token is handed out only once the sim has made the player durable.
      const { player, token } = await ctx.players.create(request.body.name);
      request.log.info({ playerId: player.id }, 'player created');
      return reply.code(201).send({ id: player.id, name: player.name, color: player.color, token });
    },
  );
}
