/**
 * Where a region's incoming halos wait until its tick asks for them, and the in-process
 * way to deliver them (regions stepped in one thread: tests, and the reference for the
 * bus). A halo that arrives before it is asked for is kept; a request for one that has not
 * arrived waits. Each is taken once, so the inbox holds at most the generation or two a
 * neighbour can be ahead (it cannot step past g + 1 without this region's halo of g).
 */
import { LifeError } from '@lifemmo/shared';
import { peekHalo } from '../wire/halo-message.js';
import type { RegionLayout } from './layout.js';

/** How a region's halos leave it and its neighbours' halos reach it. */
export interface HaloLink {
  /** Hand this region's encoded halo (wire/halo-message.ts) to its neighbours. */
  send(halo: Uint8Array): void;
  /**
   * Call `listener` after each neighbour's halo arrives (it is in the inbox by then).
   * `waiting`: the halo is marked waiting, so its sender is stuck at that generation of
   * that epoch, maybe because this region's halo of it was lost.
   */
  onHalo(listener: HaloListener): void;
  /** The encoded halo of region `from` at `generation` of `epoch`, once it has arrived. */
  receive(from: number, epoch: number, generation: number): Promise<Uint8Array>;
  /**
   * This region's world begins epoch `epoch` (a reset): forget the halos of earlier epochs
   * and drop any that still arrive. Halos of `epoch` that came first (a neighbour that
   * reset sooner) are kept.
   */
  reset(epoch: number): void;
}

/** Told of a neighbour's halo: who sent it, of which point, and whether it is marked waiting. */
export type HaloListener = (from: number, epoch: number, generation: number, waiting: boolean) => void;

/**
 * Halos that arrived for one region, by sender, epoch and generation. A sender may send a
 * halo again (a region stuck waiting asks again, and its neighbours answer; RegionEngine): a
 * copy of a generation already taken is dropped, a second copy of one not taken replaces
 * the first. A halo of an epoch before the region's is dropped: it is of a world that was
 * reset (a late copy on the bus); one of a later epoch is kept for when this region resets.
 */
export class HaloInbox {
  readonly #arrived = new Map<string, Uint8Array>();
  readonly #waiting = new Map<string, (halo: Uint8Array) => void>();
  /** The last generation taken in the current epoch, per sender. */
  readonly #taken = new Map<number, number>();
  /** The region's epoch: halos of earlier ones are dropped. */
  #epoch = 0;
  /** Halos dropped because they were of an earlier epoch. */
  #stale = 0;
  readonly #listeners = new Set<HaloListener>();

  /**
   * An encoded halo (wire/halo-message.ts) arrived: file it by what it says of itself, then
   * tell the listeners (HaloLink.onHalo).
   * @throws Error when it is not a halo, or not of `from` when given (a neighbour's subject)
   */
  deliver(payload: Uint8Array, from?: number): void {
    const { region, epoch, generation, waiting } = peekHalo(payload);
    if (from !== undefined && region !== from) throw new Error(`halo of region ${region} on the subject of region ${from}`);
    this.put(region, epoch, generation, payload);
    for (const listener of this.#listeners) listener(region, epoch, generation, waiting);
  }

  /** Call `listener` after each halo `deliver` files. */
  onHalo(listener: HaloListener): void {
    this.#listeners.add(listener);
  }

  /** A halo of `from` at `generation` of `epoch` arrived. */
  put(from: number, epoch: number, generation: number, halo: Uint8Array): void {
    if (epoch < this.#epoch) {
      this.#stale++;
      return;
    }
    const key = `${from}:${epoch}:${generation}`;
    const waiter = this.#waiting.get(key);
    if (waiter !== undefined) {
      this.#waiting.delete(key);
      waiter(halo);
      return;
    }
    // A copy of a halo already taken (a resend): nobody will ask for it again.
    if (epoch === this.#epoch && generation <= (this.#taken.get(from) ?? -1)) return;
    this.#arrived.set(key, halo);
  }

  /**
   * The halo of `from` at `generation` of `epoch` (the region's own epoch): at once if it
   * is here, else when it arrives. One taker per halo.
   */
  take(from: number, epoch: number, generation: number): Promise<Uint8Array> {
    if (epoch !== this.#epoch) return Promise.reject(new LifeError('VALIDATION', `Asked for a halo of epoch ${epoch}; the region is at epoch ${this.#epoch}`));
    this.#taken.set(from, Math.max(generation, this.#taken.get(from) ?? -1));
    const key = `${from}:${epoch}:${generation}`;
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

  /** Halos dropped because they were of an earlier epoch than the region's. */
  get stale(): number {
    return this.#stale;
  }

  /** The region begins epoch `epoch` (a reset): generations start again from 0; earlier epochs' halos are forgotten. */
  enter(epoch: number): void {
    this.#epoch = epoch;
    this.#taken.clear();
    for (const key of this.#arrived.keys()) if (Number(key.split(':')[1]) < epoch) this.#arrived.delete(key);
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
  return layout.regions.map((region) => ({
    send(halo: Uint8Array): void {
      // Filed by what arrives: `deliver` may have changed it.
      for (const to of region.neighbours) inboxes[to]!.deliver(deliver(halo, to));
    },
    onHalo(listener: HaloListener): void {
      inboxes[region.id]!.onHalo(listener);
    },
    receive(from: number, epoch: number, generation: number): Promise<Uint8Array> {
      return inboxes[region.id]!.take(from, epoch, generation);
    },
    reset(epoch: number): void {
      inboxes[region.id]!.enter(epoch);
    },
  }));
}
