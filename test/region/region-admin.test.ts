/**
 * Admin commands at generation g, and resets, in a world split into regions (issue 15,
 * docs/regions.md "Admin at generation g"). The regions run on their own timers, in
 * lock-step through their halos only; every command is given to every region for one point
 * (epoch, generation) chosen by `commandPoint` from where the regions are, and each applies
 * it when it reaches that point. The same commands at the same points given to one engine
 * stepping the whole world must give the same history: the same cells and owners whenever
 * the world is paused, and the same births.
 *
 * And resets: regions reset at different moments, so a neighbour's halo of the world before
 * a reset can arrive after it (a late copy on the bus). The epoch in the halo keeps it out;
 * the same late halos without it (relabelled as the new epoch, which is what a halo without
 * an epoch is) give another history, so the test can fail.
 */
import { describe, expect, it } from 'vitest';
import { Engine, type LiveCell, type LoopCommand, type Seeding, type WorldPoint } from '@lifemmo/server/engine';
import {
  commandPoint,
  decodeHalo,
  encodeHalo,
  linkInProcess,
  peekHalo,
  type HaloLink,
  type RegionLayout,
  type RegionEngine,
  type RegionPoint,
} from '@lifemmo/server/region';
import { subjectsFor, type Bus } from '@lifemmo/server';
import { CONWAY, LifeError, mod, mulberry32, parseRule } from '@lifemmo/shared';
import { waitFor } from '../support/wait.js';
import { linksOverLocalBusPairs, regionWorld, worldHash, type WorldOptions } from './region-world.js';
import { FAULTY } from './scripted-history.js';

const SIZE = 256;
/** Regions on their own timers, fast; faults on (the draws are per generation, so they must agree too). */
const OPTIONS: WorldOptions = { width: SIZE, height: SIZE, topology: 'torus', shardChunks: 1, rule: CONWAY, seed: 2026, tickMs: 2, cellLogic: FAULTY };
/** Soup over the whole world, so every border and seam has life on both sides from generation 0. */
const SOUP: Seeding = { soup: { density: 0.2, patch: 64, spacing: 64 }, patterns: [] };
/**
 * Generations given to a running world to receive a command. The regions here get it in
 * one synchronous loop, so one would do (a region in its tick from the largest generation
 * is at most one past it when the command arrives); a gateway needs more (command-point.ts).
 */
const LEAD = 2;

/** Where the commands go: every engine of a world, each told the same point. */
interface Commanded {
  readonly engines: readonly Engine[];
  liveCells(): LiveCell[];
  place(cells: ReadonlyArray<readonly [number, number]>, owner: number): void;
  birthsOf(owner: number): number;
}

type Step =
  /** Give every engine `command` at one point; `hash`: the world is paused there after it: record its cells. */
  | { readonly kind: 'command'; readonly command: LoopCommand }
  | { readonly kind: 'place'; readonly owner: number; readonly cells: Array<[number, number]> }
  /** Let the running world step this many generations (wait for it; regions only, the reference runs to the next point). */
  | { readonly kind: 'run'; readonly generations: number };

function patch(x: number, y: number, w: number, h: number, seed: number): Array<[number, number]> {
  const random = mulberry32(seed);
  const out: Array<[number, number]> = [];
  for (let dy = 0; dy < h; dy++) for (let dx = 0; dx < w; dx++) if (random() < 0.35) out.push([mod(x + dx, SIZE), mod(y + dy, SIZE)]);
  return out;
}

/**
 * The admin script: seeded reset while paused, players' cells across borders and seams,
 * then pause, step, resume and resets (new rule, seed and seeding) while running and
 * while paused.
 */
const SCRIPT: Step[] = [
  { kind: 'command', command: { op: 'reset', seeding: SOUP } },
  // Across x = 128, x = 192 (the 3-region split's other border), y = 128 and both seams.
  { kind: 'place', owner: 1, cells: patch(112, 100, 16, 40, 1) },
  { kind: 'place', owner: 2, cells: patch(128, 100, 16, 40, 2) },
  { kind: 'place', owner: 3, cells: patch(184, 120, 16, 16, 3) },
  { kind: 'place', owner: 4, cells: patch(248, 248, 16, 16, 4) },
  { kind: 'command', command: { op: 'resume' } },
  { kind: 'run', generations: 15 },
  { kind: 'command', command: { op: 'pause' } },
  { kind: 'command', command: { op: 'step', generations: 7 } },
  { kind: 'command', command: { op: 'resume' } },
  { kind: 'run', generations: 15 },
  { kind: 'command', command: { op: 'reset', rule: parseRule('B36/S23'), seed: 77, seeding: SOUP } },
  { kind: 'run', generations: 20 },
  { kind: 'command', command: { op: 'pause' } },
  { kind: 'command', command: { op: 'reset', rule: CONWAY, seed: 5, seeding: SOUP } },
  { kind: 'place', owner: 6, cells: patch(120, 248, 16, 16, 6) },
  { kind: 'command', command: { op: 'step', generations: 25 } },
  { kind: 'place', owner: 5, cells: patch(120, 120, 16, 16, 5) },
  { kind: 'command', command: { op: 'step', generations: 10 } },
];

/** What a run of the script saw: the points commands were given for, and the world whenever it was paused. */
interface AdminHistory {
  readonly points: WorldPoint[];
  /** `epoch:generation:worldHash:births of owners 1 to 6` each time a command left the world paused. */
  readonly paused: string[];
  /** Births of owners 1 to 6 at the end (since the last reset). */
  readonly births: number[];
}

const OWNERS = [1, 2, 3, 4, 5, 6];

const pointOf = (e: Engine): RegionPoint => ({ epoch: e.epoch, generation: e.generation, paused: e.paused });

/**
 * Run the script on `world`, its engines started (ticking on their timers) and paused at
 * (0, 0). Points are chosen by `commandPoint` from the engines', or taken from `recorded`
 * (the reference is given the regions' points).
 */
async function drive(world: Commanded, recorded?: readonly WorldPoint[]): Promise<AdminHistory> {
  const points: WorldPoint[] = [];
  const paused: string[] = [];
  for (const step of SCRIPT) {
    switch (step.kind) {
      case 'command': {
        const at = recorded?.[points.length] ?? commandPoint(world.engines.map(pointOf), LEAD);
        points.push(at);
        // One loop, no await in it: what a gateway's broadcast is (each sim applies it on its own).
        await Promise.all(world.engines.map((e) => e.at(at, step.command)));
        const where = world.engines.map(pointOf);
        if (where.every((p) => p.paused)) {
          expect(new Set(where.map((p) => `${p.epoch}:${p.generation}`)).size).toBe(1);
          paused.push(`${where[0]!.epoch}:${where[0]!.generation}:${worldHash(world.liveCells())}:${OWNERS.map((o) => world.birthsOf(o)).join(',')}`);
        }
        break;
      }
      case 'place': {
        // Only cells that are dead now: the same ones in every run, or the histories already differ.
        const live = new Set(world.liveCells().map(([x, y]) => y * SIZE + x));
        world.place(
          step.cells.filter(([x, y]) => !live.has(y * SIZE + x)),
          step.owner,
        );
        break;
      }
      case 'run': {
        if (recorded !== undefined) break;
        const from = world.engines.map(pointOf);
        const epoch = Math.max(...from.map((p) => p.epoch));
        const target = Math.max(...from.map((p) => p.generation)) + step.generations;
        await waitFor(() => world.engines.every((e) => e.epoch === epoch && e.generation >= target), `every region at generation ${target}`);
        break;
      }
    }
  }
  return { points, paused, births: OWNERS.map((o) => world.birthsOf(o)) };
}

/** Start `engines` paused at (0, 0), run `job`, stop them whatever happens. */
async function running<T>(engines: readonly Engine[], job: () => Promise<T>): Promise<T> {
  for (const e of engines) {
    e.start();
    e.pause(); // before its first timer tick: nothing runs between these two lines
  }
  try {
    return await job();
  } finally {
    await Promise.all(engines.map((e) => e.stop()));
  }
}

/** The script on regions (`regions`: a REGIONS value), their points chosen from where they are. */
function onRegions(regions: string, links?: (layout: RegionLayout) => HaloLink[]): Promise<AdminHistory> {
  const world = regionWorld(OPTIONS, regions, links === undefined ? {} : { links });
  const engines = world.engines.map((r) => r.engine);
  return running(engines, () => drive({ engines, liveCells: () => world.liveCells(), place: (c, o) => world.place(c, o), birthsOf: (o) => world.birthsOf(o) }, undefined));
}

/** The script on one engine stepping the whole world, given `points`. */
function onOneEngine(points: readonly WorldPoint[]): Promise<AdminHistory> {
  const engine = new Engine(OPTIONS);
  const all = { x: 0, y: 0, w: SIZE, h: SIZE };
  return running([engine], () =>
    drive({ engines: [engine], liveCells: () => engine.liveCells(all), place: (c, o) => void engine.place(c, o), birthsOf: (o) => engine.birthsOf(o) }, points),
  );
}

/**
 * In-process links that, whenever a region sends its halo of generation 0 of a new epoch,
 * also deliver its halo of generation 0 of the epoch before, just before and just after
 * (a late copy from the bus, whether its neighbour already waits for the new one or not).
 * `relabel`: the late copy claims the new epoch, as a halo without an epoch would.
 */
function lateOldHalos(relabel: boolean, injected: { count: number }) {
  return (layout: RegionLayout): HaloLink[] => {
    const firsts = new Map<string, Uint8Array>();
    return linkInProcess(layout).map((link, region) => ({
      ...link,
      send(halo: Uint8Array): void {
        const { epoch, generation, waiting } = peekHalo(halo);
        const old = firsts.get(`${region}:${epoch - 1}`);
        if (generation === 0 && !waiting) firsts.set(`${region}:${epoch}`, halo.slice());
        if (generation !== 0 || waiting || old === undefined) {
          link.send(halo);
          return;
        }
        const late = relabel ? encodeHalo({ ...decodeHalo(old), epoch }) : old;
        injected.count += 2;
        link.send(late.slice());
        link.send(halo);
        link.send(late.slice());
      },
    }));
  };
}

describe('admin commands at generation g, in a world split into regions', () => {
  it.each(['2', '4', '3'])('REGIONS=%s: pause, step, resume and resets at points give one engine\'s history', async (regions) => {
    const split = await onRegions(regions);
    const whole = await onOneEngine(split.points);
    expect(split.points.map((p) => p.epoch)).toEqual([0, 1, 1, 1, 1, 1, 2, 2, 3, 3]);
    // Paused after the first reset, the pause, the step, the pause, the last reset and its two steps.
    expect(split.paused).toHaveLength(7);
    expect(split.paused).toEqual(whole.paused);
    expect(split.births).toEqual(whole.births);
    // Every player's cells gave births: 1 to 4 before the second reset, 5 and 6 after the last
    // (a reset starts births again).
    expect(split.paused[2]!.split(':')[3]!.split(',').slice(0, 4).every((n) => Number(n) > 0)).toBe(true);
    expect(split.births.slice(4).every((n) => n > 0)).toBe(true);
    // The world at every pause is a different one.
    expect(new Set(split.paused.map((p) => p.split(':')[2])).size).toBe(7);
  });

  it('REGIONS=4 over LocalBus pairs (halo.<region> on real buses): the same', async () => {
    const opened: Bus[] = [];
    try {
      const split = await onRegions('4', linksOverLocalBusPairs(subjectsFor('region-admin-test'), opened));
      const whole = await onOneEngine(split.points);
      expect(split.paused).toHaveLength(7);
      expect(split.paused).toEqual(whole.paused);
      expect(split.births).toEqual(whole.births);
    } finally {
      await Promise.all(opened.map((bus) => bus.close()));
    }
  });

  it('a halo of the world before a reset, arriving after it, is never laid in; without the epoch it would be', async () => {
    const kept = { count: 0 };
    const guarded = await onRegions('4', lateOldHalos(false, kept));
    expect(kept.count).toBeGreaterThan(0);
    const whole = await onOneEngine(guarded.points);
    expect(guarded.paused).toEqual(whole.paused);
    // The same late halos claiming the new epoch (what they are without one) change the history.
    const fooled = { count: 0 };
    const broken = await onRegions('4', lateOldHalos(true, fooled));
    expect(fooled.count).toBeGreaterThan(0);
    const brokenReference = await onOneEngine(broken.points);
    expect(broken.paused.slice(0, 3)).toEqual(brokenReference.paused.slice(0, 3)); // before the first reset while running
    expect(broken.paused.slice(3)).not.toEqual(brokenReference.paused.slice(3));
  });

  it('a region already past the point refuses with LIFE_ERR_GENERATION_PASSED; one not past applies it', async () => {
    const world = regionWorld(OPTIONS, '2');
    const [left, right] = world.engines as [RegionEngine, RegionEngine];
    // Left runs ahead until it waits for right's halo of 3: left at 3, right at 2.
    const leftSteps = left.engine.step(5).catch((err: unknown) => err);
    await right.engine.step(2);
    await waitFor(() => left.engine.generation === 3, 'the left region one generation past the right one');
    const outcomes = await Promise.allSettled([left, right].map((r) => r.admin({ epoch: 0, generation: 2 }, { op: 'pause' })));
    expect(outcomes[0]!.status).toBe('rejected');
    const reason = (outcomes[0] as PromiseRejectedResult).reason as unknown;
    expect(reason).toBeInstanceOf(LifeError);
    expect((reason as LifeError).code).toBe('LIFE_ERR_GENERATION_PASSED');
    expect(outcomes[1]).toEqual({ status: 'fulfilled', value: { epoch: 0, generation: 2, paused: true } });
    // A paused world's point is where it is; a mixed one has none.
    expect(() => commandPoint([left.point, right.point], LEAD)).toThrow(/1 of 2 regions are paused/);
    await Promise.all([left.engine.stop(), right.engine.stop()]);
    expect(((await leftSteps) as LifeError).code).toBe('LIFE_ERR_SHUTTING_DOWN');
  });
});
