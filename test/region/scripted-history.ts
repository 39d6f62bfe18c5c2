/**
 * Test support: the scripted world of the regions' main test (region-history.test.ts) and
 * how to run it to a History, on any SteppedWorld.
 *
 * The world: a seeded soup whose patches straddle the x = 192 and y = 192 borders, two
 * owned soup patches meeting on the x = 128 border (births there have parents of two owners
 * on both sides), two more meeting across both torus seams, and gliders, R-pentominoes and
 * a spaceship placed at later generations across borders and seams. Faults on.
 */
import { CONWAY, LifeError, mod, mulberry32, parseRle } from '@lifemmo/shared';
import type { CellLogicOptions, Engine, Seeding } from '@lifemmo/server/engine';
import { worldHash, type SteppedWorld, type WorldOptions } from './region-world.js';

const SIZE = 256;
/** Faults on: 3% of calls lost, about 10% time out (latency U[0, 1) ms, timeout 0.9 ms). */
export const FAULTY: CellLogicOptions = { kind: 'simulated', latencyModel: 'uniform', latencyMs: 0, jitterMs: 1, loss: 0.03, timeoutMs: 0.9 };
export const OPTIONS: WorldOptions = { width: SIZE, height: SIZE, topology: 'torus', shardChunks: 1, rule: CONWAY, seed: 2026, cellLogic: FAULTY };
/** Patches centred at 64 and 192 of each 128-cell block: across the x = 192 and y = 192 borders. */
const SEEDING: Seeding = { soup: { density: 0.3, patch: 48, spacing: 128 }, patterns: [] };
export const GENERATIONS = 300;

type Cells = Array<[number, number]>;

function shape(rle: string, x: number, y: number): Cells {
  return parseRle(rle).cells.map(([dx, dy]) => [mod(x + dx, SIZE), mod(y + dy, SIZE)]);
}

function soupPatch(x: number, y: number, w: number, h: number, seed: number): Cells {
  const random = mulberry32(seed);
  const out: Cells = [];
  for (let dy = 0; dy < h; dy++) for (let dx = 0; dx < w; dx++) if (random() < 0.4) out.push([mod(x + dx, SIZE), mod(y + dy, SIZE)]);
  return out;
}

const GLIDER = 'bo$2bo$3o!';
const R_PENTOMINO = 'b2o$2o$bo!';
const LWSS = 'bo2bo$o4b$o3bo$4o!';

/** What is placed, by generation, and by whom. */
const SCRIPT: Array<{ generation: number; owner: number; cells: Cells }> = [
  // Two players' soups meeting on the x = 128 border (and the 2x2 corner at y = 128).
  { generation: 0, owner: 1, cells: soupPatch(104, 116, 24, 24, 11) },
  { generation: 0, owner: 2, cells: soupPatch(128, 116, 24, 24, 12) },
  // Two more meeting across both torus seams.
  { generation: 0, owner: 3, cells: soupPatch(244, 244, 12, 24, 13) },
  { generation: 0, owner: 4, cells: soupPatch(0, 244, 12, 24, 14) },
  { generation: 10, owner: 5, cells: shape(GLIDER, 96, 224) },
  { generation: 25, owner: 6, cells: shape(GLIDER, 254, 100) }, // straddles the x seam
  { generation: 40, owner: 1, cells: shape(R_PENTOMINO, 190, 100) }, // on the x = 192 border
  { generation: 40, owner: 2, cells: shape(R_PENTOMINO, 100, 190) }, // on the y = 192 border
  { generation: 120, owner: 6, cells: shape(LWSS, 60, 126) }, // straddles y = 128
  { generation: 200, owner: 5, cells: shape(GLIDER, 255, 255) }, // on both seams at once
];

export interface History {
  /** worldHash at generations 50, 100, ..., 300. */
  readonly hashes: string[];
  readonly births: number[];
  readonly totals: SteppedWorld['totals'];
  /** Placements the world refused (the same ones everywhere, or the histories differ). */
  readonly refused: number;
}

export async function run(make: (setup: (engine: Engine) => void) => SteppedWorld, generations = GENERATIONS): Promise<History> {
  // Seeding goes through each engine's reset, as an admin reset would: a region keeps its share.
  const resets: Array<Promise<void>> = [];
  const world = make((engine) => resets.push(engine.reset({ seeding: SEEDING })));
  await Promise.all(resets);
  const hashes: string[] = [];
  let refused = 0;
  while (world.generation < generations) {
    const g = world.generation;
    for (const entry of SCRIPT.filter((e) => e.generation === g)) {
      try {
        world.place(entry.cells, entry.owner);
      } catch (err) {
        if (!(err instanceof LifeError)) throw err;
        refused++;
      }
    }
    const next = Math.min(...SCRIPT.map((e) => e.generation).filter((e) => e > g), (Math.floor(g / 50) + 1) * 50);
    await world.step(next - g);
    if (world.generation % 50 === 0) hashes.push(worldHash(world.liveCells()));
  }
  return { hashes, births: [0, 1, 2, 3, 4, 5, 6].map((o) => world.birthsOf(o)), totals: { ...world.totals }, refused };
}
