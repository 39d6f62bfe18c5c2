/**
 * `GET /density`: where the life is, at low resolution, for the web client's minimap.
 * The world is cut into at most MAX_BINS x MAX_BINS square bins of whole chunks and each
 * non-empty bin reports its live cells. Cost follows the live chunks (the engine keeps
 * only those), not the world size; the reply is at most MAX_BINS^2 entries (~50 KB).
 */
import { z } from 'zod';
import { CHUNK_SIZE } from '@lifemmo/shared';
import type { ServerContext, ZodApp } from '../server-context.js';

/** Most bins per side: 64 keeps the reply small and is a pixel-or-more on a 200 px minimap. */
export const MAX_BINS = 64;

const DensityReply = z
  .object({
    generation: z.int(),
    width: z.int().describe('World width in cells'),
    height: z.int().describe('World height in cells'),
    binSize: z.int().describe('Side of a bin in cells (a multiple of the chunk size)'),
    cols: z.int().describe('Bins across'),
    rows: z.int().describe('Bins down'),
    bins: z.array(z.tuple([z.int(), z.int(), z.int()])).describe('[column, row, live cells] of every non-empty bin'),
  })
  .meta({ id: 'Density' });

/** Register GET /density. */
export function registerDensityRoute(app: ZodApp, ctx: ServerContext): void {
  app.get(
    '/density',
    { schema: { tags: ['world'], summary: 'Live cells per bin of the world (for minimaps)', response: { 200: DensityReply } } },
    async () => {
      const { engine } = ctx;
      const g = engine.geometry;
      const chunksPerBin = Math.ceil(Math.max(g.chunksX, g.chunksY) / MAX_BINS);
      const binSize = chunksPerBin * CHUNK_SIZE;
      const cols = Math.ceil(g.chunksX / chunksPerBin);
      const rows = Math.ceil(g.chunksY / chunksPerBin);
      const counts = new Map<number, number>();
      // Read-only walk of the live chunks; the handler runs between ticks' awaits, and a
      // chunk's population only changes at the (synchronous) commit.
      for (const chunk of engine.world.chunks) {
        if (chunk.population === 0) continue;
        const key = Math.floor(chunk.cy / chunksPerBin) * cols + Math.floor(chunk.cx / chunksPerBin);
        counts.set(key, (counts.get(key) ?? 0) + chunk.population);
      }
      const bins = [...counts].map(([key, n]): [number, number, number] => [key % cols, Math.floor(key / cols), n]);
      return { generation: engine.generation, width: g.width, height: g.height, binSize, cols, rows, bins };
    },
  );
}
