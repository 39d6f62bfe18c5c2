/**
 * Stepping one shard: the decide phase of a tick for a rectangle of chunks.
 *
 * Only the chunks that hold life, and their neighbours, are visited. Every chunk's
 * neighbourhood is read from the previous generation, across chunk and shard edges, and
 * the new generation is written to `chunk.next` only: shards never see each other's
 * half-done work, and the tick commits them all at once.
 *
 * With per-cell logic, the candidates are every live cell and every dead cell whose
 * live-neighbour count is in the rule's birth set (the bit kernel finds both at once);
 * the shard calls the cell logic once per candidate and awaits them all with Promise.all.
 */
import { CHUNK_SIZE } from '@lifemmo/shared';
import { CHUNK_WORDS, type Chunk } from './chunk.js';
import { countAt, stepBits, type KernelRule } from './bit-kernel.js';
import { CellOutcome, type CellLogic } from './cell-logic/index.js';
import type { World } from './world.js';

/** What the decide phase of one shard produced. */
export interface ShardStep {
  /** Chunks whose `next` holds the new generation (including new frontier chunks). */
  readonly stepped: Chunk[];
  /** Cells whose next state was asked of the cell logic. */
  candidates: number;
  /** Calls that failed or timed out (those cells keep their state). */
  failures: number;
  timeouts: number;
}

/** Everything a shard step needs from the tick. */
export interface ShardContext {
  readonly world: World;
  readonly kernel: KernelRule;
  readonly logic: CellLogic;
  /** The generation being stepped from. */
  readonly generation: number;
  /** Replaying a log: take each outcome from `logic.decideNow` at once, no waiting. */
  readonly instant: boolean;
}

// Scratch for chunks that do not exist yet: most frontier chunks stay empty.
const scratchNext = new Int32Array(CHUNK_WORDS);
const scratchPlanes = new Int32Array(4 * CHUNK_WORDS);

/**
 * Decide the next generation of the chunks `chunkIndices` (all in one shard). Resolves
 * when every candidate's call has settled.
 */
export function stepShard(ctx: ShardContext, chunkIndices: readonly number[]): Promise<ShardStep> {
  return ctx.logic.bulk ? Promise.resolve(stepShardBulk(ctx, chunkIndices)) : stepShardPerCell(ctx, chunkIndices);
}

/** The rule over bit planes: no call per cell. */
function stepShardBulk(ctx: ShardContext, chunkIndices: readonly number[]): ShardStep {
  const { world, kernel } = ctx;
  const stepped: Chunk[] = [];
  for (const index of chunkIndices) {
    const existing = world.chunkAt(index);
    const cx = world.geometry.chunkX(index);
    const cy = world.geometry.chunkY(index);
    const hood = world.neighbourhoodOf(cx, cy);
    if (existing !== null) {
      stepBits(hood, kernel, existing.next, null);
      stepped.push(existing);
    } else if (stepBits(hood, kernel, scratchNext, null)) {
      const born = world.ensureChunk(index);
      born.next.set(scratchNext);
      stepped.push(born);
    }
  }
  return { stepped, candidates: 0, failures: 0, timeouts: 0 };
}

/** One awaited call per candidate, fanned in with Promise.all. */
async function stepShardPerCell(ctx: ShardContext, chunkIndices: readonly number[]): Promise<ShardStep> {
  const { world, kernel, logic, generation } = ctx;
  const stepped: Chunk[] = [];
  const result: ShardStep = { stepped, candidates: 0, failures: 0, timeouts: 0 };
  const decideNow = ctx.instant && logic.decideNow !== undefined ? logic.decideNow : null;
  let instantCount = 0;
  const calls: Promise<CellOutcome>[] = [];
  // Candidate k lives in stepped[where[k] >> 13], cell (where[k] >> 1) & 4095, alive = where[k] & 1.
  // A typed array: off the JS heap, so the garbage collector never copies it.
  let where: Int32Array = new Int32Array(1024);

  for (const index of chunkIndices) {
    const cx = world.geometry.chunkX(index);
    const cy = world.geometry.chunkY(index);
    const hood = world.neighbourhoodOf(cx, cy);
    const anyBirth = stepBits(hood, kernel, scratchNext, scratchPlanes);
    let chunk = world.chunkAt(index);
    if (chunk === null) {
      if (!anyBirth) continue;
      chunk = world.ensureChunk(index);
    }
    const slot = stepped.length;
    stepped.push(chunk);
    chunk.next.fill(0); // outcomes set the bits of the live cells
    const cells = chunk.cells;
    const x0 = cx * CHUNK_SIZE;
    const y0 = cy * CHUNK_SIZE;
    for (let i = 0; i < CHUNK_WORDS; i++) {
      // Candidates: live now, or born under the rule (the kernel's next bit on a dead cell).
      let m = cells[i]! | scratchNext[i]!;
      while (m !== 0) {
        const low = m & -m;
        m ^= low;
        const cell = (i << 5) | (31 - Math.clz32(low));
        const alive = (cells[i]! & low) !== 0;
        const packed = (slot << 13) | (cell << 1) | (alive ? 1 : 0);
        if (decideNow !== null) {
          instantCount++;
          settle(result, packed, decideNow.call(logic, x0 + (cell & 63), y0 + (cell >> 6), alive, countAt(scratchPlanes, cell), generation));
          continue;
        }
        if (calls.length === where.length) where = grow(where);
        where[calls.length] = packed;
        calls.push(logic.decide(x0 + (cell & 63), y0 + (cell >> 6), alive, countAt(scratchPlanes, cell), generation));
      }
    }
  }

  // Fan-in: every candidate's call is in flight; wait for all of them.
  const outcomes = await Promise.all(calls);

  for (let k = 0; k < outcomes.length; k++) settle(result, where[k]!, outcomes[k]!);
  result.candidates = calls.length + instantCount;
  return result;
}

/**
 * Apply one candidate's outcome to its chunk's next generation. `packed` locates it:
 * stepped[packed >> 13], cell (packed >> 1) & 4095, alive now = packed & 1.
 */
function settle(result: ShardStep, packed: number, outcome: CellOutcome): void {
  let live: boolean;
  if (outcome === CellOutcome.ALIVE || outcome === CellOutcome.DEAD) {
    live = outcome === CellOutcome.ALIVE;
  } else {
    // A failed or timed-out call keeps the cell's current state.
    live = (packed & 1) === 1;
    if (outcome === CellOutcome.FAILED) result.failures++;
    else result.timeouts++;
  }
  if (live) {
    const cell = (packed >> 1) & 4095;
    result.stepped[packed >> 13]!.next[cell >> 5] |= 1 << (cell & 31);
  }
}

function grow(array: Int32Array): Int32Array {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
