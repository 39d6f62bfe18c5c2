import { describe, expect, test } from 'vitest';
import { FigureHistory, sparklinePoints } from './sparkline.js';

describe('FigureHistory', () => {
  test('keeps the samples of the window and counts the births within it', () => {
    const h = new FigureHistory(10_000);
    h.push({ t: 0, cells: 5, births: 100 });
    h.push({ t: 4_000, cells: 8, births: 110 });
    h.push({ t: 9_000, cells: 6, births: 130 });
    expect(h.samples).toHaveLength(3);
    expect(h.birthsInWindow()).toBe(30);
    h.push({ t: 12_000, cells: 3, births: 131 }); // t = 0 falls out (older than 2 000)
    expect(h.samples.map((s) => s.t)).toEqual([4_000, 9_000, 12_000]);
    expect(h.birthsInWindow()).toBe(21);
    expect(h.last).toEqual({ t: 12_000, cells: 3, births: 131 });
  });

  test('a count that went down (the server restarted or the world was reset) starts a new series', () => {
    const h = new FigureHistory(10_000);
    h.push({ t: 0, cells: 5, births: 100 });
    h.push({ t: 2_000, cells: 0, births: 0 });
    expect(h.samples).toEqual([{ t: 2_000, cells: 0, births: 0 }]);
    expect(h.birthsInWindow()).toBe(0);
    h.clear();
    expect(h.last).toBeNull();
    expect(h.birthsInWindow()).toBe(0);
  });
});

describe('sparklinePoints', () => {
  test('time runs left to right over the window; zero cells is the bottom, the most the top', () => {
    const samples = [
      { t: 0, cells: 0, births: 0 },
      { t: 5_000, cells: 10, births: 0 },
      { t: 10_000, cells: 5, births: 0 },
    ];
    expect(sparklinePoints(samples, 10_000, 10_000, 100, 42)).toEqual([
      [0, 41],
      [50, 1],
      [100, 21],
    ]);
  });

  test('samples older than the window stay on the left edge; no cells at all is a flat bottom line', () => {
    const samples = [
      { t: -5_000, cells: 0, births: 0 },
      { t: 10_000, cells: 0, births: 0 },
    ];
    expect(sparklinePoints(samples, 10_000, 10_000, 100, 42)).toEqual([
      [0, 41],
      [100, 41],
    ]);
  });
});
