/**
 * The local replica of a subscribed region: the chunks of the last snapshot, kept up to
 * date by diff frames. Storage per chunk is a 4096-bit live bitmap (Uint32Array) and a
 * Uint16Array of owners, allocated only for chunks that have held a live cell, so a
 * client watching a mostly empty region costs a few bytes per chunk, and thousands of
 * bots in one process stay small. No I/O; fed by the client with decoded frames.
 */
import {
  CHUNK_CELLS,
  CHUNK_SHIFT,
  CHUNK_SIZE,
  mod,
  type ChunkChange,
  type ChunkCells,
  type Rect,
  type Topology,
} from '@lifemmo/shared/client';

/** The world a replica lives in (from the server's hello). */
export interface ReplicaWorld {
  readonly width: number;
  readonly height: number;
  readonly topology: Topology;
}

/** One cell as the replica knows it. */
export interface CellState {
  readonly live: boolean;
  /** Player id of a live cell (0 = neutral); 0 for a dead one. */
  readonly owner: number;
}

/** A live cell: world x, world y, owner. */
export type LiveCell = readonly [x: number, y: number, owner: number];

/** What applying a diff did. */
export interface DiffResult {
  /** False when the diff does not fit the replica (a chunk not held, a birth on a live cell, a death of a dead one): resync. */
  readonly consistent: boolean;
  readonly births: number;
  readonly deaths: number;
}

/** One chunk: null arrays until it first holds a live cell. */
class ChunkStore {
  bits: Uint32Array | null = null;
  owners: Uint16Array | null = null;
  count = 0;

  has(cell: number): boolean {
    return this.bits !== null && (this.bits[cell >>> 5]! & (1 << (cell & 31))) !== 0;
  }

  /** Make `cell` live with `owner`; false when it was live already. */
  set(cell: number, owner: number): boolean {
    if (this.bits === null) {
      this.bits = new Uint32Array(CHUNK_CELLS / 32);
      this.owners = new Uint16Array(CHUNK_CELLS);
    }
    const word = cell >>> 5;
    const bit = 1 << (cell & 31);
    const wasLive = (this.bits[word]! & bit) !== 0;
    this.bits[word]! |= bit;
    this.owners![cell] = owner;
    if (!wasLive) this.count++;
    return !wasLive;
  }

  /** Make `cell` dead; false when it was dead already. */
  clear(cell: number): boolean {
    if (!this.has(cell)) return false;
    this.bits![cell >>> 5]! &= ~(1 << (cell & 31));
    this.owners![cell] = 0;
    this.count--;
    return true;
  }
}

/** The replica. `generation` is -1 until the first snapshot. */
export class Replica {
  readonly world: ReplicaWorld;
  /** Generation the replica shows; -1 before the first snapshot. */
  generation = -1;
  readonly #chunksX: number;
  readonly #chunks = new Map<number, ChunkStore>();
  #population = 0;

  constructor(world: ReplicaWorld) {
    this.world = world;
    this.#chunksX = world.width / CHUNK_SIZE;
  }

  /** Chunks held (the chunks of the last snapshot). */
  get chunkCount(): number {
    return this.#chunks.size;
  }

  /** Live cells held. */
  get population(): number {
    return this.#population;
  }

  /** Forget everything (after unsubscribe). */
  clear(): void {
    this.#chunks.clear();
    this.#population = 0;
    this.generation = -1;
  }

  /** Replace the replica with a snapshot's chunks at `generation`. */
  applySnapshot(generation: number, chunks: readonly ChunkCells[]): void {
    this.#chunks.clear();
    this.#population = 0;
    for (const chunk of chunks) {
      const store = new ChunkStore();
      for (let i = 0; i < chunk.cells.length; i++) store.set(chunk.cells[i]!, chunk.owners[i]!);
      this.#population += store.count;
      this.#chunks.set(chunk.cy * this.#chunksX + chunk.cx, store);
    }
    this.generation = generation;
  }

  /**
   * Apply a diff leading to `generation` (the caller checked it is generation + 1). Deaths
   * first, then births (they are disjoint). An inconsistent diff is applied as far as it
   * goes and reported, so the caller resyncs rather than trusting the replica.
   */
  applyDiff(generation: number, chunks: readonly ChunkChange[]): DiffResult {
    let consistent = true;
    let births = 0;
    let deaths = 0;
    for (const change of chunks) {
      const store = this.#chunks.get(change.cy * this.#chunksX + change.cx);
      if (store === undefined) {
        consistent = false;
        continue;
      }
      for (let i = 0; i < change.deaths.length; i++) {
        if (store.clear(change.deaths[i]!)) deaths++;
        else consistent = false;
      }
      for (let i = 0; i < change.births.length; i++) {
        if (store.set(change.births[i]!, change.birthOwners[i]!)) births++;
        else consistent = false;
      }
    }
    this.#population += births - deaths;
    this.generation = generation;
    return { consistent, births, deaths };
  }

  /** The store and index of world cell (x, y), or null when the replica does not hold it. */
  #locate(x: number, y: number): { store: ChunkStore; cell: number } | null {
    const { width, height, topology } = this.world;
    if (topology === 'torus') {
      x = mod(x, width);
      y = mod(y, height);
    } else if (x < 0 || y < 0 || x >= width || y >= height) {
      return null;
    }
    const store = this.#chunks.get((y >> CHUNK_SHIFT) * this.#chunksX + (x >> CHUNK_SHIFT));
    if (store === undefined) return null;
    return { store, cell: ((y & (CHUNK_SIZE - 1)) << CHUNK_SHIFT) | (x & (CHUNK_SIZE - 1)) };
  }

  /** True when the replica holds cell (x, y) (its chunk was in the last snapshot). Wraps on a torus. */
  holds(x: number, y: number): boolean {
    return this.#locate(x, y) !== null;
  }

  /** State and owner of cell (x, y), wrapping on a torus; undefined when the replica does not hold it. */
  get(x: number, y: number): CellState | undefined {
    const at = this.#locate(x, y);
    if (at === null) return undefined;
    return at.store.has(at.cell) ? { live: true, owner: at.store.owners![at.cell]! } : { live: false, owner: 0 };
  }

  /**
   * Every live cell held, in world coordinates, chunk by chunk; only those inside `rect`
   * when given (the rectangle wraps on a torus, like a subscribe). Cells are yielded as
   * fresh arrays, so callers may keep them.
   */
  *cells(rect?: Rect): IterableIterator<LiveCell> {
    const { width, height } = this.world;
    const torus = this.world.topology === 'torus';
    const inside = (x: number, y: number): boolean =>
      rect === undefined ||
      (torus
        ? mod(x - rect.x, width) < rect.w && mod(y - rect.y, height) < rect.h
        : x >= rect.x && x < rect.x + rect.w && y >= rect.y && y < rect.y + rect.h);
    for (const [key, store] of this.#chunks) {
      if (store.count === 0) continue;
      const x0 = (key % this.#chunksX) * CHUNK_SIZE;
      const y0 = Math.floor(key / this.#chunksX) * CHUNK_SIZE;
      const bits = store.bits!;
      for (let w = 0; w < bits.length; w++) {
        let m = bits[w]!;
        while (m !== 0) {
          const low = m & -m;
          const cell = (w << 5) | (31 - Math.clz32(low));
          m ^= low;
          const x = x0 + (cell & (CHUNK_SIZE - 1));
          const y = y0 + (cell >> CHUNK_SHIFT);
          if (!inside(x, y)) continue;
          yield [x, y, store.owners![cell]!];
        }
      }
    }
  }
}
