import { describe, expect, test } from 'vitest';
import { isLifeError } from '@lifemmo/shared/client';
import { BUILT_IN, nextRotation, patternCells, placeAt } from './palette.js';

const torus = { width: 64, height: 64, topology: 'torus' as const };

describe('palette', () => {
  test('built-in patterns parse to their known sizes', () => {
    const sizes = Object.fromEntries(BUILT_IN.map((e) => {
      const b = patternCells(e.rle);
      return [e.id, [b.width, b.height, b.cells.length]];
    }));
    expect(sizes).toEqual({
      cell: [1, 1, 1],
      glider: [3, 3, 5],
      lwss: [5, 4, 9],
      'r-pentomino': [3, 3, 5],
      'gosper-gun': [36, 9, 36],
    });
  });

  test('rotation turns the box clockwise', () => {
    expect(nextRotation(0)).toBe(90);
    expect(nextRotation(270)).toBe(0);
    const lwss = patternCells(BUILT_IN.find((e) => e.id === 'lwss')!.rle, 90);
    expect([lwss.width, lwss.height]).toEqual([4, 5]);
    const glider = patternCells('bo$2bo$3o!', 90);
    // Clockwise: the top row becomes the right-hand column.
    expect(glider.cells).toEqual([[0, 0], [0, 1], [2, 1], [0, 2], [1, 2]]);
  });

  test('placing centres the box on the cell, wrapping on a torus', () => {
    const glider = patternCells('bo$2bo$3o!');
    expect(placeAt(glider, 10, 10, torus)).toEqual([[10, 9], [11, 10], [9, 11], [10, 11], [11, 11]]);
    expect(placeAt(glider, 0, 0, torus)).toEqual([[0, 63], [1, 0], [63, 1], [0, 1], [1, 1]]);
    expect(placeAt(glider, 0, 0, { ...torus, topology: 'bounded' })).toBeNull();
  });

  test('a bad custom RLE is reported with the catalogue code', () => {
    expect(() => patternCells('bo$2bz!')).toThrow(expect.objectContaining({ code: 'LIFE_ERR_RLE_INVALID' }));
    try {
      patternCells('x = 1000, y = 1000\no!');
    } catch (err) {
      expect(isLifeError(err, 'RLE_TOO_LARGE')).toBe(true);
    }
  });
});
