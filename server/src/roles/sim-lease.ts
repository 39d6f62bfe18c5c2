/**
 * One sim per world in a cluster: a lease in NATS KV (bucket `lifemmo-sim-leases`, key the
 * world's name; in a world split into regions, one per region, `<world>.region-<id>`).
 *
 * Why: `DATA_DIR`'s lock keeps two servers off one directory, but two sims of one world on
 * two machines, each with its own directory, would both answer the world's subjects:
 * gateways would flip between two worlds and placements would land in either log. The
 * lease is NATS's own tool for it (no consensus of our own): the key is created only if
 * absent (`create`), renewed only by its holder (`update` at the revision it last wrote),
 * and the bucket's TTL removes a key its holder stopped renewing.
 *
 * - Starting: a sim takes the key. If another holds it, it waits until the key is gone,
 *   at most two leases (a sim that crashed, before or while this one waits, stops renewing;
 *   its key expires within a lease), then gives up with LIFE_ERR_SIM_LEASE_HELD naming the
 *   holder: a live sim renews.
 * - Running: renewed every third of the lease. A renewal refused because the key is no
 *   longer ours (another sim took it after ours expired, e.g. this process stood still or
 *   lost NATS for longer than a lease) ends this sim (`onLost`): two sims never serve one
 *   world knowingly. A key merely expired (NATS was away, nobody took it) is taken again.
 * - Stopping: the key is deleted, so a successor does not wait out the lease.
 *
 * Needs JetStream on the NATS server (`-js`), as docker/compose.yml runs it.
 */
import { hostname } from 'node:os';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { LifeError } from '@lifemmo/shared';
import type { Logger } from 'pino';

export const LEASE_BUCKET = 'lifemmo-sim-leases';
/** How often a sim that waits for the key tries again, ms. */
const RETRY_MS = 250;

/** Who holds a lease: what the key's value says, for the messages of the one refused. */
export interface LeaseHolder {
  readonly instance: string;
  readonly host: string;
  readonly pid: number;
  readonly since: string;
}

export interface SimLeaseOptions {
  readonly nc: NatsConnection;
  readonly world: string;
  /** The region the sim steps in a world split into regions (one lease per region), null for a whole world. */
  readonly region?: number | null;
  /** Lifetime of an unrenewed lease, ms (SIM_LEASE_MS). */
  readonly leaseMs: number;
  /** This sim, as the key's value names it. */
  readonly instance: string;
  readonly log: Logger;
  /** The lease was taken by another sim: this one must stop serving now. */
  readonly onLost: (err: LifeError) => void;
}

/** A held lease; `release()` gives it up. */
export class SimLease {
  #kv: KV;
  readonly #o: SimLeaseOptions;
  readonly #value: Uint8Array;
  #revision: number;
  #timer: NodeJS.Timeout | null = null;
  /** The renewal in flight (one at a time: NATS may take longer than the interval to answer). */
  #renewing: Promise<void> | null = null;

  private constructor(kv: KV, options: SimLeaseOptions, leaseMs: number, value: Uint8Array, revision: number) {
    this.#kv = kv;
    this.#o = options;
    this.#value = value;
    this.#revision = revision;
    this.#timer = setInterval(() => {
      this.#renewing ??= this.#renew().finally(() => (this.#renewing = null));
    }, Math.max(100, Math.floor(leaseMs / 3)));
  }

  /**
   * Take the world's lease, waiting at most two leases for a holder that stopped renewing.
   * @throws LifeError LIFE_ERR_SIM_LEASE_HELD while a live sim holds it
   */
  static async acquire(options: SimLeaseOptions): Promise<SimLease> {
    const kv = await new Kvm(options.nc).create(LEASE_BUCKET, { ttl: options.leaseMs, history: 1 });
    // An existing bucket keeps the TTL it was made with (create opens it as it is): that
    // is the lease every sim of this NATS cluster gets, so it is the one to renew within.
    const leaseMs = (await kv.status()).ttl;
    if (leaseMs !== options.leaseMs) {
      options.log.warn(
        { bucket: LEASE_BUCKET, bucketTtlMs: leaseMs, simLeaseMs: options.leaseMs },
        'SIM_LEASE_MS differs from the lease bucket\'s TTL, which applies: delete the bucket while no sim runs to change it (docs/cluster.md)',
      );
    }
    const holder: LeaseHolder = { instance: options.instance, host: hostname(), pid: process.pid, since: new Date().toISOString() };
    const value = new TextEncoder().encode(JSON.stringify(holder));
    // Two leases: a holder that dies while this sim waits is gone within one lease of its death.
    const deadline = Date.now() + 2 * leaseMs;
    let logged = false;
    for (;;) {
      try {
        return new SimLease(kv, options, leaseMs, value, await kv.create(leaseKey(options), value));
      } catch (err) {
        const other = await currentHolder(kv, leaseKey(options));
        if (other === null) continue; // gone between the two calls: try again at once
        if (Date.now() >= deadline) {
          throw new LifeError('SIM_LEASE_HELD', `Another sim serves ${leaseName(options)} on this NATS cluster (${describe(other)}); stop it first, or give this sim another WORLD_NAME`, {
            world: options.world,
            ...(options.region != null && { region: options.region }),
            holder: other,
          });
        }
        if (!logged) options.log.warn({ world: options.world, holder: other, err }, 'world held by another sim: waiting for its lease to expire (it may have crashed)');
        logged = true;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  /** Stop renewing and delete the key if it is still ours (a successor need not wait). */
  async release(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#renewing;
    try {
      await this.#kv.delete(leaseKey(this.#o), { previousSeq: this.#revision });
    } catch (err) {
      // Not ours any more, or NATS is away: the key expires by itself within a lease.
      this.#o.log.warn({ err }, 'sim lease not released');
    }
  }

  /** Take the key again (it is absent), reopening the bucket first when `reopen`; false when that failed. */
  async #retake(reopen: boolean): Promise<boolean> {
    try {
      if (reopen) this.#kv = await new Kvm(this.#o.nc).create(LEASE_BUCKET, { ttl: this.#o.leaseMs, history: 1 });
      this.#revision = await this.#kv.create(leaseKey(this.#o), this.#value);
      this.#o.log.warn('sim lease had expired: taken again');
      return true;
    } catch {
      return false;
    }
  }

  async #renew(): Promise<void> {
    const { log } = this.#o;
    const key = leaseKey(this.#o);
    try {
      this.#revision = await this.#kv.update(key, this.#value, this.#revision);
      return;
    } catch (err) {
      if (this.#timer === null) return; // released meanwhile
      const other = await currentHolder(this.#kv, key).catch(() => undefined);
      if (other === undefined) {
        // NATS away, or the bucket gone (a NATS server started on an empty store): make
        // it again if we can and take the key; otherwise try again next time.
        if (!(await this.#retake(true))) log.warn({ err }, 'sim lease not renewed (NATS unreachable?): trying again');
        return;
      }
      // Expired while we could not renew, and nobody took it: take it again. If someone
      // was faster, fall through to losing it.
      if (other === null && (await this.#retake(false))) return;
      if (this.#timer !== null) clearInterval(this.#timer);
      this.#timer = null;
      const holder = other ?? (await currentHolder(this.#kv, key).catch(() => null));
      this.#o.onLost(
        new LifeError('SIM_LEASE_HELD', `This sim's lease on ${leaseName(this.#o)} was taken by another sim${holder ? ` (${describe(holder)})` : ''}: this one stops serving`, {
          world: this.#o.world,
          ...(this.#o.region != null && { region: this.#o.region }),
          holder,
        }),
      );
    }
  }
}

/** The lease's key: the world's name, or for one region of a split world `<world>.region-<id>`. */
function leaseKey(o: Pick<SimLeaseOptions, 'world' | 'region'>): string {
  return o.region == null ? o.world : `${o.world}.region-${o.region}`;
}

/** What the lease is for, in messages. */
function leaseName(o: Pick<SimLeaseOptions, 'world' | 'region'>): string {
  return o.region == null ? `world "${o.world}"` : `region ${o.region} of world "${o.world}"`;
}

/** The key's holder, or null when the key is absent (never made, deleted or expired). */
async function currentHolder(kv: KV, world: string): Promise<LeaseHolder | null> {
  const entry = await kv.get(world);
  if (entry === null || entry.operation !== 'PUT' || entry.value.length === 0) return null;
  return JSON.parse(new TextDecoder().decode(entry.value)) as LeaseHolder;
}

function describe(h: LeaseHolder): string {
  return `instance ${h.instance} on ${h.host}, pid ${h.pid}, since ${h.since}`;
}
