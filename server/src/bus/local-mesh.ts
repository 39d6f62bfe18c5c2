/**
 * One end joined to several threads: a thread of a standalone server whose world is split
 * into regions talks to several others (the gateway to every region's sim, a sim to the
 * other sims), each over a LocalBus of its own. The mesh is the Bus over those ends, so
 * the roles use one bus whatever the count, as they use one NATS connection in a cluster.
 *
 * - `publish` goes to every end (a copy each but the last: a LocalBus transfers its
 *   buffer), like a NATS publish reaching every subscriber.
 * - `subscribe` and `respond` hold on every end.
 * - `request` goes to the end whose thread answers the subject: the ends are asked in
 *   turn until one does not reply `no-responders` (a LocalBus says so at once, without
 *   waiting), and the end that answered is remembered for the subject, so a steady stream
 *   of requests costs one hop each.
 * - `state` is `up` while every end is up: a lost thread is a lost part of the world.
 */
import { BusRequestError, type Bus, type BusHandler, type BusResponder, type BusState, type BusSubscription } from './bus.js';
import type { LocalBus } from './local-bus.js';

/** See the module comment. */
export class LocalBusMesh implements Bus {
  readonly kind = 'local';
  readonly #ends: readonly LocalBus[];
  /** Subject -> the end that answered it last. */
  readonly #routes = new Map<string, number>();
  readonly #stateListeners = new Set<(state: BusState) => void>();
  #state: BusState;

  constructor(ends: readonly LocalBus[]) {
    if (ends.length === 0) throw new Error('A bus mesh needs at least one end');
    this.#ends = ends;
    this.#state = this.#stateNow();
    for (const end of ends) end.onState(() => this.#changed());
  }

  get state(): BusState {
    return this.#state;
  }

  publish(subject: string, payload: Uint8Array): void {
    const last = this.#ends.length - 1;
    for (let i = 0; i < last; i++) this.#ends[i]!.publish(subject, payload.slice());
    this.#ends[last]!.publish(subject, payload);
  }

  subscribe(subject: string, handler: BusHandler): BusSubscription {
    return all(this.#ends.map((end) => end.subscribe(subject, handler)));
  }

  respond(subject: string, responder: BusResponder): BusSubscription {
    return all(this.#ends.map((end) => end.respond(subject, responder)));
  }

  async request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const first = this.#routes.get(subject) ?? 0;
    const n = this.#ends.length;
    let lastError: unknown = new BusRequestError('no-responders', subject);
    for (let k = 0; k < n; k++) {
      const i = (first + k) % n;
      try {
        // Each try transfers its own copy: a refused try must leave the payload to the next.
        const reply = await this.#ends[i]!.request(subject, k === n - 1 ? payload : payload.slice(), timeoutMs);
        this.#routes.set(subject, i);
        return reply;
      } catch (err) {
        if (!(err instanceof BusRequestError && err.reason === 'no-responders')) throw err;
        lastError = err;
      }
    }
    throw lastError;
  }

  onState(listener: (state: BusState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  async close(): Promise<void> {
    await Promise.all(this.#ends.map((end) => end.close()));
  }

  #stateNow(): BusState {
    return this.#ends.every((end) => end.state === 'up') ? 'up' : 'down';
  }

  #changed(): void {
    const state = this.#stateNow();
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of this.#stateListeners) listener(state);
  }
}

function all(subscriptions: readonly BusSubscription[]): BusSubscription {
  return { unsubscribe: () => subscriptions.forEach((s) => s.unsubscribe()) };
}
