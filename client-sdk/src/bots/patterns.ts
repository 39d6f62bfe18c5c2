/**
 * The small patterns bots place (3 to 6 cells each), so that at the default budget
 * (200 cells, 2 per generation at 10 generations/s, i.e. 20 cells/s) a bot placing once
 * a second stays well inside it, and the world gets a mix of still lifes, oscillators,
 * gliders and a methuselah.
 */
import { mulberry32 } from '@lifemmo/shared/client';

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

/** Bots are reproducible for a given --seed: the shared seeded PRNG. */
export { mulberry32 };
