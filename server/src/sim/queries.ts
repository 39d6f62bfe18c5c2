/** Read-only answers computed from the world: leaderboard and density (for minimaps). */
import { CHUNK_SIZE } from '@lifemmo/shared';
import type { Engine } from '../engine/index.js';
import type { PlayerRegistry } from '../players/player-registry.js';
import type { DensityReply, LeaderboardReply } from '../wire/index.js';

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
