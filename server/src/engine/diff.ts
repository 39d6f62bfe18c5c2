/**
 * Diff: what changed in each chunk of a committed tick, births with owners and deaths,
 * ready for the transports to encode once per tick.
 */
import { CHUNK_CELLS } from '@lifemmo/shared';
import { CHUNK_WORDS, type Chunk } from './chunk.js';
import type { ChunkDiff } from './types.js';

/** True when a committed chunk differs from its previous generation (kept in `next`). */
export function hasChanged(chunk: Chunk): boolean {
  const now = chunk.cells;
  const before = chunk.next;
  for (let i = 0; i < CHUNK_WORDS; i++) if (now[i] !== before[i]) return true;
  return false;
}

// Scratch lists for diffOf: one pass fills them, then each list is copied out at its exact
// length (dense worlds change millions of cells a tick, so the lists must be tight).
const bornScratch = new Uint16Array(CHUNK_CELLS);
const diedScratch = new Uint16Array(CHUNK_CELLS);

/** Elements of a fresh ListBlocks block: room for the lists of a few hundred busy chunks. */
const LIST_BLOCK = 64 * 1024;

/**
 * Where a tick's lists are cut from: views into shared blocks, not an ArrayBuffer each.
 *
 * Why: a typed array of more than a few dozen bytes gets its own ArrayBuffer outside V8's
 * heap, which the garbage collector counts as external memory; a view into an existing
 * block costs some tens of ns. Listing the watched chunks of a busy 1024x1024 world (a 20%
 * soup, about 770 lists a tick) went from 2.8 to 1.5 ms a tick, so about 2 µs a list with
 * the collections they brought. Blocks are never reused: a listener may keep a tick's
 * lists, and they stay valid.
 */
export class ListBlocks {
  #block = new Uint16Array(0);
  #used = 0;

  /** A fresh list of `length` elements (zeroed). */
  take(length: number): Uint16Array {
    if (this.#block.length - this.#used < length) {
      this.#block = new Uint16Array(Math.max(LIST_BLOCK, length));
      this.#used = 0;
    }
    const list = this.#block.subarray(this.#used, this.#used + length);
    this.#used += length;
    return list;
  }
}

/** The diff of one committed chunk against its previous generation; lists cut from `blocks`. */
export function diffOf(chunk: Chunk, blocks: ListBlocks): ChunkDiff {
  const now = chunk.cells;
  const before = chunk.next;
  let b = 0;
  let d = 0;
  for (let i = 0; i < CHUNK_WORDS; i++) {
    const was = before[i]!;
    const is = now[i]!;
    if (was === is) continue;
    let born = is & ~was;
    let died = was & ~is;
    while (born !== 0) {
      const low = born & -born;
      born ^= low;
      bornScratch[b++] = (i << 5) | (31 - Math.clz32(low));
    }
    while (died !== 0) {
      const low = died & -died;
      died ^= low;
      diedScratch[d++] = (i << 5) | (31 - Math.clz32(low));
    }
  }
  const births = blocks.take(b);
  births.set(bornScratch.subarray(0, b));
  const deaths = blocks.take(d);
  deaths.set(diedScratch.subarray(0, d));
  const birthOwners = blocks.take(b);
  if (chunk.owners === null) birthOwners.fill(chunk.owner);
  else for (let k = 0; k < b; k++) birthOwners[k] = chunk.owners[births[k]!]!;
  return { chunk: chunk.index, cx: chunk.cx, cy: chunk.cy, births, birthOwners, deaths };
}

/**
 * The changes of one committed tick, listed lazily. Which chunks changed is known at once
 * (a word compare per chunk), but a chunk's births and deaths are listed only when a
 * listener asks for them, and then once: a server whose clients watch a few chunks of a
 * busy world does not pay for lists of millions of cells nobody reads (listing every
 * change of a dense 4096x4096 world costs several times its step).
 *
 * Lists can be built only while the tick's listeners run: they compare against the
 * previous generation, which the next tick overwrites. The tick loop calls `close()` after
 * its listeners; lists built before then stay readable.
 */
export class TickChanges {
  /** Indices of the chunks that changed, ascending. */
  readonly changedChunks: readonly number[];
  private readonly chunks = new Map<number, Chunk>();
  private readonly built = new Map<number, ChunkDiff>();
  private readonly lists = new ListBlocks();
  private every: readonly ChunkDiff[] | null = null;
  private open = true;

  constructor(
    touched: readonly Chunk[],
    private readonly generation: number,
  ) {
    const changed = touched.filter(hasChanged).sort((a, b) => a.index - b.index);
    for (const chunk of changed) this.chunks.set(chunk.index, chunk);
    this.changedChunks = changed.map((chunk) => chunk.index);
  }

  /** The diff of chunk `index`, or undefined when it did not change this tick. */
  diffOf(index: number): ChunkDiff | undefined {
    const chunk = this.chunks.get(index);
    if (chunk === undefined) return undefined;
    let diff = this.built.get(index);
    if (diff === undefined) {
      this.checkOpen();
      diff = diffOf(chunk, this.lists);
      this.built.set(index, diff);
    }
    return diff;
  }

  /** The diff of every changed chunk, in chunk index order. */
  all(): readonly ChunkDiff[] {
    if (this.every === null) this.every = this.changedChunks.map((index) => this.diffOf(index)!);
    return this.every;
  }

  /** The next tick may start: lists not built by now can no longer be. */
  close(): void {
    this.open = false;
  }

  private checkOpen(): void {
    if (!this.open) {
      throw new Error(`The changes of generation ${this.generation} can only be listed inside its tick listener; read them there`);
    }
  }
}
