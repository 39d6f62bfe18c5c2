import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONWAY, Geometry, LifeError } from '@lifemmo/shared';
import type { EngineOptions } from '../engine/index.js';
import { linkInProcess } from './halo-inbox.js';
import { layoutRegions } from './layout.js';
import { RegionEngine } from './region-engine.js';

const OPTIONS: Omit<EngineOptions, 'area'> = {
  width: 256,
  height: 128,
  topology: 'torus',
  shardChunks: 1,
  rule: CONWAY,
  seed: 1,
  cellLogic: { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 },
};

function twoRegions(): RegionEngine[] {
  const layout = layoutRegions({ kind: 'grid', columns: 2, rows: 1 }, new Geometry({ ...OPTIONS, shardChunks: 1 }));
  const links = linkInProcess(layout);
  return layout.regions.map((r) => new RegionEngine(OPTIONS, layout, r.id, links[r.id]!));
}

/** Let pending promise callbacks and timers run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('RegionEngine', () => {
  it('refuses cells another region owns, with VALIDATION, and places nothing', () => {
    const [left] = twoRegions();
    let caught: unknown;
    try {
      left!.engine.place([[10, 10], [200, 10]], 1);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LifeError);
    expect((caught as LifeError).code).toBe('LIFE_ERR_VALIDATION');
    expect(() => left!.engine.place([[127, 5]], 1)).not.toThrow();
  });

  it('holds only its own chunks between ticks: the ghosts of its border last one tick', async () => {
    const [left, right] = twoRegions();
    // A blinker on the border: its middle cell at x = 128 is the right region's.
    left!.engine.place([[127, 10]], 1);
    right!.engine.place([[128, 10], [129, 10]], 1);
    for (let i = 0; i < 3; i++) {
      await Promise.all([left!.engine.step(1), right!.engine.step(1)]);
      for (const r of [left!, right!]) {
        const { x, w } = r.cells;
        for (const chunk of r.engine.world.chunks) expect(chunk.cx * 64 >= x && chunk.cx * 64 < x + w).toBe(true);
      }
    }
    // A blinker laid at generation 1 is horizontal again at generation 3: across the border.
    expect(left!.liveCells()).toEqual([[127, 10, 1]]);
    expect(right!.liveCells()).toEqual([
      [128, 10, 1],
      [129, 10, 1],
    ]);
    await Promise.all([left!.engine.step(1), right!.engine.step(1)]);
    expect(left!.liveCells()).toEqual([]);
    expect(right!.liveCells()).toEqual([
      [128, 9, 1],
      [128, 10, 1],
      [128, 11, 1],
    ]);
  });

  it('waits for its neighbours: no region runs ahead of one that does not step', async () => {
    const [left, right] = twoRegions();
    left!.engine.place([[10, 10], [11, 10], [12, 10]], 1);
    const leftDone = left!.engine.step(5);
    await settle();
    expect(left!.engine.generation).toBe(0); // the right region has sent no halo of generation 0
    const rightStep = right!.engine.step(2);
    await rightStep;
    await settle();
    expect(right!.engine.generation).toBe(2);
    expect(left!.engine.generation).toBe(3); // one past its neighbour, waiting for its halo of 3
    await Promise.all([leftDone, right!.engine.step(3)]);
    expect([left!.engine.generation, right!.engine.generation]).toEqual([5, 5]);
  });

  it('stops while waiting for a neighbour that never steps: the tick is abandoned, the world unchanged', async () => {
    const [left] = twoRegions();
    left!.engine.place([[127, 10], [127, 11], [127, 12]], 1);
    const step = left!.engine.step(1);
    const outcome = step.then(
      () => 'stepped',
      (err: unknown) => (err instanceof LifeError ? err.code : String(err)),
    );
    await settle();
    await left!.engine.stop();
    expect(await outcome).toBe('LIFE_ERR_SHUTTING_DOWN');
    expect(left!.engine.generation).toBe(0);
    // No ghost left behind, and the queued cells still wait for the next tick.
    expect([...left!.engine.world.chunks].every((c) => c.cx < 2)).toBe(true);
    expect(left!.liveCells()).toEqual([]);
    expect(left!.engine.save().pending).toHaveLength(3);
  });

  describe('on fake timers', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('stops while a step and a timer tick queued behind it both wait for a neighbour that never steps', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
      const [left] = twoRegions();
      left!.engine.start();
      const step = left!.engine.step(1).then(
        () => 'stepped',
        (err: unknown) => (err instanceof LifeError ? err.code : String(err)),
      );
      // The timer (100 ms) fires while the step's tick waits for its border: its tick queues behind.
      await vi.advanceTimersByTimeAsync(250);
      await left!.engine.stop();
      expect(await step).toBe('LIFE_ERR_SHUTTING_DOWN');
      expect(left!.engine.generation).toBe(0);
    });
  });
});
