/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same
 * sequence everywhere, so soups in tests, bots and benchmarks are reproducible. Not for
 * anything secret (tokens come from node:crypto).
 */

/** A generator of uniform numbers in [0, 1), seeded with a 32-bit integer. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
