/**
 * Commit: the new generation replaces the old one atomically, newborns get their owners,
 * and the tick's placements are laid on top.
 *
 * Runs synchronously after every shard has decided, so no reader ever sees a half
 * committed world.
 */
import { popcountWords, type Chunk } from './chunk.js';
import { assignBirthOwners } from './owners.js';
import type { PlacementBatch } from './intake.js';
import { forEachSetBit, type World } from './world.js';

/** What a commit produced. */
export interface Commit {
  /** Every chunk the tick stepped or placed into; empty ones are still in the world. */
  readonly touched: Chunk[];
  readonly population: number;
  readonly populationByOwner: Map<number, number>;
  readonly placementsApplied: number;
}

/**
 * Commit the decided chunks `stepped` (their `next` holds the new generation) and the
 * placements `batch`, advancing the world's generation by one. Afterwards each touched
 * chunk's `next` holds its previous generation, for the diff.
 */
export function commitGeneration(world: World, stepped: readonly Chunk[], batch: PlacementBatch): Commit {
  // Owners first: births read their parents from the previous generation.
  for (const chunk of stepped) assignBirthOwners(world, chunk);

  const touched = new Set<Chunk>(stepped);
  for (const chunk of stepped) {
    const previous = chunk.cells;
    chunk.cells = chunk.next;
    chunk.next = previous;
    chunk.population = popcountWords(chunk.cells);
  }

  const placementsApplied = applyPlacements(world, batch, touched);
  world.generation++;

  const populationByOwner = new Map<number, number>();
  let population = 0;
  for (const chunk of touched) {
    tallyOwners(chunk, populationByOwner);
    population += chunk.population;
  }
  return { touched: [...touched], population, populationByOwner, placementsApplied };
}

function applyPlacements(world: World, batch: PlacementBatch, touched: Set<Chunk>): number {
  const g = world.geometry;
  let applied = 0;
  const { keys, owners } = batch;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const owner = owners[i]!;
    const x = key % g.width;
    const y = (key - x) / g.width;
    const chunk = world.ensureChunk(g.chunkIndexOfCell(x, y));
    if (!touched.has(chunk)) {
      // A chunk that held no life before: its previous generation (in `next`) is all dead.
      chunk.next.fill(0);
      touched.add(chunk);
    }
    world.setCell(x, y, owner);
    applied++;
  }
  return applied;
}

/** Add a chunk's live cells to the per-owner tally; drop per-cell owners that all agree. */
function tallyOwners(chunk: Chunk, tally: Map<number, number>): void {
  if (chunk.population === 0) return;
  const owners = chunk.owners;
  if (owners === null) {
    tally.set(chunk.owner, (tally.get(chunk.owner) ?? 0) + chunk.population);
    return;
  }
  let first = -1;
  let uniform = true;
  forEachSetBit(chunk.cells, (cell) => {
    const owner = owners[cell]!;
    tally.set(owner, (tally.get(owner) ?? 0) + 1);
    if (first === -1) first = owner;
    else if (owner !== first) uniform = false;
  });
  if (uniform) {
    chunk.owner = first;
    chunk.owners = null;
  }
}

