/** `GET /world`: the shape, rule and state of the world. */
import { z } from 'zod';
import { CHUNK_SIZE, TOPOLOGIES, type WorldInfo } from '@lifemmo/shared';
import { LIMITED, SHED, errorReplies, replyOf, conforming } from '../schemas.js';
import type { ServerContext, ZodApp } from '../server-context.js';

const WorldReply = conforming<WorldInfo>()(
  z
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
      lagMs: z.int().describe('How far the tick runs behind its schedule now, ms: 0 when the world keeps its tick rate (and while paused)'),
      ticksPerSecond: z.number().describe('Ticks per second the world managed over the last few seconds (1000 / tickMs when it keeps up)'),
    })
    .meta({ id: 'World' }),
);

/** Register GET /world. */
export function registerWorldRoutes(app: ZodApp, ctx: ServerContext): void {
  app.get(
    '/world',
    {
      schema: {
        operationId: 'getWorld',
        tags: ['world'],
        summary: 'World shape and state',
        description: "From the sim's latest summary: answers even while the sim is busy or out of reach (then with the last state seen). A world too busy for its tick rate shows here: `lagMs` grows and `ticksPerSecond` falls below 1000 / `tickMs`.",
        response: { 200: replyOf('The world', WorldReply), ...errorReplies(LIMITED, SHED) },
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
        lagMs: Math.round(sim.lagMs),
        ticksPerSecond: Math.round(sim.ticksPerSecond * 100) / 100,
      };
    },
  );
}
