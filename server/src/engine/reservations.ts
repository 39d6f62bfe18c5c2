/**
 * Reservations: one region's part of a placement that spans several regions, validated and
 * spoken for before it is placed (docs/regions.md, "Placements across regions"). Every
 * region reserves its part; then either every part is queued for one generation (the
 * largest of the parts' `generation`s) or every part is let go. A refused part never leaves
 * another placed.
 *
 * Why the tick waits: a reservation's `generation` is the earliest it can be placed at (the
 * region's next placement generation when it was made), and the generation chosen for the
 * whole placement may be that or a later one. So the tick that makes a reservation's
 * generation waits, before its intake, until the reservation is committed or let go
 * (`due`): a region never passes a generation a reservation of it may still be committed
 * for. Reservations made while that tick waits are for the generation after it, so a
 * stream of them never keeps the tick waiting.
 *
 * The bound: a reservation neither committed nor released (its coordinator died, its
 * commit was lost) is let go `ttlMs` after it was made, by a timer. It holds its cells, and
 * the tick to its generation, at most that long. A prepared part of a placement across
 * sims (region/prepared-parts.ts) is opened with `lapses: false` instead: it may already be
 * decided, so only its coordinator's word lets it go, and its keeper asks for that word.
 */
import { LifeError } from '@lifemmo/shared';
import type { PlacementQueue } from './intake.js';

/** What a region answers a reservation with. */
export interface Reservation {
  /** Names it for `commit` and `release`; unique within the engine. */
  readonly id: number;
  /** The earliest generation it can be placed at: commit it for this one or a later one. */
  readonly generation: number;
  /** The world's epoch (resets so far) it was made in; a reset lets it go. */
  readonly epoch: number;
  /** Let go this long after it was made unless committed first, ms. */
  readonly ttlMs: number;
}

/** How long a reservation lives uncommitted by default, ms: a few bus round trips, and the longest a dead coordinator holds a region's tick. */
export const DEFAULT_RESERVATION_TTL_MS = 1000;

/** How a reservation is opened beyond its cells and owner. */
export interface ReserveOptions {
  /**
   * The earliest generation it can be placed at, when it is not the tick loop's next
   * (a reservation replayed from a log: the generation it had when it was made).
   */
  readonly generation?: number;
  /** Let go after the time to live (default true); false: only a commit or release ends it. */
  readonly lapses?: boolean;
}

interface OpenReservation {
  readonly reservation: Reservation;
  readonly keys: readonly number[];
  readonly owner: number;
  readonly timer: NodeJS.Timeout | null;
  /** Resolves once it is committed or let go. */
  readonly ended: Promise<void>;
  readonly end: () => void;
}

/** The open reservations of one engine. */
export class Reservations {
  readonly #intake: PlacementQueue;
  readonly #ttlMs: number;
  readonly #open = new Map<number, OpenReservation>();
  #nextId = 1;

  /** @param ttlMs how long a reservation lives uncommitted, ms */
  constructor(intake: PlacementQueue, ttlMs: number) {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new LifeError('VALIDATION', `A reservation's time to live must be a positive number of ms, got ${ttlMs}`);
    this.#intake = intake;
    this.#ttlMs = ttlMs;
  }

  /** Reservations neither committed nor let go yet. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Validate `cells` and speak for them, for `owner`, until committed or let go.
   * @param generation the earliest generation they can be placed at (the tick loop's `nextReservationGeneration`)
   * @throws LifeError LIFE_ERR_OUT_OF_WORLD, LIFE_ERR_DUPLICATE_CELL or LIFE_ERR_CELL_OCCUPIED (nothing reserved)
   */
  open(cells: ReadonlyArray<readonly [number, number]>, owner: number, generation: number, epoch: number, lapses = true): Reservation {
    const keys = this.#intake.claim(cells);
    const id = this.#nextId++;
    const reservation: Reservation = { id, generation, epoch, ttlMs: this.#ttlMs };
    let end = (): void => undefined;
    const ended = new Promise<void>((resolve) => {
      end = () => resolve();
    });
    const timer = lapses ? setTimeout(() => this.release(id), this.#ttlMs) : null;
    // A reservation never keeps a process alive: stopping lets every one go anyway.
    timer?.unref();
    this.#open.set(id, { reservation, keys, owner, timer, ended, end });
    return reservation;
  }

  /**
   * Queue reservation `id`'s cells for `generation`, at least its own: they are live from
   * that generation on.
   * @throws LifeError LIFE_ERR_PLACEMENT_EXPIRED when it is not open (let go by its ttl, a
   * reset or a stop; or never made); LIFE_ERR_VALIDATION for a generation before its own
   * (nothing changes: it stays open).
   */
  commit(id: number, generation: number): void {
    const open = this.#open.get(id);
    if (open === undefined) throw expired(id);
    if (!Number.isInteger(generation) || generation < open.reservation.generation) {
      throw new LifeError('VALIDATION', `Reservation ${id} can be placed at generation ${open.reservation.generation} or later, not ${generation}`);
    }
    this.#intake.queueClaimed(open.keys, open.owner, generation);
    this.#close(open);
  }

  /** Let reservation `id` go: its cells are free again. Nothing happens when it is not open. */
  release(id: number): void {
    const open = this.#open.get(id);
    if (open === undefined) return;
    this.#intake.unclaim(open.keys);
    this.#close(open);
  }

  /** Let every reservation go (a reset, which empties the intake too, or a stop). */
  releaseAll(): void {
    for (const id of [...this.#open.keys()]) this.release(id);
  }

  /**
   * Resolves once no reservation for `generation` or earlier is open: what the tick that
   * makes `generation` waits for before its intake. Rejects when `signal` aborts (the
   * engine is stopping).
   */
  async due(generation: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      let waiting: OpenReservation | undefined;
      for (const open of this.#open.values()) {
        if (open.reservation.generation <= generation) {
          waiting = open;
          break;
        }
      }
      if (waiting === undefined) return;
      await endedOrAborted(waiting.ended, signal);
    }
  }

  /** Owners of the open reservations (ids a new player must not be given). */
  owners(): number[] {
    return [...this.#open.values()].map((open) => open.owner);
  }

  #close(open: OpenReservation): void {
    if (open.timer !== null) clearTimeout(open.timer);
    this.#open.delete(open.reservation.id);
    open.end();
  }
}

function expired(id: number): LifeError {
  return new LifeError('PLACEMENT_EXPIRED', `No open reservation ${id}: it outlived its time to live, or the world was reset or stopped since`, { reservation: id });
}

/** Resolves when `ended` does; rejects as soon as `signal` aborts. */
function endedOrAborted(ended: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    void ended.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
