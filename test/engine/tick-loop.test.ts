/**
 * The tick loop: fixed rate, pause/resume/step/reset, placements at the boundary, lag, diffs.
 * Tests of timing run on fake timers (setTimeout and performance.now, which are all the
 * loop and the simulated cell logic use), so they assert exact counts that a loaded
 * machine cannot disturb.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHUNK_SIZE, CONWAY, LifeError, parseRule } from '@lifemmo/shared';
import { Engine, type CellLogicOptions, type TickResult } from '@lifemmo/server/engine';
import { soup } from './reference.js';

const LOCAL: CellLogicOptions = { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 };
const engines: Engine[] = [];

function make(options: Partial<ConstructorParameters<typeof Engine>[0]> = {}): Engine {
  const e = new Engine({ width: 128, height: 128, topology: 'torus', rule: CONWAY, seed: 1, tickMs: 20, cellLogic: LOCAL, ...options });
  engines.push(e);
  return e;
}

/** Fake the clocks the tick loop reads; `elapse(ms)` then runs what falls due, in order. */
function fakeTime(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
}
const elapse = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined);

afterEach(async () => {
  const stopped = Promise.all(engines.splice(0).map((e) => e.stop()));
  // A tick in progress on fake time finishes only when its time comes.
  if (vi.isFakeTimers()) await elapse(1_000);
  await stopped;
  vi.useRealTimers();
});

describe('tick loop', () => {
  it('ticks at a fixed rate once started, and stops', async () => {
    fakeTime();
    const e = make({ tickMs: 20 });
    e.start();
    expect(e.running).toBe(true);
    // 25 ticks are due in 500 ms: exactly those, no catch-up bursts.
    await elapse(500);
    expect(e.generation).toBe(25);
    await e.stop();
    await elapse(100);
    expect(e.generation).toBe(25);
    expect(e.running).toBe(false);
  });

  it('pause holds the generation, step still works, resume goes on', async () => {
    fakeTime();
    const e = make({ tickMs: 10 });
    e.start();
    e.pause();
    expect(e.paused).toBe(true);
    const held = e.generation;
    await elapse(80);
    expect(e.generation).toBe(held);
    expect(await e.step(25)).toBe(held + 25);
    e.resume();
    // The next tick is due one tickMs after resume: ten in 100 ms.
    await elapse(100);
    expect(e.generation).toBe(held + 25 + 10);
  });

  it('placements take effect at the generation the engine announced, all at once', async () => {
    const e = make();
    // Diffs are listed on request, inside the listener.
    const seen: Array<Pick<TickResult, 'stats' | 'diffs'>> = [];
    e.onTick((r) => seen.push({ stats: r.stats, diffs: r.diffs }));
    const { generation } = e.place([[5, 5], [6, 5], [7, 5]], 9);
    expect(generation).toBe(1);
    expect(e.cellAt(5, 5)).toBe(-1);
    await e.step(1);
    expect(e.generation).toBe(1);
    expect([e.cellAt(5, 5), e.cellAt(6, 5), e.cellAt(7, 5)]).toEqual([9, 9, 9]);
    expect(seen[0]!.stats.placementsApplied).toBe(3);
    expect(seen[0]!.diffs).toHaveLength(1);
    expect(Array.from(seen[0]!.diffs[0]!.births)).toEqual([5 * 64 + 5, 5 * 64 + 6, 5 * 64 + 7]);
    expect(Array.from(seen[0]!.diffs[0]!.birthOwners)).toEqual([9, 9, 9]);
  });

  it('refuses a whole request for one bad cell: outside, duplicate or occupied', async () => {
    const e = make();
    e.place([[1, 1]], 1);
    await e.step(1);
    const attempts: Array<[Array<[number, number]>, string]> = [
      [[[2, 2], [128, 0]], 'LIFE_ERR_OUT_OF_WORLD'],
      [[[2, 2], [-1, 0]], 'LIFE_ERR_OUT_OF_WORLD'],
      [[[2, 2], [2, 2]], 'LIFE_ERR_DUPLICATE_CELL'],
      [[[2, 2], [1, 1]], 'LIFE_ERR_CELL_OCCUPIED'],
    ];
    for (const [cells, code] of attempts) {
      let caught: unknown;
      try {
        e.place(cells, 2);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(LifeError);
      expect((caught as LifeError).code).toBe(code);
    }
    e.place([[3, 3]], 2);
    expect(() => e.place([[3, 3]], 3)).toThrow(/already placed/);
    await e.step(1);
    // Nothing of the refused requests landed: (2, 2) stayed dead.
    expect(e.cellAt(2, 2)).toBe(-1);
    expect(e.cellAt(3, 3)).toBe(2); // the accepted request did land
    expect(e.lastStats!.placementsApplied).toBe(1);
  });

  it('a chunk whose queued cells were committed takes new placements at the same spots, and so does any other chunk', async () => {
    const e = make();
    // A block in chunk (0, 0), then the same in-chunk spots in every other chunk, tick after
    // tick: the marks of committed cells must be clear wherever they are kept next.
    const block = (cx: number, cy: number): Array<[number, number]> => [
      [cx * CHUNK_SIZE + 10, cy * CHUNK_SIZE + 10],
      [cx * CHUNK_SIZE + 11, cy * CHUNK_SIZE + 10],
      [cx * CHUNK_SIZE + 10, cy * CHUNK_SIZE + 11],
      [cx * CHUNK_SIZE + 11, cy * CHUNK_SIZE + 11],
    ];
    for (const [cx, cy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
      e.place(block(cx, cy), 1);
      await e.step(1);
      for (const [x, y] of block(cx, cy)) expect(e.cellAt(x, y)).toBe(1);
    }
    // The blocks are still lifes: placing on them is refused because they are live.
    expect(() => e.place([block(0, 0)[0]!], 2)).toThrow(/is live or already placed/);
    expect(e.population).toBe(16);
  });

  it('reset empties the world at generation 0, with a new rule', async () => {
    const e = make();
    e.place([[1, 1], [2, 1], [3, 1]], 1);
    await e.step(3);
    e.place([[10, 10]], 1);
    await e.reset({ rule: parseRule('B36/S23'), seed: 5 });
    expect(e.generation).toBe(0);
    expect(e.population).toBe(0);
    expect(e.rule.text).toBe('B36/S23');
    expect(e.seed).toBe(5);
    await e.step(1);
    expect(e.population).toBe(0); // the queued placement was dropped with the old world
  });

  it('a tick that overruns delays the next one and is counted as lag', async () => {
    fakeTime();
    const slow: CellLogicOptions = { kind: 'simulated', latencyModel: 'fixed', latencyMs: 40, jitterMs: 0, loss: 0, timeoutMs: 100 };
    const e = make({ tickMs: 10, cellLogic: slow });
    e.place([[1, 1], [2, 1], [1, 2], [2, 2]], 1);
    const lags: number[] = [];
    e.onTick((r) => lags.push(r.stats.lagMs));
    e.start();
    await elapse(400);
    const stopped = e.stop();
    await elapse(100); // the tick in progress
    await stopped;
    // Every tick waits 40 ms for its calls, four tick intervals: each one after the first starts late.
    expect(e.overruns).toBeGreaterThan(0);
    expect(lags.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...lags)).toBeGreaterThan(10);
    // Ticks never overlap: the generation count matches the ticks published.
    expect(lags.length).toBe(e.generation);
  });

  it('lists a chunk\'s changes only on request, and only inside the tick listener', async () => {
    const e = make({ width: 192, height: 128 });
    // A blinker in chunk 0 and another in chunk 2 (x 128..191): both chunks change every tick.
    e.place([[5, 5], [6, 5], [7, 5], [133, 5], [134, 5], [135, 5]], 1);
    await e.step(1);
    const late: TickResult[] = [];
    let inside: { changed: readonly number[]; quiet: unknown; births: number[] } | undefined;
    e.onTick((r) => {
      late.push(r);
      inside = { changed: r.changedChunks, quiet: r.diffOf(1), births: Array.from(r.diffOf(0)!.births) };
    });
    await e.step(1);
    expect(inside).toEqual({ changed: [0, 2], quiet: undefined, births: [4 * 64 + 6, 6 * 64 + 6] });
    // Chunk 0's diff was listed inside the listener and stays readable; chunk 2's was not,
    // and its previous generation is gone once the tick is over.
    expect(Array.from(late[0]!.diffOf(0)!.deaths)).toEqual([5 * 64 + 5, 5 * 64 + 7]);
    expect(() => late[0]!.diffOf(2)).toThrow(/only be listed inside its tick listener/);
    expect(() => late[0]!.diffs).toThrow(/only be listed inside its tick listener/);
    expect(late[0]!.stats.changedChunks).toBe(2);
  });

  it('a replica built only from diffs equals the world', async () => {
    const e = make({ width: 192, height: 128 });
    const replica = new Map<string, number>();
    e.onTick((r) => {
      for (const d of r.diffs) {
        for (const cell of d.deaths) replica.delete(`${d.cx * CHUNK_SIZE + (cell & 63)},${d.cy * CHUNK_SIZE + (cell >> 6)}`);
        d.births.forEach((cell, k) => replica.set(`${d.cx * CHUNK_SIZE + (cell & 63)},${d.cy * CHUNK_SIZE + (cell >> 6)}`, d.birthOwners[k]!));
      }
    });
    const cells = soup(192, 128, 0.3, 3, 2);
    for (const owner of [0, 1, 2]) e.place(cells.filter((c) => c[2] === owner).map(([x, y]) => [x, y] as const), owner);
    for (let i = 0; i < 60; i++) {
      await e.step(1);
      if (i % 10 === 0) e.place([[i, i + 1], [i + 1, i + 1], [i + 2, i + 1]].filter(([x, y]) => e.cellAt(x!, y!) < 0) as Array<[number, number]>, 7);
    }
    const want = new Map(e.liveCells({ x: 0, y: 0, w: 192, h: 128 }).map(([x, y, o]) => [`${x},${y}`, o]));
    expect(replica).toEqual(want);
  });

  it('an empty world of any size holds no chunk, and a huge one steps cheaply', async () => {
    const big = make({ width: 65536, height: 65536 });
    expect(big.world.chunks.size).toBe(0);
    big.place([[65535, 65535], [0, 65535], [1, 65535]], 1); // a blinker across the wrap
    await big.step(2);
    expect(big.population).toBe(3);
    expect(big.cellAt(0, 0)).toBe(1);
    expect(big.cellAt(0, 65534)).toBe(1);
    expect(big.world.chunks.size).toBeLessThanOrEqual(4);
  });
});

describe('commands at a point of the world (Engine.at)', () => {
  /** The error code a promise rejects with, or 'ok'. */
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (err: unknown) => (err instanceof LifeError ? err.code : String(err)),
    );

  it('a running world pauses exactly at g, steps N from there, resumes and resets at later points', async () => {
    fakeTime();
    const e = make({ tickMs: 10 });
    e.place([[1, 1], [2, 1], [3, 1]], 1);
    e.start();
    const pause = e.at({ epoch: 0, generation: 7 }, { op: 'pause' });
    await elapse(300); // 30 ticks' time: the pause holds it at 7
    await pause;
    expect([e.generation, e.paused]).toEqual([7, true]);
    // Paused at 7: a command for 7 applies at once.
    await e.at({ epoch: 0, generation: 7 }, { op: 'step', generations: 5 });
    expect(e.generation).toBe(12);
    await e.at({ epoch: 0, generation: 12 }, { op: 'resume' });
    const reset = e.at({ epoch: 0, generation: 20 }, { op: 'reset', rule: parseRule('B36/S23'), seed: 9 });
    const pauseAgain = e.at({ epoch: 1, generation: 4 }, { op: 'pause' });
    await elapse(300);
    await Promise.all([reset, pauseAgain]);
    expect([e.epoch, e.generation, e.paused, e.rule.text, e.seed]).toEqual([1, 4, true, 'B36/S23', 9]);
  });

  it('commands of one point apply in the order given, and a step applies those of the generations it passes', async () => {
    const e = make();
    const order: string[] = [];
    const steps = e.at({ epoch: 0, generation: 0 }, { op: 'step', generations: 3 }).then(() => order.push(`step done at ${e.generation}`));
    const pause = e.at({ epoch: 0, generation: 2 }, { op: 'pause' }).then(() => order.push(`paused at ${e.generation}`));
    await Promise.all([steps, pause]);
    expect(order).toEqual(['paused at 2', 'step done at 3']);
    expect(e.paused).toBe(true);
  });

  it('refuses a point the world is past with LIFE_ERR_GENERATION_PASSED', async () => {
    // The whole world as its area, with a border that waits until let go: a tick that has begun.
    let borderCalled = (): void => undefined;
    let letGo = (): void => undefined;
    const e = make({
      area: {
        owned: new Uint8Array(4).fill(1),
        fillBorder: () =>
          new Promise<void>((resolve) => {
            letGo = resolve;
            borderCalled();
          }),
      },
    });
    const step3 = e.step(3);
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => (borderCalled = resolve));
      letGo();
    }
    await step3;
    expect(await outcome(e.at({ epoch: 0, generation: 2 }, { op: 'pause' }))).toBe('LIFE_ERR_GENERATION_PASSED');
    // The tick from 3 has begun (it waits for its border): 3 is past too.
    const waiting = new Promise<void>((resolve) => (borderCalled = resolve));
    const stepping = e.step(1);
    await waiting;
    expect(await outcome(e.at({ epoch: 0, generation: 3 }, { op: 'pause' }))).toBe('LIFE_ERR_GENERATION_PASSED');
    letGo();
    await stepping;
    expect(e.generation).toBe(4);
    // A reset ends epoch 0: a command still waiting for a later generation of it never applies.
    const stranded = outcome(e.at({ epoch: 0, generation: 10 }, { op: 'pause' }));
    await e.at({ epoch: 0, generation: 4 }, { op: 'reset' });
    expect(await stranded).toBe('LIFE_ERR_GENERATION_PASSED');
    expect([e.epoch, e.generation, e.paused]).toEqual([1, 0, false]);
    expect(await outcome(e.at({ epoch: 0, generation: 20 }, { op: 'pause' }))).toBe('LIFE_ERR_GENERATION_PASSED');
    // Stopping gives up on the rest.
    const never = outcome(e.at({ epoch: 1, generation: 50 }, { op: 'pause' }));
    await e.stop();
    expect(await never).toBe('LIFE_ERR_SHUTTING_DOWN');
  });

  it('reads at a point: a running world answers when it reaches g, between ticks, and refuses a point it is past', async () => {
    fakeTime();
    const e = make({ tickMs: 10 });
    e.place([[1, 1], [2, 1], [3, 1]], 1); // a blinker landing at 1: vertical at even generations
    e.start();
    const read = e.readAt({ epoch: 0, generation: 6 }, () => [e.generation, e.liveCells({ x: 0, y: 0, w: 8, h: 8 }).map(([x, y]) => `${x},${y}`)]);
    await elapse(200);
    // Generation 6 as it was before the tick from 6: the vertical phase.
    expect(await read).toEqual([6, ['2,0', '2,1', '2,2']]);
    expect(e.generation).toBeGreaterThan(6);
    expect(await outcome(e.readAt({ epoch: 0, generation: 6 }, () => e.generation))).toBe('LIFE_ERR_GENERATION_PASSED');
    await e.stop();
  });

  it('holds a running world at a point until told: a command applied there, or none and it goes on; a passed point is refused at once', async () => {
    fakeTime();
    const e = make({ tickMs: 10 });
    e.start();
    const held = e.hold({ epoch: 0, generation: 5 });
    await elapse(300); // 30 ticks' time: held at 5
    expect(e.generation).toBe(5);
    const applied = held.decide({ op: 'pause' });
    await elapse(20);
    await applied;
    expect([e.generation, e.paused]).toEqual([5, true]);
    e.resume();
    const letGo = e.hold({ epoch: 0, generation: 8 });
    await elapse(200);
    expect(e.generation).toBe(8);
    void letGo.decide(null);
    await elapse(100);
    expect(e.generation).toBeGreaterThan(12);
    expect(() => e.hold({ epoch: 0, generation: 3 })).toThrow(expect.objectContaining({ code: 'LIFE_ERR_GENERATION_PASSED' }));
    // A hold reached and never decided does not keep the engine from stopping.
    e.hold({ epoch: 0, generation: e.generation + 1 });
    await elapse(100);
    await e.stop();
  });

  it('a region steps its interior while it waits for its border, and the rest once the border is in', async () => {
    // 8 x 4 chunks; the region owns columns 0-3 of a torus: columns 1 and 2 are its interior.
    const owned = new Uint8Array(32);
    for (let cy = 0; cy < 4; cy++) for (let cx = 0; cx < 4; cx++) owned[cy * 8 + cx] = 1;
    let borderCalled: (() => void) | null = null;
    let letGo = (): void => undefined;
    const e = make({
      width: 512,
      height: 256,
      area: {
        owned,
        // In at once, unless the test waits for the call.
        fillBorder: (_world, _generation, signal) =>
          new Promise<void>((resolve, reject) => {
            if (borderCalled === null) return resolve();
            signal.addEventListener('abort', () => reject(new Error('stopped')));
            letGo = resolve;
            borderCalled();
          }),
      },
    });
    // Blinker A at the right edge of interior chunk (1, 0): a birth in interior chunk (2, 0).
    // Blinker B at the right edge of interior chunk (2, 2): a birth in border chunk (3, 2).
    e.place([[127, 10], [127, 11], [127, 12], [191, 140], [191, 141], [191, 142]], 1);
    const chunk = (cx: number, cy: number) => e.world.chunkAt(cy * 8 + cx);
    await e.step(1);
    expect(chunk(2, 0)).toBeNull();
    const waiting = new Promise<void>((resolve) => (borderCalled = resolve));
    const stepping = e.step(1);
    await waiting;
    // Stepped while waiting: the interior's new chunk is there (its cells not yet committed)...
    await vi.waitFor(() => expect(chunk(2, 0)).not.toBeNull());
    expect(e.generation).toBe(1);
    // ...and the border chunk's only once the border is in.
    expect(chunk(3, 2)).toBeNull();
    letGo();
    await stepping;
    const cells = (x: number, y: number) => e.liveCells({ x, y, w: 3, h: 1 }).map(([cx, cy]) => `${cx},${cy}`);
    expect(cells(126, 11)).toEqual(['126,11', '127,11', '128,11']);
    expect(cells(190, 141)).toEqual(['190,141', '191,141', '192,141']);
    expect(e.generation).toBe(2);
  });

  it('plain reset counts epochs too', async () => {
    const e = make();
    expect(e.epoch).toBe(0);
    await e.reset();
    await e.reset({ seed: 3 });
    expect(e.epoch).toBe(2);
  });
});
