/**
 * Placements across a split world's regions over the bus, coordinated by the home
 * (docs/regions.md, "Running a split world"; region/bus-placement.ts). Two durable regions
 * of a 2-region torus (x < 128 the home, region 0; x >= 128 region 1), each in its own
 * directory, ticking on their own timers, halos in memory; the home reaches region 1's
 * `part.1` over a real LocalBus pair (a MessageChannel), as one sim thread reaches another.
 *
 * A glider across the border lands whole at one generation in both regions (one engine
 * given the same placement at that generation has the same cells); one occupied cell in
 * region 1 refuses it whole (nothing anywhere, the budget unchanged); a placement the
 * budget cannot pay asks no region; a region that does not answer refuses it with nothing
 * placed at home; and what was acknowledged is in both regions' directories: recovered from
 * them (as kill -9 leaves them, and after a clean stop), the cells and the home's budget are
 * there.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import pino from 'pino';
import { LocalBus, subjectsFor } from '@lifemmo/server';
import { Engine, type CellLogicOptions, type LiveCell } from '@lifemmo/server/engine';
import { DurableRegion, PreparedParts, RegionPlacements, linkInProcess } from '@lifemmo/server/region';
import { CONWAY, LifeError, parseRle } from '@lifemmo/shared';
import { imageOf } from '../support/dir-image.js';
import { waitFor } from '../support/wait.js';
import { SwitchableLinks, layoutOf, type WorldOptions } from './region-world.js';

const SIZE = 256;
const LOCAL: CellLogicOptions = { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 };
const OPTIONS: WorldOptions = { width: SIZE, height: SIZE, topology: 'torus', shardChunks: 1, rule: CONWAY, seed: 7, tickMs: 5, cellLogic: LOCAL };
const LAYOUT = layoutOf(OPTIONS, '2');
const SUBJECTS = subjectsFor('test');
/** No refill: a budget's figure is exactly what was charged. */
const BUDGET = { capacity: 12, refillPerGen: 0 };
const GLIDER = 'bo$2bo$3o!';
/** How far past its landing a placement is compared with one engine's. */
const AFTER = 12;
const silent = pino({ level: 'silent' });

type Cells = Array<[number, number]>;

function shape(rle: string, x: number, y: number): Cells {
  return parseRle(rle).cells.map(([dx, dy]) => [x + dx, y + dy] as [number, number]);
}

/** A glider across the x = 128 border: three cells in the home, two in region 1 (its last cell, index 4, is (128, 62)). */
const ACROSS = shape(GLIDER, 126, 60);

const dirs: string[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lifemmo-bus-placement-'));
  dirs.push(dir);
  return dir;
}

/** A directory as kill -9 would leave it (test/support/dir-image.ts), in a temp dir of this test. */
async function copyDir(from: string): Promise<string> {
  return imageOf(from, await tempDir());
}

/** Both regions' cells at every generation both reached, by generation. */
class Recorder {
  readonly #parts = new Map<number, Map<number, LiveCell[]>>();

  watch(r: DurableRegion): void {
    const id = r.region.region.id;
    const record = () => {
      let byRegion = this.#parts.get(r.engine.generation);
      if (byRegion === undefined) this.#parts.set(r.engine.generation, (byRegion = new Map()));
      byRegion.set(id, r.region.liveCells());
    };
    record();
    r.engine.onTick(record);
  }

  /** The world's cells at `g`, once both regions were there. */
  async at(g: number): Promise<LiveCell[]> {
    await waitFor(() => this.#parts.get(g)?.size === 2, `both regions at generation ${g}`);
    return [...this.#parts.get(g)!.values()].flat().sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  }
}

/** One engine stepping the whole world, given the same placements at the same generations. */
async function reference(placements: ReadonlyArray<{ owner: number; cells: Cells; generation: number }>, end: number): Promise<LiveCell[]> {
  const engine = new Engine({ ...OPTIONS, tickMs: 1_000 });
  for (const p of [...placements].sort((a, b) => a.generation - b.generation)) {
    await engine.step(p.generation - 1 - engine.generation);
    engine.place(p.cells, p.owner);
  }
  await engine.step(end - engine.generation);
  return engine.liveCells({ x: 0, y: 0, w: SIZE, h: SIZE });
}

interface World {
  readonly home: DurableRegion;
  readonly far: DurableRegion;
  /** The home's placements (its coordinator). */
  readonly placements: RegionPlacements;
  /** Region 1's side of `part.1`. */
  readonly farParts: PreparedParts;
  readonly recorder: Recorder;
  /** The home's end of the bus to region 1. */
  readonly homeBus: LocalBus;
  readonly farBus: LocalBus;
  /** Stop both (final snapshots) and close the bus. */
  close(): Promise<void>;
}

/** Two durable regions on `dirs` (recovered from them), ticking, the home reaching region 1 over a LocalBus pair. */
async function startWorld(dirs: readonly [string, string], options: { snapshotEvery?: number; requestTimeoutMs?: number } = {}): Promise<World> {
  const links = linkInProcess(LAYOUT);
  const [home, far] = [0, 1].map(
    (id) =>
      new DurableRegion({
        world: OPTIONS,
        layout: LAYOUT,
        regionId: id,
        link: links[id]!,
        dir: dirs[id]!,
        log: silent,
        snapshotEvery: options.snapshotEvery ?? 1_000,
        budget: BUDGET,
        maxCellsPerRequest: 8,
      }),
  ) as [DurableRegion, DurableRegion];
  const { port1, port2 } = new MessageChannel();
  const homeBus = new LocalBus(port1);
  const farBus = new LocalBus(port2);
  // Before recovery: their transactions replay to them.
  const [placements, farPlacements] = [placementsOf(home, homeBus, options.requestTimeoutMs), placementsOf(far, farBus, options.requestTimeoutMs)];
  // Both at once: a tick past one's log waits for the other's halos.
  await Promise.all([home.recover(), far.recover()]);
  const recorder = new Recorder();
  recorder.watch(home);
  recorder.watch(far);
  const fail = (err: unknown) => {
    throw err;
  };
  const served = [placements.serve(fail), farPlacements.serve(fail)];
  placements.resume();
  farPlacements.resume();
  home.start();
  far.start();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const s of served) s.unsubscribe();
    placements.stop();
    farPlacements.stop();
    await Promise.all([home.close(), far.close()]);
    await Promise.all([homeBus.close(), farBus.close()]);
  };
  cleanups.push(close);
  return { home, far, placements, farParts: farPlacements.parts, recorder, homeBus, farBus, close };
}

/** Region `r`'s placements (the home's coordinator, or region 1's parts) on its end of the bus. */
function placementsOf(r: DurableRegion, bus: LocalBus, requestTimeoutMs = 2_000): RegionPlacements {
  return new RegionPlacements({
    layout: LAYOUT,
    regionId: r.region.region.id,
    engine: r.engine,
    placement: r.placement,
    journal: r.persistence,
    peers: bus,
    subjects: SUBJECTS,
    timeoutMs: requestTimeoutMs,
    askAfterMs: 200,
    retryMs: 100,
    log: silent,
  });
}

async function newDirs(): Promise<[string, string]> {
  return [await tempDir(), await tempDir()];
}

/** Cells of `owner` in a region, as [x, y]. */
function cellsOf(r: DurableRegion, owner: number): Cells {
  return r.region
    .liveCells()
    .filter(([, , o]) => o === owner)
    .map(([x, y]) => [x, y] as [number, number]);
}

async function refusal(promise: Promise<unknown>): Promise<LifeError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LifeError);
  return err as LifeError;
}

describe('placements across regions over the bus, from the home', () => {
  it('lands a glider across the border whole, at one generation in both regions, as one engine would', async () => {
    const world = await startWorld(await newDirs());
    const landed: string[] = [];
    for (const r of [world.home, world.far]) {
      r.engine.onTick(({ generation, stats }) => {
        if (stats.placementsApplied > 0) landed.push(`${r.region.region.id}:${generation}:${stats.placementsApplied}`);
      });
    }
    await waitFor(() => world.home.engine.generation >= 3, 'the regions ticking');
    const placed = await world.placements.place(1, ACROSS);
    expect(placed.accepted).toBe(5);
    // Charged once, at home, for all five cells.
    expect(world.home.placement.available(1)).toBe(BUDGET.capacity - 5);

    const end = placed.generation + AFTER;
    const cells = await world.recorder.at(end);
    expect(cells).toEqual(await reference([{ owner: 1, cells: ACROSS, generation: placed.generation }], end));
    expect(cells.length).toBe(5); // a glider, not debris
    // Three cells in the home, two in region 1, both at the placement's generation.
    expect(landed.sort()).toEqual([`0:${placed.generation}:3`, `1:${placed.generation}:2`]);
    expect(world.home.engine.openReservations + world.far.engine.openReservations).toBe(0);
  });

  it('places cells all in the home as one engine does, and those all in region 1 over the bus, each charged at home', async () => {
    const world = await startWorld(await newDirs());
    await waitFor(() => world.home.engine.generation >= 2, 'the regions ticking');
    const reserve = vi.spyOn(world.farParts, 'prepare');
    const inHome = await world.placements.place(1, shape(GLIDER, 20, 20));
    expect(reserve).not.toHaveBeenCalled();
    const inFar = await world.placements.place(1, shape(GLIDER, 200, 20));
    expect(reserve).toHaveBeenCalledTimes(1);
    expect(world.home.placement.available(1)).toBe(BUDGET.capacity - 10);
    const end = Math.max(inHome.generation, inFar.generation) + AFTER;
    const cells = await world.recorder.at(end);
    expect(cells).toEqual(
      await reference(
        [
          { owner: 1, cells: shape(GLIDER, 20, 20), generation: inHome.generation },
          { owner: 1, cells: shape(GLIDER, 200, 20), generation: inFar.generation },
        ],
        end,
      ),
    );
    // Region 1 charged no budget of its own that anyone reads: its service is unused.
    expect(cells.length).toBe(10);
  });

  it('refuses a placement whole when one of its cells in region 1 is live: nothing placed anywhere, the budget unchanged', async () => {
    const world = await startWorld(await newDirs());
    await waitFor(() => world.home.engine.generation >= 2, 'the regions ticking');
    // A block in region 1 (owner 2), on the glider's cell (128, 62).
    const block = await world.placements.place(2, [
      [128, 62],
      [129, 62],
      [128, 63],
      [129, 63],
    ]);
    await waitFor(() => world.far.engine.generation >= block.generation, 'the block landed');
    const before = world.home.placement.available(1);
    const err = await refusal(world.placements.place(1, ACROSS));
    expect(err.code).toBe('LIFE_ERR_CELL_OCCUPIED');
    expect(err.details).toMatchObject({ index: 4, region: 1 });
    expect(world.home.placement.available(1)).toBe(before);
    expect(world.home.engine.openReservations + world.far.engine.openReservations).toBe(0);
    // A few generations on, no cell of player 1 anywhere; the block is still there.
    const g = world.home.engine.generation + 3;
    await world.recorder.at(g);
    expect(cellsOf(world.home, 1)).toEqual([]);
    expect(cellsOf(world.far, 1)).toEqual([]);
    expect(cellsOf(world.far, 2)).toHaveLength(4);
    // The home's cells of the glider are free again: placed alone, they are accepted.
    await expect(world.placements.place(1, ACROSS.filter(([x]) => x < 128))).resolves.toMatchObject({ accepted: 3 });
  });

  it('refuses what the budget cannot pay before any region is asked', async () => {
    const world = await startWorld(await newDirs());
    await waitFor(() => world.home.engine.generation >= 2, 'the regions ticking');
    await world.placements.place(1, shape(GLIDER, 20, 20));
    await world.placements.place(1, shape(GLIDER, 60, 20)); // 10 of 12 taken
    const reserve = vi.spyOn(world.farParts, 'prepare');
    const err = await refusal(world.placements.place(1, ACROSS));
    expect(err.code).toBe('LIFE_ERR_BUDGET_EXCEEDED');
    expect(reserve).not.toHaveBeenCalled();
    expect(world.home.placement.available(1)).toBe(2);
    expect(world.home.engine.openReservations).toBe(0);
    // Validation as one engine: too many cells, outside the world; no cells is nothing placed (gateways refuse it first).
    expect((await refusal(world.placements.place(3, shape('9o!', 120, 5)))).code).toBe('LIFE_ERR_TOO_MANY_CELLS');
    await expect(world.placements.place(3, [])).resolves.toMatchObject({ accepted: 0 });
    expect((await refusal(world.placements.place(3, [[126, 0], [SIZE, 0]]))).code).toBe('LIFE_ERR_OUT_OF_WORLD');
    expect(reserve).not.toHaveBeenCalled();
  });

  it('refuses a placement when region 1 does not answer: nothing placed at home, the budget refunded', async () => {
    const world = await startWorld(await newDirs(), { requestTimeoutMs: 300 });
    await waitFor(() => world.home.engine.generation >= 2, 'the regions ticking');
    // Region 1's sim is gone from the bus: nobody answers part.1.
    await world.farBus.close();
    const err = await refusal(world.placements.place(1, ACROSS));
    expect(['LIFE_ERR_SIM_UNAVAILABLE', 'LIFE_ERR_PLACEMENT_EXPIRED']).toContain(err.code);
    expect(world.home.placement.available(1)).toBe(BUDGET.capacity);
    expect(world.home.engine.openReservations).toBe(0);
    expect(world.far.engine.openReservations).toBe(0);
    const g = world.home.engine.generation + 3;
    await world.recorder.at(g);
    expect(cellsOf(world.home, 1)).toEqual([]);
    expect(cellsOf(world.far, 1)).toEqual([]);
  });

  it.each([
    ['as kill -9 leaves them (copied at the acknowledgement)', 'copy'],
    ['after a clean stop', 'close'],
  ] as const)('keeps what it acknowledged: both regions recovered from their directories %s have the cells and the budget', async (_, how) => {
    const first = await newDirs();
    // A snapshot every generation: one falls between a placement's charge and its records.
    const world = await startWorld(first, { snapshotEvery: 1 });
    await waitFor(() => world.home.engine.generation >= 3, 'the regions ticking');
    // Region 1 answers its commits late (its part durable, the reply held 40 ms): the home
    // ticks and snapshots several times between taking the budget and logging its charge.
    const commit = world.farParts.commit.bind(world.farParts);
    vi.spyOn(world.farParts, 'commit').mockImplementation(async (tx, generation) => {
      await commit(tx, generation);
      await new Promise((resolve) => setTimeout(resolve, 40));
    });
    const placed = [];
    for (let i = 0; i < 2; i++) {
      const cells = shape(GLIDER, 126, 60 + 40 * i);
      placed.push({ owner: 1, cells, generation: (await world.placements.place(1, cells)).generation });
    }
    const budget = world.home.placement.available(1);
    expect(budget).toBe(BUDGET.capacity - 10);
    let dirsAfter: [string, string] = first;
    if (how === 'copy') {
      dirsAfter = [await copyDir(first[0]), await copyDir(first[1])];
      // Abandoned, as a killed process: the copies are all a restart gets.
      await world.close();
    } else {
      await world.close();
    }

    const again = await startWorld(dirsAfter);
    expect(again.home.placement.available(1)).toBe(budget);
    const end = Math.max(...placed.map((p) => p.generation), again.home.engine.generation, again.far.engine.generation) + AFTER;
    const cells = await again.recorder.at(end);
    expect(cells).toEqual(await reference(placed, end));
    expect(cells.length).toBe(10);
  });
});

describe('two-phase commit: a decided placement lands whatever is lost or killed on the way', () => {
  /** Generations at which each region applied placements of `owner`. */
  function landings(world: World): string[] {
    const landed: string[] = [];
    for (const r of [world.home, world.far]) {
      r.engine.onTick(({ generation, stats }) => {
        if (stats.placementsApplied > 0) landed.push(`${r.region.region.id}:${generation}:${stats.placementsApplied}`);
      });
    }
    return landed;
  }

  it('acknowledges once decided, and delivers a lost commit again: region 1 waits for it and lands its part at the same generation', async () => {
    const world = await startWorld(await newDirs(), { requestTimeoutMs: 300 });
    const landed = landings(world);
    await waitFor(() => world.home.engine.generation >= 3, 'the regions ticking');
    // The first commit to region 1 is lost on the way (never applied, no reply); the next goes through.
    const commit = world.farParts.commit.bind(world.farParts);
    let lost = 0;
    vi.spyOn(world.farParts, 'commit').mockImplementation(async (tx, generation) => {
      if (lost++ === 0) throw new LifeError('SIM_UNAVAILABLE', 'lost on the way');
      await commit(tx, generation);
    });
    const placed = await world.placements.place(1, ACROSS);
    expect(placed.accepted).toBe(5);
    const end = placed.generation + AFTER;
    expect(await world.recorder.at(end)).toEqual(await reference([{ owner: 1, cells: ACROSS, generation: placed.generation }], end));
    expect(lost).toBeGreaterThanOrEqual(2);
    expect(landed.sort()).toEqual([`0:${placed.generation}:3`, `1:${placed.generation}:2`]);
    expect(world.home.placement.available(1)).toBe(BUDGET.capacity - 5);
    await waitFor(() => world.placements.coordinator!.inFlight === 0, 'the transaction done');
  });

  it.each([
    ['region 1', 'far'],
    ['the home', 'home'],
  ] as const)('lands a decided placement after %s is killed between its decision and its commit: recovered, it learns the outcome', async (_, killed) => {
    const first = await newDirs();
    const world = await startWorld(first, { requestTimeoutMs: 300 });
    await waitFor(() => world.home.engine.generation >= 3, 'the regions ticking');
    // Region 1 never gets its commit (each is lost): its part stays prepared, its tick waits.
    vi.spyOn(world.farParts, 'commit').mockImplementation(() => Promise.reject(new LifeError('SIM_UNAVAILABLE', 'lost on the way')));
    const placed = await world.placements.place(1, ACROSS);
    // Acknowledged: prepared in region 1 and decided at home, both durable. Both killed now
    // (copied as kill -9 leaves them); `killed` is the one whose log is older: copied first.
    const order = killed === 'far' ? [1, 0] : [0, 1];
    const copies: string[] = [];
    for (const id of order) copies[id] = await copyDir(first[id as 0 | 1]);
    await world.close();
    expect(world.far.engine.generation).toBeLessThan(placed.generation);

    const again = await startWorld([copies[0]!, copies[1]!]);
    const end = placed.generation + AFTER;
    expect(await again.recorder.at(end)).toEqual(await reference([{ owner: 1, cells: ACROSS, generation: placed.generation }], end));
    expect(again.home.placement.available(1)).toBe(BUDGET.capacity - 5);
    await waitFor(() => again.placements.coordinator!.inFlight === 0 && again.farParts.size === 0, 'the transaction done');
  });

  it('refuses a placement whose part asked the home before the home decided: aborted everywhere, nothing placed, the budget refunded', async () => {
    const world = await startWorld(await newDirs(), { requestTimeoutMs: 2_000 });
    await waitFor(() => world.home.engine.generation >= 3, 'the regions ticking');
    // Region 1's vote reaches the home only after its part (askAfterMs 200) asked what became of it.
    const prepare = world.farParts.prepare.bind(world.farParts);
    let asked = false;
    vi.spyOn(world.farParts, 'abort').mockImplementation(function (this: PreparedParts, tx: string) {
      asked = true;
      return PreparedParts.prototype.abort.call(this, tx);
    });
    vi.spyOn(world.farParts, 'prepare').mockImplementation(async (tx, cells, owner) => {
      const reservation = await prepare(tx, cells, owner);
      await waitFor(() => asked, 'the part asking the home and hearing "abort"');
      return reservation;
    });
    const err = await refusal(world.placements.place(1, ACROSS));
    expect(err.code).toBe('LIFE_ERR_PLACEMENT_EXPIRED');
    expect(world.home.placement.available(1)).toBe(BUDGET.capacity);
    await waitFor(() => world.home.engine.openReservations + world.far.engine.openReservations === 0, 'every part let go');
    const g = world.home.engine.generation + 3;
    await world.recorder.at(g);
    expect(cellsOf(world.home, 1)).toEqual([]);
    expect(cellsOf(world.far, 1)).toEqual([]);
  });
});

describe('a part logged for a later generation than the next', () => {
  it.each([
    [1, 7],
    [1, 40],
    [0, 7],
    [0, 40],
  ])(
    'region %i, a generation behind, killed at generation %i, replays its log in order and without its neighbour',
    async (behind, end) => {
      const first = await newDirs();
      const links = new SwitchableLinks(LAYOUT);
      const region = (id: number, dir: string) =>
        new DurableRegion({ world: OPTIONS, layout: LAYOUT, regionId: id, link: links.link(id), dir, log: silent, snapshotEvery: 1_000, budget: BUDGET, maxCellsPerRequest: 8 });
      const regions = [region(0, first[0]), region(1, first[1])];
      const [home, far] = regions as [DurableRegion, DurableRegion];
      const { port1, port2 } = new MessageChannel();
      const homeBus = new LocalBus(port1);
      const farBus = new LocalBus(port2);
      cleanups.push(async () => void (await Promise.all([homeBus.close(), farBus.close()])));
      const placements = placementsOf(home, homeBus);
      placementsOf(far, farBus).serve(() => undefined);
      placements.serve(() => undefined);
      await Promise.all(regions.map((r) => r.recover()));
      const ahead = regions[1 - behind]!;
      const late = regions[behind]!;
      cleanups.push(() => ahead.close());
      // Stepped by hand: one region at 5, the other at 6 (one ahead, as lock-step allows).
      await Promise.all([late.engine.step(5), ahead.engine.step(6)]);
      // The late region logs its part at its generation 5 for generation 7, before the border
      // its tick from 5 reads; then a placement of its own for generation 6, after it.
      const across = await placements.place(1, ACROSS);
      const alone = shape(GLIDER, behind === 0 ? 20 : 200, 20);
      const itsOwn = await placements.place(2, alone);
      expect([across.generation, itsOwn.generation]).toEqual([7, 6]);
      await Promise.all([late.engine.step(end - 5), ahead.engine.step(end - 6)]);
      // Killed at `end`: its neighbour keeps only its last three halos (of 5 to 7, or 38 to 40).
      const copy = await copyDir(first[behind]!);
      // Its directory is copied: closing it now (a final snapshot there) does not touch the copy.
      await late.close();
      const again = region(behind, copy);
      cleanups.push(() => again.close());
      // Its transactions replay to its placements (a bus end of its own: it asks nothing, every part was decided).
      const own = new MessageChannel();
      const ownBus = new LocalBus(own.port1);
      cleanups.push(async () => void (await Promise.all([ownBus.close(), own.port2.close()])));
      placementsOf(again, ownBus);
      const recovered = await Promise.race([
        again.recover(),
        new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 3_000).unref()),
      ]);
      expect(recovered).not.toBe('stuck');
      expect(again.engine.generation).toBe(end);
      const cells = [...ahead.region.liveCells(), ...again.region.liveCells()].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
      const expected = await reference(
        [
          { owner: 1, cells: ACROSS, generation: 7 },
          { owner: 2, cells: alone, generation: 6 },
        ],
        end,
      );
      expect(cells).toEqual(expected);
      expect(cells.length).toBe(10);
    },
  );
});
