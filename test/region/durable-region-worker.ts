/**
 * Test support: one DurableRegion on a worker thread (region-durability.test.ts), its halos
 * relayed by the parent through the thread's port, so that the test can terminate the
 * thread (a real, abrupt end: no final snapshot, log records still queued in memory lost)
 * and start another on the same directory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { DEFAULT_SHARD_CHUNKS, Geometry, parseRule } from '@lifemmo/shared';
import type { CellLogicOptions, LiveCell, Seeding } from '../../server/src/engine/index.js';
import { DurableRegion, HaloInbox, layoutRegions, parseRegionSpec, type HaloLink } from '../../server/src/region/index.js';

/** What the thread is given (plain data: it is cloned). */
export interface RegionThreadInput {
  readonly world: {
    readonly width: number;
    readonly height: number;
    readonly topology: 'torus' | 'bounded';
    readonly shardChunks: number;
    readonly seed: number;
    readonly tickMs: number;
    readonly cellLogic: CellLogicOptions;
  };
  /** The rule as text (parsed in the thread). */
  readonly rule: string;
  /** A REGIONS value, and the region this thread steps. */
  readonly spec: string;
  readonly regionId: number;
  readonly dir: string;
  readonly snapshotEvery: number;
  /** A fresh region: seeded with this, then these cells placed, before it starts; null: recover only. */
  readonly fresh: { readonly seeding: Seeding; readonly placed: ReadonlyArray<{ owner: number; cells: Array<[number, number]> }> } | null;
  /** Report the region's cells at every generation that is a multiple of this. */
  readonly every: number;
}

/** From the parent: a neighbour's halo, or start ticking. */
export type ToRegionThread = { readonly type: 'halo'; readonly halo: Uint8Array } | { readonly type: 'go' };
/** To the parent. */
export type FromRegionThread =
  | { readonly type: 'halo'; readonly halo: Uint8Array }
  | {
      readonly type: 'ready';
      readonly generation: number;
      readonly snapshotGeneration: number | null;
      readonly replayedRecords: number;
      /** Time Persistence.recover took in the thread, ms (the rest of a restart is the thread's start). */
      readonly recoverMs: number;
    }
  | { readonly type: 'tick'; readonly generation: number; readonly cells?: LiveCell[] }
  | { readonly type: 'failed'; readonly message: string };

const input = workerData as RegionThreadInput;
const port = parentPort!;
const post = (message: FromRegionThread): void => port.postMessage(message);

const inbox = new HaloInbox();
const link: HaloLink = {
  send: (halo) => post({ type: 'halo', halo }),
  onHalo: (listener) => inbox.onHalo(listener),
  receive: (from, epoch, generation) => inbox.take(from, epoch, generation),
  reset: (epoch) => inbox.enter(epoch),
};
let go: () => void = () => undefined;
const started = new Promise<void>((resolve) => (go = resolve));
port.on('message', (message: ToRegionThread) => {
  if (message.type === 'go') {
    go();
    return;
  }
  inbox.deliver(message.halo);
});

async function main(): Promise<void> {
  const world = { ...input.world, rule: parseRule(input.rule) };
  const layout = layoutRegions(parseRegionSpec(input.spec), new Geometry({ ...world, shardChunks: world.shardChunks ?? DEFAULT_SHARD_CHUNKS }));
  const region = new DurableRegion({
    world,
    layout,
    regionId: input.regionId,
    link,
    dir: input.dir,
    log: pino({ level: 'silent' }),
    snapshotEvery: input.snapshotEvery,
    budget: { capacity: 1_000_000, refillPerGen: 0 },
    maxCellsPerRequest: 1_000_000,
    resendMs: 50,
  });
  region.engine.onTick(() => {
    const generation = region.engine.generation;
    post({ type: 'tick', generation, ...(generation % input.every === 0 && { cells: region.region.liveCells() }) });
  });
  const began = performance.now();
  const report = await region.recover();
  const recoverMs = performance.now() - began;
  if (input.fresh !== null) {
    await region.engine.reset({ seeding: input.fresh.seeding });
    await region.persistence.sync();
    for (const { owner, cells } of input.fresh.placed) await region.placement.place(owner, cells);
  }
  post({ type: 'ready', generation: region.engine.generation, snapshotGeneration: report.snapshotGeneration, replayedRecords: report.replayedRecords, recoverMs });
  await started;
  region.start();
}

main().catch((err: unknown) => post({ type: 'failed', message: err instanceof Error ? err.stack ?? err.message : String(err) }));
