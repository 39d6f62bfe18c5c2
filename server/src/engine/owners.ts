/**
 * Who owns a newborn cell. The rule: a newborn takes the owner held by the most of its
 * live parents (the live neighbours it was born from). When no owner has more parents
 * than every other (under B3, all three parents differ), the newborn is neutral (owner 0).
 *
 * This generalises Immigration (two colours: the majority of three always exists) and
 * QuadLife (four colours: when all three parents differ the child takes the fourth,
 * i.e. none of theirs): with thousands of players there is no "fourth colour", so a
 * contested birth belongs to nobody. It is deterministic and does not depend on where the
 * parents sit, so a pattern behaves the same in every orientation.
 */
import { CHUNK_SIZE } from '@lifemmo/shared';
import { CHUNK_WORDS, popcount32, type Chunk } from './chunk.js';
import type { World } from './world.js';

/** Owner id of neutral cells. */
export const NEUTRAL = 0;

/** Sole owner of a chunk's live cells: -1 when it has none, -2 when they are mixed. */
function soleOwner(chunk: Chunk | null): number {
  if (chunk === null || chunk.population === 0) return -1;
  return chunk.owners === null ? chunk.owner : -2;
}

/**
 * The one owner of every live cell in the 3x3 chunks around `chunk` (previous generation),
 * or -1 when there is none or more than one. When it exists, every birth in the chunk
 * takes it without looking at individual parents.
 */
function uniformOwnerAround(world: World, chunk: Chunk): number {
  const g = world.geometry;
  let found = -1;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const index = g.neighbourChunk(chunk.cx, chunk.cy, dx, dy);
      const owner = soleOwner(index < 0 ? null : world.chunkAt(index));
      if (owner === -1) continue;
      if (owner === -2 || (found !== -1 && owner !== found)) return -1;
      found = owner;
    }
  }
  return found;
}

// Scratch tallies for pluralityOwner: at most 8 distinct owners.
const tallyOwner = new Int32Array(8);
const tallyCount = new Int32Array(8);

/** The owner that most live neighbours of (x, y) hold in the current generation; NEUTRAL on a tie. */
export function pluralityOwner(world: World, x: number, y: number): number {
  const g = world.geometry;
  let distinct = 0;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      if (dx === 0 && dy === 0) continue;
      let nx = x + dx;
      let ny = y + dy;
      if (g.torus) {
        nx = g.wrapX(nx);
        ny = g.wrapY(ny);
      } else if (nx < 0 || ny < 0 || nx >= g.width || ny >= g.height) {
        continue;
      }
      const owner = world.cellAt(nx, ny);
      if (owner < 0) continue;
      let i = 0;
      while (i < distinct && tallyOwner[i] !== owner) i++;
      if (i === distinct) {
        tallyOwner[distinct] = owner;
        tallyCount[distinct++] = 0;
      }
      tallyCount[i]!++;
    }
  }
  let best = NEUTRAL;
  let bestCount = 0;
  let tied = false;
  for (let i = 0; i < distinct; i++) {
    const count = tallyCount[i]!;
    if (count > bestCount) {
      best = tallyOwner[i]!;
      bestCount = count;
      tied = false;
    } else if (count === bestCount) {
      tied = true;
    }
  }
  return tied ? NEUTRAL : best;
}

/**
 * Give every cell born in `chunk` (live in `next`, dead in `cells`) its owner, and credit
 * the births to their owners (`world.births`). Must run before any chunk of the tick is
 * committed: it reads parents from the previous generation.
 */
export function assignBirthOwners(world: World, chunk: Chunk): void {
  const cells = chunk.cells;
  const next = chunk.next;
  let births = 0;
  for (let i = 0; i < CHUNK_WORDS; i++) births += popcount32(next[i]! & ~cells[i]!);
  if (births === 0) return;

  const uniform = uniformOwnerAround(world, chunk);
  if (uniform >= 0) world.births.add(uniform, births);
  if (uniform >= 0 && chunk.owners === null) {
    // The chunk is empty or already all `uniform`: no per-cell owners needed.
    chunk.owner = uniform;
    return;
  }
  const owners = chunk.makeMixed();
  const x0 = chunk.cx * CHUNK_SIZE;
  const y0 = chunk.cy * CHUNK_SIZE;
  for (let i = 0; i < CHUNK_WORDS; i++) {
    let born = next[i]! & ~cells[i]!;
    while (born !== 0) {
      const low = born & -born;
      born ^= low;
      const cell = (i << 5) | (31 - Math.clz32(low));
      if (uniform >= 0) {
        owners[cell] = uniform;
      } else {
        const owner = pluralityOwner(world, x0 + (cell & 63), y0 + (cell >> 6));
        owners[cell] = owner;
        world.births.add(owner, 1);
      }
    }
  }
}
