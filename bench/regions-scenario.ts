/**
 * One run of the regions benchmark in a fresh process (with the server's V8 flags, which
 * its worker threads share and its child processes inherit), printing one JSON line: the
 * same world stepped by
 *   `whole`:     a whole-world Engine on one worker thread (the floor);
 *   `threads`:   two RegionEngines, each on its own worker thread, halos over a LocalBus
 *                pair joined by a MessageChannel;
 *   `processes`: two RegionEngines, each in its own child process, halos over a
 *                nats-server this run starts on loopback (and stops), one NATS connection each;
 *   `twins`:     two whole-world Engines at once, each on its own worker thread, sharing
 *                nothing: the parallelism two cores give two copies of the floor's work.
 * Run by bench/regions.ts; by hand:
 *   node --max-semi-space-size=256 --import tsx bench/regions-scenario.ts processes 2048 3 20
 * (variant, world side, warm-up generations, measured generations).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { CellLogicOptions, Seeding } from '../server/src/engine/index.js';
import { startNats, type NatsServer } from '../test/support/nats-server.js';
import { stopChild } from './child.js';
import type { FromRegionWorker, RegionStepInput, RegionWorkerResult, ToRegionWorker } from './regions-stepper.js';
import type { RegionWorkerInput } from './regions-worker.js';

/** Simulated cell I/O: every candidate's call answers after 1 ms, none lost. */
export const CELL_IO: CellLogicOptions = { kind: 'simulated', latencyModel: 'fixed', latencyMs: 1, jitterMs: 0, loss: 0, timeoutMs: 50 };
/** One soup over the whole world, 30% live (then decaying: the candidates of each generation are reported). */
export const SEEDING: Seeding = { soup: { density: 0.3, patch: 1 << 30, spacing: 1 << 30 }, patterns: [] };
export const SEED = 2026;

export const VARIANTS = ['whole', 'threads', 'processes', 'twins'] as const;
/** How the world is stepped: see the module comment. */
export type RegionsVariant = (typeof VARIANTS)[number];

/** What one run measured. */
export interface RegionsRun {
  readonly variant: RegionsVariant;
  readonly regions: number;
  /** Wall time of the measured generations, from `go` to the last member's `done`, ms. */
  readonly wallMs: number;
  readonly ticksPerSecond: number;
  /** Per member (region id order). */
  readonly perRegion: RegionWorkerResult[];
  /** The whole world's order-free hash: the members' sums and xors combined. */
  readonly hash: string;
  readonly generation: number;
  /**
   * CPU cores kept busy over the measured generations: CPU time / wall time, of the run's
   * own process (its worker threads and every helper thread) or, for processes, of the two
   * children summed (nats-server not counted).
   */
  readonly coresBusy: number;
}

/** A thread or a child process stepping one region (or the whole world). */
interface Member {
  next(): Promise<FromRegionWorker>;
  go(): void;
  stop(): Promise<void>;
}

/** A queue of a member's messages; a failure (its own, an error, an early exit) rejects the next read. */
function inbox(): { push(m: FromRegionWorker): void; next(): Promise<FromRegionWorker> } {
  const queue: FromRegionWorker[] = [];
  let wake: (() => void) | null = null;
  return {
    push(m) {
      queue.push(m);
      wake?.();
    },
    async next() {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = queue.shift()!;
      if (m.type === 'failed') throw new Error(`region member failed: ${m.message}`);
      return m;
    },
  };
}

function startThread(input: RegionWorkerInput): Member {
  const worker = new Worker(new URL('./regions-worker-entry.mjs', import.meta.url), { workerData: input, transferList: input.ports });
  const box = inbox();
  worker.on('message', (m: FromRegionWorker) => box.push(m));
  worker.on('error', (err) => box.push({ type: 'failed', message: err.stack ?? err.message }));
  worker.on('exit', (code) => box.push({ type: 'failed', message: `worker exited with code ${code}` }));
  return {
    next: box.next,
    go: () => worker.postMessage({ type: 'go' } satisfies ToRegionWorker),
    stop: async () => void (await worker.terminate()),
  };
}

function startProcess(input: RegionStepInput, natsUrl: string): Member {
  // fork inherits this process's node flags (the server's V8 flags and tsx's loader), as a
  // worker thread shares them; its stdout goes to stderr, since this process's stdout is its JSON line.
  const child: ChildProcess = fork(new URL('./regions-process.ts', import.meta.url), [JSON.stringify(input), natsUrl], {
    stdio: ['ignore', 2, 'inherit', 'ipc'],
  });
  const box = inbox();
  child.on('message', (m: FromRegionWorker) => box.push(m));
  child.on('error', (err) => box.push({ type: 'failed', message: err.stack ?? err.message }));
  child.on('exit', (code, signal) => box.push({ type: 'failed', message: `process exited with ${code ?? signal}` }));
  return {
    next: box.next,
    go: () => void child.send({ type: 'go' } satisfies ToRegionWorker),
    stop: () => stopChild(child),
  };
}

/** Step the world `warmup` then `generations` generations as `variant`; see the module comment. */
export async function runRegions(variant: RegionsVariant, side: number, warmup: number, generations: number): Promise<RegionsRun> {
  const regions = variant === 'whole' || variant === 'twins' ? 1 : 2;
  const input = (regionId: number): RegionStepInput => ({
    side,
    seed: SEED,
    cellLogic: CELL_IO,
    seeding: SEEDING,
    regions: regions === 1 ? null : String(regions),
    regionId,
    warmup,
    generations,
  });
  let nats: NatsServer | null = null;
  const members: Member[] = [];
  try {
    if (variant === 'processes') {
      nats = await startNats();
      for (let id = 0; id < regions; id++) members.push(startProcess(input(id), nats.url));
    } else {
      let ports: MessagePort[][] = variant === 'twins' ? [[], []] : [[]];
      if (regions === 2) {
        const { port1, port2 } = new MessageChannel();
        ports = [[port1], [port2]];
      }
      ports.forEach((p, id) => members.push(startThread({ ...input(variant === 'twins' ? 0 : id), ports: p })));
    }
    for (const m of members) if ((await m.next()).type !== 'warm') throw new Error('expected warm');
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const m of members) m.go();
    const perRegion: RegionWorkerResult[] = [];
    for (const m of members) {
      const done = await m.next();
      if (done.type !== 'done') throw new Error('expected done');
      perRegion.push(done.result);
    }
    const wallMs = performance.now() - t0;
    const own = process.cpuUsage(cpu0);
    const cpuMs = variant === 'processes' ? perRegion.reduce((n, r) => n + r.processCpuMs, 0) : (own.user + own.system) / 1000;
    // Twins each step the whole world: one's hash is the world's, and both must agree.
    const parts = variant === 'twins' ? perRegion.slice(0, 1) : perRegion;
    if (variant === 'twins' && JSON.stringify(perRegion[0]!.hash) !== JSON.stringify(perRegion[1]!.hash)) throw new Error('the twins computed different worlds');
    let sum = 0;
    let xor = 0;
    let cells = 0;
    for (const r of parts) {
      sum = (sum + r.hash.sum) >>> 0;
      xor = (xor ^ r.hash.xor) >>> 0;
      cells += r.hash.cells;
    }
    const hash = `${sum.toString(16).padStart(8, '0')}${xor.toString(16).padStart(8, '0')}/${cells}`;
    const generation = perRegion[0]!.generation;
    if (perRegion.some((r) => r.generation !== generation)) throw new Error('regions ended at different generations');
    return { variant, regions, wallMs, ticksPerSecond: generations / (wallMs / 1000), perRegion, hash, generation, coresBusy: cpuMs / wallMs };
  } finally {
    await Promise.all(members.map((m) => m.stop()));
    await nats?.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [variant, ...numbers] = process.argv.slice(2);
  if (!VARIANTS.includes(variant as RegionsVariant)) throw new Error(`variant: one of ${VARIANTS.join(', ')}`);
  const [side, warmup, generations] = numbers.map(Number);
  const run = await runRegions(variant as RegionsVariant, side!, warmup!, generations!);
  process.stdout.write(JSON.stringify(run) + '\n');
  process.exit(0);
}
