/** `GET /world`: the shape, rule and state of the world. */
import { z } from 'zod';
import { CHUNK_SIZE, TOPOLOGIES } from '@lifemmo/shared';
import { LIMITED, errorReplies, replyOf } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

const WorldReply = z
  .object({
    width: z.int().describe('World width in cells'),
    height: z.int().describe('World height in cells'),
    topology: z.enum(TOPOLOGIES).describe('torus: edges wrap; bounded: outside is dead'),
    rule: z.string().describe('Rule in B/S notation'),
    chunkSize: z.int().describe('Side of a chunk in cells'),
    shardSize: z.int().describe('Side of a shard in cells'),
    generation: z.int(),
    population: z.int().describe('Live cells'),
    tickMs: z.int().describe('Target time between generations, ms'),
    paused: z.boolean(),
  })
  .meta({ id: 'World' });

/** Register GET /world. */
export function registerWorldRoutes(app: ZodApp, ctx: ServerContext): void {
  app.get(
    '/world',
    {
      schema: {
        operationId: 'getWorld',
        tags: ['world'],
        summary: 'World shape and state',
        description: "From the sim's latest summary: answers even while the sim is busy or out of reach (then with the last state seen).",
        response: { 200: replyOf('The world', WorldReply), ...errorReplies(LIMITED) },
      },
    },
    async () => {
      // From the sim's latest summary: no request, so /world answers even while the sim is busy.
      const { sim } = ctx;
      const g = sim.geometry;
      return {
        width: g.width,
        height: g.height,
        topology: g.topology,
        rule: sim.rule,
        chunkSize: CHUNK_SIZE,
        shardSize: g.shardChunks * CHUNK_SIZE,
        generation: sim.generation,
        population: sim.population,
        tickMs: sim.tickMs,
        paused: sim.paused,
      };
    },
  );
}
