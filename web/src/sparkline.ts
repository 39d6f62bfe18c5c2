/**
 * "A glance at what happened": the player's figures over the last minutes, as pure data
 * (unit-tested in sparkline.test.ts); glance.ts draws them.
 *
 * The page samples `GET /players/me` at every poll (feeds.ts, every 2 s): live cells
 * and births credited, a running count the server keeps per owner (docs/api.md). The
 * history keeps the samples of the window (5 minutes: about 150), and the births within
 * it are the last count less the first. The server's count starts again from zero when
 * the sim restarts or the world is reset; a count that goes down starts a new series.
 */

/** One reading of the player's figures. */
export interface Sample {
  /** When it was read, ms (performance.now()). */
  readonly t: number;
  /** Live cells the player owned. */
  readonly cells: number;
  /** Births credited to the player so far. */
  readonly births: number;
}

/** How far back the glance looks, ms. */
export const GLANCE_WINDOW_MS = 5 * 60_000;

/** The samples of the last `windowMs`. */
export class FigureHistory {
  #samples: Sample[] = [];

  constructor(readonly windowMs = GLANCE_WINDOW_MS) {}

  /** The samples kept, oldest first. */
  get samples(): readonly Sample[] {
    return this.#samples;
  }

  /** The newest sample, or null. */
  get last(): Sample | null {
    return this.#samples.at(-1) ?? null;
  }

  /** Keep `sample`; forget what fell out of the window, or everything when the server's count restarted. */
  push(sample: Sample): void {
    const last = this.last;
    if (last !== null && (sample.births < last.births || sample.t < last.t)) this.#samples = [];
    this.#samples.push(sample);
    const from = sample.t - this.windowMs;
    let stale = 0;
    while (this.#samples[stale]!.t < from) stale++;
    if (stale > 0) this.#samples.splice(0, stale);
  }

  /** Forget every sample (another player joined on this page). */
  clear(): void {
    this.#samples = [];
  }

  /** Births credited within the samples kept: the newest count less the oldest. */
  birthsInWindow(): number {
    const first = this.#samples[0];
    const last = this.last;
    return first === undefined || last === null ? 0 : last.births - first.births;
  }
}

/**
 * Points of the live-cell line in a `width` x `height` box (pixels, y down): x by time,
 * the right edge being `now` and the left edge `now - windowMs`; y from 0 cells at the
 * bottom to the most cells of the samples at the top, 1 pixel inside the box.
 */
export function sparklinePoints(samples: readonly Sample[], now: number, windowMs: number, width: number, height: number): Array<[number, number]> {
  let most = 1;
  for (const s of samples) most = Math.max(most, s.cells);
  const bottom = height - 1;
  const span = Math.max(0, height - 2);
  return samples.map((s) => [
    Math.max(0, Math.min(width, width - ((now - s.t) / windowMs) * width)),
    bottom - (s.cells / most) * span,
  ]);
}
