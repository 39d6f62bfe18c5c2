/**
 * Reusable slabs for bytes that live for one tick: the gateway's client messages
 * (ws/shared-message.ts) and the sim's diff records before they are copied into their
 * shard's message (sim/tick-publisher.ts).
 */

/** Bytes of a fresh arena slab; a message larger than this gets a slab of its own size. */
const SLAB_BYTES = 4 * 1024 * 1024;

/**
 * Where a tick's messages are written: slabs that are reused from tick to tick while no
 * socket can still hold their bytes.
 *
 * Why: a buffer per group and tick came to about 2 MB of ArrayBuffers a tick at 5,000
 * clients. V8 frees young ArrayBuffers only in a garbage collection and starts one for
 * "external memory pressure" after some tens of MB, so that was a scavenge about every
 * second, each holding the event loop 10-20 ms, and the tick it fell on reached every
 * client that much later (docs/benchmarks.md).
 *
 * When reuse is safe: a socket write that completes at once leaves no reference to the
 * bytes behind; one that does not (the socket's queue is not empty after it), and every
 * send through `ws.send`, may still hold them. `release(retained)` at the end of a tick
 * says which: if anything may still hold this tick's bytes, its slabs are left to the
 * garbage collector and the next tick starts on new ones. (The sim cuts a tick's diff
 * records from an arena of their own, released every tick: records are only copied into
 * their shard's message and never reach a socket or the bus as they are.)
 */
export class MessageArena {
  #slabs: Buffer[] = [];
  /** Slab being filled (index into #slabs) and where its free part starts. */
  #current = 0;
  #offset = 0;

  /** `bytes` bytes of this tick's slabs, to be overwritten from the next tick on unless retained. */
  allocate(bytes: number): Buffer {
    for (;;) {
      const slab = this.#slabs[this.#current];
      if (slab === undefined) {
        this.#slabs.push(Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes)));
        continue;
      }
      if (slab.length - this.#offset >= bytes) {
        const part = slab.subarray(this.#offset, this.#offset + bytes);
        this.#offset += bytes;
        return part;
      }
      this.#current++;
      this.#offset = 0;
    }
  }

  /**
   * The tick's messages are all handed out. With `retained` (some socket or `ws.send` may
   * still hold their bytes), the slabs are dropped for new ones; otherwise they are reused.
   */
  release(retained: boolean): void {
    if (retained) this.#slabs = [];
    this.#current = 0;
    this.#offset = 0;
  }
}

