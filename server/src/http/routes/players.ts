/** `POST /players`: create a player and hand out its bearer token, once. */
import { z } from 'zod';
import type { NewPlayer } from '@lifemmo/shared';
import { MAX_NAME_LENGTH } from '../../players/player-name.js';
import { playerCreateRateLimit } from '../player-create-limit.js';
import { ASKS_SIM, BODY_ERRORS, LIMITED, SHED, errorReplies, replyOf, conforming } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

export const CreatePlayerBody = z.object({
  // Length and characters are checked by validatePlayerName, so the reply carries
  // LIFE_ERR_BAD_NAME rather than a generic validation error.
  name: z.string().describe(`1 to ${MAX_NAME_LENGTH} letters, digits, spaces, - or _`),
});

export const NewPlayerReply = conforming<NewPlayer>()(
  z
    .object({
      id: z.int().describe('Player id, 1..65535; the owner of its cells'),
      name: z.string(),
      color: z.string().describe('#rrggbb'),
      token: z.string().describe('Bearer token for POST /cells and /patterns. Shown once: the server keeps only a hash'),
    })
    .meta({ id: 'NewPlayer' }),
);

/** Register POST /players. */
export function registerPlayerRoutes(app: ZodApp, ctx: ServerContext): void {
  app.post(
    '/players',
    {
      config: { rateLimit: playerCreateRateLimit(ctx.config.limits.playerCreatePerMinute) },
      schema: {
        operationId: 'createPlayer',
        tags: ['players'],
        summary: 'Create a player',
        description: 'The token in the reply is shown once: keep it. Names are display names, not unique.',
        body: CreatePlayerBody,
        response: {
          201: replyOf('The new player and its bearer token, once it is durable', NewPlayerReply),
          ...errorReplies(BODY_ERRORS, ['BAD_NAME', 'TOO_MANY_PLAYERS', 'STORE_FAILED', 'PLAYER_CREATE_RATE_LIMITED'], LIMITED, SHED, ASKS_SIM),
        },
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
