/** Saving and restoring a world, and replaying generations at full speed with the same history. */
import { describe, expect, it, vi } from 'vitest';
import { CONWAY, parseRule } from '@lifemmo/shared';
import { Engine, type CellLogicOptions } from '@lifemmo/server/engine';
import { soup } from './reference.js';

const LOSSY: CellLogicOptions = { kind: 'simulated', latencyModel: 'longtail', latencyMs: 1, jitterMs: 1, loss: 0.1, timeoutMs: 8 };

function make(): Engine {
  return new Engine({ width: 192, height: 128, topology: 'torus', shardChunks: 1, rule: CONWAY, seed: 42, cellLogic: LOSSY });
}

describe('save, restore and replay', () => {
  it('a restored world replayed instantly follows the same history as the live one', async () => {
    const live = make();
    const cells = soup(192, 128, 0.3, 3, 9);
    for (const owner of [0, 1, 2]) live.place(cells.filter((c) => c[2] === owner).map(([x, y]) => [x, y] as const), owner);
    await live.step(5);
    const saved = live.save();
    await live.step(20);
    expect(live.lastStats!.ioFailures + live.lastStats!.ioTimeouts).toBeGreaterThan(0);

    const restored = make();
    await restored.restore(saved);
    expect(restored.generation).toBe(5);
    // No waiting for simulated latency while replaying (20 generations x up to 8 ms otherwise):
    // on a clock that does not move, a replay that waited would never end (the test would
    // fail by its timeout).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      await restored.replay(() => restored.step(20));
    } finally {
      vi.useRealTimers();
    }
    expect(restored.generation).toBe(live.generation);
    expect(restored.liveCells({ x: 0, y: 0, w: 192, h: 128 })).toEqual(live.liveCells({ x: 0, y: 0, w: 192, h: 128 }));
    expect(restored.populationByOwner()).toEqual(live.populationByOwner());
  });

  it('restore brings back rule, seed and epoch, and the saved copy is independent of later ticks', async () => {
    const e = new Engine({ width: 64, height: 64, topology: 'bounded', rule: parseRule('B36/S23'), seed: 7 });
    await e.reset();
    await e.reset();
    e.place([[1, 1], [2, 1], [3, 1]], 4);
    await e.step(1);
    const saved = e.save();
    expect(saved.epoch).toBe(2);
    await e.step(1);
    const other = new Engine({ width: 64, height: 64, topology: 'bounded', rule: CONWAY, seed: 1 });
    await other.restore(saved);
    expect(other.rule.text).toBe('B36/S23');
    expect(other.seed).toBe(7);
    // The epoch survives: a restored region takes only its neighbours' halos of this world.
    expect(other.epoch).toBe(2);
    await other.restore({ ...saved, epoch: undefined }); // saved before the epoch was kept
    expect(other.epoch).toBe(0);
    expect(other.liveCells({ x: 0, y: 0, w: 64, h: 64 })).toEqual([[1, 1, 4], [2, 1, 4], [3, 1, 4]]);
  });
});
