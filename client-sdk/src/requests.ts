/**
 * Request correlation of a LifeClient: ids for outgoing messages, the promises waiting for
 * their replies (with a timeout each), the subscribes waiting for their snapshots, and the
 * subscribe() calls made while not connected.
 *
 * Why subscribes are special: snapshots carry no request id, so they are matched to
 * subscribes in order (the server handles a connection's messages in order). A subscribe
 * made moot by unsubscribe() keeps its place in that order as `null`, so its snapshot, if
 * it still comes, is recognised and skipped.
 */
import { LifeError } from '@lifemmo/shared/client';

/** What a request is waiting for: a JSON reply with its id, or (subscribe) a snapshot. */
export type RequestKind = 'request' | 'subscribe';

/** A request waiting for its reply. */
interface Pending {
  readonly kind: RequestKind;
  resolve(value: unknown): void;
  reject(err: LifeError): void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The requests of one LifeClient in flight. */
export class Requests {
  readonly #timeoutMs: number;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  /** Ids of subscribes sent and not answered yet, oldest first; `null` marks one made moot by unsubscribe. */
  #subscribes: Array<number | null> = [];
  /** subscribe() calls made while (re)connecting: settled by the subscribe sent on open. */
  #viewportWaiters: Array<{ resolve(): void; reject(err: LifeError): void }> = [];

  /** @param timeoutMs reject a request not answered in this long, ms */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** A fresh message id. */
  nextId(): number {
    return this.#nextId++;
  }

  /** Wait for the reply to message `id`; rejects with LIFE_ERR_TIMEOUT after the timeout. */
  expect(id: number, kind: RequestKind): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new LifeError('TIMEOUT', `No answer to message ${id} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(id, { kind, resolve, reject, timer });
      if (kind === 'subscribe') this.#subscribes.push(id);
    });
  }

  /** The kind of request `id` waits as, or undefined when nothing waits for it. */
  kindOf(id: number): RequestKind | undefined {
    return this.#pending.get(id)?.kind;
  }

  /** Resolve request `id` with `value`, or reject it with `err`; no-op when nothing waits for it. */
  settle(id: number, value: unknown, err?: LifeError): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (err) pending.reject(err);
    else pending.resolve(value);
  }

  /** Reject every request in flight with `err` (the socket is gone: no reply will come). */
  failAll(err: LifeError): void {
    for (const id of [...this.#pending.keys()]) this.settle(id, undefined, err);
    this.#subscribes = [];
  }

  /** True while a subscribe waits for its snapshot. */
  get subscribing(): boolean {
    return this.#subscribes.length > 0;
  }

  /**
   * A snapshot answering a subscribe came: the oldest subscribe's id, `null` when that one
   * was made moot by unsubscribe, undefined when no subscribe waits.
   */
  takeSubscribe(): number | null | undefined {
    return this.#subscribes.length > 0 ? this.#subscribes.shift() : undefined;
  }

  /** Subscribe `id` was refused: it will get no snapshot. Returns whether others still wait. */
  dropSubscribe(id: number): boolean {
    this.#subscribes = this.#subscribes.filter((x) => x !== id);
    return this.#subscribes.length > 0;
  }

  /** unsubscribe(): the subscribes in flight resolve now; their snapshots, if they come, are skipped. */
  orphanSubscribes(): void {
    this.#subscribes = this.#subscribes.map((id) => {
      if (id !== null) this.settle(id, undefined);
      return null;
    });
  }

  /** A subscribe() made while not connected: settled by settleViewportWaiters. */
  waitForViewport(): Promise<void> {
    return new Promise((resolve, reject) => this.#viewportWaiters.push({ resolve, reject }));
  }

  /** Resolve (err null) or reject the subscribe() calls waiting for a connection. */
  settleViewportWaiters(err: LifeError | null): void {
    const waiters = this.#viewportWaiters;
    this.#viewportWaiters = [];
    for (const w of waiters) {
      if (err === null) w.resolve();
      else w.reject(err);
    }
  }
}
