/**
 * How the sim's clock is keeping up, as a gateway sees it from the tick summaries: how far
 * the tick runs behind its schedule now (`lagMs`) and how many ticks a second it actually
 * manages (`ticksPerSecond`). `GET /world`, the metrics and admission control read them.
 *
 * The lag of a tick is only known when it starts (the engine reports it in the next
 * summary), so a world whose ticks each take seconds would look on time between them. The
 * lag is therefore the larger of the latest tick's start lag and how long the next tick is
 * overdue now (time since the latest summary minus one tick period). A paused world is on
 * time: it has no schedule to keep.
 */

/** Ticks are counted per second over this many whole seconds. */
const WINDOW_S = 5;

/** See the module comment. Times are Date.now() values, ms. */
export class TickPace {
  /** Start lag of the latest tick, ms. */
  #tickLagMs = 0;
  /** When the latest tick summary arrived, or when the world last ran on time (resumed, reset, paused). */
  #clockAt = 0;
  #paused = false;
  /** Ticks counted per whole second (Date.now() / 1000), a ring of WINDOW_S + 1 seconds. */
  readonly #counts = new Float64Array(WINDOW_S + 1);
  readonly #seconds = new Float64Array(WINDOW_S + 1).fill(-1);
  /** The second of the first tick counted, -1 before any. */
  #firstSecond = -1;

  /** A tick summary arrived at `now` saying the tick started `lagMs` late. */
  tick(lagMs: number, now: number): void {
    this.#tickLagMs = lagMs;
    this.#clockAt = now;
    const second = Math.floor(now / 1000);
    const slot = second % this.#counts.length;
    if (this.#seconds[slot] !== second) {
      this.#seconds[slot] = second;
      this.#counts[slot] = 0;
    }
    this.#counts[slot]!++;
    if (this.#firstSecond < 0) this.#firstSecond = second;
  }

  /**
   * The world's state as of `now`: paused, or running (after a pause, and at the first
   * summary, its schedule starts at `now`).
   */
  state(paused: boolean, now: number): void {
    if (paused || this.#paused || this.#clockAt === 0) {
      this.#tickLagMs = 0;
      this.#clockAt = now;
    }
    this.#paused = paused;
  }

  /** The schedule starts afresh at `now` (the world was reset, or the sim came back). */
  restart(now: number): void {
    this.#tickLagMs = 0;
    this.#clockAt = now;
  }

  /** How far the tick runs behind its schedule at `now`, ms (0 while paused or before any summary). */
  lagMs(now: number, tickMs: number): number {
    if (this.#paused || this.#clockAt === 0) return 0;
    return Math.max(this.#tickLagMs, now - this.#clockAt - tickMs, 0);
  }

  /** Ticks per second over the last WINDOW_S whole seconds before `now` (fewer just after the first tick). */
  ticksPerSecond(now: number): number {
    if (this.#firstSecond < 0) return 0;
    const current = Math.floor(now / 1000);
    const span = Math.min(WINDOW_S, current - this.#firstSecond);
    if (span <= 0) return 0;
    let ticks = 0;
    for (let s = current - span; s < current; s++) {
      const slot = s % this.#counts.length;
      if (this.#seconds[slot] === s) ticks += this.#counts[slot]!;
    }
    return ticks / span;
  }
}
