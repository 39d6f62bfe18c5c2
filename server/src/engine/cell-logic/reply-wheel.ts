/**
 * Delivers simulated replies after a delay, with one timer per millisecond of due time
 * instead of one per call.
 *
 * Why not `setTimeout` per call: a tick can have a million calls in flight; a million
 * timers cost far more than the calls. Why not a resolver closure per call: each would
 * keep a promise, its resolve function and their context alive (~150 bytes). Instead
 * every call gets the promise `bucket.ready.then(takeNext)`: a native promise of its own,
 * resolved with its own value when its bucket's timer fires. Promise reactions run in the
 * order they were registered (ECMAScript TriggerPromiseReactions), so the k-th
 * `takeNext` of a bucket takes the k-th value queued in it.
 */

/** Replies due in the same millisecond; values are small integers (0..255). */
class ReplyBucket {
  values = new Uint8Array(64);
  length = 0;
  cursor = 0;
  readonly ready: Promise<ReplyBucket>;
  release!: (bucket: ReplyBucket) => void;

  constructor() {
    this.ready = new Promise<ReplyBucket>((resolve) => {
      this.release = resolve;
    });
  }

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Uint8Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

function takeNext(bucket: ReplyBucket): number {
  return bucket.values[bucket.cursor++]!;
}

/** How many calls of one synchronous burst may share a clock reading. */
const CLOCK_REUSE = 4096;

/** A timer wheel with 1 ms slots that resolves per-call promises in bulk. */
export class ReplyWheel<T extends number> {
  private readonly buckets = new Map<number, ReplyBucket>();
  // Most calls of a burst share a due time: remember the last slot to skip the map.
  private lastDue = -1;
  private lastBucket: ReplyBucket | null = null;
  // The clock is read once per synchronous burst (and every CLOCK_REUSE calls in a long
  // one): reading it per call cost more than the rest of a call. No timer can fire during
  // a burst, so a reading a few hundred microseconds old changes nothing.
  private clock = 0;
  private clockUses = CLOCK_REUSE;

  /** Pending slots (for tests and stats). */
  get pendingSlots(): number {
    return this.buckets.size;
  }

  /**
   * A promise of `value` (an integer 0..255) that resolves `delayMs` from now, rounded
   * up to the next whole millisecond of the monotonic clock.
   */
  deliver(delayMs: number, value: T): Promise<T> {
    if (this.clockUses++ >= CLOCK_REUSE) this.readClock();
    const due = Math.ceil(this.clock + delayMs);
    let bucket = due === this.lastDue ? this.lastBucket : this.buckets.get(due);
    if (bucket === undefined || bucket === null) {
      bucket = this.openSlot(due);
    }
    this.lastDue = due;
    this.lastBucket = bucket;
    bucket.push(value);
    return bucket.ready.then(takeNext) as Promise<T>;
  }

  private readClock(): void {
    this.clock = performance.now();
    this.clockUses = 0;
    // The burst ends when the current task does: read the clock afresh after it.
    queueMicrotask(() => {
      this.clockUses = CLOCK_REUSE;
    });
  }

  private openSlot(due: number): ReplyBucket {
    const bucket = new ReplyBucket();
    this.buckets.set(due, bucket);
    setTimeout(() => this.fire(due, bucket), Math.max(0, due - performance.now()));
    return bucket;
  }

  private fire(due: number, bucket: ReplyBucket): void {
    this.buckets.delete(due);
    if (this.lastDue === due) {
      this.lastDue = -1;
      this.lastBucket = null;
    }
    bucket.release(bucket);
  }
}
