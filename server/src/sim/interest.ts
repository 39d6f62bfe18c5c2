/**
 * Which chunks some gateway watches, as leases: a gateway announces its chunks every
 * second or so (and a snapshot request adds its chunks at once); a lease not renewed in
 * time lapses, so a gateway that died stops costing the sim anything. The sim encodes and
 * publishes the diff records of watched chunks only.
 */

interface Lease {
  chunks: Uint32Array;
  expiresAt: number;
}

/** Leases per gateway and, per chunk, how many gateways watch it. */
export class ChunkInterest {
  readonly #leases = new Map<string, Lease>();
  readonly #coverage: Uint16Array;

  constructor(chunkCount: number) {
    this.#coverage = new Uint16Array(chunkCount);
  }

  /** Gateway `gateway` watches exactly `chunks` until `now + leaseMs`. */
  set(gateway: string, chunks: Uint32Array, leaseMs: number, now: number): void {
    const valid = chunks.filter((c) => c < this.#coverage.length);
    this.#drop(gateway);
    this.#leases.set(gateway, { chunks: valid, expiresAt: now + leaseMs });
    for (const c of valid) this.#coverage[c]!++;
  }

  /** Add `chunks` to what `gateway` watches (a snapshot request), renewing its lease. */
  add(gateway: string, chunks: Uint32Array, leaseMs: number, now: number): void {
    const lease = this.#leases.get(gateway);
    const merged = new Set<number>(lease?.chunks ?? []);
    for (const c of chunks) merged.add(c);
    this.set(gateway, Uint32Array.from(merged), leaseMs, now);
  }

  /** Forget leases that ran out. */
  expire(now: number): void {
    for (const [gateway, lease] of this.#leases) if (lease.expiresAt < now) this.#drop(gateway);
  }

  /** True when some gateway watches chunk `index`. */
  watched(index: number): boolean {
    return this.#coverage[index]! > 0;
  }

  /** Gateways holding a lease. */
  get gateways(): number {
    return this.#leases.size;
  }

  /** The ids of the gateways holding a lease: whose chunks `watched` covers now. */
  holders(): string[] {
    return [...this.#leases.keys()];
  }

  #drop(gateway: string): void {
    const lease = this.#leases.get(gateway);
    if (lease === undefined) return;
    this.#leases.delete(gateway);
    for (const c of lease.chunks) this.#coverage[c]!--;
  }
}
