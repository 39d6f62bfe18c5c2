/**
 * LifeClient: one WebSocket connection to a lifemmo server (docs/protocol.md), a local
 * replica of the subscribed region kept by snapshots and diffs, placements, and
 * reconnection with backoff that ends with a resynced replica.
 *
 * State machine: idle -> connecting -> open <-> reconnecting -> closed. `connect()` fails
 * fast (no retries) so a wrong URL or token is reported at once; once connected, a dropped
 * connection is retried with exponential backoff and jitter, the viewport re-subscribed,
 * and `reconnect` emitted when the fresh snapshot is in. Close codes that would fail again
 * (4001 bad protocol, 4002 version, 4003 token) are not retried.
 *
 * Everything is event-driven; the only timers are the connect / request timeouts, the
 * backoff sleep and one idle watchdog per connection.
 */
import {
  FrameTypes,
  LifeError,
  PROTOCOL_VERSION,
  SnapshotReasons,
  decodeFrame,
  parseServerMessage,
  readFrameHeader,
  type ClientMessage,
  type DiffFrame,
  type FrameHeader,
  type PlayerInfo,
  type Placed,
  type Rect,
  type ServerHello,
  type ServerMessage,
  type SnapshotFrame,
} from '@lifemmo/shared/client';
import { FATAL_CLOSE_CODES, errorFromClose, errorFromCode } from './errors.js';
import { TypedEmitter } from './events.js';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './reconnect.js';
import { Replica, type CellState, type LiveCell } from './replica.js';
import { createPlayer, getCells, getLeaderboard, getWorld, webSocketUrl } from './rest.js';
import { ReadyState, binaryPayload, resolveWebSocket, type WebSocketConstructor, type WebSocketLike } from './transport.js';

/** Options of `new LifeClient()`. Times in milliseconds. */
export interface LifeClientOptions {
  /** The server: `http://host:port` or `ws://host:port/ws` (https / wss likewise). */
  readonly url: string;
  /** A player's bearer token (from `LifeClient.createPlayer`); without one the client is a spectator. */
  readonly token?: string;
  /** WebSocket constructor to use; default: the global one, else the `ws` package (see transport.ts). */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * Keep a cell-level replica (default true). With false, frames are only counted and their
   * headers checked (generation, gaps): for load generators and clients that need no cells.
   */
  readonly replica?: boolean;
  /** Reconnect after an unexpected close: true (default backoff), false, or backoff settings. */
  readonly reconnect?: boolean | BackoffOptions;
  /** Give up on `connect()` (and on each reconnect attempt) after this long. Default 10000. */
  readonly connectTimeoutMs?: number;
  /** Reject a place / placePattern / subscribe / ping not answered in this long. Default 10000. */
  readonly requestTimeoutMs?: number;
  /** Protocol version sent in hello. Leave unset: only for testing how servers refuse other versions. */
  readonly protocolVersion?: number;
}

/** Connection state. */
export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Names of SnapshotReasons, for events. */
export type SnapshotReasonName = 'subscribe' | 'resync' | 'backpressure' | 'worldReset';

const REASON_NAMES: Record<number, SnapshotReasonName> = {
  [SnapshotReasons.SUBSCRIBE]: 'subscribe',
  [SnapshotReasons.RESYNC]: 'resync',
  [SnapshotReasons.BACKPRESSURE]: 'backpressure',
  [SnapshotReasons.WORLD_RESET]: 'worldReset',
};

/** Payload of `snapshot`: the replica was replaced. */
export interface SnapshotEvent {
  readonly generation: number;
  readonly reason: SnapshotReasonName;
  /** Chunk records in the frame. */
  readonly chunks: number;
  /** Frame size, bytes. */
  readonly bytes: number;
}

/** Payload of `diff`: the replica advanced one generation. */
export interface DiffEvent {
  readonly generation: number;
  /** Chunk records in the frame (chunks that changed). */
  readonly chunks: number;
  /** Cells born and died (0 without a replica). */
  readonly births: number;
  readonly deaths: number;
  /** Frame size, bytes. */
  readonly bytes: number;
  /** From the server committing the generation to this client reading it, ms (clock offset corrected; see README). */
  readonly latencyMs: number;
}

/** Payload of `resync`: the client found its replica unusable and asked for a snapshot. */
export interface ResyncEvent {
  /** `gap`: a diff skipped generations; `inconsistent`: a diff did not fit the replica; `decode`: a frame was malformed. */
  readonly reason: 'gap' | 'inconsistent' | 'decode';
  /** The generation the client expected next and the one that came (gap only). */
  readonly expected?: number;
  readonly received?: number;
}

/** Payload of `disconnect`. */
export interface DisconnectEvent {
  readonly code: number;
  readonly reason: string;
  /** What the close means (null for a normal close). */
  readonly error: LifeError | null;
  /** True when the client will try to reconnect. */
  readonly willReconnect: boolean;
}

/** Payload of `reconnect`: connected again, re-subscribed, replica fresh. */
export interface ReconnectEvent {
  /** Attempts it took. */
  readonly attempts: number;
  /** From the disconnect to the fresh snapshot, ms. */
  readonly downtimeMs: number;
}

/** Every event of a LifeClient and its payload. */
export interface LifeClientEvents {
  hello: ServerHello;
  snapshot: SnapshotEvent;
  diff: DiffEvent;
  resync: ResyncEvent;
  disconnect: DisconnectEvent;
  reconnect: ReconnectEvent;
  /** Errors not tied to a call: a refused unsolicited message, a malformed frame, a fatal close. */
  error: LifeError;
}

/** A request waiting for its reply. */
interface Pending {
  readonly kind: 'request' | 'subscribe';
  resolve(value: unknown): void;
  reject(err: LifeError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Placement options of placePattern: flip first, then rotate clockwise. */
export interface PatternOptions {
  readonly rotate?: 0 | 90 | 180 | 270;
  readonly flip?: 'none' | 'horizontal' | 'vertical';
}

/** Errors a reconnect attempt gets that would come again: stop retrying. */
const FATAL_ERRORS: ReadonlySet<string> = new Set(['LIFE_ERR_WS_UNAUTHORIZED', 'LIFE_ERR_WS_PROTOCOL_VERSION', 'LIFE_ERR_WS_HELLO_REQUIRED']);

/** Wall clock with sub-millisecond resolution, ms since the epoch. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

/** A lifemmo client. See client-sdk/README.md for an example. */
export class LifeClient extends TypedEmitter<LifeClientEvents> {
  /** POST /players: create a player; use its `token` in `new LifeClient({ url, token })`. */
  static readonly createPlayer = createPlayer;
  /** GET /world. */
  static readonly world = getWorld;
  /** GET /leaderboard. */
  static readonly leaderboard = getLeaderboard;
  /** GET /cells of a region. */
  static readonly cells = getCells;

  readonly url: string;
  readonly #wsUrl: string;
  readonly #options: LifeClientOptions;
  readonly #backoff: Required<BackoffOptions> | null;
  #state: ClientState = 'idle';
  #ws: WebSocketLike | null = null;
  #hello: ServerHello | null = null;
  #replica: Replica | null = null;
  #generation = -1;
  #viewport: Rect | null = null;
  /** Diffs are ignored until a snapshot comes (after subscribe, resync, reconnect). */
  #awaitingSnapshot = false;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  /** Ids of subscribes sent and not answered yet, oldest first; `null` marks one made moot by unsubscribe. */
  #subscribeFifo: Array<number | null> = [];
  /** subscribe() calls made while (re)connecting: settled by the subscribe sent on open. */
  #viewportWaiters: Array<{ resolve(): void; reject(err: LifeError): void }> = [];
  #clockOffsetMs = 0;
  #lastReceivedAt = 0;
  #watchdog: ReturnType<typeof setInterval> | null = null;
  #closedByUser = false;
  #reconnectSleep: { timer: ReturnType<typeof setTimeout>; wake(): void } | null = null;
  /** Set while reconnected but waiting for the snapshot that completes the reconnect. */
  #reconnected: { attempts: number; since: number } | null = null;
  /** While #open is in progress: give up on it (detach the socket, reject). */
  #abortOpen: ((err: LifeError) => void) | null = null;

  constructor(options: LifeClientOptions) {
    super();
    this.#options = options;
    this.url = options.url;
    // Throws LIFE_ERR_VALIDATION for a malformed URL now, not at connect time.
    this.#wsUrl = webSocketUrl(options.url);
    const reconnect = options.reconnect ?? true;
    this.#backoff = reconnect === false ? null : { ...DEFAULT_BACKOFF, ...(reconnect === true ? {} : reconnect) };
  }

  // -------------------------------------------------------------------------------
  // State
  // -------------------------------------------------------------------------------

  /** Connection state. */
  get state(): ClientState {
    return this.#state;
  }

  /** Generation of the replica (of the last frame applied); -1 before the first snapshot. */
  get generation(): number {
    return this.#generation;
  }

  /** The server's hello: world, limits, tick rate (null before connect). */
  get serverHello(): ServerHello | null {
    return this.#hello;
  }

  /** The world (null before connect). */
  get world(): ServerHello['world'] | null {
    return this.#hello?.world ?? null;
  }

  /** The player this connection acts for, or null for a spectator (or before connect). */
  get player(): PlayerInfo | null {
    return this.#hello?.player ?? null;
  }

  /** The subscribed rectangle, or null. */
  get viewport(): Rect | null {
    return this.#viewport;
  }

  /** The replica (null without `replica: true` or before connect). */
  get replica(): Replica | null {
    return this.#replica;
  }

  /** Estimated server clock minus local clock, ms (0 when within the measurement's own error). */
  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  /** State and owner of cell (x, y); undefined when outside the replica (or without one). */
  get(x: number, y: number): CellState | undefined {
    return this.#replica?.get(x, y);
  }

  /** Live cells of the replica as [x, y, owner]; only those inside `rect` when given. */
  cells(rect?: Rect): IterableIterator<LiveCell> {
    return (this.#replica ?? EMPTY_REPLICA).cells(rect);
  }

  /** Live cells in the replica. */
  get population(): number {
    return this.#replica?.population ?? 0;
  }

  // -------------------------------------------------------------------------------
  // Connecting and closing
  // -------------------------------------------------------------------------------

  /**
   * Open the connection and say hello; resolves with the server's hello. No retries here.
   * @throws LifeError LIFE_ERR_CONNECT_FAILED (no server, wrong path, not a lifemmo
   *   server), LIFE_ERR_WS_UNAUTHORIZED (token refused), LIFE_ERR_WS_PROTOCOL_VERSION,
   *   LIFE_ERR_TIMEOUT.
   */
  async connect(): Promise<ServerHello> {
    if (this.#state !== 'idle' && this.#state !== 'closed') {
      throw new LifeError('VALIDATION', `connect() called while ${this.#state}`);
    }
    this.#closedByUser = false;
    this.#state = 'connecting';
    try {
      // #onHello set the state to open; a close since then has moved it on, and stays.
      return await this.#open();
    } catch (err) {
      this.#state = 'closed';
      this.#settleViewportWaiters(err as LifeError);
      throw err;
    }
  }

  /** Close the connection (1000) and stop reconnecting. Resolves once closed. */
  async close(): Promise<void> {
    this.#closedByUser = true;
    if (this.#reconnectSleep) {
      clearTimeout(this.#reconnectSleep.timer);
      this.#reconnectSleep.wake();
    }
    if (this.#abortOpen !== null) {
      // Still connecting: abandon the attempt; connect() rejects with DISCONNECTED.
      this.#abortOpen(new LifeError('DISCONNECTED', 'close() was called while connecting'));
      this.#finishClosed();
      return;
    }
    const ws = this.#ws;
    if (ws !== null && ws.readyState === ReadyState.OPEN) {
      const closed = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          // No close frame back in time (a dead peer): drop the socket ourselves.
          this.#abandon(ws, 1006, '');
          resolve();
        }, 2000);
        this.once('disconnect', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      ws.close(1000);
      await closed;
    } else {
      this.#finishClosed();
    }
  }

  /**
   * Create a socket, say hello (and subscribe when a viewport is set, pipelined), and
   * resolve on the server's hello. Rejects on a close before hello, with the server's
   * error when it sent one.
   */
  async #open(): Promise<ServerHello> {
    const Ctor = await resolveWebSocket(this.#options.WebSocket);
    return new Promise<ServerHello>((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = new Ctor(this.#wsUrl);
      } catch (err) {
        reject(new LifeError('CONNECT_FAILED', `Cannot open ${this.#wsUrl}: ${(err as Error).message}`, { url: this.#wsUrl }));
        return;
      }
      ws.binaryType = 'arraybuffer';
      this.#ws = ws;
      let opened = false;
      let helloSeen = false;
      let settled = false;
      let lastError = '';
      let helloSentAt = 0;
      let refusal: LifeError | null = null;
      const timer = setTimeout(() => {
        this.#abortOpen?.(new LifeError('TIMEOUT', `No hello from ${this.#wsUrl} within ${this.#connectTimeout()} ms`, { url: this.#wsUrl }));
      }, this.#connectTimeout());

      const settle = (hello: ServerHello | null, err: LifeError | null): void => {
        if (settled) return;
        settled = true;
        this.#abortOpen = null;
        clearTimeout(timer);
        if (hello !== null) resolve(hello);
        else reject(err!);
      };
      this.#abortOpen = (err) => {
        this.#detach(ws);
        settle(null, err);
      };

      ws.onopen = () => {
        opened = true;
        helloSentAt = now();
        const hello: ClientMessage = {
          type: 'hello',
          protocolVersion: this.#options.protocolVersion ?? PROTOCOL_VERSION,
          ...(this.#options.token !== undefined && { token: this.#options.token }),
        };
        this.#send(hello);
        if (this.#viewport !== null) this.#sendSubscribe(this.#viewport, true);
      };
      ws.onerror = (event) => {
        const e = event as { message?: unknown; error?: { message?: unknown } };
        lastError = String(e.message ?? e.error?.message ?? '');
      };
      ws.onmessage = (event) => {
        if (this.#ws !== ws) return;
        if (helloSeen || typeof event.data !== 'string') return this.#onMessage(event.data);
        // Before hello only JSON matters: the hello, or the refusal that precedes a close.
        let message: ServerMessage;
        try {
          message = parseServerMessage(event.data);
        } catch (err) {
          this.#detach(ws);
          return settle(null, new LifeError('CONNECT_FAILED', `${this.#wsUrl} does not speak the lifemmo protocol: ${(err as Error).message}`));
        }
        if (message.type === 'error') {
          refusal = errorFromCode(message.code, message.message);
          return;
        }
        if (message.type !== 'hello') return;
        if (message.protocolVersion !== (this.#options.protocolVersion ?? PROTOCOL_VERSION)) {
          this.#detach(ws);
          return settle(
            null,
            new LifeError('WS_PROTOCOL_VERSION', `The server speaks protocol version ${message.protocolVersion}; this SDK speaks ${PROTOCOL_VERSION}`),
          );
        }
        helloSeen = true;
        this.#onHello(message, helloSentAt);
        settle(message, null);
      };
      ws.onclose = (event) => {
        if (this.#ws !== ws) return;
        if (!settled) {
          this.#ws = null;
          this.#failPending(new LifeError('DISCONNECTED'));
          const err = opened
            ? (refusal ?? errorFromClose(event.code, event.reason) ?? new LifeError('DISCONNECTED'))
            : new LifeError(
                'CONNECT_FAILED',
                `Could not open ${this.#wsUrl}${lastError === '' ? '' : `: ${lastError}`} (is the URL right and the server running?)`,
                { url: this.#wsUrl, closeCode: event.code },
              );
          return settle(null, err);
        }
        this.#onClose(ws, event.code, event.reason);
      };
    });
  }

  #connectTimeout(): number {
    return this.#options.connectTimeoutMs ?? 10_000;
  }

  #onHello(hello: ServerHello, helloSentAt: number): void {
    const receivedAt = now();
    this.#hello = hello;
    this.#state = 'open';
    this.#lastReceivedAt = receivedAt;
    // serverTime was read somewhere between our hello leaving and its answer arriving; trust
    // the offset only when it is larger than that window (plus 1 ms of integer-ms rounding),
    // so that on one machine latencies are not skewed by measurement noise.
    const halfRtt = (receivedAt - helloSentAt) / 2;
    const offset = hello.serverTime - (helloSentAt + halfRtt);
    this.#clockOffsetMs = Math.abs(offset) > halfRtt + 1 ? offset : 0;
    if (this.#options.replica ?? true) {
      const w = hello.world;
      const r = this.#replica;
      if (r === null || r.world.width !== w.width || r.world.height !== w.height || r.world.topology !== w.topology) {
        this.#replica = new Replica({ width: w.width, height: w.height, topology: w.topology });
      }
    }
    this.#startWatchdog(hello.limits.heartbeatMs);
    this.emit('hello', hello);
  }

  /**
   * A silent connection (no frame, no reply) for two heartbeat intervals is dead even if
   * the OS has not noticed; after one silent interval, ask for a pong to tell the two apart
   * (a paused world sends no diffs).
   */
  #startWatchdog(heartbeatMs: number): void {
    this.#stopWatchdog();
    this.#watchdog = setInterval(() => {
      const ws = this.#ws;
      if (ws === null) return;
      const silentMs = now() - this.#lastReceivedAt;
      if (silentMs > 2 * heartbeatMs) this.#abandon(ws, 4005, 'LIFE_ERR_WS_HEARTBEAT_MISSED');
      else if (silentMs >= heartbeatMs) this.#send({ type: 'ping' });
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

  /** Treat `ws` as closed with `code` now (dead peer), without waiting for its close event. */
  #abandon(ws: WebSocketLike, code: number, reason: string): void {
    this.#detach(ws);
    this.#onClose(ws, code, reason);
  }

  #onClose(_ws: WebSocketLike, code: number, reason: string): void {
    this.#ws = null;
    this.#stopWatchdog();
    this.#failPending(new LifeError('DISCONNECTED', `The connection closed (${code}) before the server answered`));
    if (this.#closedByUser) {
      this.#finishClosed();
      this.emit('disconnect', { code, reason, error: null, willReconnect: false });
      return;
    }
    const error = errorFromClose(code, reason);
    const willReconnect = this.#backoff !== null && !FATAL_CLOSE_CODES.has(code);
    if (!willReconnect && error !== null) this.emit('error', error);
    this.emit('disconnect', { code, reason, error, willReconnect });
    if (willReconnect) void this.#reconnect();
    else this.#finishClosed(error ?? new LifeError('DISCONNECTED'));
  }

  #finishClosed(error: LifeError = new LifeError('DISCONNECTED')): void {
    this.#state = 'closed';
    this.#stopWatchdog();
    this.#failPending(error);
    this.#settleViewportWaiters(error);
    this.#reconnected = null;
  }

  /** Retry with backoff until connected, closed by the user, refused for good, or out of attempts. */
  async #reconnect(): Promise<void> {
    const backoff = this.#backoff!;
    const since = now();
    this.#state = 'reconnecting';
    this.#awaitingSnapshot = true;
    for (let attempt = 0; ; attempt++) {
      if (attempt >= backoff.maxAttempts) {
        const err = new LifeError('CONNECT_FAILED', `Gave up reconnecting to ${this.#wsUrl} after ${attempt} attempts`, { url: this.#wsUrl });
        this.emit('error', err);
        return this.#finishClosed(err);
      }
      await new Promise<void>((wake) => {
        this.#reconnectSleep = { timer: setTimeout(wake, backoffDelay(attempt, backoff)), wake };
      });
      this.#reconnectSleep = null;
      if (this.#closedByUser) return this.#finishClosed();
      // Set before opening: the snapshot may arrive in the same read as the hello, before
      // the await below resumes.
      this.#reconnected = { attempts: attempt + 1, since };
      try {
        await this.#open();
      } catch (err) {
        this.#reconnected = null;
        if (this.#closedByUser) return this.#finishClosed();
        if (err instanceof LifeError && FATAL_ERRORS.has(err.code)) {
          this.emit('error', err);
          return this.#finishClosed(err);
        }
        continue;
      }
      // With a viewport, the snapshot answering the subscribe sent on open completes it.
      if (this.#viewport === null && this.#reconnected !== null) {
        this.#reconnected = null;
        this.emit('reconnect', { attempts: attempt + 1, downtimeMs: now() - since });
      }
      return;
    }
  }

  // -------------------------------------------------------------------------------
  // Requests
  // -------------------------------------------------------------------------------

  /**
   * Watch a rectangle of cells (replaces any earlier one); resolves when its snapshot is in
   * the replica. While (re)connecting, the viewport is kept and sent on open.
   * @throws LifeError LIFE_ERR_WS_VIEWPORT_TOO_LARGE (server limit), LIFE_ERR_DISCONNECTED.
   */
  subscribe(rect: Rect): Promise<void> {
    const viewport = { x: rect.x, y: rect.y, w: rect.w, h: rect.h };
    if (this.#state === 'closed') return Promise.reject(new LifeError('DISCONNECTED', 'The client is closed: connect() first'));
    this.#viewport = viewport;
    this.#awaitingSnapshot = true;
    if (this.#state === 'open' && this.#ws !== null) return this.#sendSubscribe(viewport, false) as Promise<void>;
    return new Promise((resolve, reject) => this.#viewportWaiters.push({ resolve, reject }));
  }

  /** Stop watching: the replica is emptied and frames still in flight are ignored. */
  unsubscribe(): void {
    this.#viewport = null;
    this.#awaitingSnapshot = false;
    this.#replica?.clear();
    this.#generation = -1;
    // Their snapshots may still come: mark them so they are skipped, and settle the callers.
    this.#subscribeFifo = this.#subscribeFifo.map((id) => {
      if (id !== null) this.#settle(id, undefined);
      return null;
    });
    this.#settleViewportWaiters(null);
    if (this.#state === 'open') this.#send({ type: 'unsubscribe' });
  }

  /**
   * Place cells (world coordinates) for this client's player, all or nothing; resolves with
   * the generation at which they are live.
   * @throws LifeError with the server's code (LIFE_ERR_CELL_OCCUPIED, LIFE_ERR_BUDGET_EXCEEDED,
   *   LIFE_ERR_UNAUTHORIZED for a spectator, ...), LIFE_ERR_DISCONNECTED, LIFE_ERR_TIMEOUT.
   */
  place(cells: ReadonlyArray<readonly [number, number]>): Promise<Placed> {
    return this.#request((id) => ({ type: 'place', cells: cells.map(([x, y]) => [x, y] as [number, number]), id })) as Promise<Placed>;
  }

  /** Place an RLE pattern with its top-left at (x, y), optionally flipped then rotated. Errors as `place`. */
  placePattern(rle: string, x: number, y: number, options: PatternOptions = {}): Promise<Placed> {
    return this.#request((id) => ({ type: 'placePattern', rle, x, y, ...options, id })) as Promise<Placed>;
  }

  /** Round trip to the server; resolves with the time it took (ms) and the server's generation. */
  async ping(): Promise<{ rttMs: number; generation: number }> {
    const sent = now();
    const pong = (await this.#request((id) => ({ type: 'ping', id }))) as { generation: number };
    return { rttMs: now() - sent, generation: pong.generation };
  }

  /** Ask for a fresh snapshot of the viewport (the client does this by itself on a gap). */
  resync(): void {
    if (this.#viewport === null || this.#state !== 'open') return;
    this.#awaitingSnapshot = true;
    this.#send({ type: 'resync' });
  }

  #request(build: (id: number) => ClientMessage): Promise<unknown> {
    if (this.#state !== 'open' || this.#ws === null) {
      return Promise.reject(new LifeError('DISCONNECTED', `Not connected (${this.#state})`));
    }
    const id = this.#nextId++;
    const promise = this.#expect(id, 'request');
    this.#send(build(id));
    return promise;
  }

  #expect(id: number, kind: Pending['kind']): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timeoutMs = this.#options.requestTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new LifeError('TIMEOUT', `No answer to message ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { kind, resolve, reject, timer });
    });
  }

  /**
   * Send a subscribe for `viewport`. `onOpen`: sent by #open (connect or reconnect), so the
   * subscribe() calls waiting for the connection settle with it.
   */
  #sendSubscribe(viewport: Rect, onOpen: boolean): Promise<unknown> {
    const id = this.#nextId++;
    this.#awaitingSnapshot = true;
    const promise = this.#expect(id, 'subscribe');
    this.#subscribeFifo.push(id);
    this.#send({ type: 'subscribe', ...viewport, id });
    if (onOpen) {
      promise.then(
        () => this.#settleViewportWaiters(null),
        (err: LifeError) => this.#settleViewportWaiters(err),
      );
    } else {
      promise.catch(() => undefined);
    }
    return promise;
  }

  #settleViewportWaiters(err: LifeError | null): void {
    const waiters = this.#viewportWaiters;
    this.#viewportWaiters = [];
    for (const w of waiters) {
      if (err === null) w.resolve();
      else w.reject(err);
    }
  }

  #settle(id: number, value: unknown, err?: LifeError): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (err) pending.reject(err);
    else pending.resolve(value);
  }

  #failPending(err: LifeError): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, undefined, err);
    this.#subscribeFifo = [];
  }

  #send(message: ClientMessage): void {
    const ws = this.#ws;
    if (ws !== null && ws.readyState === ReadyState.OPEN) ws.send(JSON.stringify(message));
  }

  // -------------------------------------------------------------------------------
  // Receiving
  // -------------------------------------------------------------------------------

  #onMessage(data: unknown): void {
    this.#lastReceivedAt = now();
    if (typeof data === 'string') return this.#onJson(data);
    const bytes = binaryPayload(data);
    if (bytes !== null) this.#onFrame(bytes);
  }

  #onJson(text: string): void {
    let message: ServerMessage;
    try {
      message = parseServerMessage(text);
    } catch (err) {
      this.emit('error', err as LifeError);
      return;
    }
    switch (message.type) {
      case 'placed':
      case 'pong':
        if (typeof message.id === 'number') this.#settle(message.id, message);
        return;
      case 'error': {
        const err = errorFromCode(message.code, message.message, message.id === undefined ? {} : { id: message.id });
        const pending = typeof message.id === 'number' ? this.#pending.get(message.id) : undefined;
        if (pending === undefined || typeof message.id !== 'number') {
          this.emit('error', err);
          return;
        }
        if (pending.kind === 'subscribe') this.#onSubscribeRefused(message.id);
        this.#settle(message.id, undefined, err);
        return;
      }
      case 'hello':
        // A second hello is not in the protocol; ignore it rather than reset state.
        return;
    }
  }

  /**
   * A subscribe was refused: the server kept the previous viewport (if any). Stop waiting for
   * a snapshot; diffs skipped meanwhile show up as a gap and trigger a resync.
   */
  #onSubscribeRefused(id: number): void {
    this.#subscribeFifo = this.#subscribeFifo.filter((x) => x !== id);
    if (this.#subscribeFifo.length === 0) {
      this.#awaitingSnapshot = false;
      if (this.#generation < 0) this.#viewport = null;
    }
  }

  #onFrame(bytes: Uint8Array): void {
    let header: FrameHeader;
    try {
      header = readFrameHeader(bytes);
    } catch (err) {
      this.emit('error', err as LifeError);
      return;
    }
    // After unsubscribe, frames already in flight are ignored (docs/protocol.md).
    if (this.#viewport === null) return;
    if (header.type === FrameTypes.SNAPSHOT) this.#onSnapshot(header, bytes);
    else this.#onDiff(header, bytes);
  }

  #onSnapshot(header: FrameHeader, bytes: Uint8Array): void {
    if (header.reason === SnapshotReasons.SUBSCRIBE || header.reason === SnapshotReasons.BACKPRESSURE) {
      // A backpressure snapshot may stand in for a subscribe's (the client was behind when it subscribed).
      if (this.#subscribeFifo.length > 0) {
        const id = this.#subscribeFifo.shift()!;
        if (id === null && header.reason === SnapshotReasons.SUBSCRIBE) return; // for a viewport since dropped
        if (id !== null) queueMicrotask(() => this.#settle(id, undefined));
      }
    }
    if (this.#replica !== null) {
      let frame: SnapshotFrame;
      try {
        frame = decodeFrame(bytes) as SnapshotFrame;
      } catch (err) {
        this.emit('error', err as LifeError);
        this.#requestResync({ reason: 'decode' });
        return;
      }
      this.#replica.applySnapshot(frame.generation, frame.chunks);
    }
    this.#generation = header.generation;
    this.#awaitingSnapshot = false;
    this.emit('snapshot', {
      generation: header.generation,
      reason: REASON_NAMES[header.reason] ?? 'resync',
      chunks: header.chunkCount,
      bytes: bytes.length,
    });
    if (this.#reconnected !== null) {
      const { attempts, since } = this.#reconnected;
      this.#reconnected = null;
      this.emit('reconnect', { attempts, downtimeMs: now() - since });
    }
  }

  #onDiff(header: FrameHeader, bytes: Uint8Array): void {
    if (this.#awaitingSnapshot || this.#generation < 0) return;
    if (header.generation <= this.#generation) return; // stale, already covered by a snapshot
    if (header.generation !== this.#generation + 1) {
      this.#requestResync({ reason: 'gap', expected: this.#generation + 1, received: header.generation });
      return;
    }
    let births = 0;
    let deaths = 0;
    if (this.#replica !== null) {
      let frame: DiffFrame;
      try {
        frame = decodeFrame(bytes) as DiffFrame;
      } catch (err) {
        this.emit('error', err as LifeError);
        this.#requestResync({ reason: 'decode' });
        return;
      }
      const result = this.#replica.applyDiff(frame.generation, frame.chunks);
      births = result.births;
      deaths = result.deaths;
      if (!result.consistent) {
        this.#generation = header.generation;
        this.#requestResync({ reason: 'inconsistent' });
        return;
      }
    }
    this.#generation = header.generation;
    if (this.listenerCount('diff') === 0) return;
    this.emit('diff', {
      generation: header.generation,
      chunks: header.chunkCount,
      births,
      deaths,
      bytes: bytes.length,
      latencyMs: Math.max(0, now() + this.#clockOffsetMs - header.timestamp),
    });
  }

  #requestResync(event: ResyncEvent): void {
    this.emit('resync', event);
    this.resync();
  }
}

const EMPTY_REPLICA = new Replica({ width: 64, height: 64, topology: 'torus' });
