/** Read-only answers computed from the world: leaderboard, density (for minimaps) and where an owner's cells are. */
import { CHUNK_SIZE } from '@lifemmo/shared';
import type { Engine } from '../engine/index.js';
import type { PlayerRegistry } from '../players/player-registry.js';
import type { DensityReply, LeaderboardReply, OwnerCellsReply, OwnerFiguresReply } from '../wire/index.js';

/**
 * Players with live cells, most cells first; ties go to the older player (lower id).
 * `populations`: live cells per owner now (OwnerPopulations).
 */
export function leaderboard(engine: Engine, populations: ReadonlyMap<number, number>, players: PlayerRegistry, limit: number): LeaderboardReply {
  const ranked = [...populations]
    .filter(([owner, population]) => owner !== 0 && population > 0)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const entries = [];
  for (const [id, population] of ranked) {
    const player = players.get(id);
    if (!player) continue;
    entries.push({ id, name: player.name, color: player.color, population, births: engine.birthsOf(id) });
    if (entries.length >= limit) break;
  }
  return { generation: engine.generation, players: entries };
}

/**
 * Live cells and births per owner (players only, not neutral 0), for a gateway summing a
 * split world's regions; `owners`: only these.
 */
export function ownerFigures(engine: Engine, populations: ReadonlyMap<number, number>, owners?: readonly number[]): OwnerFiguresReply {
  const ids = owners ?? [...populations.keys()];
  const figures: Array<[number, number, number]> = [];
  for (const id of ids) {
    const population = populations.get(id) ?? 0;
    const births = engine.birthsOf(id);
    if (id !== 0 && (population > 0 || births > 0 || owners !== undefined)) figures.push([id, population, births]);
  }
  return { generation: engine.generation, owners: figures };
}

/**
 * Live cells per bin: the world cut into at most maxBins x maxBins square bins of whole
 * chunks. Cost follows the live chunks (the engine keeps only those), not the world size.
 */
export function density(engine: Engine, maxBins: number): DensityReply {
  const g = engine.geometry;
  const chunksPerBin = Math.ceil(Math.max(g.chunksX, g.chunksY) / maxBins);
  const binSize = chunksPerBin * CHUNK_SIZE;
  const cols = Math.ceil(g.chunksX / chunksPerBin);
  const rows = Math.ceil(g.chunksY / chunksPerBin);
  const counts = new Map<number, number>();
  for (const chunk of engine.world.chunks) {
    if (chunk.population === 0) continue;
    const key = Math.floor(chunk.cy / chunksPerBin) * cols + Math.floor(chunk.cx / chunksPerBin);
    counts.set(key, (counts.get(key) ?? 0) + chunk.population);
  }
  const bins = [...counts].map(([key, n]): [number, number, number] => [key % cols, Math.floor(key / cols), n]);
  return { generation: engine.generation, width: g.width, height: g.height, binSize, cols, rows, bins };
}

/**
 * Where `owner`'s live cells are: per chunk, most first (so the first entry is where to
 * look), at most `limit` chunks. Cost follows the live chunks, like `density`.
 */
export function ownerCells(engine: Engine, owner: number, limit: number): OwnerCellsReply {
  const g = engine.geometry;
  const counts = engine.world.populationOfOwnerByChunk(owner).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return {
    generation: engine.generation,
    owner,
    population: counts.reduce((n, [, count]) => n + count, 0),
    chunkCount: counts.length,
    chunkSize: CHUNK_SIZE,
    chunks: counts.slice(0, limit).map(([index, count]): [number, number, number] => [g.chunkX(index), g.chunkY(index), count]),
  };
}
