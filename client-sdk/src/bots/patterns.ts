/**
 * The small patterns bots place (3 to 6 cells each), so that at the default budget
 * (200 cells, 2 per generation at 10 generations/s, i.e. 20 cells/s) a bot placing once
 * a second stays well inside it, and the world gets a mix of still lifes, oscillators,
 * gliders and a methuselah.
 */

/** A pattern: RLE and its bounding box. */
export interface BotPattern {
  readonly name: string;
  readonly rle: string;
  /** Side of the box that holds it whatever the rotation, cells. */
  readonly size: number;
}

/** The patterns, picked uniformly. */
export const BOT_PATTERNS: readonly BotPattern[] = [
  { name: 'glider', rle: 'bo$2bo$3o!', size: 3 },
  { name: 'blinker', rle: '3o!', size: 3 },
  { name: 'block', rle: '2o$2o!', size: 2 },
  { name: 'r-pentomino', rle: 'b2o$2o$bo!', size: 3 },
  { name: 'beehive', rle: 'b2o$o2bo$b2o!', size: 4 },
];

/** A small deterministic PRNG (mulberry32): bots are reproducible for a given --seed. */
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
