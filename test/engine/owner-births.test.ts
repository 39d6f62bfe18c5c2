/**
 * Births credited per owner (Engine.birthsOf): counted in the commit, on the fast path of
 * a chunk whose surroundings hold one owner and on the per-cell path of mixed chunks;
 * contested births go to nobody; a reset, a restore or a reused id starts from zero.
 */
import { describe, expect, it } from 'vitest';
import { CONWAY, parseRle } from '@lifemmo/shared';
import { Engine, type CellLogicOptions } from '@lifemmo/server/engine';

const LOCAL: CellLogicOptions = { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 };
const GLIDER = parseRle('x = 3, y = 3, rule = B3/S23\nbo$2bo$3o!').cells;

function engine(): Engine {
  return new Engine({ width: 256, height: 256, topology: 'torus', shardChunks: 1, rule: CONWAY, seed: 1, cellLogic: LOCAL });
}

/** Live cells as "x,y" keys. */
function liveKeys(e: Engine): Set<string> {
  return new Set(e.liveCells({ x: 0, y: 0, w: 256, h: 256 }).map(([x, y]) => `${x},${y}`));
}

/** Step one generation at a time; returns the cells that became live over all of them. */
async function stepCountingBirths(e: Engine, generations: number): Promise<number> {
  let births = 0;
  for (let i = 0; i < generations; i++) {
    const before = liveKeys(e);
    await e.step(1);
    for (const key of liveKeys(e)) if (!before.has(key)) births++;
  }
  return births;
}

describe('births credited per owner', () => {
  it('a lone glider (one owner around its chunks) is credited every birth; placements are not births', async () => {
    const e = engine();
    e.place(GLIDER.map(([x, y]) => [x + 60, y + 60]), 7); // crosses a chunk edge within 8 generations
    await e.step(1);
    expect(e.birthsOf(7)).toBe(0);
    const births = await stepCountingBirths(e, 20);
    expect(births).toBeGreaterThan(0);
    expect(e.birthsOf(7)).toBe(births);
    expect(e.birthsOf(0)).toBe(0);
  });

  it('in a mixed chunk each birth goes to its parents majority, and a three-way tie to nobody', async () => {
    const e = engine();
    // Blinkers in one chunk: (1, 1, 2) and (3, 4, 5) as owners, three cells each.
    e.place([[10, 10], [11, 10]], 1);
    e.place([[12, 10]], 2);
    e.place([[20, 10]], 3);
    e.place([[21, 10]], 4);
    e.place([[22, 10]], 5);
    await e.step(1);
    // Each blinker has two births per generation.
    await e.step(2);
    expect(e.birthsOf(1)).toBe(4);
    for (const owner of [2, 3, 4, 5]) expect(e.birthsOf(owner)).toBe(0);
    expect(e.birthsOf(0)).toBe(4); // the contested blinker's, neutral from then on
  });

  it('starts from zero after a reset, a restore, and for a reused id', async () => {
    const e = engine();
    e.place([[10, 10], [11, 10], [12, 10]], 9);
    await e.step(3);
    expect(e.birthsOf(9)).toBe(4);
    const saved = e.save();
    e.forgetBirths(9);
    expect(e.birthsOf(9)).toBe(0);
    await e.step(1);
    expect(e.birthsOf(9)).toBe(2);
    await e.restore(saved);
    expect(e.birthsOf(9)).toBe(0);
    await e.step(1);
    expect(e.birthsOf(9)).toBe(2);
    await e.reset();
    expect(e.birthsOf(9)).toBe(0);
  });
});
