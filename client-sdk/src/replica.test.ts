import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { cellIndexInChunk } from '@lifemmo/shared/client';
import { Replica } from './replica.js';

const u16 = (values: number[]) => Uint16Array.from(values);

describe('Replica', () => {
  test('snapshot then diffs, with owners, get() wrapping on a torus', () => {
    const r = new Replica({ width: 128, height: 128, topology: 'torus' });
    r.applySnapshot(10, [
      { cx: 0, cy: 0, cells: u16([cellIndexInChunk(1, 1), cellIndexInChunk(2, 1)]), owners: u16([3, 4]) },
      { cx: 1, cy: 1, cells: u16([]), owners: u16([]) },
    ]);
    expect(r.generation).toBe(10);
    expect(r.population).toBe(2);
    expect(r.get(1, 1)).toEqual({ live: true, owner: 3 });
    expect(r.get(129, -127)).toEqual({ live: true, owner: 3 });
    expect(r.get(5, 5)).toEqual({ live: false, owner: 0 });
    expect(r.get(64, 0)).toBeUndefined(); // chunk (1, 0) was not in the snapshot
    const result = r.applyDiff(11, [
      { cx: 0, cy: 0, births: u16([cellIndexInChunk(3, 3)]), birthOwners: u16([7]), deaths: u16([cellIndexInChunk(1, 1)]) },
      { cx: 1, cy: 1, births: u16([cellIndexInChunk(70, 80)]), birthOwners: u16([0]), deaths: u16([]) },
    ]);
    expect(result).toEqual({ consistent: true, births: 2, deaths: 1 });
    expect([...r.cells()].sort()).toEqual([
      [2, 1, 4],
      [3, 3, 7],
      [70, 80, 0],
    ].sort());
    expect([...r.cells({ x: -60, y: 0, w: 64, h: 64 })]).toEqual([
      [2, 1, 4],
      [3, 3, 7],
    ]);
  });

  test('a diff that does not fit is reported inconsistent', () => {
    const r = new Replica({ width: 64, height: 64, topology: 'bounded' });
    r.applySnapshot(0, [{ cx: 0, cy: 0, cells: u16([5]), owners: u16([1]) }]);
    expect(r.applyDiff(1, [{ cx: 0, cy: 0, births: u16([5]), birthOwners: u16([1]), deaths: u16([]) }]).consistent).toBe(false);
    expect(r.applyDiff(2, [{ cx: 0, cy: 0, births: u16([]), birthOwners: u16([]), deaths: u16([9]) }]).consistent).toBe(false);
    expect(r.applyDiff(3, [{ cx: 1, cy: 0, births: u16([1]), birthOwners: u16([1]), deaths: u16([]) }]).consistent).toBe(false);
    expect(r.get(-1, 0)).toBeUndefined();
    expect([...r.cells({ x: -10, y: 0, w: 20, h: 64 })]).toEqual([[5, 0, 1]]);
  });

  test('matches a Map model under random snapshots and diffs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 65535 })), { maxLength: 300 }), (ops) => {
        const r = new Replica({ width: 64, height: 64, topology: 'torus' });
        r.applySnapshot(0, [{ cx: 0, cy: 0, cells: u16([]), owners: u16([]) }]);
        const model = new Map<number, number>();
        let g = 0;
        for (const [cell, owner] of ops) {
          const live = model.has(cell);
          const change = live
            ? { cx: 0, cy: 0, births: u16([]), birthOwners: u16([]), deaths: u16([cell]) }
            : { cx: 0, cy: 0, births: u16([cell]), birthOwners: u16([owner]), deaths: u16([]) };
          if (live) model.delete(cell);
          else model.set(cell, owner);
          expect(r.applyDiff(++g, [change]).consistent).toBe(true);
        }
        const cells = [...r.cells()].map(([x, y, o]) => [y * 64 + x, o]).sort((a, b) => a[0]! - b[0]!);
        expect(cells).toEqual([...model].sort((a, b) => a[0] - b[0]));
        expect(r.population).toBe(model.size);
      }),
      { numRuns: 50 },
    );
  });
});
