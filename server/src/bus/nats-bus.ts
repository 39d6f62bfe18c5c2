/**
 * The bus between processes and machines: NATS core subjects through the official client
 * (`@nats-io/transport-node`). It reconnects by itself, forever: a NATS outage turns the
 * bus `down` (reported through `onState`, requests fail at once with `disconnected`) and
 * `up` again when a server is back; it never throws into the caller or exits.
 *
 * A responder that fails answers with an empty payload and a `Lifemmo-Error` header, so
 * the requester gets `responder-failed` at once instead of waiting for its timeout.
 */
import { connect, headers, RequestError, TimeoutError, type Msg, type NatsConnection } from '@nats-io/transport-node';
import {
  BusRequestError,
  type Bus,
  type BusHandler,
  type BusResponder,
  type BusState,
  type BusSubscription,
} from './bus.js';

/** Header carrying a responder's failure. */
const ERROR_HEADER = 'Lifemmo-Error';
const EMPTY = new Uint8Array(0);

/** Options of connectNatsBus. */
export interface NatsBusOptions {
  /** Comma-separated server URLs, e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string;
  /** Connection name shown by the NATS server (role and instance). */
  readonly name: string;
  /** Wait between reconnect attempts, ms (default 500). */
  readonly reconnectWaitMs?: number;
}

/**
 * Connect to NATS. Keeps trying until a server answers the first time (a cluster's
 * processes may start before NATS does), then reconnects forever.
 */
export async function connectNatsBus(options: NatsBusOptions): Promise<NatsBus> {
  const nc = await connect({
    servers: options.servers.split(',').map((s) => s.trim()),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectWaitMs ?? 500,
    waitOnFirstConnect: true,
    // A dead server is noticed within ~4 s even when no TCP reset arrives.
    pingInterval: 2_000,
    maxPingOut: 2,
  });
  return new NatsBus(nc);
}

/** One NATS connection as a Bus. */
export class NatsBus implements Bus {
  readonly kind = 'nats';
  readonly #nc: NatsConnection;
  readonly #stateListeners = new Set<(state: BusState) => void>();
  #state: BusState = 'up';
  #closing = false;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    void this.#watchStatus();
  }

  get state(): BusState {
    return this.#state;
  }

  /** The NATS connection itself, for what stands on JetStream rather than on the Bus (the sim's lease). */
  get connection(): NatsConnection {
    return this.#nc;
  }

  publish(subject: string, payload: Uint8Array): void {
    if (this.#closing || this.#state === 'down') return;
    try {
      this.#nc.publish(subject, payload);
    } catch {
      // Closed or draining: a publish on a broken link is lost, as the contract says.
    }
  }

  subscribe(subject: string, handler: BusHandler): BusSubscription {
    const sub = this.#nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err === null) handler(msg.data, msg.subject);
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }

  respond(subject: string, responder: BusResponder): BusSubscription {
    const sub = this.#nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err === null) this.#answer(msg, responder);
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }

  async request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.#closing || this.#state === 'down') throw new BusRequestError('disconnected', subject);
    let reply: Msg;
    try {
      reply = await this.#nc.request(subject, payload, { timeout: timeoutMs });
    } catch (err) {
      if (err instanceof RequestError && err.isNoResponders()) throw new BusRequestError('no-responders', subject);
      if (err instanceof TimeoutError || (err instanceof Error && err.name === 'TimeoutError')) {
        throw new BusRequestError('timeout', subject, `${timeoutMs} ms`);
      }
      throw new BusRequestError('disconnected', subject, err instanceof Error ? err.message : String(err));
    }
    const failure = reply.headers?.get(ERROR_HEADER);
    if (failure) throw new BusRequestError('responder-failed', subject, failure);
    return reply.data;
  }

  onState(listener: (state: BusState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    try {
      await this.#nc.drain();
    } catch {
      await this.#nc.close();
    }
  }

  #answer(msg: Msg, responder: BusResponder): void {
    const fail = (err: unknown) => {
      const h = headers();
      h.set(ERROR_HEADER, (err instanceof Error ? err.message : String(err)).replace(/[\r\n]/g, ' ').slice(0, 200) || 'failed');
      msg.respond(EMPTY, { headers: h });
    };
    try {
      const answer = responder(msg.data, msg.subject);
      if (answer instanceof Uint8Array) msg.respond(answer);
      else answer.then((p) => msg.respond(p), fail);
    } catch (err) {
      fail(err);
    }
  }

  #setState(state: BusState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of this.#stateListeners) listener(state);
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === 'disconnect' || status.type === 'staleConnection') this.#setState('down');
      else if (status.type === 'reconnect') this.#setState('up');
    }
  }
}
