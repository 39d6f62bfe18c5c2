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

class ReplyBucket<T> {
  readonly values: T[] = [];
  cursor = 0;
  readonly ready: Promise<ReplyBucket<T>>;
  release!: (bucket: ReplyBucket<T>) => void;

  constructor() {
    this.ready = new Promise<ReplyBucket<T>>((resolve) => {
      this.release = resolve;
    });
  }
}

function takeNext<T>(bucket: ReplyBucket<T>): T {
  return bucket.values[bucket.cursor++]!;
}

/** A timer wheel with 1 ms slots that resolves per-call promises in bulk. */
export class ReplyWheel<T> {
  private readonly buckets = new Map<number, ReplyBucket<T>>();
  // Most calls of a burst share a due time: remember the last slot to skip the map.
  private lastDue = -1;
  private lastBucket: ReplyBucket<T> | null = null;

  /** Pending slots (for tests and stats). */
  get pendingSlots(): number {
    return this.buckets.size;
  }

  /**
   * A promise of `value` that resolves `delayMs` from now (rounded up to the next
   * whole millisecond of the monotonic clock).
   */
  deliver(delayMs: number, value: T): Promise<T> {
    const due = Math.ceil(performance.now() + delayMs);
    let bucket = due === this.lastDue ? this.lastBucket : this.buckets.get(due);
    if (bucket === undefined || bucket === null) {
      bucket = this.openSlot(due);
    }
    this.lastDue = due;
    this.lastBucket = bucket;
    bucket.values.push(value);
    return bucket.ready.then(takeNext);
  }

  private openSlot(due: number): ReplyBucket<T> {
    const bucket = new ReplyBucket<T>();
    this.buckets.set(due, bucket);
    setTimeout(() => this.fire(due, bucket), Math.max(0, due - performance.now()));
    return bucket;
  }

  private fire(due: number, bucket: ReplyBucket<T>): void {
    this.buckets.delete(due);
    if (this.lastDue === due) {
      this.lastDue = -1;
      this.lastBucket = null;
    }
    bucket.release(bucket);
  }
}
