/**
 * One run of the regions benchmark in a fresh process (with the server's V8 flags, which
 * its worker threads share), printing one JSON line: the same world stepped by a
 * whole-world Engine on one worker thread (`1`) or by two RegionEngines, each on its own
 * worker thread, halos over a LocalBus pair joined by a MessageChannel (`2`). Run by
 * bench/regions.ts; by hand:
 *   node --max-semi-space-size=256 --import tsx bench/regions-scenario.ts 2 2048 5 20
 * (regions, world side, warm-up generations, measured generations).
 */
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { CellLogicOptions, Seeding } from '../server/src/engine/index.js';
import type { FromRegionWorker, RegionWorkerInput, RegionWorkerResult, ToRegionWorker } from './regions-worker.js';

/** Simulated cell I/O: every candidate's call answers after 1 ms, none lost. */
export const CELL_IO: CellLogicOptions = { kind: 'simulated', latencyModel: 'fixed', latencyMs: 1, jitterMs: 0, loss: 0, timeoutMs: 50 };
/** One soup over the whole world, 30% live (then decaying: the candidates of each generation are reported). */
export const SEEDING: Seeding = { soup: { density: 0.3, patch: 1 << 30, spacing: 1 << 30 }, patterns: [] };
export const SEED = 2026;

/** What one run measured. */
export interface RegionsRun {
  readonly regions: number;
  /** Wall time of the measured generations, from `go` to the last thread's `done`, ms. */
  readonly wallMs: number;
  readonly ticksPerSecond: number;
  /** Per thread (region id order). */
  readonly perRegion: RegionWorkerResult[];
  /** The whole world's order-free hash: the threads' sums and xors combined. */
  readonly hash: string;
  readonly generation: number;
}

interface Thread {
  readonly worker: Worker;
  next(): Promise<FromRegionWorker>;
}

function startThread(input: RegionWorkerInput): Thread {
  const worker = new Worker(new URL('./regions-worker-entry.mjs', import.meta.url), { workerData: input, transferList: input.ports });
  const queue: FromRegionWorker[] = [];
  let wake: (() => void) | null = null;
  const failed = (message: string) => {
    queue.push({ type: 'failed', message });
    wake?.();
  };
  worker.on('message', (m: FromRegionWorker) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (err) => failed(err.stack ?? err.message));
  worker.on('exit', (code) => failed(`worker exited with code ${code}`));
  return {
    worker,
    async next() {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = queue.shift()!;
      if (m.type === 'failed') throw new Error(`region thread failed: ${m.message}`);
      return m;
    },
  };
}

/** Step the world `warmup` then `generations` generations as `regions` (1 or 2) regions; see the module comment. */
export async function runRegions(regions: 1 | 2, side: number, warmup: number, generations: number): Promise<RegionsRun> {
  let ports: MessagePort[][] = [[]];
  if (regions === 2) {
    const { port1, port2 } = new MessageChannel();
    ports = [[port1], [port2]];
  }
  const threads = ports.map((p, regionId) =>
    startThread({ side, seed: SEED, cellLogic: CELL_IO, seeding: SEEDING, regions: regions === 1 ? null : String(regions), regionId, ports: p, warmup, generations }),
  );
  try {
    for (const t of threads) if ((await t.next()).type !== 'warm') throw new Error('expected warm');
    const t0 = performance.now();
    for (const t of threads) t.worker.postMessage({ type: 'go' } satisfies ToRegionWorker);
    const perRegion: RegionWorkerResult[] = [];
    for (const t of threads) {
      const m = await t.next();
      if (m.type !== 'done') throw new Error('expected done');
      perRegion.push(m.result);
    }
    const wallMs = performance.now() - t0;
    let sum = 0;
    let xor = 0;
    let cells = 0;
    for (const r of perRegion) {
      sum = (sum + r.hash.sum) >>> 0;
      xor = (xor ^ r.hash.xor) >>> 0;
      cells += r.hash.cells;
    }
    const hash = `${sum.toString(16).padStart(8, '0')}${xor.toString(16).padStart(8, '0')}/${cells}`;
    const generation = perRegion[0]!.generation;
    if (perRegion.some((r) => r.generation !== generation)) throw new Error('regions ended at different generations');
    return { regions, wallMs, ticksPerSecond: generations / (wallMs / 1000), perRegion, hash, generation };
  } finally {
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [regions, side, warmup, generations] = process.argv.slice(2).map(Number);
  if (regions !== 1 && regions !== 2) throw new Error('regions: 1 or 2');
  const run = await runRegions(regions, side!, warmup!, generations!);
  process.stdout.write(JSON.stringify(run) + '\n');
  process.exit(0);
}
