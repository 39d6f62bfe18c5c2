/**
 * The gateway's replica of the chunks its clients watch, kept from the sim's messages
 * only: a snapshot by request when a chunk is first watched, then every generation's diff
 * records. Nothing here reads the engine; the gateway may run on another machine.
 *
 * A chunk is `ready` at a generation once its snapshot arrived; it stays ready as long as
 * every generation's diffs arrive in order, and is asked for again when they do not (a
 * missed message, a sim restart). Snapshot records for clients are encoded from the
 * replica at most once per chunk and generation.
 *
 * A generation's diff records are kept as they came (`advance`) and decoded into the cells
 * later (`settle`, or the first snapshot that needs the chunk): the gateway sends the
 * records on to its clients first, so decoding is never on the tick-to-client path.
 */
import { CHUNK_CELLS, decodeDiffRecord, encodeSnapshotChunk, type ChunkCells, type ChunkChange, type Geometry } from '@lifemmo/shared';

/** One watched chunk. */
interface ReplicaChunk {
  readonly index: number;
  /** One bit per cell. */
  readonly words: Uint32Array;
  /** Owner of each live cell (stale values under dead cells). */
  readonly owners: Uint16Array;
  population: number;
  /** Generation the cells show; -1 while no snapshot has arrived. */
  generation: number;
  /** A snapshot request for it is on its way. */
  requested: boolean;
  /** Cached snapshot record and the generation it shows. */
  record: Uint8Array | null;
  recordGeneration: number;
  /** Diff records already counted in `generation` but not yet applied to the cells, oldest first. */
  pending: Uint8Array[];
}

const WORDS = CHUNK_CELLS / 32;

/** The watched chunks of one gateway. */
export class ChunkReplica {
  readonly #geometry: Geometry;
  readonly #chunks = new Map<number, ReplicaChunk>();
  /** Snapshot records encoded (a counter for tests and metrics). */
  recordsEncoded = 0;
  /**
   * How many times the replica let every chunk go at once (a reset, a sim restart). A
   * snapshot reply answers the request of its era only: one asked for before a reset may
   * come back after it with the old world's cells, at a generation past the new world's,
   * and a paused world would then keep the chunk unready. Generations cannot tell (they
   * start again at each reset), and the reply names no epoch.
   */
  #era = 0;

  constructor(geometry: Geometry) {
    this.#geometry = geometry;
  }

  /** Start keeping chunk `index` (not ready until its snapshot arrives). */
  track(index: number): void {
    if (this.#chunks.has(index)) return;
    this.#chunks.set(index, {
      index,
      words: new Uint32Array(WORDS),
      owners: new Uint16Array(CHUNK_CELLS),
      population: 0,
      generation: -1,
      requested: false,
      record: null,
      recordGeneration: -1,
      pending: [],
    });
  }

  /** Stop keeping chunk `index`. */
  untrack(index: number): void {
    this.#chunks.delete(index);
  }

  get size(): number {
    return this.#chunks.size;
  }

  /** Every kept chunk index. */
  indices(): IterableIterator<number> {
    return this.#chunks.keys();
  }

  /** The era a snapshot request is made in: give it back with the reply (`applySnapshot`, `requestFailed`). */
  get era(): number {
    return this.#era;
  }

  /** Chunks that need a snapshot and have no request on its way; marks them requested. */
  takeUnrequested(): number[] {
    const out: number[] = [];
    for (const chunk of this.#chunks.values()) {
      if (chunk.generation < 0 && !chunk.requested) {
        chunk.requested = true;
        out.push(chunk.index);
      }
    }
    return out;
  }

  /** A snapshot request made in `era` failed: ask again later (a request of an earlier era is already forgotten). */
  requestFailed(indices: readonly number[], era: number): void {
    if (era !== this.#era) return;
    for (const i of indices) {
      const chunk = this.#chunks.get(i);
      if (chunk !== undefined) chunk.requested = false;
    }
  }

  /**
   * Apply a snapshot of some chunks at `generation`, the reply to a request made in `era`
   * (a reply of an earlier era is dropped; chunks no longer kept are ignored). Returns
   * whether it was applied.
   */
  applySnapshot(generation: number, chunks: readonly ChunkCells[], era: number): boolean {
    if (era !== this.#era) return false;
    for (const c of chunks) {
      const chunk = this.#chunks.get(this.#geometry.chunkIndex(c.cx, c.cy));
      if (chunk === undefined) continue;
      chunk.words.fill(0);
      for (let i = 0; i < c.cells.length; i++) {
        const cell = c.cells[i]!;
        chunk.words[cell >> 5]! |= 1 << (cell & 31);
        chunk.owners[cell] = c.owners[i]!;
      }
      chunk.population = c.cells.length;
      chunk.generation = generation;
      chunk.requested = false;
      chunk.record = null;
      chunk.pending = [];
    }
    return true;
  }

  /**
   * Generation `generation` is committed: the kept chunks that were at the generation
   * before move to it, with their diff record (if they changed) kept to apply later.
   * Returns the chunks that can no longer follow (they were not at generation - 1): they
   * need a fresh snapshot.
   */
  advance(generation: number, records: ReadonlyMap<number, Uint8Array>): number[] {
    const lost: number[] = [];
    for (const chunk of this.#chunks.values()) {
      if (chunk.generation === generation) continue; // its snapshot already shows it
      if (chunk.generation !== generation - 1) {
        if (chunk.generation >= 0) {
          this.invalidate([chunk.index]);
          lost.push(chunk.index);
        }
        continue;
      }
      const record = records.get(chunk.index);
      if (record !== undefined) {
        chunk.pending.push(record);
        chunk.record = null;
      }
      chunk.generation = generation;
    }
    return lost;
  }

  /**
   * Apply every kept diff record to the cells. Returns the chunks whose records did not
   * decode (they need a fresh snapshot).
   */
  settle(): number[] {
    const broken: number[] = [];
    for (const chunk of this.#chunks.values()) if (chunk.pending.length > 0 && !this.#settle(chunk)) broken.push(chunk.index);
    return broken;
  }

  /** The world was emptied at generation 0: every kept chunk is empty and ready. */
  resetEmpty(): void {
    this.#era++;
    for (const chunk of this.#chunks.values()) {
      chunk.words.fill(0);
      chunk.population = 0;
      chunk.generation = 0;
      chunk.requested = false;
      chunk.record = null;
      chunk.pending = [];
    }
  }

  /** Forget every kept chunk's cells (the sim restarted): each needs a snapshot again. */
  invalidateAll(): void {
    this.#era++;
    this.invalidate([...this.#chunks.keys()]);
  }

  /**
   * Forget the cells of every ready chunk (their diffs may have gone missing): each needs
   * a snapshot again. Chunks already waiting for one keep waiting. Returns how many were ready.
   */
  invalidateReady(): number {
    const ready = [...this.#chunks.values()].filter((chunk) => chunk.generation >= 0).map((chunk) => chunk.index);
    this.invalidate(ready);
    return ready.length;
  }

  /** Forget these chunks' cells (their diffs went missing): each needs a snapshot again. */
  invalidate(indices: readonly number[]): void {
    for (const i of indices) {
      const chunk = this.#chunks.get(i);
      if (chunk === undefined) continue;
      chunk.generation = -1;
      chunk.requested = false;
      chunk.record = null;
      chunk.pending = [];
    }
  }

  /** True when every chunk of `indices` is kept and shows `generation`. */
  readyAt(indices: Uint32Array, generation: number): boolean {
    for (const i of indices) if (this.#chunks.get(i)?.generation !== generation) return false;
    return true;
  }

  /** The snapshot record of kept, ready chunk `index` (encoded once per generation). */
  snapshotRecord(index: number): Uint8Array {
    const chunk = this.#chunks.get(index);
    if (chunk === undefined || chunk.generation < 0) throw new Error(`chunk ${index} is not in the replica`);
    if (chunk.pending.length > 0 && !this.#settle(chunk)) throw new Error(`chunk ${index} got a bad diff record`);
    if (chunk.record !== null && chunk.recordGeneration === chunk.generation) return chunk.record;
    const cells = new Uint16Array(chunk.population);
    const owners = new Uint16Array(chunk.population);
    let k = 0;
    for (let w = 0; w < WORDS; w++) {
      let m = chunk.words[w]!;
      while (m !== 0) {
        const low = m & -m;
        const cell = (w << 5) | (31 - Math.clz32(low));
        cells[k] = cell;
        owners[k++] = chunk.owners[cell]!;
        m ^= low;
      }
    }
    const g = this.#geometry;
    chunk.record = encodeSnapshotChunk({ cx: g.chunkX(index), cy: g.chunkY(index), cells, owners });
    chunk.recordGeneration = chunk.generation;
    this.recordsEncoded++;
    return chunk.record;
  }

  /** Decode and apply a chunk's kept records; false (and the chunk forgotten) when one is bad. */
  #settle(chunk: ReplicaChunk): boolean {
    const records = chunk.pending;
    chunk.pending = [];
    try {
      for (const record of records) this.#apply(chunk, decodeDiffRecord(record));
      return true;
    } catch {
      this.invalidate([chunk.index]);
      return false;
    }
  }

  #apply(chunk: ReplicaChunk, change: ChunkChange): void {
    const { words, owners } = chunk;
    for (let i = 0; i < change.deaths.length; i++) {
      const cell = change.deaths[i]!;
      const bit = 1 << (cell & 31);
      if (words[cell >> 5]! & bit) {
        words[cell >> 5]! &= ~bit;
        chunk.population--;
      }
    }
    for (let i = 0; i < change.births.length; i++) {
      const cell = change.births[i]!;
      const bit = 1 << (cell & 31);
      if (!(words[cell >> 5]! & bit)) {
        words[cell >> 5]! |= bit;
        chunk.population++;
      }
      owners[cell] = change.birthOwners[i]!;
    }
  }
}
