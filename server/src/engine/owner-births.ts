/**
 * Births credited to each owner: every cell born by the rule counts once for the owner
 * it took (owners.ts), so a player can see what its patterns became. Placed cells are not
 * births here, and a contested birth (neutral) is credited to owner 0, which no player is.
 *
 * A typed array indexed by owner id, not a Map: the commit adds to it once per chunk in
 * the common single-owner case and once per birth in mixed chunks, with no allocation.
 * Counts are doubles: a busy owner can pass 2^32 births in a day.
 *
 * Not persisted: the counts start from zero when the world is created, cleared or
 * restored (a restarted sim counts again from the snapshot it recovered, replayed
 * generations included). docs/api.md says so.
 */
import { MAX_OWNER } from './chunk.js';

/** Births credited per owner id (0..MAX_OWNER). */
export class OwnerBirths {
  readonly #counts = new Float64Array(MAX_OWNER + 1);

  /** Credit `n` births to `owner`. */
  add(owner: number, n: number): void {
    this.#counts[owner]! += n;
  }

  /** Births credited to `owner` so far (0 for an id out of range). */
  of(owner: number): number {
    return this.#counts[owner] ?? 0;
  }

  /** Start `owner` from zero: its id now belongs to a new player. */
  forget(owner: number): void {
    this.#counts[owner] = 0;
  }

  /** Start every owner from zero. */
  clear(): void {
    this.#counts.fill(0);
  }
}
