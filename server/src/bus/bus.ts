/**
 * The bus: how the roles talk (DESIGN.md, "Beyond one process"). Subjects, publish and
 * subscribe, request and reply, binary payloads. Two implementations run the same
 * contract (test/bus/bus-contract.test.ts): `LocalBus` between two threads of one
 * process (the standalone default) and `NatsBus` between processes and machines.
 *
 * The bus knows nothing of Life or of lifemmo's messages: payloads are bytes, and what
 * they mean is wire/. Subjects are dot-separated tokens; a subscription may end in `>`
 * (the rest) or hold `*` (one token), as in NATS.
 */

/** Called for every message on a subscribed subject. Must not throw. */
export type BusHandler = (payload: Uint8Array, subject: string) => void;

/** Answers a request; a rejection or throw is reported to the requester as a failed request. */
export type BusResponder = (payload: Uint8Array, subject: string) => Uint8Array | Promise<Uint8Array>;

/** A subscription or responder; `unsubscribe` is idempotent. */
export interface BusSubscription {
  unsubscribe(): void;
}

/** Why a request got no answer. */
export type BusFailure = 'no-responders' | 'timeout' | 'disconnected' | 'responder-failed';

/** A request that got no answer: nothing is known of whether the responder acted on it. */
export class BusRequestError extends Error {
  readonly reason: BusFailure;
  readonly subject: string;

  constructor(reason: BusFailure, subject: string, detail?: string) {
    super(`bus request on ${subject} failed: ${reason}${detail ? ` (${detail})` : ''}`);
    this.name = 'BusRequestError';
    this.reason = reason;
    this.subject = subject;
  }
}

/** `up`: messages flow; `down`: the link is broken and the bus is trying to restore it. */
export type BusState = 'up' | 'down';

/** One end of the bus. */
export interface Bus {
  /** Human name of the implementation, for logs ("local", "nats"). */
  readonly kind: string;
  /** Whether messages flow now. */
  readonly state: BusState;
  /**
   * Send `payload` to every subscriber of `subject` on the other ends. The bus may take
   * ownership of the bytes (the local bus transfers whole buffers to the other thread):
   * do not reuse them after the call. Never throws for a broken link; the message is lost.
   */
  publish(subject: string, payload: Uint8Array): void;
  subscribe(subject: string, handler: BusHandler): BusSubscription;
  /** Answer requests on `subject` (one responder per subject and end). */
  respond(subject: string, responder: BusResponder): BusSubscription;
  /**
   * Ask whoever responds on `subject`.
   * @throws BusRequestError when no one responds, the time is up or the link is down.
   */
  request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Called on every change of `state`; returns the function that stops listening. */
  onState(listener: (state: BusState) => void): () => void;
  /** Stop: pending requests fail, subscriptions end. */
  close(): Promise<void>;
}

/** True when subscription pattern `pattern` (tokens, `*`, trailing `>`) matches `subject`. */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  // Most subscriptions name one subject: no splitting (a LocalBus matches every message
  // against every subscription; with a gateway's diff subscriptions the splits were 2.6%
  // of its thread under the overload benchmark's flood).
  if (!pattern.includes('*') && !pattern.includes('>')) return false;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
