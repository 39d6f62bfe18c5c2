/**
 * Intake: placements accepted between ticks, applied all at once at the next tick
 * boundary. A request is validated as a whole and queued as a whole (all or nothing).
 * A placement across regions is validated first (`claim`: its cells are spoken for) and
 * queued later, for a generation that may be after the next (`queueClaimed`: held until
 * the intake of the tick that makes it), or let go (`unclaim`); see reservations.ts.
 *
 * Which cells are already spoken for (queued, or taken by the tick in progress) is kept
 * as one byte per cell of the chunks that have any, not in a Map of cell keys: a
 * placement of 64 cells is then 64 array reads and writes, where hash-map lookups into a
 * tick's worth of queued cells (tens of thousands) cost several times more.
 */
import { CHUNK_CELLS, LifeError, cellIndexInChunk } from '@lifemmo/shared';
import type { World } from './world.js';

/** Placements taken by one tick, in the order they were accepted. */
export interface PlacementBatch {
  /** Cell keys: y * width + x. */
  readonly keys: readonly number[];
  /** The owner of each key, same order. */
  readonly owners: readonly number[];
}

const EMPTY_BATCH: PlacementBatch = { keys: [], owners: [] };

const FREE = 0;
/** Queued, or taken by the tick in progress: refused as occupied until that tick commits. */
const SPOKEN_FOR = 1;
/** Marked by the request being validated: a second mark is a duplicate. */
const THIS_REQUEST = 2;

interface ChunkMarks {
  readonly marks: Uint8Array;
  /** Cells not FREE; the chunk's marks are dropped when it reaches 0. */
  count: number;
}

/**
 * Mark arrays kept for reuse. A placement load touches new chunks all the time, and each
 * tick frees the marks of the last; a fresh 4 KiB array each time is memory outside V8's
 * heap, slow to make and a reason for extra garbage collections.
 */
const SPARE_MARKS_MAX = 256;

/** A mark per cell, stored per chunk for the chunks that have any. */
class CellMarks {
  private readonly byChunk = new Map<number, ChunkMarks>();
  /** All-FREE arrays of entries that emptied, for the next chunks that need one. */
  private readonly spare: Uint8Array[] = [];
  // The cells of one request mostly share a chunk: remember the last one to skip the map.
  private lastChunk = -1;
  private lastEntry: ChunkMarks | undefined = undefined;

  get(chunk: number, cell: number): number {
    return this.entry(chunk)?.marks[cell] ?? FREE;
  }

  set(chunk: number, cell: number, mark: number): void {
    let entry = this.entry(chunk);
    if (entry === undefined) {
      if (mark === FREE) return;
      entry = { marks: this.spare.pop() ?? new Uint8Array(CHUNK_CELLS), count: 0 };
      this.byChunk.set(chunk, entry);
      this.lastEntry = entry;
    }
    const before = entry.marks[cell]!;
    entry.marks[cell] = mark;
    entry.count += (mark !== FREE ? 1 : 0) - (before !== FREE ? 1 : 0);
    if (entry.count === 0) {
      this.byChunk.delete(chunk);
      this.lastEntry = undefined;
      // Every mark is FREE again, so the array can serve another chunk as it is.
      if (this.spare.length < SPARE_MARKS_MAX) this.spare.push(entry.marks);
    }
  }

  clear(): void {
    this.byChunk.clear();
    this.lastEntry = undefined;
  }

  private entry(chunk: number): ChunkMarks | undefined {
    if (chunk !== this.lastChunk) {
      this.lastChunk = chunk;
      this.lastEntry = this.byChunk.get(chunk);
    }
    return this.lastEntry;
  }
}

/** The queue of placements for the next tick boundary. */
export class PlacementQueue {
  private pending = { keys: [] as number[], owners: [] as number[] };
  // Placements for a generation after the next, by generation (reservations committed for later).
  private readonly later = new Map<number, { keys: number[]; owners: number[] }>();
  // The batch the tick in progress took: its cells are spoken for until it commits.
  private inFlight: PlacementBatch = EMPTY_BATCH;
  private readonly marks = new CellMarks();
  // Chunk and cell of each cell the request being validated has marked so far.
  private readonly scratch: number[] = [];

  constructor(private readonly world: World) {}

  /** Cells waiting for the next tick. */
  get size(): number {
    return this.pending.keys.length;
  }

  /**
   * Validate and queue `cells` for `owner`. Every cell must be inside the world, appear
   * once, be dead now and not already queued; otherwise nothing is queued.
   * @throws LifeError LIFE_ERR_OUT_OF_WORLD, LIFE_ERR_DUPLICATE_CELL or LIFE_ERR_CELL_OCCUPIED
   */
  add(cells: ReadonlyArray<readonly [number, number]>, owner: number): void {
    this.validate(cells);
    const g = this.world.geometry;
    const { keys, owners } = this.pending;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      keys.push(cell[1] * g.width + cell[0]);
      owners.push(owner);
    }
  }

  /**
   * Validate `cells` as `add` does and mark them spoken for, without queueing them: the
   * caller queues them later (`queueClaimed`) or lets them go (`unclaim`).
   * @returns their cell keys (y * width + x), in order
   * @throws LifeError LIFE_ERR_OUT_OF_WORLD, LIFE_ERR_DUPLICATE_CELL or LIFE_ERR_CELL_OCCUPIED
   */
  claim(cells: ReadonlyArray<readonly [number, number]>): number[] {
    this.validate(cells);
    const width = this.world.geometry.width;
    return cells.map(([x, y]) => y * width + x);
  }

  /**
   * Queue claimed cells for `generation`: taken by the intake of the tick that makes it,
   * which must not have begun (a tick from `generation` - 1 or earlier). Their cells stay
   * spoken for until then.
   */
  queueClaimed(keys: readonly number[], owner: number, generation: number): void {
    let entry = this.later.get(generation);
    if (entry === undefined) this.later.set(generation, (entry = { keys: [], owners: [] }));
    for (const key of keys) {
      entry.keys.push(key);
      entry.owners.push(owner);
    }
  }

  /** Let claimed cells go, never queued: they are free again. */
  unclaim(keys: readonly number[]): void {
    const g = this.world.geometry;
    for (const key of keys) {
      const x = key % g.width;
      const y = (key - x) / g.width;
      this.marks.set(g.chunkIndexOfCell(x, y), cellIndexInChunk(x, y), FREE);
    }
  }

  /** Check every cell and mark them all spoken for, or mark none and throw. */
  private validate(cells: ReadonlyArray<readonly [number, number]>): void {
    const g = this.world.geometry;
    const marks = this.marks;
    const scratch = this.scratch;
    scratch.length = 0;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      const x = cell[0];
      const y = cell[1];
      if (!g.contains(x, y)) this.refuse('OUT_OF_WORLD', i, x, y);
      const chunk = g.chunkIndexOfCell(x, y);
      const index = cellIndexInChunk(x, y);
      const mark = marks.get(chunk, index);
      if (mark === THIS_REQUEST) this.refuse('DUPLICATE_CELL', i, x, y);
      if (mark === SPOKEN_FOR || this.world.cellAt(x, y) >= 0) this.refuse('CELL_OCCUPIED', i, x, y);
      marks.set(chunk, index, THIS_REQUEST);
      scratch.push(chunk, index);
    }
    this.markAll(scratch, SPOKEN_FOR);
  }

  /**
   * Take everything queued so far for the tick that starts now: the next generation's
   * placements, and those held for the generation this tick makes.
   */
  take(): PlacementBatch {
    let batch = this.pending;
    this.pending = { keys: [], owners: [] };
    const made = this.world.generation + 1;
    const held = this.later.get(made);
    if (held !== undefined) {
      this.later.delete(made);
      batch = { keys: [...held.keys, ...batch.keys], owners: [...held.owners, ...batch.owners] };
    }
    this.inFlight = batch;
    return batch;
  }

  /** The tick that took the last batch has committed it: its cells are no longer spoken for. */
  settle(): void {
    const g = this.world.geometry;
    for (const key of this.inFlight.keys) {
      const x = key % g.width;
      const y = (key - x) / g.width;
      this.marks.set(g.chunkIndexOfCell(x, y), cellIndexInChunk(x, y), FREE);
    }
    this.inFlight = EMPTY_BATCH;
  }

  /**
   * Everything queued for the next generation (not yet taken by a tick), as [cell key,
   * owner]. Not the cells held for a later generation (`heldOwners`).
   */
  queued(): Array<[number, number]> {
    const { keys, owners } = this.pending;
    return keys.map((key, i): [number, number] => [key, owners[i]!]);
  }

  /** Owners of the cells held for a generation after the next (`queueClaimed`). */
  heldOwners(): number[] {
    return [...this.later.values()].flatMap((entry) => entry.owners);
  }

  /** Queue saved placements again as they were, without checks (they were accepted once). */
  requeue(entries: ReadonlyArray<readonly [number, number]>): void {
    const g = this.world.geometry;
    for (const [key, owner] of entries) {
      const x = key % g.width;
      const y = (key - x) / g.width;
      this.marks.set(g.chunkIndexOfCell(x, y), cellIndexInChunk(x, y), SPOKEN_FOR);
      this.pending.keys.push(key);
      this.pending.owners.push(owner);
    }
  }

  /** Put a batch back in front of the queue: its tick failed before committing it (its cells stay spoken for). */
  restore(batch: PlacementBatch): void {
    this.pending = {
      keys: [...batch.keys, ...this.pending.keys],
      owners: [...batch.owners, ...this.pending.owners],
    };
    this.inFlight = EMPTY_BATCH;
  }

  /** Drop everything (world reset). */
  clear(): void {
    this.pending = { keys: [], owners: [] };
    this.later.clear();
    this.inFlight = EMPTY_BATCH;
    this.marks.clear();
  }

  /** Undo the marks of the request being validated and throw why it is refused. */
  private refuse(name: 'OUT_OF_WORLD' | 'DUPLICATE_CELL' | 'CELL_OCCUPIED', index: number, x: number, y: number): never {
    this.markAll(this.scratch, FREE);
    const g = this.world.geometry;
    const details = { index, x, y };
    switch (name) {
      case 'OUT_OF_WORLD':
        throw new LifeError(name, `Cell ${index} (${x}, ${y}) is outside the ${g.width}x${g.height} world`, details);
      case 'DUPLICATE_CELL':
        throw new LifeError(name, `Cell ${index} (${x}, ${y}) appears twice`, details);
      case 'CELL_OCCUPIED':
        throw new LifeError(name, `Cell ${index} (${x}, ${y}) is live or already placed`, details);
    }
  }

  /** Set the mark of every (chunk, cell) pair in `marked`. */
  private markAll(marked: readonly number[], mark: number): void {
    for (let i = 0; i < marked.length; i += 2) this.marks.set(marked[i]!, marked[i + 1]!, mark);
  }
}
