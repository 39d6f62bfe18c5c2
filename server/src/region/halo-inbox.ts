/**
 * Where a region's incoming halos wait until its tick asks for them, and the in-process
 * way to deliver them (regions stepped in one thread: tests, and the reference for the
 * bus). A halo that arrives before it is asked for is kept; a request for one that has not
 * arrived waits. Each is taken once, so the inbox holds at most the generation or two a
 * neighbour can be ahead (it cannot step past g + 1 without this region's halo of g).
 */
import { peekHalo } from '../wire/halo-message.js';
import type { RegionLayout } from './layout.js';

/** How a region's halos leave it and its neighbours' halos reach it. */
export interface HaloLink {
  /** Hand this region's encoded halo (wire/halo-message.ts) to its neighbours. */
  send(halo: Uint8Array): void;
  /**
   * Call `listener` when a neighbour sends a halo marked waiting: it is stuck at that
   * generation, maybe because this region's halo of it was lost.
   */
  onNeighbourWaiting(listener: (from: number, generation: number) => void): void;
  /** The encoded halo of region `from` at `generation`, once it has arrived. */
  receive(from: number, generation: number): Promise<Uint8Array>;
  /** Forget the halos held: this region's world starts again at generation 0 (a reset). */
  reset(): void;
}

/**
 * Halos that arrived for one region, by sender and generation. A sender may send a halo
 * again (a region stuck waiting asks again, and its neighbours answer; RegionEngine): a copy
 * of a generation already taken is dropped, a second copy of one not taken replaces the first.
 */
export class HaloInbox {
  readonly #arrived = new Map<string, Uint8Array>();
  readonly #waiting = new Map<string, (halo: Uint8Array) => void>();
  /** The last generation taken, per sender. */
  readonly #taken = new Map<number, number>();

  /** A halo of `from` at `generation` arrived. */
  put(from: number, generation: number, halo: Uint8Array): void {
    const key = `${from}:${generation}`;
    const waiter = this.#waiting.get(key);
    if (waiter !== undefined) {
      this.#waiting.delete(key);
      waiter(halo);
      return;
    }
    // A copy of a halo already taken (a resend): nobody will ask for it again.
    if (generation <= (this.#taken.get(from) ?? -1)) return;
    this.#arrived.set(key, halo);
  }

  /** The halo of `from` at `generation`: at once if it is here, else when it arrives. One taker per halo. */
  take(from: number, generation: number): Promise<Uint8Array> {
    this.#taken.set(from, Math.max(generation, this.#taken.get(from) ?? -1));
    const key = `${from}:${generation}`;
    const halo = this.#arrived.get(key);
    if (halo !== undefined) {
      this.#arrived.delete(key);
      return Promise.resolve(halo);
    }
    return new Promise((resolve) => this.#waiting.set(key, resolve));
  }

  /** Halos held that nobody has asked for yet. */
  get held(): number {
    return this.#arrived.size;
  }

  /** Forget everything, as after a reset: generations start again from 0. */
  clear(): void {
    this.#arrived.clear();
    this.#taken.clear();
  }
}

/**
 * One link per region of `layout`, joined in memory: a region's halo goes to the inbox of
 * each of its neighbours. `deliver` may change a halo on its way (tests break halos with
 * it to show the history then differs).
 */
export function linkInProcess(
  layout: RegionLayout,
  deliver: (halo: Uint8Array, to: number) => Uint8Array = (halo) => halo,
): HaloLink[] {
  const inboxes = layout.regions.map(() => new HaloInbox());
  const waitingListeners = layout.regions.map(() => new Set<(from: number, generation: number) => void>());
  return layout.regions.map((region) => ({
    send(halo: Uint8Array): void {
      const { generation, waiting } = peekHalo(halo);
      for (const to of region.neighbours) {
        inboxes[to]!.put(region.id, generation, deliver(halo, to));
        if (waiting) for (const listener of waitingListeners[to]!) listener(region.id, generation);
      }
    },
    onNeighbourWaiting(listener: (from: number, generation: number) => void): void {
      waitingListeners[region.id]!.add(listener);
    },
    receive(from: number, generation: number): Promise<Uint8Array> {
      return inboxes[region.id]!.take(from, generation);
    },
    reset(): void {
      inboxes[region.id]!.clear();
    },
  }));
}
