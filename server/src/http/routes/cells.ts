/**
 * `POST /cells` places cells for the calling player; `GET /cells` reads a region's live
 * cells as JSON or RLE.
 */
import { z } from 'zod';
import { LifeError, mod, writeRle, type PatternCell, type Region } from '@lifemmo/shared';
import { currentPlayer, playerAuth } from '../auth.js';
import { admitPlacements } from '../overload.js';
import {
  ASKS_SIM,
  BODY_ERRORS,
  CellXY,
  LIMITED,
  SHED,
  PLACEMENT_ERRORS,
  PLAYER_AUTH,
  PLAYER_SECURITY,
  PlacementReply,
  errorReplies,
  replyOf, conforming } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

/** The body of POST /cells (also the REST benchmark's floor, bench/rest-floor-server.ts). */
export const PlaceCellsBody = z.object({
  cells: z.array(CellXY).min(1).describe('Cells to make live; at most MAX_CELLS_PER_REQUEST'),
});

const RegionQuery = z.object({
  x: z.coerce.number().int().describe('Left column; any integer on a torus (it wraps)'),
  y: z.coerce.number().int().describe('Top row; any integer on a torus (it wraps)'),
  w: z.coerce.number().int().min(1).describe('Width in cells'),
  h: z.coerce.number().int().min(1).describe('Height in cells'),
  format: z.enum(['json', 'rle']).default('json').describe('json (default) or rle'),
});

const RegionReply = conforming<Region>()(
  z
    .object({
      generation: z.int(),
      cells: z.array(z.tuple([z.int(), z.int(), z.int()])).describe('[x, y, owner] in world coordinates; owner 0 is neutral'),
    })
    .meta({ id: 'Region' }),
);

/** Register POST /cells and GET /cells. */
export function registerCellRoutes(app: ZodApp, ctx: ServerContext): void {
  app.post(
    '/cells',
    {
      // Refused while overloaded before the body is even read (then authenticated).
      onRequest: admitPlacements(ctx.admission),
      preParsing: playerAuth(ctx.players),
      schema: {
        operationId: 'placeCells',
        tags: ['cells'],
        summary: 'Place cells (all or nothing)',
        description: 'The cells are live, owned by the player, at the next generation. When any check fails nothing is placed and no budget is spent (docs/api.md lists the checks in order).',
        security: PLAYER_SECURITY,
        body: PlaceCellsBody,
        response: {
          202: replyOf('Placed: the cells are live at `generation`', PlacementReply),
          ...errorReplies(PLAYER_AUTH, BODY_ERRORS, PLACEMENT_ERRORS, LIMITED, SHED, ASKS_SIM),
        },
      },
    },
    async (request, reply) => {
      const player = currentPlayer(request);
      const result = await ctx.sim.place(player, request.body.cells, 'rest');
      return reply.code(202).send(result);
    },
  );

  app.get(
    '/cells',
    {
      schema: {
        operationId: 'getCells',
        tags: ['cells'],
        summary: 'Live cells of a region',
        description: 'JSON with owners (default), or RLE relative to the region with format=rle (its generation in the x-generation header). On a torus the region wraps.',
        querystring: RegionQuery,
        response: {
          200: {
            description: 'The region as JSON, or as RLE text with format=rle',
            content: {
              'application/json': { schema: RegionReply },
              'text/plain': { schema: z.string() },
            },
          },
          ...errorReplies(['VALIDATION', 'REGION_TOO_LARGE'], LIMITED, SHED, ASKS_SIM),
        },
      },
    },
    async (request, reply) => {
      const { x, y, w, h, format } = request.query;
      const { sim, config } = ctx;
      const g = sim.geometry;
      if (w * h > config.limits.maxRegionArea || w > g.width || h > g.height) {
        throw new LifeError(
          'REGION_TOO_LARGE',
          `Region ${w}x${h} is too large: at most ${config.limits.maxRegionArea} cells and no larger than the world`,
        );
      }
      const { generation, cells } = await sim.cells({ x, y, w, h });
      if (format === 'json') return reply.type('application/json').send({ generation, cells });
      // RLE coordinates are relative to the region's top-left; on a torus the region may
      // wrap, so undo the wrap before offsetting.
      const relative: PatternCell[] = cells.map(([cx, cy]) =>
        g.topology === 'torus' ? [mod(cx - x, g.width), mod(cy - y, g.height)] : [cx - x, cy - y],
      );
      const rle = writeRle({ width: w, height: h, cells: relative, rule: sim.rule });
      return reply
        .type('text/plain')
        .header('x-generation', String(generation))
        .send(`#C lifemmo region x=${x} y=${y} generation ${generation}\n${rle}`);
    },
  );
}
