import { describe, expect, test } from 'vitest';
import { lookAt, type CameraWorld } from './camera.js';
import type { OwnerCells } from '@lifemmo/shared/client';
import { ColonyTour, chunkCentre, colonyLabel } from './find-cells.js';

const world: CameraWorld = { width: 1024, height: 1024, topology: 'torus' };

function reply(owner: number, chunks: Array<[number, number, number]>, chunkCount = chunks.length): OwnerCells {
  return { generation: 1, owner, population: chunks.reduce((n, c) => n + c[2], 0), chunkCount, chunkSize: 64, chunks };
}

describe('find cells', () => {
  test('the centre of a chunk, in world cells; a chunk cut by the world edge is centred on its part inside', () => {
    expect(chunkCentre(0, 0, 64, world)).toEqual({ x: 32, y: 32 });
    expect(chunkCentre(3, 15, 64, world)).toEqual({ x: 224, y: 992 });
    expect(chunkCentre(1, 1, 64, { width: 100, height: 80, topology: 'bounded' })).toEqual({ x: 82, y: 72 });
  });

  test('the first press goes to the most populated chunk', () => {
    const tour = new ColonyTour();
    const c = tour.next(reply(7, [[15, 15, 12], [2, 3, 4]]), world)!;
    expect(c).toEqual({ owner: 7, chunk: [15, 15], cells: 12, x: 992, y: 992, index: 1, of: 2, more: false });
    expect(colonyLabel(c)).toBe('colony 1 of 2');
  });

  test('pressing again cycles through the chunks, then starts over', () => {
    const tour = new ColonyTour();
    const r = reply(7, [[1, 1, 9], [2, 3, 4], [5, 0, 1]]);
    const seen = [1, 2, 3, 4].map(() => tour.next(r, world)!).map((c) => [c.chunk, c.index, c.of]);
    expect(seen).toEqual([
      [[1, 1], 1, 3],
      [[2, 3], 2, 3],
      [[5, 0], 3, 3],
      [[1, 1], 1, 3],
    ]);
  });

  test('a reordered list does not make the tour repeat a chunk; vanished chunks are forgotten', () => {
    const tour = new ColonyTour();
    expect(tour.next(reply(7, [[1, 1, 9], [2, 3, 4], [5, 0, 1]]), world)!.chunk).toEqual([1, 1]);
    // The second colony grew past the first: the tour goes on to the one not shown yet.
    const c = tour.next(reply(7, [[2, 3, 20], [1, 1, 9], [5, 0, 1]]), world)!;
    expect([c.chunk, c.index]).toEqual([[2, 3], 2]);
    // Chunk (1, 1) died out and a glider entered (6, 0): shown so far, (2, 3) only.
    const d = tour.next(reply(7, [[2, 3, 20], [6, 0, 5], [5, 0, 1]]), world)!;
    expect([d.chunk, d.index, d.of]).toEqual([[6, 0], 2, 3]);
  });

  test('another owner starts a new tour; reset does too', () => {
    const tour = new ColonyTour();
    const mine = reply(7, [[1, 1, 9], [2, 3, 4]]);
    tour.next(mine, world);
    expect(tour.next(reply(9, [[4, 4, 3], [0, 0, 1]]), world)!.chunk).toEqual([4, 4]);
    expect(tour.next(mine, world)!.chunk).toEqual([1, 1]);
    tour.reset();
    expect(tour.next(mine, world)!.chunk).toEqual([1, 1]);
  });

  test('no live cells: nothing to go to', () => {
    expect(new ColonyTour().next(reply(7, []), world)).toBeNull();
  });

  test('more chunks than listed shows a "+"', () => {
    const c = new ColonyTour().next(reply(7, [[1, 1, 9]], 300), world)!;
    expect(colonyLabel(c)).toBe('colony 1 of 1+');
  });

  test('the camera goes to the chunk centre, across the torus seam', () => {
    const c = new ColonyTour().next(reply(7, [[15, 0, 3]]), world)!;
    const camera = lookAt({ cx: 10, cy: 10, scale: 8 }, world, { width: 800, height: 600 }, c.x, c.y);
    expect(camera).toEqual({ cx: 992, cy: 32, scale: 8 });
  });
});
