/**
 * Admin routes over players, registered with the other admin routes (only when
 * ADMIN_TOKEN is set): list them a page at a time, create one without the per-address
 * limit (load tests, tools), delete one, ban one. Deletions and bans are durable in the
 * sim's log before they are acknowledged, and every gateway stops accepting the player's
 * token (docs/cluster.md, "Players and budgets").
 */
import { z } from 'zod';
import type { PlayersPage } from '@lifemmo/shared';
import { MAX_PLAYERS_PAGE } from '../../wire/index.js';
import { AdminGuard } from '../auth.js';
import { ADMIN_AUTH, ADMIN_SECURITY, ASKS_SIM, BODY_ERRORS, LIMITED, errorReplies, replyOf, conforming } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';
import { CreatePlayerBody, NewPlayerReply } from './players.js';

/** Players in a page when `limit` is not given. */
export const DEFAULT_PLAYERS_PAGE = 100;

const ListQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).describe('List players with ids above this (the previous page\'s `next`); default 0'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PLAYERS_PAGE)
    .default(DEFAULT_PLAYERS_PAGE)
    .describe(`Players per page, 1..${MAX_PLAYERS_PAGE}; default ${DEFAULT_PLAYERS_PAGE}`),
});

const ListedPlayer = z
  .object({
    id: z.int(),
    name: z.string(),
    color: z.string(),
    banned: z.boolean(),
    seenAt: z.string().describe('When it was last seen (created, placed, or its token looked up by a gateway), ISO 8601'),
    cells: z.int().describe('Live cells it owns now'),
  })
  .meta({ id: 'ListedPlayer' });

const PlayersPageReply = conforming<PlayersPage>()(
  z
    .object({
      players: z.array(ListedPlayer),
      next: z.int().nullable().describe('`after` of the next page; null on the last page'),
      total: z.int().describe('Players in the world, banned ones included'),
      max: z.int().describe('Most players at once (MAX_PLAYERS)'),
    })
    .meta({ id: 'PlayersPage' }),
);

const IdParams = z.object({ id: z.coerce.number().int().min(1).max(0xffff).describe('Player id') });

const RemovedReply = z.object({ id: z.int(), name: z.string(), deleted: z.literal(true) }).meta({ id: 'DeletedPlayer' });
const BannedReply = z.object({ id: z.int(), name: z.string(), banned: z.literal(true) }).meta({ id: 'BannedPlayer' });

/** Register /admin/players routes, guarded by `adminToken`. */
export function registerAdminPlayerRoutes(app: ZodApp, ctx: ServerContext, adminToken: string): void {
  const guard = new AdminGuard(adminToken);
  const common = { tags: ['admin'], security: ADMIN_SECURITY };
  const onRequest = async (request: Parameters<AdminGuard['require']>[0]) => guard.require(request);

  app.get(
    '/admin/players',
    {
      onRequest,
      schema: {
        ...common,
        operationId: 'listPlayers',
        summary: 'List players, by id, a page at a time',
        querystring: ListQuery,
        response: { 200: replyOf('A page of players, by id', PlayersPageReply), ...errorReplies(['VALIDATION'], ADMIN_AUTH, LIMITED, ASKS_SIM) },
      },
    },
    async (request) => {
      const page = await ctx.sim.listPlayers(request.query.after, request.query.limit);
      return { ...page, players: page.players.map((p) => ({ ...p, seenAt: new Date(p.seenAt).toISOString() })) };
    },
  );

  app.post(
    '/admin/players',
    {
      onRequest,
      schema: {
        ...common,
        operationId: 'adminCreatePlayer',
        summary: 'Create a player (no per-address limit: for load tests and tools)',
        body: CreatePlayerBody,
        response: {
          201: replyOf('The new player and its bearer token, once it is durable', NewPlayerReply),
          ...errorReplies(BODY_ERRORS, ['BAD_NAME', 'TOO_MANY_PLAYERS', 'STORE_FAILED'], ADMIN_AUTH, LIMITED, ASKS_SIM),
        },
      },
    },
    async (request, reply) => {
      const { player, token } = await ctx.players.create(request.body.name);
      request.log.info({ playerId: player.id }, 'player created by admin');
      return reply.code(201).send({ id: player.id, name: player.name, color: player.color, token });
    },
  );

  app.delete(
    '/admin/players/:id',
    {
      onRequest,
      schema: {
        ...common,
        summary: 'Delete a player: its token stops working on every gateway; its id is given again once no cell carries it',
        operationId: 'deletePlayer',
        params: IdParams,
        response: {
          200: replyOf('Deleted, durably', RemovedReply),
          ...errorReplies(['VALIDATION', 'PLAYER_NOT_FOUND', 'STORE_FAILED'], ADMIN_AUTH, LIMITED, ASKS_SIM),
        },
      },
    },
    async (request) => {
      const player = await ctx.sim.deletePlayer(request.params.id);
      request.log.info({ playerId: player.id }, 'player deleted by admin');
      return { id: player.id, name: player.name, deleted: true as const };
    },
  );

  app.post(
    '/admin/players/:id/ban',
    {
      onRequest,
      schema: {
        ...common,
        summary: 'Ban a player: its token is refused on every gateway (401 LIFE_ERR_PLAYER_BANNED); it keeps its id until deleted',
        operationId: 'banPlayer',
        params: IdParams,
        response: {
          200: replyOf('Banned, durably', BannedReply),
          ...errorReplies(['VALIDATION', 'PLAYER_NOT_FOUND', 'STORE_FAILED'], ADMIN_AUTH, LIMITED, ASKS_SIM),
        },
      },
    },
    async (request) => {
      const player = await ctx.sim.banPlayer(request.params.id);
      request.log.info({ playerId: player.id }, 'player banned by admin');
      return { id: player.id, name: player.name, banned: true as const };
    },
  );
}
