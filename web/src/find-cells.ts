/**
 * "Go to my cells" and the leaderboard's jumps, as pure logic (no DOM, unit-tested in
 * find-cells.test.ts): which chunk of an owner's live cells to look at next, from
 * `GET /players/{id}/cells` (chunks with the owner's live cells, most first), and the
 * world point at its centre. main.ts fetches the list and moves the camera there with
 * camera.ts's `lookAt`, as a click on the minimap does.
 *
 * Pressing again visits the owner's next chunk ("colony i of n"). The list is read anew
 * at every press, because life moves: its order may change between presses, so the tour
 * remembers the chunks it has shown rather than an index, and goes to the most populated
 * chunk not shown yet; once all are shown it starts again from the first.
 */
import type { CameraWorld } from './camera.js';
import type { OwnerCells } from '@lifemmo/shared/client';

/** A chunk of an owner's cells to look at, and its place in the tour. */
export interface Colony {
  readonly owner: number;
  /** The chunk's coordinates (chunk units) and the owner's live cells in it. */
  readonly chunk: readonly [number, number];
  readonly cells: number;
  /** World point at the chunk's centre, cells. */
  readonly x: number;
  readonly y: number;
  /** 1-based: how many of the listed chunks the tour has shown, this one included. */
  readonly index: number;
  /** Chunks listed. */
  readonly of: number;
  /** True when the owner has more chunks than were listed. */
  readonly more: boolean;
}

/**
 * The world point at the centre of chunk (cx, cy), cells. A chunk cut short by the
 * world's edge (a world side that is not a multiple of the chunk size) is centred on the
 * part inside the world.
 */
export function chunkCentre(cx: number, cy: number, chunkSize: number, world: CameraWorld): { x: number; y: number } {
  const x0 = cx * chunkSize;
  const y0 = cy * chunkSize;
  const w = Math.max(0, Math.min(chunkSize, world.width - x0));
  const h = Math.max(0, Math.min(chunkSize, world.height - y0));
  return { x: x0 + w / 2, y: y0 + h / 2 };
}

/** "colony 2 of 3", with a "+" when the owner has more chunks than were listed. */
export function colonyLabel(colony: Colony): string {
  return `colony ${colony.index} of ${colony.of}${colony.more ? '+' : ''}`;
}

/** The tour of one owner's chunks; see the module comment. */
export class ColonyTour {
  #owner: number | null = null;
  /** Chunks shown on this tour, as `cx,cy`. */
  #shown = new Set<string>();

  /**
   * The next chunk to look at in `reply`: the most populated one this tour has not shown,
   * or the first again once all were shown. A reply for another owner starts a new tour.
   * Null when the owner has no live cells.
   */
  next(reply: OwnerCells, world: CameraWorld): Colony | null {
    if (reply.owner !== this.#owner) {
      this.#owner = reply.owner;
      this.#shown.clear();
    }
    const keys = reply.chunks.map(([cx, cy]) => `${cx},${cy}`);
    // Forget chunks no longer listed (the cells moved or died), so the set stays small.
    const listed = new Set(keys);
    for (const k of this.#shown) if (!listed.has(k)) this.#shown.delete(k);
    if (keys.length === 0) return null;
    let i = keys.findIndex((k) => !this.#shown.has(k));
    if (i < 0) {
      this.#shown.clear();
      i = 0;
    }
    this.#shown.add(keys[i]!);
    const [cx, cy, cells] = reply.chunks[i]!;
    const centre = chunkCentre(cx, cy, reply.chunkSize, world);
    return {
      owner: reply.owner,
      chunk: [cx, cy],
      cells,
      x: centre.x,
      y: centre.y,
      index: this.#shown.size,
      of: keys.length,
      more: reply.chunkCount > keys.length,
    };
  }

  /** Forget the tour: the next `next` starts from the most populated chunk. */
  reset(): void {
    this.#owner = null;
    this.#shown.clear();
  }
}
