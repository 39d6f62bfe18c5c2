/**
 * Diff: what changed in each chunk of a committed tick, births with owners and deaths,
 * ready for the transports to encode once per tick.
 */
import { CHUNK_WORDS, popcount32, type Chunk } from './chunk.js';
import type { ChunkDiff } from './types.js';

/** True when a committed chunk differs from its previous generation (kept in `next`). */
export function hasChanged(chunk: Chunk): boolean {
  const now = chunk.cells;
  const before = chunk.next;
  for (let i = 0; i < CHUNK_WORDS; i++) if (now[i] !== before[i]) return true;
  return false;
}

/** The diff of one committed chunk against its previous generation. */
export function diffOf(chunk: Chunk): ChunkDiff {
  const now = chunk.cells;
  const before = chunk.next;
  // Count first so each list is one exact typed array: dense worlds change millions of cells a tick.
  let bornCount = 0;
  let diedCount = 0;
  for (let i = 0; i < CHUNK_WORDS; i++) {
    bornCount += popcount32(now[i]! & ~before[i]!);
    diedCount += popcount32(before[i]! & ~now[i]!);
  }
  const births = new Uint16Array(bornCount);
  const birthOwners = new Uint16Array(bornCount);
  const deaths = new Uint16Array(diedCount);
  let b = 0;
  let d = 0;
  for (let i = 0; i < CHUNK_WORDS; i++) {
    let born = now[i]! & ~before[i]!;
    let died = before[i]! & ~now[i]!;
    while (born !== 0) {
      const low = born & -born;
      born ^= low;
      births[b++] = (i << 5) | (31 - Math.clz32(low));
    }
    while (died !== 0) {
      const low = died & -died;
      died ^= low;
      deaths[d++] = (i << 5) | (31 - Math.clz32(low));
    }
  }
  if (chunk.owners === null) birthOwners.fill(chunk.owner);
  else for (let k = 0; k < bornCount; k++) birthOwners[k] = chunk.owners[births[k]!]!;
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
      diff = diffOf(chunk);
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
