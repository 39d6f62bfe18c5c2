/**
 * A chunk: 64x64 cells, the unit of storage, activity tracking, subscription and diffs.
 *
 * Cells are bits: row r is two 32-bit words, `cells[2r]` for x = 0..31 and `cells[2r+1]`
 * for x = 32..63, bit i of a word being x = 32k + i. Int32Array rather than Uint32Array so
 * that every value stays a small integer for the JIT (no doubles for bit 31).
 *
 * Owners: most chunks hold cells of one owner only, so a chunk keeps a single `owner`
 * and allocates the per-cell `owners` array (8 KiB) only once two owners meet in it.
 */
import { CHUNK_CELLS } from '@lifemmo/shared';

/** 32-bit words per chunk: 64 rows of 2 words. */
export const CHUNK_WORDS = 128;

/** Largest owner id: owners are stored in 16 bits (`Chunk.owners`). */
export const MAX_OWNER = 65535;

/** A chunk's state. Owned by the World; the engine mutates it only at commit. */
export class Chunk {
  /** The current generation, as bits. */
  cells = new Int32Array(CHUNK_WORDS);
  /** The generation being computed; after commit, the previous generation. */
  next = new Int32Array(CHUNK_WORDS);
  /** Owner of every live cell, while `owners` is null. */
  owner = 0;
  /** Owner per cell (index (y%64)*64 + x%64) once the chunk is mixed; entries of dead cells are stale. */
  owners: Uint16Array | null = null;
  /** Live cells in `cells`. */
  population = 0;

  constructor(
    /** Index in the world: cy * chunksX + cx. */
    readonly index: number,
    readonly cx: number,
    readonly cy: number,
  ) {}

  /** True when the cell at `cell` (0..4095) is live in the current generation. */
  isAlive(cell: number): boolean {
    return ((this.cells[cell >> 5] >>> (cell & 31)) & 1) === 1;
  }

  /** Owner of a live cell (0..65535). */
  ownerOf(cell: number): number {
    return this.owners === null ? this.owner : this.owners[cell]!;
  }

  /** Give up the single-owner shortcut: from now on owners are kept per cell. */
  makeMixed(): Uint16Array {
    if (this.owners === null) this.owners = new Uint16Array(CHUNK_CELLS).fill(this.owner);
    return this.owners;
  }

  /** Set the owner of one cell, switching to per-cell owners only when needed. */
  setOwner(cell: number, owner: number): void {
    if (this.owners !== null) {
      this.owners[cell] = owner;
    } else if (this.population === 0) {
      this.owner = owner;
    } else if (this.owner !== owner) {
      this.makeMixed()[cell] = owner;
    }
  }
}

/** Number of set bits of a 32-bit integer. */
export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** Number of set bits in a chunk-sized bit array. */
export function popcountWords(words: Int32Array): number {
  let n = 0;
  for (let i = 0; i < CHUNK_WORDS; i++) n += popcount32(words[i]!);
  return n;
}

/** A chunk of dead cells, shared and never written: what absent neighbours read as. */
export const EMPTY_WORDS: Int32Array = new Int32Array(CHUNK_WORDS);
