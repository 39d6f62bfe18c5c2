/**
 * One worker thread of the regions benchmark (bench/regions-scenario.ts): a whole-world
 * Engine, or a RegionEngine whose halos go over LocalBus ends (MessagePorts to the other
 * regions' threads). It seeds the world, steps the warm-up, says `warm`, waits for `go`,
 * steps the measured generations and says `done` with its figures.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { CONWAY, DEFAULT_SHARD_CHUNKS, Geometry, type Rect } from '@lifemmo/shared';
import { LocalBus } from '../server/src/bus/index.js';
import { Engine, type CellLogicOptions, type LiveCell, type Seeding } from '../server/src/engine/index.js';
import { RegionEngine, layoutRegions, linkOverBus, parseRegionSpec, type HaloCounts } from '../server/src/region/index.js';
import { subjectsFor } from '../server/src/wire/index.js';

/** What the scenario hands each worker. */
export interface RegionWorkerInput {
  readonly side: number;
  readonly seed: number;
  readonly cellLogic: CellLogicOptions;
  readonly seeding: Seeding;
  /** A REGIONS value and the region this thread steps, or null for the whole world. */
  readonly regions: string | null;
  readonly regionId: number;
  /** One LocalBus end per neighbouring region's thread. */
  readonly ports: MessagePort[];
  readonly warmup: number;
  readonly generations: number;
}

/** One measured tick. */
export interface TickFigures {
  readonly durationMs: number;
  readonly borderWaitMs: number;
  readonly candidates: number;
}

/** What a worker reports once its measured generations are stepped. */
export interface RegionWorkerResult {
  readonly ticks: TickFigures[];
  /** Halos over the measured generations (zero for the whole world). */
  readonly halos: HaloCounts;
  /** An order-free hash of its live cells and owners (so regions' parts add up to the whole's), and their count. */
  readonly hash: { sum: number; xor: number; cells: number };
  readonly generation: number;
}

export type FromRegionWorker = { type: 'warm' } | { type: 'done'; result: RegionWorkerResult } | { type: 'failed'; message: string };
export type ToRegionWorker = { type: 'go' };

/** A 32-bit mix of one cell (murmur3's finaliser over its packed coordinates and owner). */
function mix(x: number, y: number, owner: number, salt: number): number {
  let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca77) ^ Math.imul(owner + salt, 0xc2b2ae3d);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Sum and xor of two independent mixes of every cell: the same for any split of the cells. */
export function cellsHash(cells: readonly LiveCell[]): { sum: number; xor: number; cells: number } {
  let sum = 0;
  let xor = 0;
  for (const [x, y, owner] of cells) {
    sum = (sum + mix(x, y, owner, 1)) >>> 0;
    xor = (xor ^ mix(x, y, owner, 2)) >>> 0;
  }
  return { sum, xor, cells: cells.length };
}

const ZERO: HaloCounts = { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0 };

async function main(input: RegionWorkerInput, port: MessagePort): Promise<void> {
  const options = { width: input.side, height: input.side, topology: 'torus' as const, rule: CONWAY, seed: input.seed, cellLogic: input.cellLogic };
  let engine: Engine;
  let region: RegionEngine | null = null;
  let cells: Rect = { x: 0, y: 0, w: input.side, h: input.side };
  const buses = input.ports.map((p) => new LocalBus(p));
  let badHalo: unknown = null;
  if (input.regions === null) {
    engine = new Engine(options);
  } else {
    const layout = layoutRegions(parseRegionSpec(input.regions), new Geometry({ ...options, shardChunks: DEFAULT_SHARD_CHUNKS }));
    const link = linkOverBus(buses, subjectsFor('bench'), layout.regions[input.regionId]!, (err) => (badHalo = err));
    region = new RegionEngine(options, layout, input.regionId, link);
    engine = region.engine;
    cells = region.cells;
  }
  const ticks: TickFigures[] = [];
  let measuring = false;
  engine.onTick(({ stats }) => {
    if (measuring) ticks.push({ durationMs: stats.durationMs, borderWaitMs: stats.borderWaitMs, candidates: stats.candidates });
  });
  await engine.reset({ seeding: input.seeding });
  await engine.step(input.warmup);
  const go = new Promise<void>((resolve) => port.once('message', (m: ToRegionWorker) => m.type === 'go' && resolve()));
  port.postMessage({ type: 'warm' } satisfies FromRegionWorker);
  await go;
  const before = region?.haloCounts ?? ZERO;
  measuring = true;
  await engine.step(input.generations);
  measuring = false;
  const after = region?.haloCounts ?? ZERO;
  if (badHalo !== null) throw badHalo;
  const result: RegionWorkerResult = {
    ticks,
    halos: {
      sentMessages: after.sentMessages - before.sentMessages,
      sentBytes: after.sentBytes - before.sentBytes,
      receivedMessages: after.receivedMessages - before.receivedMessages,
      receivedBytes: after.receivedBytes - before.receivedBytes,
    },
    hash: cellsHash(engine.liveCells(cells)),
    generation: engine.generation,
  };
  port.postMessage({ type: 'done', result } satisfies FromRegionWorker);
  // A neighbour may still wait for this region's last halo: it was sent at the last commit,
  // so the buses stay open until the scenario ends the threads.
  await engine.stop();
}

const port = parentPort as MessagePort;
main(workerData as RegionWorkerInput, port).catch((err: unknown) => {
  port.postMessage({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies FromRegionWorker);
});
