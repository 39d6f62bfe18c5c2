/**
 * The world's state: which chunks exist, their cells and owners, the generation, the rule.
 * Chunks exist only where there is (or, mid-tick, is about to be) life: an empty world of
 * any size holds no chunk at all, and the cost of a tick follows the live area.
 */
import { CHUNK_SHIFT, CHUNK_SIZE, Geometry, cellIndexInChunk, type Rect, type Rule, type WorldShape } from '@lifemmo/shared';
import { Chunk, EMPTY_WORDS, popcountWords } from './chunk.js';
import type { Neighbourhood } from './bit-kernel.js';
import { OwnerBirths } from './owner-births.js';

/** What a world is made of. */
export interface WorldOptions extends WorldShape {
  readonly rule: Rule;
  readonly seed: number;
}

/** One live cell as [x, y, owner]. */
export type LiveCell = [number, number, number];

/** A chunk's state as saved in a snapshot: copies, safe to keep. */
export interface SavedChunk {
  readonly index: number;
  /** 128 words of cell bits (see Chunk). */
  readonly cells: Int32Array;
  /** Owner of every live cell when `owners` is null. */
  readonly owner: number;
  /** Per-cell owners (4096) when the chunk holds several owners. */
  readonly owners: Uint16Array | null;
}

/** The world's cells, chunked; see the module comment. */
export class World {
  readonly geometry: Geometry;
  rule: Rule;
  seed: number;
  /** Generation number of the current state. */
  generation = 0;
  /**
   * Resets so far (the world's epoch): with the generation, it names one point of the
   * world's history, so a message of the world before a reset is not taken for one of
   * the world after it (regions' halos and admin commands, docs/regions.md). Not changed
   * by `clear`: a reset counts it (TickLoop.reset), a restore sets it.
   */
  epoch = 0;
  /** Chunk by index, null where all cells are dead. */
  private readonly chunkByIndex: (Chunk | null)[];
  /** Every chunk that exists: after a commit, exactly those with live cells. */
  readonly chunks = new Set<Chunk>();
  /** Births credited per owner since the world was created or last cleared (owner-births.ts). */
  readonly births = new OwnerBirths();
  // Reused by neighbourhoodOf: the kernel reads it synchronously.
  private readonly hood: Neighbourhood = {
    c: EMPTY_WORDS, n: EMPTY_WORDS, s: EMPTY_WORDS, w: EMPTY_WORDS, e: EMPTY_WORDS,
    nw: EMPTY_WORDS, ne: EMPTY_WORDS, sw: EMPTY_WORDS, se: EMPTY_WORDS,
  };

  constructor(options: WorldOptions) {
    this.geometry = new Geometry(options);
    this.rule = options.rule;
    this.seed = options.seed;
    this.chunkByIndex = new Array<Chunk | null>(this.geometry.chunksX * this.geometry.chunksY).fill(null);
  }

  /** The chunk at `index`, or null when it holds no life. */
  chunkAt(index: number): Chunk | null {
    return this.chunkByIndex[index]!;
  }

  /** The chunk at `index`, created empty if absent. */
  ensureChunk(index: number): Chunk {
    let chunk = this.chunkByIndex[index]!;
    if (chunk === null) {
      const g = this.geometry;
      chunk = new Chunk(index, g.chunkX(index), g.chunkY(index));
      this.chunkByIndex[index] = chunk;
      this.chunks.add(chunk);
    }
    return chunk;
  }

  /** Forget a chunk with no live cells. */
  dropChunk(chunk: Chunk): void {
    this.chunkByIndex[chunk.index] = null;
    this.chunks.delete(chunk);
  }

  /** Remove every cell and return to generation 0; births credited start again from zero. */
  clear(): void {
    for (const chunk of this.chunks) this.chunkByIndex[chunk.index] = null;
    this.chunks.clear();
    this.births.clear();
    this.generation = 0;
  }

  /** Copies of every chunk with live cells, in index order. */
  saveChunks(): SavedChunk[] {
    const out: SavedChunk[] = [];
    for (const chunk of this.chunks) {
      if (chunk.population === 0) continue;
      out.push({ index: chunk.index, cells: chunk.cells.slice(), owner: chunk.owner, owners: chunk.owners?.slice() ?? null });
    }
    return out.sort((a, b) => a.index - b.index);
  }

  /** Put a saved chunk back (replacing whatever is there). */
  loadChunk(saved: SavedChunk): void {
    const chunk = this.ensureChunk(saved.index);
    chunk.cells.set(saved.cells);
    chunk.owner = saved.owner;
    chunk.owners = saved.owners === null ? null : saved.owners.slice();
    chunk.population = popcountWords(chunk.cells);
    if (chunk.population === 0) this.dropChunk(chunk);
  }

  /** Live cells in the current generation. */
  get population(): number {
    let n = 0;
    for (const chunk of this.chunks) n += chunk.population;
    return n;
  }

  /** Live cells per owner in the current generation. */
  populationByOwner(): Map<number, number> {
    const out = new Map<number, number>();
    for (const chunk of this.chunks) {
      if (chunk.population === 0) continue;
      if (chunk.owners === null) {
        out.set(chunk.owner, (out.get(chunk.owner) ?? 0) + chunk.population);
        continue;
      }
      forEachSetBit(chunk.cells, (cell) => {
        const owner = chunk.owners![cell]!;
        out.set(owner, (out.get(owner) ?? 0) + 1);
      });
    }
    return out;
  }

  /**
   * Live cells of one owner, per chunk that has any, as [chunk index, count]. Single-owner
   * chunks answer from their population; only mixed chunks are read cell by cell.
   */
  populationOfOwnerByChunk(owner: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const chunk of this.chunks) {
      if (chunk.population === 0) continue;
      const owners = chunk.owners;
      let n = 0;
      if (owners === null) n = chunk.owner === owner ? chunk.population : 0;
      else {
        forEachSetBit(chunk.cells, (cell) => {
          if (owners[cell] === owner) n++;
        });
      }
      if (n > 0) out.push([chunk.index, n]);
    }
    return out;
  }

  /**
   * The cell at (x, y), which must be inside the world: -1 when dead, else its owner.
   */
  cellAt(x: number, y: number): number {
    const chunk = this.chunkByIndex[this.geometry.chunkIndexOfCell(x, y)]!;
    if (chunk === null) return -1;
    const cell = cellIndexInChunk(x, y);
    return chunk.isAlive(cell) ? chunk.ownerOf(cell) : -1;
  }

  /**
   * Make (x, y) live with `owner`, at once and outside any tick: for loading state and
   * for tests. Placements by players go through the intake instead.
   */
  setCell(x: number, y: number, owner: number): void {
    const chunk = this.ensureChunk(this.geometry.chunkIndexOfCell(x, y));
    const cell = cellIndexInChunk(x, y);
    chunk.setOwner(cell, owner);
    if (!chunk.isAlive(cell)) {
      chunk.cells[cell >> 5] |= 1 << (cell & 31);
      chunk.population++;
    }
  }

  /**
   * Live cells inside `rect` as [x, y, owner] in world coordinates, row by row. On a
   * torus the rectangle wraps; in a bounded world it is clipped.
   */
  liveCells(rect: Rect): LiveCell[] {
    const out: LiveCell[] = [];
    const g = this.geometry;
    for (let dy = 0; dy < rect.h; dy++) {
      const wy = g.torus ? g.wrapY(rect.y + dy) : rect.y + dy;
      if (wy < 0 || wy >= g.height) continue;
      for (let dx = 0; dx < rect.w; ) {
        const rawX = rect.x + dx;
        const wx = g.torus ? g.wrapX(rawX) : rawX;
        // Walk chunk by chunk along the row so an empty chunk is skipped in one step.
        const runEnd = Math.min(rect.w, dx + (CHUNK_SIZE - (wx & (CHUNK_SIZE - 1))));
        if (wx < 0 || wx >= g.width) {
          dx = runEnd;
          continue;
        }
        const chunk = this.chunkByIndex[(wy >> CHUNK_SHIFT) * g.chunksX + (wx >> CHUNK_SHIFT)]!;
        if (chunk !== null) {
          for (let i = dx; i < runEnd; i++) {
            const x = wx + (i - dx);
            const cell = cellIndexInChunk(x, wy);
            if (chunk.isAlive(cell)) out.push([x, wy, chunk.ownerOf(cell)]);
          }
        }
        dx = runEnd;
      }
    }
    return out;
  }

  /**
   * The nine bit arrays around chunk index (cx, cy) in the current generation, reading
   * across chunk and shard edges (wrapped on a torus, dead outside a bounded world).
   * Returns a shared object, valid until the next call.
   */
  neighbourhoodOf(cx: number, cy: number): Neighbourhood {
    const h = this.hood;
    h.c = this.wordsAt(cx, cy, 0, 0);
    h.n = this.wordsAt(cx, cy, 0, -1);
    h.s = this.wordsAt(cx, cy, 0, 1);
    h.w = this.wordsAt(cx, cy, -1, 0);
    h.e = this.wordsAt(cx, cy, 1, 0);
    h.nw = this.wordsAt(cx, cy, -1, -1);
    h.ne = this.wordsAt(cx, cy, 1, -1);
    h.sw = this.wordsAt(cx, cy, -1, 1);
    h.se = this.wordsAt(cx, cy, 1, 1);
    return h;
  }

  private wordsAt(cx: number, cy: number, dx: number, dy: number): Int32Array {
    const index = this.geometry.neighbourChunk(cx, cy, dx, dy);
    if (index < 0) return EMPTY_WORDS;
    const chunk = this.chunkByIndex[index]!;
    return chunk === null ? EMPTY_WORDS : chunk.cells;
  }
}

/** Call `fn(cell)` for every set bit of a chunk-sized bit array, in cell order. */
export function forEachSetBit(words: Int32Array, fn: (cell: number) => void): void {
  for (let i = 0; i < words.length; i++) {
    let m = words[i]!;
    while (m !== 0) {
      const low = m & -m;
      fn((i << 5) | (31 - Math.clz32(low)));
      m ^= low;
    }
  }
}
