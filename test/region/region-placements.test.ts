/**
 * Placements across regions, all or nothing at one generation (docs/regions.md,
 * "Placements across regions"; region/placement-across.ts). A glider on the point where
 * four regions meet, one across both torus seams and R-pentominoes across borders are
 * placed while the regions are at different generations: every part lands at the one
 * generation the placement names, in every region, and the history is one engine's given
 * the same placements at those generations. Each part placed at its own region's next
 * generation instead (what placing the parts one by one does) gives another history, so
 * the test can fail. A placement with one occupied cell is refused whole: no cell of it
 * anywhere, no reservation left, no budget spent. Reservations never committed are let go
 * by their time to live, and a commit after that is refused.
 */
import { describe, expect, it } from 'vitest';
import { subjectsFor, type Bus } from '@lifemmo/server';
import type { CellLogicOptions, LiveCell, Seeding } from '@lifemmo/server/engine';
import {
  placeAcrossRegions,
  splitByRegion,
  type HaloLink,
  type PlacementCharge,
  type PlacementParticipant,
  type RegionEngine,
  type RegionLayout,
} from '@lifemmo/server/region';
import { CONWAY, LifeError, mod, parseRle } from '@lifemmo/shared';
import { PlacementBudget } from '../../server/src/players/budget.js';
import { waitFor } from '../support/wait.js';
import { layoutOf, linksOverLocalBusPairs, regionWorld, wholeWorld, worldHash, type WorldOptions } from './region-world.js';
import { FAULTY } from './scripted-history.js';

const SIZE = 256;
/** 2x2 regions of 128x128: borders at x = 128 and y = 128, seams at 0. Faults on: the draws must agree too. */
const OPTIONS: WorldOptions = { width: SIZE, height: SIZE, topology: 'torus', shardChunks: 1, rule: CONWAY, seed: 2026, cellLogic: FAULTY };
const LOCAL: CellLogicOptions = { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 };
/** Soup patches at 40-88 and 168-216 of each axis: life on both sides of the x = 192 and y = 192 lines, none yet where the placements go. */
const SOUP: Seeding = { soup: { density: 0.3, patch: 48, spacing: 128 }, patterns: [] };
const GLIDER = 'bo$2bo$3o!';
const R_PENTOMINO = 'b2o$2o$bo!';
const END = 60;

type Cells = Array<[number, number]>;

function shape(rle: string, x: number, y: number): Cells {
  return parseRle(rle).cells.map(([dx, dy]) => [mod(x + dx, SIZE), mod(y + dy, SIZE)]);
}

/** The placements: owner and cells. The regions each touches are in the comments (2x2 ids: 0 1 / 2 3). */
const PLACEMENTS: Array<{ owner: number; cells: Cells }> = [
  { owner: 1, cells: shape(GLIDER, 126, 126) }, // the point where all four meet: 0, 1, 2, 3
  { owner: 2, cells: shape(GLIDER, 254, 254) }, // both seams at once: 0, 1, 2, 3
  { owner: 3, cells: shape(R_PENTOMINO, 127, 60) }, // across x = 128: 0, 1
  { owner: 4, cells: shape(R_PENTOMINO, 190, 127) }, // across y = 128: 1, 3
];

/** Which parts of the world's placements landed: `region:generation:cells`, per tick that applied any. */
function recordLandings(engines: readonly RegionEngine[]): string[] {
  const landed: string[] = [];
  for (const r of engines) {
    r.engine.onTick(({ generation, stats }) => {
      if (stats.placementsApplied > 0) landed.push(`${r.region.id}:${generation}:${stats.placementsApplied}`);
    });
  }
  return landed;
}

/** Where each placement's parts were expected to land, in the same form. */
function expectedLandings(layout: RegionLayout, placed: ReadonlyArray<{ cells: Cells; generation: number }>): string[] {
  const cells = new Map<string, number>();
  for (const { cells: all, generation } of placed) {
    for (const [region, part] of splitByRegion(layout, all)) {
      const key = `${region}:${generation}`;
      cells.set(key, (cells.get(key) ?? 0) + part.cells.length);
    }
  }
  return [...cells].map(([key, n]) => `${key}:${n}`);
}

const sorted = (list: readonly string[]) => [...list].sort();

interface RunResult {
  /** The generation each of PLACEMENTS landed at. */
  readonly generations: number[];
  readonly landed: string[];
  readonly hash: string;
  readonly births: number[];
}

/**
 * Seed the soup in four regions, step them to 5, put region 0 one generation ahead (at 6,
 * its tick from 6 waiting for its neighbours' halos of 6) and place PLACEMENTS there with
 * `place`; then step every region to END.
 */
async function onRegions(
  place: (world: ReturnType<typeof regionWorld>, cells: Cells, owner: number) => Promise<number>,
  links?: (layout: RegionLayout) => HaloLink[],
): Promise<RunResult> {
  const resets: Array<Promise<void>> = [];
  const world = regionWorld(OPTIONS, '4', { setup: (e) => resets.push(e.reset({ seeding: SOUP })), ...(links === undefined ? {} : { links }) });
  await Promise.all(resets);
  const landed = recordLandings(world.engines);
  await world.step(5);
  const [ahead, ...others] = world.engines as [RegionEngine, ...RegionEngine[]];
  const aheadDone = ahead.engine.step(END - 5);
  await waitFor(() => ahead.engine.generation === 6, 'region 0 at generation 6, the others at 5');
  expect(others.map((r) => r.engine.generation)).toEqual([5, 5, 5]);
  const generations: number[] = [];
  for (const { owner, cells } of PLACEMENTS) generations.push(await place(world, cells, owner));
  await Promise.all([aheadDone, ...others.map((r) => r.engine.step(END - 5))]);
  expect(world.generation).toBe(END);
  return { generations, landed, hash: worldHash(world.liveCells()), births: [1, 2, 3, 4].map((o) => world.birthsOf(o)) };
}

/** One engine, the same soup, each of PLACEMENTS placed so that it lands at `generations[i]`. */
async function onOneEngine(generations: readonly number[]): Promise<Omit<RunResult, 'landed' | 'generations'>> {
  const resets: Array<Promise<void>> = [];
  const world = wholeWorld(OPTIONS, (e) => resets.push(e.reset({ seeding: SOUP })));
  await Promise.all(resets);
  const order = PLACEMENTS.map((p, i) => ({ ...p, generation: generations[i]! })).sort((a, b) => a.generation - b.generation);
  for (const { owner, cells, generation } of order) {
    await world.step(generation - 1 - world.generation);
    world.place(cells, owner); // lands at the next generation: `generation`
  }
  await world.step(END - world.generation);
  return { hash: worldHash(world.liveCells()), births: [1, 2, 3, 4].map((o) => world.birthsOf(o)) };
}

const across = async (world: ReturnType<typeof regionWorld>, cells: Cells, owner: number): Promise<number> =>
  (await placeAcrossRegions(world.layout, world.engines, cells, owner)).generation;

async function refusal(job: () => Promise<unknown>): Promise<LifeError> {
  try {
    await job();
  } catch (err) {
    if (err instanceof LifeError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('placements across regions: all or nothing at one generation', () => {
  it.each([
    ['in memory', undefined],
    ['over LocalBus pairs', 'bus'],
  ] as const)('every part lands at the generation named, in every region; the history is one engine\'s (halos %s)', async (_, how) => {
    const opened: Bus[] = [];
    try {
      const links = how === 'bus' ? linksOverLocalBusPairs(subjectsFor('region-placements-test'), opened) : undefined;
      const split = await onRegions(across, links);
      // Region 0 at 6 (its next is 7) and the others at 5: a placement touching region 0 lands
      // at 7 everywhere, one that does not at 6.
      expect(split.generations).toEqual([7, 7, 7, 6]);
      const layout = layoutOf(OPTIONS, '4');
      expect(sorted(split.landed)).toEqual(sorted(expectedLandings(layout, PLACEMENTS.map((p, i) => ({ cells: p.cells, generation: split.generations[i]! })))));
      const whole = await onOneEngine(split.generations);
      expect(split.hash).toBe(whole.hash);
      expect(split.births).toEqual(whole.births);
      expect(split.births.every((n) => n > 0)).toBe(true); // every placement lived on and gave births
    } finally {
      await Promise.all(opened.map((bus) => bus.close()));
    }
  });

  it('parts placed each at its own region\'s next generation (one by one) land apart and give another history: the test can fail', async () => {
    const apart = await onRegions(async (world, cells, owner) => {
      const generations = new Set<number>();
      for (const [region, part] of splitByRegion(world.layout, cells)) generations.add(world.engines[region]!.engine.place(part.cells, owner).generation);
      return Math.max(...generations);
    });
    const landedAt = new Map<string, Set<string>>();
    for (const entry of apart.landed) {
      const [region, generation] = entry.split(':');
      if (region !== undefined && generation !== undefined) landedAt.set(generation, (landedAt.get(generation) ?? new Set<string>()).add(region));
    }
    // Region 0's parts at 7, the others' at 6.
    expect([...landedAt.keys()].sort()).toEqual(['6', '7']);
    const whole = await onOneEngine(apart.generations);
    expect(apart.hash).not.toBe(whole.hash);
  });
});

/** Four regions of a small quiet world (no faults, no soup); a reservation left open would hold their ticks for `ttlMs`. */
function quietWorld(ttlMs = 60_000) {
  return regionWorld({ ...OPTIONS, cellLogic: LOCAL, reservationTtlMs: ttlMs }, '4');
}

const GLIDER_AT_CORNER = shape(GLIDER, 126, 126); // (127, 126) r0, (128, 127) r1, (126, 128) r2, (127, 128) r2, (128, 128) r3
const BLOCK_IN_3: Cells = [
  [128, 128],
  [129, 128],
  [128, 129],
  [129, 129],
];

const cellsByRegion = (world: ReturnType<typeof quietWorld>): LiveCell[][] => world.engines.map((r) => r.liveCells());
const openReservations = (world: ReturnType<typeof quietWorld>) => world.engines.map((r) => r.engine.openReservations);

describe('a refused placement across regions leaves nothing anywhere', () => {
  it('one occupied cell in one region: refused whole with its code, every region unchanged, no reservation left', async () => {
    const world = quietWorld();
    world.engines[3]!.engine.place(BLOCK_IN_3, 9); // a still life under the glider's cell (128, 128)
    await world.step(1);
    const before = cellsByRegion(world);
    const refused = await refusal(() => placeAcrossRegions(world.layout, world.engines, GLIDER_AT_CORNER, 1));
    expect(refused.code).toBe('LIFE_ERR_CELL_OCCUPIED');
    // Told in terms of the whole request: its fifth cell, in region 3.
    expect(refused.details).toMatchObject({ index: 4, x: 128, y: 128, region: 3 });
    expect(refused.message).toMatch(/^Cell 4 \(128, 128\)/);
    expect(cellsByRegion(world)).toEqual(before);
    expect(openReservations(world)).toEqual([0, 0, 0, 0]);
    // Nothing lands, and nothing holds the ticks (a reservation left open would, for a minute).
    await world.step(2);
    expect(world.liveCells()).toEqual(BLOCK_IN_3.map(([x, y]): LiveCell => [x, y, 9]).sort((a, b) => a[1] - b[1] || a[0] - b[0]));
    // The other four cells were let go: the glider without the occupied cell is placed.
    const rest = GLIDER_AT_CORNER.filter(([x, y]) => !(x === 128 && y === 128));
    const { generation } = await placeAcrossRegions(world.layout, world.engines, rest, 1);
    expect(generation).toBe(4);
    await world.step(1);
    expect(world.liveCells().filter(([, , owner]) => owner === 1)).toHaveLength(4);
  });

  it('a cell already spoken for (queued by another placement) refuses it too', async () => {
    const world = quietWorld();
    world.engines[0]!.engine.place([[127, 126]], 5);
    const refused = await refusal(() => placeAcrossRegions(world.layout, world.engines, GLIDER_AT_CORNER, 1));
    expect(refused.code).toBe('LIFE_ERR_CELL_OCCUPIED');
    expect(refused.details).toMatchObject({ index: 0, region: 0 });
    expect(openReservations(world)).toEqual([0, 0, 0, 0]);
    await world.step(1);
    expect(world.liveCells()).toEqual([[127, 126, 5]]);
  });

  it('a refused placement costs no budget; one the budget cannot pay asks no region; an accepted one is charged once', async () => {
    const world = quietWorld();
    // The budget's one home (a caller's; the regions charge nothing).
    const home = new PlacementBudget({ capacity: 12, refillPerGen: 0 }, 0);
    const charge: PlacementCharge = { take: (_owner, cells) => home.take(cells, 0), refund: (_owner, cells) => home.refund(cells, 0) };
    let asked = 0;
    const counted = world.engines.map((r): PlacementParticipant => ({
      reserve: (cells, owner) => {
        asked++;
        return r.reserve(cells, owner);
      },
      commit: (id, generation) => r.commit(id, generation),
      release: (id) => r.release(id),
    }));
    world.engines[3]!.engine.place([[128, 128]], 9);
    const occupied = await refusal(() => placeAcrossRegions(world.layout, counted, GLIDER_AT_CORNER, 1, { budget: charge }));
    expect(occupied.code).toBe('LIFE_ERR_CELL_OCCUPIED');
    expect(asked).toBe(4);
    expect(home.available(0)).toBe(12);
    const placed = await placeAcrossRegions(world.layout, counted, shape(GLIDER, 254, 254), 1, { budget: charge });
    expect(placed).toEqual({ accepted: 5, generation: 1, regions: [0, 1, 2, 3], undelivered: [] });
    expect(home.available(0)).toBe(7);
    asked = 0;
    const tooMany = await refusal(() => placeAcrossRegions(world.layout, counted, [...shape(GLIDER, 60, 126), ...shape(GLIDER, 60, 60)], 1, { budget: charge }));
    expect(tooMany.code).toBe('LIFE_ERR_BUDGET_EXCEEDED');
    expect(asked).toBe(0);
    expect(home.available(0)).toBe(7);
    expect(openReservations(world)).toEqual([0, 0, 0, 0]);
  });
});

describe('reservations never committed do not leak', () => {
  it('a coordinator that never commits: every part is let go after its time to live, the ticks it held go on, a late commit is refused', async () => {
    const world = quietWorld(150);
    const openAtCommit: number[] = [];
    for (const r of world.engines) r.engine.onTick(() => openAtCommit.push(r.engine.openReservations));
    const reserved = [...splitByRegion(world.layout, GLIDER_AT_CORNER)].map(([region, part]) => ({ region, reservation: world.engines[region]!.reserve(part.cells, 1) }));
    expect(reserved.map((r) => r.reservation.generation)).toEqual([1, 1, 1, 1]);
    expect(openReservations(world)).toEqual([1, 1, 1, 1]);
    // Each region's tick to generation 1 waits for its reservation, so it ends only once the
    // time to live has let every one go.
    await world.step(1);
    expect(openAtCommit).toEqual([0, 0, 0, 0]);
    expect(openReservations(world)).toEqual([0, 0, 0, 0]);
    expect(world.liveCells()).toEqual([]);
    for (const { region, reservation } of reserved) {
      expect((await refusal(async () => world.engines[region]!.commit(reservation.id, 1))).code).toBe('LIFE_ERR_PLACEMENT_EXPIRED');
    }
    // The cells are free again.
    const { generation } = await placeAcrossRegions(world.layout, world.engines, GLIDER_AT_CORNER, 2);
    expect(generation).toBe(2);
  });

  it('a region that answers after the others\' reservations ran out: refused with LIFE_ERR_PLACEMENT_EXPIRED, nothing placed, its own let go', async () => {
    const world = quietWorld(100);
    const engines = world.engines;
    // Region 3 answers only once the other regions' reservations have been let go.
    const slow = engines.map((r): PlacementParticipant =>
      r.region.id !== 3
        ? r
        : {
            reserve: async (cells, owner) => {
              await waitFor(() => engines.every((e) => e.engine.openReservations === 0), 'the other regions\' reservations let go');
              return r.reserve(cells, owner);
            },
            commit: (id, generation) => r.commit(id, generation),
            release: (id) => r.release(id),
          },
    );
    const expired = await refusal(() => placeAcrossRegions(world.layout, slow, GLIDER_AT_CORNER, 1));
    expect(expired.code).toBe('LIFE_ERR_PLACEMENT_EXPIRED');
    expect(openReservations(world)).toEqual([0, 0, 0, 0]);
    await world.step(2);
    expect(world.liveCells()).toEqual([]);
  });
});
