/**
 * The run over time, one point a second: what the HTML report plots (and --json holds).
 * The main thread adds each second's merged window (run.ts) before it is reset, so the cost
 * is a few numbers a second whatever the number of bots; the workers do nothing more.
 */
import type { BotStats } from './stats.js';

/** Tick-to-client latency of each second, ms; null for a second in which no diff arrived. */
export interface LatencySeries {
  readonly p50: ReadonlyArray<number | null>;
  readonly p90: ReadonlyArray<number | null>;
  readonly p99: ReadonlyArray<number | null>;
  readonly max: ReadonlyArray<number | null>;
}

/**
 * One column per figure, one entry per point (uPlot's aligned data as is, and compact
 * JSON). Rates are over each point's own window, which is about a second.
 */
export interface TimelineData {
  /** Seconds from the start of the run to the end of each point's window. */
  readonly t: readonly number[];
  /** Bots connected at the end of the window. */
  readonly connected: readonly number[];
  /** Diffs and snapshots received per second. */
  readonly framesPerSecond: readonly number[];
  readonly mbPerSecond: readonly number[];
  readonly placementsOkPerSecond: readonly number[];
  /** Refused by the game (budget, occupied cell): not errors. */
  readonly placementsRefusedPerSecond: readonly number[];
  readonly tickToClientMs: LatencySeries;
  /**
   * Errors per second by catalogue code (or short word, as in the summary). A code's column
   * holds zeros for the points before its first error, so every column is as long as `t`.
   */
  readonly errorsPerSecond: Readonly<Record<string, readonly number[]>>;
}

/** A last window shorter than this, s, is left out: its rates would be noise (its counts are in the totals). */
export const MIN_LAST_WINDOW_S = 0.5;

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Collects TimelineData; see the module comment. */
export class Timeline {
  readonly #t: number[] = [];
  readonly #connected: number[] = [];
  readonly #frames: number[] = [];
  readonly #mb: number[] = [];
  readonly #ok: number[] = [];
  readonly #refused: number[] = [];
  readonly #latency = { p50: [] as Array<number | null>, p90: [] as Array<number | null>, p99: [] as Array<number | null>, max: [] as Array<number | null> };
  readonly #errors: Record<string, number[]> = {};
  /** End of the last point's window, s from the start. */
  #lastT = 0;

  /**
   * Add the window that ended `elapsedS` seconds after the start.
   * @param connected bots connected at the end of the window
   * @param window what the bots counted in the window (read, not changed)
   * @param last the run's last window, which may be short: left out under MIN_LAST_WINDOW_S
   */
  add(elapsedS: number, connected: number, window: BotStats, last = false): void {
    const span = elapsedS - this.#lastT;
    if (span <= 0 || (last && span < MIN_LAST_WINDOW_S)) return;
    this.#lastT = elapsedS;
    const c = window.counters;
    const perSecond = (n: number) => round(n / span, 2);
    const index = this.#t.length;
    this.#t.push(round(elapsedS, 3));
    this.#connected.push(connected);
    this.#frames.push(perSecond(c.diffs + c.snapshots));
    this.#mb.push(round(c.bytes / 1e6 / span, 4));
    this.#ok.push(perSecond(c.placementsOk));
    this.#refused.push(perSecond(c.placementsRefused));
    const lat = window.summary('tickLatency');
    const none = lat.count === 0;
    this.#latency.p50.push(none ? null : lat.p50);
    this.#latency.p90.push(none ? null : lat.p90);
    this.#latency.p99.push(none ? null : lat.p99);
    this.#latency.max.push(none ? null : lat.max);
    for (const [code, n] of Object.entries(window.errorsByCode)) {
      const column = (this.#errors[code] ??= new Array<number>(index).fill(0));
      column.push(perSecond(n));
    }
    for (const column of Object.values(this.#errors)) if (column.length === index) column.push(0);
  }

  /** Points so far. */
  get points(): number {
    return this.#t.length;
  }

  /** The columns so far (the arrays themselves: read them, do not change them). */
  data(): TimelineData {
    return {
      t: this.#t,
      connected: this.#connected,
      framesPerSecond: this.#frames,
      mbPerSecond: this.#mb,
      placementsOkPerSecond: this.#ok,
      placementsRefusedPerSecond: this.#refused,
      tickToClientMs: this.#latency,
      errorsPerSecond: this.#errors,
    };
  }
}
