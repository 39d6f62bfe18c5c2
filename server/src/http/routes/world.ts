/** `GET /world`: the shape, rule and state of the world. */
import { z } from 'zod';
import { CHUNK_SIZE, TOPOLOGIES, type RegionState, type WorldInfo } from '@lifemmo/shared';
import type { RegionStatus } from '../../gateway/region-merge.js';
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
      regions: z
        .array(
          z.object({
            id: z.int(),
            generation: z.int().describe("The region's latest generation (the world's is the least of them)"),
            behind: z.int().describe('Generations behind the region furthest ahead'),
            paused: z.boolean(),
            lagMs: z.int().describe('How far its tick ran behind its schedule at its latest tick, ms'),
            heardMsAgo: z.int().describe('Ms since its latest summary arrived (-1: never)'),
          }),
        )
        .optional()
        .describe('A world split into regions (REGIONS): where each region is; absent for a whole world'),
    })
    .meta({ id: 'World' }),
);

/** Where each region of a split world is, for GET /world. */
function regionStates(status: readonly RegionStatus[], now: number): RegionState[] {
  const ahead = Math.max(...status.map((r) => r.generation));
  return status.map((r) => ({
    id: r.id,
    generation: r.generation,
    behind: ahead - r.generation,
    paused: r.paused,
    lagMs: Math.round(r.lagMs),
    heardMsAgo: r.heardAt === 0 ? -1 : Math.max(0, now - r.heardAt),
  }));
}

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
        ...(sim.regions > 1 && { regions: regionStates(sim.regionStatus(), Date.now()) }),
      };
    },
  );
}
