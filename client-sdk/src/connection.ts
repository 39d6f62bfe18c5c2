/**
 * The life of a LifeClient's connection: open a socket to one of the server URLs, say
 * hello, watch for silence, and after an unexpected close reconnect with backoff, moving
 * round robin to the next URL on each close and each failed attempt. It knows nothing of
 * requests, viewports or replicas: it tells its host (the LifeClient) through
 * ConnectionHost what happened, and the host decides what that means for them.
 *
 * The life is one numeric state (ConnectionStates), like the parser states of ws's
 * lib/receiver.js, rather than flags in closures: every socket event handler switches on
 * it, so an event that comes in a state where it means nothing (a late close of a socket
 * already given up, a message before hello) has one obvious place to be ignored.
 *
 *   IDLE -> OPENING -> HANDSHAKE -> OPEN -> CLOSING -> CLOSED
 *                                    |  ^
 *                   unexpected close v  | hello
 *                          BACKOFF -> OPENING -> HANDSHAKE
 *
 * `connect()` tries each URL once and fails fast (no backoff) so a wrong URL or token is
 * reported at once, except when the server is overloaded (4008): busy, not wrong, so with
 * reconnecting on it waits that out with the backoff. Close codes that would fail again
 * (4001 bad protocol, 4002 version, 4003 token) are not retried.
 */
import { LifeError, PROTOCOL_VERSION, parseServerMessage, type ClientMessage, type ServerHello, type ServerMessage } from '@lifemmo/shared/client';
import type { DisconnectEvent } from './client-events.js';
import { FATAL_CLOSE_CODES, errorFromClose, errorFromCode } from './errors.js';
import { backoffDelay, type BackoffOptions } from './reconnect.js';
import { ReadyState, resolveWebSocket, type WebSocketConstructor, type WebSocketLike } from './transport.js';

/** The states of a Connection. */
export const ConnectionStates = {
  /** Never connected, or `connect()` failed. */
  IDLE: 0,
  /** A socket is being opened (by `connect()` or a reconnect attempt). */
  OPENING: 1,
  /** The socket is open and hello sent; waiting for the server's hello. */
  HANDSHAKE: 2,
  /** The server said hello: requests and frames flow. */
  OPEN: 3,
  /** `close()` sent a close frame; waiting for the server's. */
  CLOSING: 4,
  /** Between reconnect attempts. */
  BACKOFF: 5,
  /** Closed by the user, refused for good, or out of attempts. `connect()` may start again. */
  CLOSED: 6,
} as const;

/** One of ConnectionStates. */
export type ConnectionState = (typeof ConnectionStates)[keyof typeof ConnectionStates];

/** What a Connection tells the LifeClient. Called synchronously, in socket event order. */
export interface ConnectionHost {
  /** The socket opened and hello went out: send what should be pipelined with it (subscribe). */
  onSocketOpen(): void;
  /** The server said hello. `reconnect`: set when this ends a reconnect (attempts, and when the link went down). */
  onHello(hello: ServerHello, helloSentAt: number, reconnect: { attempts: number; since: number } | null): void;
  /** A message after hello (text or binary). */
  onMessage(data: unknown): void;
  /** A socket went away: replies still awaited will not come. */
  onSocketLost(error: LifeError): void;
  /** An open connection closed; `willReconnect` says what comes next. */
  onDisconnect(event: DisconnectEvent): void;
  /** Closed for good (also after a failed `connect()`): `error` says why. */
  onClosed(error: LifeError): void;
  /** An error not tied to a call (a refusal for good, giving up). */
  onError(error: LifeError): void;
}

/** Settings of a Connection; times in milliseconds. */
export interface ConnectionOptions {
  /** WebSocket URLs (ws(s)://host:port/ws), tried round robin. At least one. */
  readonly urls: readonly string[];
  /** Token sent in hello. */
  readonly token?: string;
  /** WebSocket constructor to use (transport.ts picks one when unset). */
  readonly WebSocket?: WebSocketConstructor;
  /** Backoff between reconnect attempts; null: never reconnect. */
  readonly backoff: Required<BackoffOptions> | null;
  /** Give up on an attempt without the server's hello after this long, ms. */
  readonly connectTimeoutMs: number;
  /** Protocol version sent in hello and expected back. */
  readonly protocolVersion: number;
}

/** Errors a reconnect attempt gets that would come again: stop retrying. */
const FATAL_ERRORS: ReadonlySet<string> = new Set(['LIFE_ERR_WS_UNAUTHORIZED', 'LIFE_ERR_WS_PROTOCOL_VERSION', 'LIFE_ERR_WS_HELLO_REQUIRED']);
/**
 * Refusals that say "busy, come back later" (4008: the server is overloaded): `connect()`
 * waits them out with the reconnect backoff instead of failing at once.
 */
const BUSY_ERRORS: ReadonlySet<string> = new Set(['LIFE_ERR_WS_OVERLOADED']);

/** How long close() waits for the server's close frame before dropping the socket, ms. */
const CLOSE_TIMEOUT_MS = 2000;

/** Wall clock with sub-millisecond resolution, ms since the epoch. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** One attempt at opening a socket and getting the server's hello. */
interface Attempt {
  readonly ws: WebSocketLike;
  readonly url: string;
  resolve(hello: ServerHello): void;
  reject(error: LifeError): void;
  readonly timer: ReturnType<typeof setTimeout>;
  /** Set by onopen: when hello went out, for the clock offset. */
  helloSentAt: number;
  /** The socket's last error text, for the message when it never opens. */
  lastError: string;
  /** An error message the server sent before closing (the reason it refuses us). */
  refusal: LifeError | null;
}

/** A LifeClient's connection: see the module comment. */
export class Connection {
  readonly #options: ConnectionOptions;
  readonly #host: ConnectionHost;
  #state: ConnectionState = ConnectionStates.IDLE;
  #ws: WebSocketLike | null = null;
  /** Index in `urls` of the server used now (or tried next). */
  #urlIndex = 0;
  /** The attempt in progress (states OPENING and HANDSHAKE). */
  #attempt: Attempt | null = null;
  /** 0 while `connect()` runs; the attempt number while reconnecting. */
  #reconnectAttempt = 0;
  /** When the link went down (reconnecting), ms since the epoch. */
  #downSince = 0;
  #backoffSleep: { timer: ReturnType<typeof setTimeout>; wake(): void } | null = null;
  #lastReceivedAt = 0;
  #watchdog: ReturnType<typeof setInterval> | null = null;
  /** Resolves when the socket closed after close(). */
  #closed: Promise<void> | null = null;
  #onClosedSocket: (() => void) | null = null;

  constructor(options: ConnectionOptions, host: ConnectionHost) {
    if (options.urls.length === 0) throw new LifeError('VALIDATION', 'At least one server URL is needed');
    this.#options = options;
    this.#host = host;
  }

  /** The state (ConnectionStates). */
  get state(): ConnectionState {
    return this.#state;
  }

  /** True from the first attempt of a reconnect until it succeeds or gives up. */
  get reconnecting(): boolean {
    return this.#reconnectAttempt > 0;
  }

  /** Index in `urls` of the server in use (or tried next). */
  get urlIndex(): number {
    return this.#urlIndex;
  }

  /** The WebSocket URL in use (or tried next). */
  get url(): string {
    return this.#options.urls[this.#urlIndex]!;
  }

  /** Send a message when the socket is open; dropped otherwise (the caller checked the state). */
  send(message: ClientMessage): void {
    const ws = this.#ws;
    if (ws !== null && ws.readyState === ReadyState.OPEN) ws.send(JSON.stringify(message));
  }

  /**
   * Open and say hello; resolves with the server's hello. Each URL is tried once, in
   * order from the current one; rejects with the last error when none answers, at once on
   * a refusal that every server would repeat (token, protocol version). When the last
   * server tried was overloaded (4008) and reconnecting is on, every URL is tried again
   * after a backoff delay, up to the backoff's `maxAttempts` rounds.
   */
  async connect(): Promise<ServerHello> {
    if (this.#state !== ConnectionStates.IDLE && this.#state !== ConnectionStates.CLOSED) {
      throw new LifeError('VALIDATION', `connect() called while ${this.#state === ConnectionStates.BACKOFF ? 'reconnecting' : 'connected'}`);
    }
    this.#reconnectAttempt = 0;
    const backoff = this.#options.backoff;
    let error: LifeError = new LifeError('CONNECT_FAILED');
    for (let round = 0; ; round++) {
      for (let tried = 0; tried < this.#options.urls.length; tried++) {
        if (tried > 0 || round > 0) this.#nextUrl();
        try {
          return await this.#open();
        } catch (err) {
          error = err as LifeError;
          // close() was called, or every server would refuse the same hello.
          if (this.#isClosed() || FATAL_ERRORS.has(error.code)) break;
        }
      }
      if (backoff === null || this.#isClosed() || !BUSY_ERRORS.has(error.code) || round + 1 >= backoff.maxAttempts) break;
      if (!(await this.#sleep(backoffDelay(round, backoff)))) break;
    }
    // After close(), #finish has run already.
    if (this.#state !== ConnectionStates.CLOSED) this.#finish(error);
    throw error;
  }

  /** Close (1000) and stop reconnecting. Resolves once closed. */
  async close(): Promise<void> {
    switch (this.#state) {
      case ConnectionStates.OPEN: {
        const ws = this.#ws!;
        this.#state = ConnectionStates.CLOSING;
        this.#closed = new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            // No close frame back in time (a dead peer): drop the socket ourselves.
            this.#abandon(ws, 1006, '');
          }, CLOSE_TIMEOUT_MS);
          this.#onClosedSocket = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        ws.close(1000);
        return this.#closed;
      }
      case ConnectionStates.CLOSING:
        return this.#closed ?? undefined;
      case ConnectionStates.OPENING:
      case ConnectionStates.HANDSHAKE: {
        // Abandon the attempt (there is none yet while the WebSocket class loads, nor
        // between a failed attempt and the next): connect() or the reconnect loop sees
        // CLOSED and stops.
        const attempt = this.#attempt;
        this.#state = ConnectionStates.CLOSED;
        if (attempt !== null) {
          this.#endAttempt(attempt);
          attempt.reject(new LifeError('DISCONNECTED', 'close() was called while connecting'));
        }
        this.#finish(new LifeError('DISCONNECTED'));
        return;
      }
      case ConnectionStates.BACKOFF: {
        this.#state = ConnectionStates.CLOSED;
        const sleep = this.#backoffSleep;
        if (sleep !== null) {
          clearTimeout(sleep.timer);
          sleep.wake();
        }
        this.#finish(new LifeError('DISCONNECTED'));
        return;
      }
      default:
        this.#finish(new LifeError('DISCONNECTED'));
    }
  }

  // -------------------------------------------------------------------------------
  // One attempt: socket, hello, the server's hello
  // -------------------------------------------------------------------------------

  /** Open a socket to the current URL and wait for the server's hello. */
  async #open(): Promise<ServerHello> {
    this.#state = ConnectionStates.OPENING;
    const url = this.url;
    const Ctor = await resolveWebSocket(this.#options.WebSocket);
    // close() may have come while the constructor was being loaded.
    if (this.#state !== ConnectionStates.OPENING) throw new LifeError('DISCONNECTED', 'close() was called while connecting');
    let ws: WebSocketLike;
    try {
      ws = new Ctor(url);
    } catch (err) {
      throw new LifeError('CONNECT_FAILED', `Cannot open ${url}: ${(err as Error).message}`, { url });
    }
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    return new Promise<ServerHello>((resolve, reject) => {
      const timeoutMs = this.#options.connectTimeoutMs;
      const timer = setTimeout(() => this.#failAttempt(new LifeError('TIMEOUT', `No hello from ${url} within ${timeoutMs} ms`, { url })), timeoutMs);
      const attempt: Attempt = { ws, url, resolve, reject, timer, helloSentAt: 0, lastError: '', refusal: null };
      this.#attempt = attempt;
      ws.onopen = () => this.#onSocketOpen(ws);
      ws.onerror = (event) => {
        const e = event as { message?: unknown; error?: { message?: unknown } };
        if (this.#attempt?.ws === ws) this.#attempt.lastError = String(e.message ?? e.error?.message ?? '');
      };
      ws.onmessage = (event) => this.#onSocketMessage(ws, event.data);
      ws.onclose = (event) => this.#onSocketClose(ws, event.code, event.reason);
    });
  }

  #onSocketOpen(ws: WebSocketLike): void {
    if (this.#state !== ConnectionStates.OPENING || this.#ws !== ws) return;
    this.#state = ConnectionStates.HANDSHAKE;
    this.#attempt!.helloSentAt = now();
    const hello: ClientMessage = {
      type: 'hello',
      protocolVersion: this.#options.protocolVersion,
      ...(this.#options.token !== undefined && { token: this.#options.token }),
    };
    this.send(hello);
    this.#host.onSocketOpen();
  }

  #onSocketMessage(ws: WebSocketLike, data: unknown): void {
    if (this.#ws !== ws) return;
    this.#lastReceivedAt = now();
    switch (this.#state) {
      case ConnectionStates.OPEN:
      case ConnectionStates.CLOSING:
        return this.#host.onMessage(data);
      case ConnectionStates.HANDSHAKE:
        return this.#onHandshakeMessage(data);
      default:
      // OPENING: nothing comes before the socket opens.
    }
  }

  /** Before hello only JSON matters: the hello, or the refusal that precedes a close. */
  #onHandshakeMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    const attempt = this.#attempt!;
    let message: ServerMessage;
    try {
      message = parseServerMessage(data);
    } catch (err) {
      return this.#failAttempt(new LifeError('CONNECT_FAILED', `${attempt.url} does not speak the lifemmo protocol: ${(err as Error).message}`));
    }
    if (message.type === 'error') {
      attempt.refusal = errorFromCode(message.code, message.message);
      return;
    }
    if (message.type !== 'hello') return;
    if (message.protocolVersion !== this.#options.protocolVersion) {
      return this.#failAttempt(
        new LifeError('WS_PROTOCOL_VERSION', `The server speaks protocol version ${message.protocolVersion}; this SDK speaks ${PROTOCOL_VERSION}`),
      );
    }
    this.#attempt = null;
    clearTimeout(attempt.timer);
    this.#state = ConnectionStates.OPEN;
    const reconnect = this.#reconnectAttempt > 0 ? { attempts: this.#reconnectAttempt, since: this.#downSince } : null;
    this.#reconnectAttempt = 0;
    this.#startWatchdog(message.limits.heartbeatMs);
    // The host hears of the hello before the frames that may follow it in the same read.
    this.#host.onHello(message, attempt.helloSentAt, reconnect);
    attempt.resolve(message);
  }

  #onSocketClose(ws: WebSocketLike, code: number, reason: string): void {
    if (this.#ws !== ws) return;
    switch (this.#state) {
      case ConnectionStates.OPENING:
      case ConnectionStates.HANDSHAKE: {
        const attempt = this.#attempt!;
        const error =
          this.#state === ConnectionStates.HANDSHAKE
            ? (attempt.refusal ?? errorFromClose(code, reason) ?? new LifeError('DISCONNECTED'))
            : new LifeError(
                'CONNECT_FAILED',
                `Could not open ${attempt.url}${attempt.lastError === '' ? '' : `: ${attempt.lastError}`} (is the URL right and the server running?)`,
                { url: attempt.url, closeCode: code },
              );
        return this.#failAttempt(error);
      }
      case ConnectionStates.OPEN:
      case ConnectionStates.CLOSING:
        return this.#onClose(code, reason);
      default:
    }
  }

  /** The attempt failed: drop its socket, tell the host, reject. */
  #failAttempt(error: LifeError): void {
    const attempt = this.#attempt;
    if (attempt === null) return;
    this.#endAttempt(attempt);
    this.#host.onSocketLost(new LifeError('DISCONNECTED'));
    attempt.reject(error);
  }

  #endAttempt(attempt: Attempt): void {
    this.#attempt = null;
    clearTimeout(attempt.timer);
    this.#detach(attempt.ws);
  }

  // -------------------------------------------------------------------------------
  // Closing and reconnecting
  // -------------------------------------------------------------------------------

  /** An open socket closed (or was abandoned) with `code`. */
  #onClose(code: number, reason: string): void {
    this.#ws = null;
    this.#stopWatchdog();
    this.#host.onSocketLost(new LifeError('DISCONNECTED', `The connection closed (${code}) before the server answered`));
    if (this.#state === ConnectionStates.CLOSING) {
      this.#state = ConnectionStates.CLOSED;
      this.#finish(new LifeError('DISCONNECTED'));
      this.#host.onDisconnect({ code, reason, error: null, willReconnect: false });
      this.#onClosedSocket?.();
      this.#onClosedSocket = null;
      return;
    }
    const error = errorFromClose(code, reason);
    const willReconnect = this.#options.backoff !== null && !FATAL_CLOSE_CODES.has(code);
    if (!willReconnect && error !== null) this.#host.onError(error);
    if (willReconnect) this.#state = ConnectionStates.BACKOFF;
    else this.#state = ConnectionStates.CLOSED;
    this.#host.onDisconnect({ code, reason, error, willReconnect });
    if (willReconnect) void this.#reconnect();
    else this.#finish(error ?? new LifeError('DISCONNECTED'));
  }

  /**
   * Retry with backoff until connected, closed by the user, refused for good, or out of
   * attempts; each attempt goes to the next URL (with one URL, the same one).
   */
  async #reconnect(): Promise<void> {
    const backoff = this.#options.backoff!;
    this.#downSince = now();
    for (let attempt = 0; ; attempt++) {
      // close() from a disconnect or error listener, or between attempts.
      if (this.#state === ConnectionStates.CLOSED) return;
      if (attempt >= backoff.maxAttempts) {
        const err = new LifeError('CONNECT_FAILED', `Gave up reconnecting to ${this.#options.urls.join(', ')} after ${attempt} attempts`, { url: this.url });
        this.#state = ConnectionStates.CLOSED;
        this.#host.onError(err);
        return this.#finish(err);
      }
      if (!(await this.#sleep(backoffDelay(attempt, backoff)))) return; // close() during the sleep
      this.#nextUrl();
      this.#reconnectAttempt = attempt + 1;
      try {
        await this.#open();
        return;
      } catch (err) {
        if (this.#isClosed()) return; // close() during the attempt
        if (err instanceof LifeError && FATAL_ERRORS.has(err.code)) {
          this.#state = ConnectionStates.CLOSED;
          this.#host.onError(err);
          return this.#finish(err);
        }
      }
    }
  }

  /** Wait `ms` in state BACKOFF; false when close() came meanwhile (it ends the wait at once). */
  async #sleep(ms: number): Promise<boolean> {
    this.#state = ConnectionStates.BACKOFF;
    await new Promise<void>((wake) => {
      this.#backoffSleep = { timer: setTimeout(wake, ms), wake };
    });
    this.#backoffSleep = null;
    return !this.#isClosed();
  }

  /** A method, not an inline comparison: TypeScript would keep the state narrowed across awaits. */
  #isClosed(): boolean {
    return this.#state === ConnectionStates.CLOSED;
  }

  #nextUrl(): void {
    this.#urlIndex = (this.#urlIndex + 1) % this.#options.urls.length;
  }

  /** Closed for good: no timers left, the host told. */
  #finish(error: LifeError): void {
    this.#state = ConnectionStates.CLOSED;
    this.#reconnectAttempt = 0;
    this.#stopWatchdog();
    this.#host.onClosed(error);
  }

  /**
   * A silent connection (no frame, no reply) for two heartbeat intervals is dead even if
   * the OS has not noticed; after one silent interval, ask for a pong to tell the two apart
   * (a paused world sends no diffs).
   */
  #startWatchdog(heartbeatMs: number): void {
    this.#stopWatchdog();
    this.#lastReceivedAt = now();
    this.#watchdog = setInterval(() => {
      const ws = this.#ws;
      if (ws === null || this.#state !== ConnectionStates.OPEN) return;
      const silentMs = now() - this.#lastReceivedAt;
      if (silentMs > 2 * heartbeatMs) this.#abandon(ws, 4005, 'LIFE_ERR_WS_HEARTBEAT_MISSED');
      else if (silentMs >= heartbeatMs) this.send({ type: 'ping' });
      // Checked twice per interval, so the ping goes out well before the two-interval deadline.
    }, heartbeatMs / 2);
    (this.#watchdog as { unref?: () => void }).unref?.();
  }

  #stopWatchdog(): void {
    if (this.#watchdog !== null) clearInterval(this.#watchdog);
    this.#watchdog = null;
  }

  /** Stop listening to a socket and close it without waiting for the peer. */
  #detach(ws: WebSocketLike): void {
    ws.onopen = ws.onmessage = ws.onclose = null;
    // Keep swallowing errors: `ws` reports aborting a handshake as an error event, and an
    // error event without a listener would crash a Node process.
    ws.onerror = () => undefined;
    // ws has terminate(); browsers only close(), which is fine once nobody listens.
    const terminate = (ws as { terminate?: () => void }).terminate;
    if (typeof terminate === 'function') terminate.call(ws);
    else if (ws.readyState !== ReadyState.CLOSED) ws.close();
    if (this.#ws === ws) this.#ws = null;
  }

  /** Treat the open socket `ws` as closed with `code` now (dead peer), without waiting for its close event. */
  #abandon(ws: WebSocketLike, code: number, reason: string): void {
    if (this.#ws !== ws) return;
    this.#detach(ws);
    this.#onClose(code, reason);
  }
}
