/**
 * Deterministic draws for the simulated network: every draw is a hash of (seed,
 * generation, x, y, stream), never of wall-clock time, so a run with faults replays
 * exactly with the same seed, placements and settings.
 */

/** A 32-bit integer finaliser (from the "lowbias32" family): good avalanche, cheap. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash of one cell's call in one generation. */
export function cellHash(seed: number, generation: number, x: number, y: number): number {
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ generation);
  h = mix32(h ^ Math.imul(x, 0x85ebca6b));
  return mix32(h ^ Math.imul(y, 0xc2b2ae35));
}

/** A uniform draw in [0, 1) from a cell hash and a stream number (one stream per purpose). */
export function unitDraw(hash: number, stream: number): number {
  return mix32(hash ^ Math.imul(stream, 0x27d4eb2f)) / 4294967296;
}
