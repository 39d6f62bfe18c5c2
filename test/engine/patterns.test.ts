/** Known patterns behave as Life says, across chunk edges and torus wraps; RLE in and out. */
import { describe, expect, it } from 'vitest';
import { CONWAY, parseRle, writeRle } from '@lifemmo/shared';
import { Engine, type CellLogicOptions } from '@lifemmo/server/engine';

const LOCAL: CellLogicOptions = { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 };

function engine(width = 128, height = 128, topology: 'torus' | 'bounded' = 'torus'): Engine {
  return new Engine({ width, height, topology, shardChunks: 1, rule: CONWAY, seed: 1, cellLogic: LOCAL });
}

function at(cells: ReadonlyArray<readonly [number, number]>, dx: number, dy: number): Array<[number, number]> {
  return cells.map(([x, y]) => [x + dx, y + dy]);
}

function live(e: Engine): Array<[number, number]> {
  return e.liveCells({ x: 0, y: 0, w: e.geometry.width, h: e.geometry.height }).map(([x, y]) => [x, y]);
}

function sorted(cells: Array<[number, number]>): Array<[number, number]> {
  return [...cells].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
}

describe('known patterns', () => {
  it('still lifes stay put, straddling chunk corners', async () => {
    const e = engine();
    const block = at([[0, 0], [1, 0], [0, 1], [1, 1]], 63, 63); // one cell in each of four chunks
    const beehive = at([[1, 0], [2, 0], [0, 1], [3, 1], [1, 2], [2, 2]], 10, 100);
    e.place([...block, ...beehive], 3);
    await e.step(1);
    const start = live(e);
    expect(start).toHaveLength(10);
    await e.step(50);
    expect(live(e)).toEqual(start);
    expect(e.lastStats?.changedChunks).toBe(0);
  });

  it('a blinker has period 2', async () => {
    const e = engine();
    const horizontal = at([[0, 0], [1, 0], [2, 0]], 63, 20); // crosses a chunk edge
    e.place(horizontal, 1);
    await e.step(1);
    expect(live(e)).toEqual(sorted(horizontal));
    await e.step(1);
    expect(live(e)).toEqual(sorted(at([[1, -1], [1, 0], [1, 1]], 63, 20)));
    await e.step(1);
    expect(live(e)).toEqual(sorted(horizontal));
  });

  it('a glider moves (1, 1) every 4 generations and wraps the torus', async () => {
    const glider = parseRle('x = 3, y = 3, rule = B3/S23\nbo$2bo$3o!').cells;
    const e = engine(128, 64);
    e.place(at(glider, 120, 58), 5);
    await e.step(1);
    for (let k = 1; k <= 8; k++) {
      await e.step(4);
      const want = sorted(at(glider, 120 + k, 58 + k).map(([x, y]) => [x % 128, y % 64]));
      expect(live(e)).toEqual(want);
    }
    // 256 generations in all: 64 cells down and right, one full lap of the 64-high torus.
    await e.step(4 * 64 - 32);
    expect(live(e)).toEqual(sorted(at(glider, 120 + 64, 58 + 64).map(([x, y]) => [x % 128, y % 64])));
    expect(e.populationByOwner()).toEqual(new Map([[5, 5]]));
  });

  it('a glider dies at the edge of a bounded world', async () => {
    const glider = parseRle('bo$2bo$3o!').cells;
    const e = engine(64, 64, 'bounded');
    e.place(at(glider, 50, 50), 1);
    await e.step(200);
    // It turns into a block in the corner (the classic glider-meets-wall result).
    expect(e.population).toBe(4);
  });

  it('RLE round trip: the Gosper gun placed from RLE reads back as the same RLE', async () => {
    const gun =
      'x = 36, y = 9, rule = B3/S23\n24bo$22bobo$12b2o6b2o12b2o$11bo3bo4b2o12b2o$2o8bo5bo3b2o$2o8bo3bob2o4bobo$10bo5bo7bo$11bo3bo$12b2o!\n';
    const pattern = parseRle(gun);
    const e = engine(128, 128);
    e.place(at(pattern.cells, 40, 30), 2);
    await e.step(1);
    const back = e.liveCells({ x: 40, y: 30, w: 36, h: 9 }).map(([x, y]) => [x - 40, y - 30] as [number, number]);
    expect(back).toHaveLength(36);
    expect(writeRle({ width: 36, height: 9, cells: back, rule: 'B3/S23' })).toBe(writeRle(pattern));
  });
});
