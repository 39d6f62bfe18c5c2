/**
 * The in-process bus: two threads of one process joined by a worker_threads MessagePort
 * (the standalone default: the sim on a worker thread, the gateway on the main thread).
 *
 * A message goes to the subscribers at the other end of the port, never back to its own
 * end, like two NATS connections. Payload buffers are transferred, not copied, when a
 * payload is its whole buffer (the encoders make them so); anything else is copied once
 * into a buffer of its own and that is transferred. Requests carry an id and are answered
 * on the same port; a request the other end has no responder for fails at once with
 * `no-responders`, as NATS does.
 */
import type { MessagePort } from 'node:worker_threads';
import {
  BusRequestError,
  subjectMatches,
  type Bus,
  type BusFailure,
  type BusHandler,
  type BusResponder,
  type BusState,
  type BusSubscription,
} from './bus.js';

/** What crosses the port. `k`: 0 publish, 1 request, 2 reply, 3 failed request. */
type PortMessage =
  | { k: 0; s: string; p: Uint8Array }
  | { k: 1; s: string; p: Uint8Array; id: number }
  | { k: 2; id: number; p: Uint8Array }
  | { k: 3; id: number; reason: BusFailure; detail: string };

interface Pending {
  resolve(payload: Uint8Array): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  subject: string;
}

/** A payload the port can transfer without copying: the whole of an ArrayBuffer. */
function transferable(payload: Uint8Array): Uint8Array {
  const whole = payload.byteOffset === 0 && payload.byteLength === payload.buffer.byteLength && payload.buffer instanceof ArrayBuffer;
  return whole ? payload : payload.slice();
}

/** One end of an in-process bus. */
export class LocalBus implements Bus {
  readonly kind = 'local';
  readonly #port: MessagePort;
  readonly #subscriptions = new Set<{ pattern: string; handler: BusHandler }>();
  readonly #responders = new Map<string, BusResponder>();
  readonly #pending = new Map<number, Pending>();
  readonly #stateListeners = new Set<(state: BusState) => void>();
  #nextId = 1;
  #state: BusState = 'up';
  #closed = false;

  constructor(port: MessagePort) {
    this.#port = port;
    port.on('message', (message: PortMessage) => this.#receive(message));
    port.on('close', () => this.setState('down'));
  }

  get state(): BusState {
    return this.#state;
  }

  publish(subject: string, payload: Uint8Array): void {
    if (this.#closed || this.#state === 'down') return;
    const p = transferable(payload);
    this.#port.postMessage({ k: 0, s: subject, p } satisfies PortMessage, [p.buffer as ArrayBuffer]);
  }

  subscribe(subject: string, handler: BusHandler): BusSubscription {
    const entry = { pattern: subject, handler };
    this.#subscriptions.add(entry);
    return { unsubscribe: () => void this.#subscriptions.delete(entry) };
  }

  respond(subject: string, responder: BusResponder): BusSubscription {
    this.#responders.set(subject, responder);
    return {
      unsubscribe: () => {
        if (this.#responders.get(subject) === responder) this.#responders.delete(subject);
      },
    };
  }

  request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.#closed || this.#state === 'down') return Promise.reject(new BusRequestError('disconnected', subject));
    const id = this.#nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new BusRequestError('timeout', subject, `${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer, subject });
      const p = transferable(payload);
      this.#port.postMessage({ k: 1, s: subject, p, id } satisfies PortMessage, [p.buffer as ArrayBuffer]);
    });
  }

  onState(listener: (state: BusState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /**
   * Mark the link up or down: the owner of the thread at the other end calls this when
   * that thread exits (a port does not always say so itself).
   */
  setState(state: BusState): void {
    if (state === this.#state) return;
    this.#state = state;
    if (state === 'down') this.#failPending('disconnected');
    for (const listener of this.#stateListeners) listener(state);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failPending('disconnected');
    this.#subscriptions.clear();
    this.#responders.clear();
    this.#port.close();
  }

  #failPending(reason: BusFailure): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new BusRequestError(reason, pending.subject));
      this.#pending.delete(id);
    }
  }

  #receive(message: PortMessage): void {
    switch (message.k) {
      case 0:
        for (const { pattern, handler } of this.#subscriptions) if (subjectMatches(pattern, message.s)) handler(message.p, message.s);
        return;
      case 1:
        return this.#answer(message.s, message.p, message.id);
      case 2:
      case 3: {
        const pending = this.#pending.get(message.id);
        if (pending === undefined) return; // timed out already
        this.#pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.k === 2) pending.resolve(message.p);
        else pending.reject(new BusRequestError(message.reason, pending.subject, message.detail));
      }
    }
  }

  #answer(subject: string, payload: Uint8Array, id: number): void {
    let responder: BusResponder | undefined = this.#responders.get(subject);
    if (responder === undefined) {
      for (const [pattern, r] of this.#responders) if (subjectMatches(pattern, subject)) responder = r;
    }
    const fail = (reason: BusFailure, detail: string) => {
      if (!this.#closed) this.#port.postMessage({ k: 3, id, reason, detail } satisfies PortMessage);
    };
    if (responder === undefined) return fail('no-responders', '');
    const reply = (p: Uint8Array) => {
      if (this.#closed) return;
      const t = transferable(p);
      this.#port.postMessage({ k: 2, id, p: t } satisfies PortMessage, [t.buffer as ArrayBuffer]);
    };
    try {
      const answer = responder(payload, subject);
      if (answer instanceof Uint8Array) reply(answer);
      else answer.then(reply, (err: unknown) => fail('responder-failed', err instanceof Error ? err.message : String(err)));
    } catch (err) {
      fail('responder-failed', err instanceof Error ? err.message : String(err));
    }
  }
}
