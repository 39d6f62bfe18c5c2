/**
 * What one member of a regions benchmark run does, wherever it runs (a worker thread,
 * bench/regions-worker.ts, or a child process, bench/regions-process.ts): a whole-world
 * Engine, or a RegionEngine whose halos go over the buses it is given. It seeds the world,
 * steps the warm-up, says `warm`, waits for `go`, steps the measured generations and says
 * `done` with its figures. Only the buses and the channel to the scenario differ.
 */
import { CONWAY, DEFAULT_SHARD_CHUNKS, Geometry, type Rect } from '@lifemmo/shared';
import type { Bus } from '../server/src/bus/index.js';
import { Engine, type CellLogicOptions, type LiveCell, type Seeding } from '../server/src/engine/index.js';
import { RegionEngine, layoutRegions, linkOverBus, parseRegionSpec, type HaloCounts } from '../server/src/region/index.js';
import { subjectsFor } from '../server/src/wire/index.js';

/** The world and the part of it one member steps. */
export interface RegionStepInput {
  readonly side: number;
  readonly seed: number;
  readonly cellLogic: CellLogicOptions;
  readonly seeding: Seeding;
  /** A REGIONS value and the region this member steps, or null for the whole world. */
  readonly regions: string | null;
  readonly regionId: number;
  readonly warmup: number;
  readonly generations: number;
}

/** One measured tick. */
export interface TickFigures {
  readonly durationMs: number;
  readonly borderWaitMs: number;
  readonly candidates: number;
}

/** Messages and payload bytes a bus connection sent and received (NATS's own counters). */
export interface BusCounts {
  readonly outMessages: number;
  readonly outBytes: number;
  readonly inMessages: number;
  readonly inBytes: number;
}

/** What a member reports once its measured generations are stepped. */
export interface RegionWorkerResult {
  readonly ticks: TickFigures[];
  /** Halos over the measured generations (zero for the whole world). */
  readonly halos: HaloCounts;
  /** The bus connection's own counts over the measured generations, where it keeps them (NATS); null otherwise. */
  readonly bus: BusCounts | null;
  /** An order-free hash of its live cells and owners (so regions' parts add up to the whole's), and their count. */
  readonly hash: { sum: number; xor: number; cells: number };
  readonly generation: number;
  /**
   * CPU time of the member's process over the measured generations, ms, every thread of it
   * (V8's garbage collector's helpers included): for a worker thread, the whole process's.
   */
  readonly processCpuMs: number;
}

export type FromRegionWorker = { type: 'warm' } | { type: 'done'; result: RegionWorkerResult } | { type: 'failed'; message: string };
export type ToRegionWorker = { type: 'go' };

/** How a member talks to the scenario that started it. */
export interface MemberChannel {
  post(message: FromRegionWorker): void;
  /** Resolves on the scenario's `go`. */
  go(): Promise<void>;
}

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

/**
 * Step one member's part of the world (see the module comment) and report to `channel`.
 * `buses` carry the halos (none for the whole world); `busCounts`, when given, reads the
 * bus connection's own counters, taken around the measured generations.
 */
export async function stepMember(input: RegionStepInput, buses: readonly Bus[], channel: MemberChannel, busCounts?: () => BusCounts): Promise<void> {
  const options = { width: input.side, height: input.side, topology: 'torus' as const, rule: CONWAY, seed: input.seed, cellLogic: input.cellLogic };
  let engine: Engine;
  let region: RegionEngine | null = null;
  let cells: Rect = { x: 0, y: 0, w: input.side, h: input.side };
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
  const go = channel.go();
  channel.post({ type: 'warm' });
  await go;
  const before = region?.haloCounts ?? ZERO;
  const busBefore = busCounts?.() ?? null;
  const cpuBefore = process.cpuUsage();
  measuring = true;
  await engine.step(input.generations);
  measuring = false;
  const cpu = process.cpuUsage(cpuBefore);
  const after = region?.haloCounts ?? ZERO;
  const busAfter = busCounts?.() ?? null;
  if (badHalo !== null) throw badHalo;
  const result: RegionWorkerResult = {
    ticks,
    halos: {
      sentMessages: after.sentMessages - before.sentMessages,
      sentBytes: after.sentBytes - before.sentBytes,
      receivedMessages: after.receivedMessages - before.receivedMessages,
      receivedBytes: after.receivedBytes - before.receivedBytes,
    },
    bus:
      busBefore === null || busAfter === null
        ? null
        : {
            outMessages: busAfter.outMessages - busBefore.outMessages,
            outBytes: busAfter.outBytes - busBefore.outBytes,
            inMessages: busAfter.inMessages - busBefore.inMessages,
            inBytes: busAfter.inBytes - busBefore.inBytes,
          },
    hash: cellsHash(engine.liveCells(cells)),
    generation: engine.generation,
    processCpuMs: (cpu.user + cpu.system) / 1000,
  };
  channel.post({ type: 'done', result });
  // A neighbour may still wait for this region's last halo: it was sent at the last commit,
  // so the buses stay open until the scenario ends the member.
  await engine.stop();
}

/** A failure as a `failed` message. */
export function failedMessage(err: unknown): FromRegionWorker {
  return { type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
