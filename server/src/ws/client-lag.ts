/**
 * How far behind a client really is: the frames sent to it that it has not acknowledged
 * yet, and when each was sent.
 *
 * Why acknowledgements (as in Quake 3's snapshot protocol) and not the send buffer alone:
 * a client that stops reading fills its own receive buffer and then the kernel's send
 * buffer of its socket first, megabytes that `bufferedAmount` never sees; it would then
 * read frames a minute old. Only the client can say what it has read. A client whose
 * oldest unacknowledged frame is older than WS_MAX_LAG_MS plus the ack interval (it may
 * take that long to acknowledge what it read at once) gets no more diffs; once it has
 * acknowledged everything sent, it gets one fresh snapshot (connection.ts). So what can be
 * in flight to a stalled client is bounded by what is sent within that time.
 *
 * Memory: one entry per frame in flight, about (WS_MAX_LAG_MS / 2 + a round trip) / tick of
 * them for a client that keeps up (6 or so at the defaults); a lagging client gets no more.
 */

/** Sent, unacknowledged frames of one client, oldest first. */
export class ClientLag {
  #generations: number[] = [];
  #sentAt: number[] = [];
  /** Index of the oldest entry still unacknowledged. */
  #head = 0;

  /** A frame of `generation` was sent at `now` (ms, any monotonic clock). */
  sent(generation: number, now: number): void {
    this.#generations.push(generation);
    this.#sentAt.push(now);
  }

  /** The client has read every frame up to and including `generation`. */
  acked(generation: number): void {
    const gens = this.#generations;
    while (this.#head < gens.length && gens[this.#head]! <= generation) this.#head++;
    // Compact now and then, not on every ack: most acks drop a few entries off the front.
    if (this.#head === gens.length) this.clear();
    else if (this.#head > 64) {
      this.#generations = gens.slice(this.#head);
      this.#sentAt = this.#sentAt.slice(this.#head);
      this.#head = 0;
    }
  }

  /** How long the oldest unacknowledged frame has been on its way at `now`, ms; 0 when none is. */
  ageMs(now: number): number {
    return this.#head < this.#sentAt.length ? now - this.#sentAt[this.#head]! : 0;
  }

  /** Frames sent and not acknowledged. */
  get inFlight(): number {
    return this.#generations.length - this.#head;
  }

  /** Forget every frame (a new viewport starts over with its snapshot). */
  clear(): void {
    this.#generations = [];
    this.#sentAt = [];
    this.#head = 0;
  }
}
