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
 * Diffs of the changed chunks among `touched`, in chunk index order, and how many changed.
 * With `build` false only the count is taken (benchmarks of bare compute).
 */
export function diffChunks(touched: readonly Chunk[], build: boolean): { diffs: ChunkDiff[]; changed: number } {
  const diffs: ChunkDiff[] = [];
  let changed = 0;
  for (const chunk of touched) {
    if (!hasChanged(chunk)) continue;
    changed++;
    if (build) diffs.push(diffOf(chunk));
  }
  diffs.sort((a, b) => a.chunk - b.chunk);
  return { diffs, changed };
}
