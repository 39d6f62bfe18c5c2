/**
 * Live cells per owner, computed at most once per generation however many readers ask.
 *
 * Every page polls the leaderboard and its own figures (`GET /players/me`) every couple
 * of seconds; each answer needs the whole world's cells per owner, a walk over every live
 * chunk (and every cell of mixed ones). Between two ticks the answer cannot change, so
 * the walk is kept until the next tick or reset.
 */
import type { Engine } from '../engine/index.js';

/** See the module comment. */
export class OwnerPopulations {
  readonly #engine: Engine;
  #cached: ReadonlyMap<number, number> | null = null;

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  /** Live cells per owner id (0 = neutral) in the current generation. */
  get(): ReadonlyMap<number, number> {
    this.#cached ??= this.#engine.populationByOwner();
    return this.#cached;
  }

  /** The world changed (a tick, a reset, a restore): the next `get` walks it again. */
  invalidate(): void {
    this.#cached = null;
  }
}
