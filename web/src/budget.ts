/**
 * The placement budget as the page shows it: the server's answer (`GET /players/me`) is
 * exact at one generation; between reads the page projects it forward with the refill
 * rule of docs/api.md (refillPerGen per generation, up to capacity), so the number moves
 * every tick without a request per tick.
 */
import type { BudgetReading } from '@lifemmo/shared/client';

/** Cells the player may place at `generation`, projected from `reading` (whole cells). */
export function projectBudget(reading: BudgetReading, generation: number): number {
  const gens = Math.max(0, generation - reading.generation);
  return Math.min(reading.capacity, Math.floor(reading.available + gens * reading.refillPerGen));
}

/** Counts events in a sliding window: frames per second, for the tick-rate readout. */
export class RateMeter {
  readonly #windowMs: number;
  readonly #times: number[] = [];

  constructor(windowMs = 2000) {
    this.#windowMs = windowMs;
  }

  /** Count one event at `now` (ms). */
  tick(now: number): void {
    this.#times.push(now);
    this.#trim(now);
  }

  /** Events per second over the window ending at `now`. */
  rate(now: number): number {
    this.#trim(now);
    return (this.#times.length * 1000) / this.#windowMs;
  }

  #trim(now: number): void {
    while (this.#times.length > 0 && this.#times[0]! <= now - this.#windowMs) this.#times.shift();
  }
}
