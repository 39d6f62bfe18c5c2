/**
 * `POST /patterns`: place an RLE pattern, optionally flipped then rotated, with its
 * top-left at (x, y). On a torus the pattern wraps across the edges; in a bounded world
 * a cell outside is LIFE_ERR_OUT_OF_WORLD. Same budget and all-or-nothing rules as
 * `POST /cells`.
 */
import { z } from 'zod';
import { patternCells } from '../../placement/pattern-cells.js';
import { currentPlayer, playerAuth } from '../auth.js';
import { admitPlacements } from '../overload.js';
import {
  ASKS_SIM,
  BODY_ERRORS,
  LIMITED,
  SHED,
  PLACEMENT_ERRORS,
  PLAYER_AUTH,
  PLAYER_SECURITY,
  PlacementReply,
  errorReplies,
  replyOf,
} from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

const PlacePatternBody = z.object({
  rle: z.string().min(1).describe('The pattern in RLE (header optional); its rule, if any, is ignored'),
  x: z.int().describe('Column of the top-left of the (transformed) pattern'),
  y: z.int().describe('Row of the top-left of the (transformed) pattern'),
  rotate: z.literal([0, 90, 180, 270]).default(0).describe('Clockwise rotation in degrees, applied after the flip'),
  flip: z.enum(['none', 'horizontal', 'vertical']).default('none').describe('Mirror, applied first'),
});

/** Register POST /patterns. */
export function registerPatternRoutes(app: ZodApp, ctx: ServerContext): void {
  app.post(
    '/patterns',
    {
      onRequest: admitPlacements(ctx.admission),
      preParsing: playerAuth(ctx.players),
      schema: {
        operationId: 'placePattern',
        tags: ['cells'],
        summary: 'Place an RLE pattern (all or nothing)',
        description: 'Flipped, then rotated, then its top-left put at (x, y); wraps on a torus. Same budget and all-or-nothing rules as POST /cells.',
        security: PLAYER_SECURITY,
        body: PlacePatternBody,
        response: {
          202: replyOf("Placed: the pattern's cells are live at `generation`", PlacementReply),
          ...errorReplies(PLAYER_AUTH, BODY_ERRORS, ['RLE_INVALID', 'RLE_TOO_LARGE'], PLACEMENT_ERRORS, LIMITED, SHED, ASKS_SIM),
        },
      },
    },
    async (request, reply) => {
      const player = currentPlayer(request);
      const cells = patternCells(ctx.sim.geometry, request.body, ctx.config.limits.maxCellsPerRequest);
      return reply.code(202).send(await ctx.sim.place(player, cells, 'rest'));
    },
  );
}
