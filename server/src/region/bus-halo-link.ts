/**
 * Halos over the bus: a region publishes its halo on `halo.<region>` and subscribes to
 * each neighbour's (DESIGN.md, "Subjects"). One publish per generation serves every
 * neighbour; NATS fans it out.
 *
 * `buses` is usually one (a NATS connection). In one process the regions may instead be
 * joined pairwise by LocalBus ends (a MessagePort each): the link then publishes on every
 * bus it holds and listens on all of them, which is the same thing.
 */
import type { Bus, BusSubscription } from '../bus/index.js';
import type { Subjects } from '../wire/subjects.js';
import { HaloInbox, type HaloLink } from './halo-inbox.js';
import type { Region } from './layout.js';

/** A HaloLink over buses, with what it subscribed to. */
export interface BusHaloLink extends HaloLink {
  /** Stop listening. */
  close(): void;
}

/**
 * The halo link of `region` over `buses`. Subscribes at once: a neighbour's halo published
 * before this call is not seen (the neighbour sends it again while it waits; RegionEngine).
 * @param onBadHalo told of a message on a neighbour's subject that is not a halo of that
 * neighbour (dropped); a bus handler must not throw.
 */
export function linkOverBus(
  buses: readonly Bus[],
  subjects: Pick<Subjects, 'halo'>,
  region: Region,
  onBadHalo: (err: unknown) => void = () => undefined,
): BusHaloLink {
  const inbox = new HaloInbox();
  const subscriptions: BusSubscription[] = [];
  for (const bus of buses) {
    for (const neighbour of region.neighbours) {
      subscriptions.push(
        bus.subscribe(subjects.halo(neighbour), (payload) => {
          try {
            inbox.deliver(payload, neighbour);
          } catch (err) {
            onBadHalo(err);
          }
        }),
      );
    }
  }
  const subject = subjects.halo(region.id);
  return {
    send(halo: Uint8Array): void {
      // A bus may take the bytes over (LocalBus transfers them): each gets its own but the last.
      buses.forEach((bus, i) => bus.publish(subject, i === buses.length - 1 ? halo : halo.slice()));
    },
    receive: (from, epoch, generation) => inbox.take(from, epoch, generation),
    onHalo: (listener) => inbox.onHalo(listener),
    reset: (epoch) => inbox.enter(epoch),
    close(): void {
      for (const s of subscriptions) s.unsubscribe();
    },
  };
}
