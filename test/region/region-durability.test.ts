/**
 * Durability of a region (docs/regions.md, "Durability of a region"): each region of a world
 * keeps its own log and snapshots in its own directory. The regions run on their own timers,
 * in lock-step through their halos, faults on; one of them is killed at a random generation
 * (no final snapshot: its engine is abandoned mid-run, its store never closed) and restarted
 * from its directory as the kill left it. Its neighbours wait for it meanwhile, it recovers
 * (snapshot, then its log, borders included) and rejoins, and the world's history, the hash
 * of every cell and owner every EVERY generations, is the one of one engine stepping the
 * whole world. And a region is never restored from another region's directory.
 *
 * The kill, in one process: the region is cut off its links, its directory is copied as it
 * is at that instant (what kill -9 leaves on disk: what was written, not what was queued in
 * memory), and its engine is stopped without Persistence.shutdown. The copy leaves out the
 * lock file: a restarted process takes a dead one's lock over as stale (data-dir-lock.ts),
 * but in one process the abandoned store still holds it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { Engine, type LiveCell, type Seeding } from '@lifemmo/server/engine';
import { DurableRegion, regionDir, regionOfCell, type RegionLayout } from '@lifemmo/server/region';
import { LOCK_FILE } from '@lifemmo/server/store';
import { CONWAY, LifeError, mod, mulberry32 } from '@lifemmo/shared';
import { imageOf } from '../support/dir-image.js';
import { waitFor } from '../support/wait.js';
import { SwitchableLinks, layoutOf, worldHash, type WorldOptions } from './region-world.js';
import type { FromRegionThread, RegionThreadInput, ToRegionThread } from './durable-region-worker.js';
import { FAULTY } from './scripted-history.js';

const SIZE = 256;
/** Regions on their own timers, fast; faults on (drawn per generation, so a replay must draw the same). */
const OPTIONS: WorldOptions = { width: SIZE, height: SIZE, topology: 'torus', shardChunks: 1, rule: CONWAY, seed: 2026, tickMs: 2, cellLogic: FAULTY };
/** Soup over the whole world: every border and seam has life on both sides from generation 0. */
const SOUP: Seeding = { soup: { density: 0.2, patch: 64, spacing: 64 }, patterns: [] };
/** The world's history: its hash every EVERY generations up to END. */
const EVERY = 10;
const END = 120;
/** Small, so a kill lands after a snapshot or before the first one, with log to replay either way. */
const SNAPSHOT_EVERY = 25;
const silent = pino({ level: 'silent' });

function patch(x: number, y: number, w: number, h: number, seed: number): Array<[number, number]> {
  const random = mulberry32(seed);
  const out: Array<[number, number]> = [];
  for (let dy = 0; dy < h; dy++) for (let dx = 0; dx < w; dx++) if (random() < 0.35) out.push([mod(x + dx, SIZE), mod(y + dy, SIZE)]);
  return out;
}

/** Players' cells across the x = 128 and y = 128 borders and both seams (placed at generation 0, live at 1). */
const PLACED = [
  { owner: 1, cells: patch(112, 100, 16, 40, 1) },
  { owner: 2, cells: patch(128, 100, 16, 40, 2) },
  { owner: 3, cells: patch(120, 120, 16, 16, 3) },
  { owner: 4, cells: patch(248, 248, 16, 16, 4) },
];

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lifemmo-regions-'));
  dirs.push(dir);
  return dir;
}

const ALL = { x: 0, y: 0, w: SIZE, h: SIZE };

/** The seeded world on one engine, and the players' cells that are free in it (the same ones are placed everywhere). */
async function seededWorld(): Promise<{ engine: Engine; placed: typeof PLACED }> {
  const engine = new Engine(OPTIONS);
  await engine.reset({ seeding: SOUP });
  // Cells live in the soup or placed by an earlier player are left out.
  const taken = new Set(engine.liveCells(ALL).map(([x, y]) => y * SIZE + x));
  const placed = PLACED.map(({ owner, cells }) => {
    const free = cells.filter(([x, y]) => !taken.has(y * SIZE + x));
    for (const [x, y] of free) taken.add(y * SIZE + x);
    return { owner, cells: free };
  });
  return { engine, placed };
}

/** The history on one engine stepping the whole world: hash by generation. */
async function reference(): Promise<{ placed: typeof PLACED; hashes: Map<number, string> }> {
  const { engine, placed } = await seededWorld();
  const all = ALL;
  for (const { owner, cells } of placed) engine.place(cells, owner);
  const hashes = new Map<number, string>();
  engine.onTick(() => {
    if (engine.generation % EVERY === 0) hashes.set(engine.generation, worldHash(engine.liveCells(all)));
  });
  await engine.step(END);
  return { placed, hashes };
}

/** Each region's cells at every EVERY-th generation it reached, by generation then region. */
class Recorder {
  readonly parts = new Map<number, Map<number, LiveCell[]>>();
  /** Generations a restarted region stepped again with other cells than its first life had. */
  readonly mismatches: string[] = [];

  watch(r: DurableRegion): void {
    r.engine.onTick(() => {
      const g = r.engine.generation;
      if (g % EVERY === 0) this.put(r.region.region.id, g, r.region.liveCells());
    });
  }

  /** Region `id`'s cells at generation `g`. */
  put(id: number, g: number, cells: LiveCell[]): void {
    if (g > END) return;
    let byRegion = this.parts.get(g);
    if (byRegion === undefined) this.parts.set(g, (byRegion = new Map()));
    const before = byRegion.get(id);
    if (before !== undefined && worldHash(before) !== worldHash(cells)) this.mismatches.push(`region ${id} at ${g}`);
    byRegion.set(id, cells);
  }

  hashes(regions: number): Map<number, string> {
    const out = new Map<number, string>();
    for (const [g, byRegion] of this.parts) {
      if (byRegion.size !== regions) continue;
      out.set(g, worldHash([...byRegion.values()].flat().sort((a, b) => a[1] - b[1] || a[0] - b[0])));
    }
    return out;
  }
}

function durableRegion(layout: RegionLayout, id: number, dir: string, links: SwitchableLinks, snapshotEvery = SNAPSHOT_EVERY): DurableRegion {
  return new DurableRegion({
    world: OPTIONS,
    layout,
    regionId: id,
    link: links.link(id),
    dir,
    log: silent,
    snapshotEvery,
    budget: { capacity: 1_000_000, refillPerGen: 0 },
    maxCellsPerRequest: 1_000_000,
    // A restarted region asks at once; this is for a halo lost later.
    resendMs: 50,
  });
}

/** Fresh regions: a logged seeded reset, then the players' cells, each placed (and logged) by the regions that own them. */
async function seeded(regions: readonly DurableRegion[], layout: RegionLayout, placed: typeof PLACED): Promise<void> {
  await Promise.all(regions.map((r) => r.recover()));
  await Promise.all(regions.map((r) => r.engine.reset({ seeding: SOUP })));
  await Promise.all(regions.map((r) => r.persistence.sync()));
  for (const { owner, cells } of placed) {
    const parts = new Map<number, Array<[number, number]>>();
    for (const cell of cells) {
      const id = regionOfCell(layout, cell[0], cell[1]);
      parts.set(id, [...(parts.get(id) ?? []), cell]);
    }
    for (const [id, part] of parts) await regions[id]!.placement.place(owner, part);
  }
}

/** What one run with a kill saw. */
interface KillRun {
  readonly hashes: Map<number, string>;
  readonly mismatches: string[];
  readonly victim: number;
  readonly killedAt: number;
}

async function runWithKill(spec: string, placed: typeof PLACED): Promise<KillRun> {
  const root = await dataDir();
  const layout = layoutOf(OPTIONS, spec);
  const links = new SwitchableLinks(layout);
  const recorder = new Recorder();
  const regions = layout.regions.map((r) => durableRegion(layout, r.id, regionDir(root, r.id), links));
  for (const r of regions) recorder.watch(r);
  await seeded(regions, layout, placed);
  for (const r of regions) r.start();

  const victim = Math.floor(Math.random() * regions.length);
  const killAt = 5 + Math.floor(Math.random() * 80);
  const dead = regions[victim]!;
  let restarted: DurableRegion | null = null;
  try {
    await waitFor(() => dead.engine.generation >= killAt, `region ${victim} at generation ${killAt}`, 60_000);

    // kill -9: cut off, its directory as it is now, its engine abandoned (no shutdown).
    links.cut(victim);
    const killedAt = dead.engine.generation;
    const image = await imageOf(regionDir(root, victim), join(root, `region-${victim}-as-killed`));
    await dead.engine.stop();
    const others = regions.filter((r) => r !== dead);
    // Lock-step: nobody gets more than one generation past the last halo the dead region sent.
    expect(Math.max(...others.map((r) => r.engine.generation))).toBeLessThanOrEqual(killedAt + 1);

    const began = performance.now();
    restarted = durableRegion(layout, victim, image, links);
    recorder.watch(restarted);
    const report = await restarted.recover();
    const recoveredMs = performance.now() - began;
    // It never lost a generation its neighbours built on: they are at most one past it.
    expect(Math.max(...others.map((r) => r.engine.generation))).toBeLessThanOrEqual(report.generation + 1);
    expect(report.generation).toBeGreaterThanOrEqual(killedAt - 1);
    // And it can answer a neighbour one generation behind that lost its halo of the generation before.
    expect(restarted.region.haloOf(report.generation - 1)).not.toBeNull();
    restarted.start();
    const resumed = restarted;
    await waitFor(() => resumed.engine.generation > report.generation, 'the restarted region to step', 30_000);
    const resumeMs = performance.now() - began;
    regions[victim] = restarted;
    // The figure the test reports (docs/regions.md, "Time to resume"); not asserted: a loaded machine makes it anything.
    process.stdout.write(
      `REGIONS=${spec}: region ${victim} killed at generation ${killedAt} (asked at ${killAt}); recovered to ${report.generation} ` +
        `(snapshot ${report.snapshotGeneration ?? 'none'}, ${report.replayedRecords} records replayed) in ${recoveredMs.toFixed(1)} ms; ` +
        `stepping again ${resumeMs.toFixed(1)} ms after the restart began\n`,
    );

    await waitFor(() => regions.every((r) => r.engine.generation >= END), `every region at generation ${END}`, 120_000);
    return { hashes: recorder.hashes(regions.length), mismatches: recorder.mismatches, victim, killedAt };
  } finally {
    const alive = restarted === null ? regions : [...regions.filter((r) => r !== dead && r !== restarted), restarted];
    await Promise.all(alive.map((r) => r.close()));
    if (restarted !== null) {
      await dead.engine.stop();
      // The abandoned store: release its file and lock (nothing reads that directory again).
      await dead.store.close().catch(() => undefined);
    }
  }
}

describe('durability of a region', () => {
  it.each(['2', '4'])('REGIONS=%s: a region killed at a random generation and restarted from its directory gives one engine\'s history', { timeout: 240_000 }, async (spec) => {
    const { placed, hashes: expected } = await reference();
    const run = await runWithKill(spec, placed);
    expect(run.mismatches).toEqual([]);
    const generations = [...expected.keys()];
    expect(generations).toHaveLength(END / EVERY);
    for (const g of generations) expect(run.hashes.get(g), `generation ${g} (region ${run.victim} killed at ${run.killedAt})`).toBe(expected.get(g));
    // The history is not a trivial one: the world changes between samples.
    expect(new Set(expected.values()).size).toBe(generations.length);
  });

  it('REGIONS=2: a region on a worker thread, terminated at a random generation and restarted on its directory, gives one engine\'s history', { timeout: 240_000 }, async () => {
    const { placed, hashes: expected } = await reference();
    const root = await dataDir();
    const layout = layoutOf(OPTIONS, '2');
    const links = new SwitchableLinks(layout);
    const recorder = new Recorder();
    const here = durableRegion(layout, 0, regionDir(root, 0), links);
    recorder.watch(here);
    const parts = (id: number) =>
      placed.map(({ owner, cells }) => ({ owner, cells: cells.filter(([x, y]) => regionOfCell(layout, x, y) === id) })).filter((p) => p.cells.length > 0);
    const thread = { generation: 0 };
    const workers: Worker[] = [];
    /** Region 1 on a new thread over its directory; resolves once it has recovered (and, fresh, been seeded). */
    const startThread = (fresh: boolean) => {
      const input: RegionThreadInput = {
        world: { width: SIZE, height: SIZE, topology: 'torus', shardChunks: 1, seed: OPTIONS.seed, tickMs: OPTIONS.tickMs!, cellLogic: FAULTY },
        rule: OPTIONS.rule.text,
        spec: '2',
        regionId: 1,
        dir: regionDir(root, 1),
        snapshotEvery: SNAPSHOT_EVERY,
        fresh: fresh ? { seeding: SOUP, placed: parts(1) } : null,
        every: EVERY,
      };
      const worker = new Worker(new URL('./durable-region-worker-entry.mjs', import.meta.url), { workerData: input });
      workers.push(worker);
      const halosIn = links.attach(1, (halo) => worker.postMessage({ type: 'halo', halo } satisfies ToRegionThread));
      const ready = new Promise<Extract<FromRegionThread, { type: 'ready' }>>((resolve, reject) => {
        worker.on('error', reject);
        worker.on('message', (m: FromRegionThread) => {
          switch (m.type) {
            case 'halo':
              halosIn(m.halo);
              break;
            case 'tick':
              thread.generation = m.generation;
              if (m.cells !== undefined) recorder.put(1, m.generation, m.cells);
              break;
            case 'ready':
              resolve(m);
              break;
            case 'failed':
              reject(new Error(m.message));
              break;
          }
        });
      });
      return { worker, ready };
    };

    try {
      await here.recover();
      await here.engine.reset({ seeding: SOUP });
      await here.persistence.sync();
      for (const { owner, cells } of parts(0)) await here.placement.place(owner, cells);
      const first = startThread(true);
      await first.ready;
      first.worker.postMessage({ type: 'go' } satisfies ToRegionThread);
      here.start();

      const killAt = 5 + Math.floor(Math.random() * 80);
      await waitFor(() => thread.generation >= killAt, `the thread's region at generation ${killAt}`, 60_000);
      // A real, abrupt end of the thread: whatever it had queued in memory is gone.
      await first.worker.terminate();
      const killedAt = thread.generation;
      expect(here.engine.generation).toBeLessThanOrEqual(killedAt + 1);
      // Its lock names this (live) process, so it is not stale: what an operator does once
      // sure the thread is gone (a dead process's lock is taken over by itself).
      await rm(join(regionDir(root, 1), LOCK_FILE), { force: true });

      const began = performance.now();
      const second = startThread(false);
      const report = await second.ready;
      const recoveredMs = performance.now() - began;
      expect(here.engine.generation).toBeLessThanOrEqual(report.generation + 1);
      second.worker.postMessage({ type: 'go' } satisfies ToRegionThread);
      await waitFor(() => thread.generation > report.generation, 'the restarted thread to step', 30_000);
      const resumeMs = performance.now() - began;
      process.stdout.write(
        `REGIONS=2, worker thread: region 1 terminated at generation ${killedAt} (asked at ${killAt}); recovered to ${report.generation} ` +
          `(snapshot ${report.snapshotGeneration ?? 'none'}, ${report.replayedRecords} records replayed) by ${recoveredMs.toFixed(1)} ms ` +
          `(the thread's start, then ${report.recoverMs.toFixed(1)} ms recovering); stepping again ${resumeMs.toFixed(1)} ms after the restart began\n`,
      );
      await waitFor(() => here.engine.generation >= END && thread.generation >= END, `both regions at generation ${END}`, 120_000);
    } finally {
      await here.close();
      await Promise.all(workers.map((w) => w.terminate()));
    }
    expect(recorder.mismatches).toEqual([]);
    const got = recorder.hashes(2);
    for (const g of expected.keys()) expect(got.get(g), `generation ${g}`).toBe(expected.get(g));
  });

  it('a region restarted exactly at a snapshot (periodic or final), with no log after it, still has its halo of the generation before', { timeout: 60_000 }, async () => {
    const root = await dataDir();
    const layout = layoutOf(OPTIONS, '2');
    const links = new SwitchableLinks(layout);
    const regions = layout.regions.map((r) => durableRegion(layout, r.id, regionDir(root, r.id), links, 5));
    const { placed } = await seededWorld();
    await seeded(regions, layout, placed);
    await Promise.all(regions.map((r) => r.engine.step(5)));
    const snapshotWritten = async () => (await readdir(regionDir(root, 0))).some((n) => /^snapshot-\d+\.lms$/.test(n));
    await waitFor(snapshotWritten, 'the snapshot of generation 5');
    const image = await imageOf(regionDir(root, 0), join(root, 'region-0-at-snapshot'));
    const before = regions[0]!.region.haloOf(4);
    await Promise.all(regions.map((r) => r.close()));

    const again = durableRegion(layout, 0, image, new SwitchableLinks(layout));
    try {
      const report = await again.recover();
      expect(report).toMatchObject({ snapshotGeneration: 5, generation: 5, replayedRecords: 1 }); // the halo record
      expect(before).not.toBeNull();
      expect(again.region.haloOf(4)).toEqual(before);
    } finally {
      await again.close();
    }
    // Its final snapshot (the clean stop above, at generation 5, in its own directory) keeps it too.
    const third = durableRegion(layout, 0, regionDir(root, 0), new SwitchableLinks(layout));
    try {
      expect(await third.recover()).toMatchObject({ snapshotGeneration: 5, generation: 5, replayedRecords: 1 });
      expect(third.region.haloOf(4)).toEqual(before);
    } finally {
      await third.close();
    }
  });

  it("a region is not restored from another region's directory, from its log or from its snapshot", { timeout: 60_000 }, async () => {
    const root = await dataDir();
    const layout = layoutOf(OPTIONS, '2');
    const links = new SwitchableLinks(layout);
    // No snapshot before the close: the first refusal comes from the log alone.
    const regions = layout.regions.map((r) => durableRegion(layout, r.id, regionDir(root, r.id), links, 1_000_000));
    const { placed } = await seededWorld();
    await seeded(regions, layout, placed);
    await Promise.all(regions.map((r) => r.engine.step(6)));
    await Promise.all(regions.map((r) => r.persistence.sync()));
    const logOnly = await imageOf(regionDir(root, 1), join(root, 'region-1-log-only'));
    await Promise.all(regions.map((r) => r.close())); // final snapshots

    const refusal = async (dir: string): Promise<unknown> => {
      const wrong = durableRegion(layout, 0, dir, new SwitchableLinks(layout));
      try {
        return await wrong.recover().then(
          () => null,
          (err: unknown) => err,
        );
      } finally {
        await wrong.engine.stop();
        await wrong.store.close().catch(() => undefined);
      }
    };
    const fromLog = await refusal(logOnly);
    expect(fromLog).toBeInstanceOf(LifeError);
    expect((fromLog as LifeError).code).toBe('LIFE_ERR_VALIDATION');
    expect((fromLog as LifeError).message).toMatch(/another region's log/);
    const fromSnapshot = await refusal(regionDir(root, 1));
    expect(fromSnapshot).toBeInstanceOf(LifeError);
    expect((fromSnapshot as LifeError).code).toBe('LIFE_ERR_VALIDATION');
    expect((fromSnapshot as LifeError).message).toMatch(/outside this engine's region/);

    // Its own directory is fine, at the generation it was closed at.
    const own = durableRegion(layout, 1, regionDir(root, 1), new SwitchableLinks(layout));
    const report = await own.recover();
    expect(report.generation).toBe(6);
    await own.close();
  });
});
