/**
 * Every gateway of the world, as the status page shows them (issue 18: "in a cluster, each
 * gateway and sim"). Each gateway announces its public figures on the bus once a second and
 * listens to the others' announcements; one that has not announced for GONE_AFTER_MS is
 * dropped (stopped, killed, or cut off from the bus). No central registry: NATS carries the
 * announcements, and a gateway that joins sees the others within a second.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bus, BusSubscription } from '../bus/index.js';
import { GatewayAnnouncement, decodeJson, encodeJson, type Subjects } from '../wire/index.js';

/** Between two announcements of one gateway, ms. */
export const ANNOUNCE_EVERY_MS = 1000;
/** A gateway unheard for this long is no longer listed, ms (three missed announcements). */
export const GONE_AFTER_MS = 3500;

/** A gateway as the roster lists it. */
export interface RosterEntry extends GatewayAnnouncement {
  /** Since its latest announcement reached this gateway, ms (0 for this gateway itself). */
  readonly heardMsAgo: number;
  /** True for the gateway that answers. */
  readonly self: boolean;
}

/** What a roster needs. */
export interface GatewayRosterOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  /** This gateway's figures now. */
  readonly figures: () => Promise<GatewayAnnouncement>;
  readonly log: FastifyBaseLogger;
}

export class GatewayRoster {
  readonly #o: GatewayRosterOptions;
  readonly #peers = new Map<string, { announcement: GatewayAnnouncement; at: number }>();
  #sub: BusSubscription | null = null;
  #timer: NodeJS.Timeout | null = null;
  #warned = false;

  constructor(options: GatewayRosterOptions) {
    this.#o = options;
  }

  start(): void {
    this.#sub = this.#o.bus.subscribe(this.#o.subjects.gateways, (payload) => this.#heard(payload));
    this.#timer = setInterval(() => void this.#announce(), ANNOUNCE_EVERY_MS);
    this.#timer.unref();
    void this.#announce();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#sub?.unsubscribe();
    this.#sub = null;
    this.#peers.clear();
  }

  /** `own` (this gateway's figures now) first, then every other gateway heard within GONE_AFTER_MS, by id. */
  list(own: GatewayAnnouncement, now = Date.now()): RosterEntry[] {
    const others: RosterEntry[] = [];
    for (const [id, { announcement, at }] of this.#peers) {
      if (now - at > GONE_AFTER_MS) {
        this.#peers.delete(id);
        continue;
      }
      if (id !== own.id) others.push({ ...announcement, heardMsAgo: Math.max(0, now - at), self: false });
    }
    others.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return [{ ...own, heardMsAgo: 0, self: true }, ...others];
  }

  async #announce(): Promise<void> {
    try {
      this.#o.bus.publish(this.#o.subjects.gateways, encodeJson(await this.#o.figures()));
    } catch (err) {
      // A status figure that cannot be read must not stop the gateway; say it once.
      if (!this.#warned) this.#o.log.warn({ err }, 'cannot announce this gateway on the bus');
      this.#warned = true;
    }
  }

  #heard(payload: Uint8Array): void {
    const parsed = GatewayAnnouncement.safeParse(safeJson(payload));
    // A peer of another version: ignored (and not listed) rather than shown wrong.
    if (!parsed.success) return;
    this.#peers.set(parsed.data.id, { announcement: parsed.data, at: Date.now() });
  }
}

function safeJson(payload: Uint8Array): unknown {
  try {
    return decodeJson(payload);
  } catch {
    return null;
  }
}
