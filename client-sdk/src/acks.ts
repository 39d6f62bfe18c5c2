/**
 * Acknowledging frames (protocol version 2, docs/protocol.md "Acknowledgements"): the
 * client tells the server the newest generation it has read, at most every `everyMs` while
 * frames arrive and that long after the last one at the latest. The server uses it to know
 * how far behind the client really is, and stops diffs to a client that falls too far back.
 */

/** Sends `ack` messages for the frames a client reads. */
export class AckSchedule {
  readonly #send: (generation: number) => void;
  #everyMs = 250;
  /** Newest generation read, and newest acknowledged. */
  #read = -1;
  #acked = -1;
  #lastSentAt = -Infinity;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(send: (generation: number) => void) {
    this.#send = send;
  }

  /** A new connection: nothing acknowledged on it yet; ack every `everyMs` (hello.limits.ackEveryMs). */
  reset(everyMs: number): void {
    this.stop();
    this.#everyMs = everyMs;
    this.#read = -1;
    this.#acked = -1;
    this.#lastSentAt = -Infinity;
  }

  /** A frame of `generation` was read (applied or not). */
  read(generation: number, now: number): void {
    if (generation > this.#read) this.#read = generation;
    const since = now - this.#lastSentAt;
    if (since >= this.#everyMs) this.flush(now);
    else this.#timer ??= setTimeout(() => this.flush(this.#lastSentAt + this.#everyMs), this.#everyMs - since);
  }

  /** Acknowledge what was read now, if anything is new. */
  flush(now: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#read <= this.#acked) return;
    this.#acked = this.#read;
    this.#lastSentAt = now;
    this.#send(this.#read);
  }

  /** The connection is gone: send nothing more. */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
