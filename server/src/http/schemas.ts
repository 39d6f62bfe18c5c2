/**
 * zod schemas shared by several routes. The same schemas validate requests, type the
 * handlers and generate the OpenAPI document at /docs.
 */
import { z } from 'zod';

/** The body of every error reply. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('A stable LIFE_ERR_* code from the error catalogue'),
      message: z.string().describe('A human-readable explanation'),
    }),
  })
  .meta({ id: 'Error' });

/** A cell coordinate pair `[x, y]` in world coordinates. */
export const CellXY = z.tuple([z.int(), z.int()]).describe('[x, y] in world cells');

/** Reply of an accepted placement. */
export const PlacementReply = z
  .object({
    accepted: z.int().describe('Cells placed'),
    generation: z.int().describe('The generation at which the cells are live (the next one)'),
  })
  .meta({ id: 'PlacementReply' });

/** Error replies, keyed by status, for a route's `response` schema. */
export function errorReplies(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody]));
}

/** OpenAPI security requirement of player routes. */
export const PLAYER_SECURITY = [{ playerToken: [] }];
/** OpenAPI security requirement of admin routes. */
export const ADMIN_SECURITY = [{ adminToken: [] }];
