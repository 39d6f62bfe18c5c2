/**
 * LifeClient: a connection to a lifemmo server (docs/protocol.md), a local replica of the
 * subscribed region kept by snapshots and diffs, placements, and reconnection with backoff
 * that ends with a resynced replica, on the same server or the next of several.
 *
 * This module only composes the parts and holds the public API; each job is its own module:
 * the connection's life and reconnects (connection.ts), request correlation (requests.ts),
 * replica sync (replica-sync.ts), REST helpers (rest.ts).
 */
import {
  FrameTypes,
  LifeError,
  PROTOCOL_VERSION,
  SnapshotReasons,
  parseServerMessage,
  readFrameHeader,
  type ClientMessage,
  type FrameHeader,
  type PlayerInfo,
  type Placed,
  type Rect,
  type ServerHello,
  type ServerMessage,
} from '@lifemmo/shared/client';
import type { ClientState, DisconnectEvent, LifeClientEvents, ResyncEvent } from './client-events.js';
import { AckSchedule } from './acks.js';
import { Connection, ConnectionStates, now } from './connection.js';
import { errorFromCode } from './errors.js';
import { TypedEmitter } from './events.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './reconnect.js';
import { Replica, type CellState, type LiveCell } from './replica.js';
import { ReplicaSync, type FrameOutcome } from './replica-sync.js';
import { Requests } from './requests.js';
import { createPlayer, getCells, getLeaderboard, getWorld, webSocketUrl } from './rest.js';
import { binaryPayload, type WebSocketConstructor } from './transport.js';

export type {
  ClientState,
  DiffEvent,
  DisconnectEvent,
  LifeClientEvents,
  ReconnectEvent,
  ResyncEvent,
  SnapshotEvent,
  SnapshotReasonName,
} from './client-events.js';

/** Options of `new LifeClient()`. Times in milliseconds. */
export interface LifeClientOptions {
  /** The server: `http://host:port` or `ws://host:port/ws` (https / wss likewise). Give `url`, `urls`, or both. */
  readonly url?: string;
  /**
   * Several servers (gateways) of one world, as `url`: connect() tries them in order; after
   * an unexpected close and after each failed reconnect attempt the client moves on to the
   * next (round robin). With `url` too, `url` comes first.
   */
  readonly urls?: readonly string[];
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

/** Placement options of placePattern: flip first, then rotate clockwise. */
export interface PatternOptions {
  readonly rotate?: 0 | 90 | 180 | 270;
  readonly flip?: 'none' | 'horizontal' | 'vertical';
}

/** The public name of each connection state. */
function stateName(connection: Connection): ClientState {
  switch (connection.state) {
    case ConnectionStates.IDLE:
      return 'idle';
    case ConnectionStates.OPENING:
    case ConnectionStates.HANDSHAKE:
      return connection.reconnecting ? 'reconnecting' : 'connecting';
    case ConnectionStates.OPEN:
      return 'open';
    case ConnectionStates.BACKOFF:
      return 'reconnecting';
    default:
      // CLOSING: the user closed; no more requests, no reconnect.
      return 'closed';
  }
}

/** The server URLs of `options`, `url` first; at least one. */
function serverUrls(options: LifeClientOptions): string[] {
  const urls = [...(options.url === undefined ? [] : [options.url]), ...(options.urls ?? [])];
  if (urls.length === 0) throw new LifeError('VALIDATION', 'new LifeClient() needs `url` or `urls`');
  return urls;
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

  /** The server URLs, as given (`url` first). */
  readonly urls: readonly string[];
  readonly #connection: Connection;
  readonly #requests: Requests;
  readonly #sync: ReplicaSync;
  #hello: ServerHello | null = null;
  readonly #acks: AckSchedule;
  /** How far off the clock offset may be (half the hello's round trip), ms. */
  #clockUncertaintyMs = 0;
  #clockOffsetMs = 0;
  /** Set while reconnected but waiting for the snapshot that completes the reconnect. */
  #reconnected: { attempts: number; since: number } | null = null;

  constructor(options: LifeClientOptions) {
    super();
    this.urls = Object.freeze(serverUrls(options));
    const reconnect = options.reconnect ?? true;
    this.#requests = new Requests(options.requestTimeoutMs ?? 10_000);
    this.#sync = new ReplicaSync(options.replica ?? true);
    this.#acks = new AckSchedule((generation) => this.#connection.send({ type: 'ack', generation }));
    this.#connection = new Connection(
      {
        // Throws LIFE_ERR_VALIDATION for a malformed URL now, not at connect time.
        urls: this.urls.map(webSocketUrl),
        ...(options.token !== undefined && { token: options.token }),
        ...(options.WebSocket !== undefined && { WebSocket: options.WebSocket }),
        backoff: reconnect === false ? null : { ...DEFAULT_BACKOFF, ...(reconnect === true ? {} : reconnect) },
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
      },
      {
        onSocketOpen: () => this.#onSocketOpen(),
        onHello: (hello, sentAt, reconnect) => this.#onHello(hello, sentAt, reconnect),
        onMessage: (data) => this.#onMessage(data),
        onSocketLost: (err) => {
          this.#acks.stop();
          this.#requests.failAll(err);
        },
        onDisconnect: (event: DisconnectEvent) => this.emit('disconnect', event),
        onClosed: (err) => this.#onClosed(err),
        onError: (err) => this.emit('error', err),
      },
    );
  }

  // -------------------------------------------------------------------------------
  // State
  // -------------------------------------------------------------------------------

  /** The URL (as given) of the server in use, or tried next. */
  get url(): string {
    return this.urls[this.#connection.urlIndex]!;
  }

  /** Connection state. */
  get state(): ClientState {
    return stateName(this.#connection);
  }

  /** Generation of the replica (of the last frame applied); -1 before the first snapshot. */
  get generation(): number {
    return this.#sync.generation;
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
    return this.#sync.viewport;
  }

  /** The replica (null without `replica: true` or before connect). */
  get replica(): Replica | null {
    return this.#sync.replica;
  }

  /** Estimated server clock minus local clock, ms (0 when within the measurement's own error). */
  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  /** State and owner of cell (x, y); undefined when outside the replica (or without one). */
  get(x: number, y: number): CellState | undefined {
    return this.#sync.replica?.get(x, y);
  }

  /** Live cells of the replica as [x, y, owner]; only those inside `rect` when given. */
  cells(rect?: Rect): IterableIterator<LiveCell> {
    return (this.#sync.replica ?? EMPTY_REPLICA).cells(rect);
  }

  /** Live cells in the replica. */
  get population(): number {
    return this.#sync.replica?.population ?? 0;
  }

  // -------------------------------------------------------------------------------
  // Connecting and closing
  // -------------------------------------------------------------------------------

  /**
   * Open the connection and say hello; resolves with the server's hello. No backoff here:
   * each URL is tried once, in order.
   * @throws LifeError LIFE_ERR_CONNECT_FAILED (no server, wrong path, not a lifemmo
   *   server), LIFE_ERR_WS_UNAUTHORIZED (token refused), LIFE_ERR_WS_PROTOCOL_VERSION,
   *   LIFE_ERR_TIMEOUT.
   */
  connect(): Promise<ServerHello> {
    return this.#connection.connect();
  }

  /** Close the connection (1000) and stop reconnecting. Resolves once closed. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  #onSocketOpen(): void {
    // Pipelined with hello: the server handles a connection's messages in order.
    const viewport = this.#sync.viewport;
    if (viewport !== null) this.#sendSubscribe(viewport, true);
  }

  #onHello(hello: ServerHello, helloSentAt: number, reconnect: { attempts: number; since: number } | null): void {
    const receivedAt = now();
    this.#hello = hello;
    // serverTime was read somewhere between our hello leaving and its answer arriving; trust
    // the offset only when it is larger than that window (plus 1 ms of integer-ms rounding),
    // so that on one machine latencies are not skewed by measurement noise.
    const halfRtt = (receivedAt - helloSentAt) / 2;
    const offset = hello.serverTime - (helloSentAt + halfRtt);
    this.#clockOffsetMs = Math.abs(offset) > halfRtt + 1 ? offset : 0;
    this.#clockUncertaintyMs = halfRtt + 1;
    this.#acks.reset(hello.limits.ackEveryMs);
    this.#sync.onHello(hello.world);
    this.emit('hello', hello);
    if (reconnect === null) return;
    // With a viewport, the snapshot answering the subscribe sent on open completes the reconnect.
    if (this.#sync.viewport !== null) this.#reconnected = reconnect;
    else queueMicrotask(() => this.emit('reconnect', { attempts: reconnect.attempts, downtimeMs: now() - reconnect.since }));
  }

  #onClosed(error: LifeError): void {
    this.#requests.failAll(error);
    this.#requests.settleViewportWaiters(error);
    this.#reconnected = null;
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
    if (this.state === 'closed') return Promise.reject(new LifeError('DISCONNECTED', 'The client is closed: connect() first'));
    this.#sync.watch(rect);
    if (this.#connection.state === ConnectionStates.OPEN) return this.#sendSubscribe(this.#sync.viewport!, false) as Promise<void>;
    return this.#requests.waitForViewport();
  }

  /** Stop watching: the replica is emptied and frames still in flight are ignored. */
  unsubscribe(): void {
    this.#sync.unwatch();
    this.#requests.orphanSubscribes();
    this.#requests.settleViewportWaiters(null);
    if (this.#connection.state === ConnectionStates.OPEN) this.#connection.send({ type: 'unsubscribe' });
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
    if (this.#sync.viewport === null || this.#connection.state !== ConnectionStates.OPEN) return;
    this.#sync.expectSnapshot();
    this.#connection.send({ type: 'resync' });
  }

  #request(build: (id: number) => ClientMessage): Promise<unknown> {
    if (this.#connection.state !== ConnectionStates.OPEN) {
      return Promise.reject(new LifeError('DISCONNECTED', `Not connected (${this.state})`));
    }
    const id = this.#requests.nextId();
    const promise = this.#requests.expect(id, 'request');
    this.#connection.send(build(id));
    return promise;
  }

  /**
   * Send a subscribe for `viewport`. `onOpen`: sent with hello (connect or reconnect), so the
   * subscribe() calls waiting for the connection settle with it.
   */
  #sendSubscribe(viewport: Rect, onOpen: boolean): Promise<unknown> {
    const id = this.#requests.nextId();
    this.#sync.expectSnapshot();
    const promise = this.#requests.expect(id, 'subscribe');
    this.#connection.send({ type: 'subscribe', ...viewport, id });
    if (onOpen) {
      // A socket lost before the answer is not the subscribe's failure: the viewport goes
      // out again with the next hello, and a client closed for good settles the callers itself.
      promise.then(
        () => this.#requests.settleViewportWaiters(null),
        (err: LifeError) => {
          if (err.code !== 'LIFE_ERR_DISCONNECTED') this.#requests.settleViewportWaiters(err);
        },
      );
    } else {
      promise.catch(() => undefined);
    }
    return promise;
  }

  // -------------------------------------------------------------------------------
  // Receiving
  // -------------------------------------------------------------------------------

  #onMessage(data: unknown): void {
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
        if (typeof message.id === 'number') this.#requests.settle(message.id, message);
        return;
      case 'error': {
        const err = errorFromCode(message.code, message.message, message.id === undefined ? {} : { id: message.id });
        const kind = typeof message.id === 'number' ? this.#requests.kindOf(message.id) : undefined;
        if (kind === undefined || typeof message.id !== 'number') {
          this.emit('error', err);
          return;
        }
        // A refused subscribe: the server kept the previous viewport (if any).
        if (kind === 'subscribe' && !this.#requests.dropSubscribe(message.id)) this.#sync.onSubscribesRefused();
        this.#requests.settle(message.id, undefined, err);
        return;
      }
      case 'hello':
        // A second hello is not in the protocol; ignore it rather than reset state.
        return;
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
    const at = now();
    // Every frame read is acknowledged, applied or not: the server measures how far behind we are.
    this.#acks.read(header.generation, at);
    // After unsubscribe, frames already in flight are ignored (docs/protocol.md).
    if (!this.#sync.watching) return;
    if (header.type !== FrameTypes.SNAPSHOT) {
      // A diff older than the server's lag bound sat in a buffer while we did not read: it
      // is not applied; a fresh snapshot replaces what it would have said.
      const ageMs = at + this.#clockOffsetMs - header.timestamp;
      const stale = this.#hello !== null && ageMs > this.#hello.limits.maxLagMs + this.#clockUncertaintyMs;
      const outcome = this.#sync.applyDiff(header, bytes, stale ? Math.round(ageMs) : undefined);
      if (outcome.kind === 'resync') this.#acks.flush(at); // before the resync, so the server knows we caught up
      return this.#onOutcome(outcome, header, bytes);
    }
    if (header.reason === SnapshotReasons.SUBSCRIBE || header.reason === SnapshotReasons.BACKPRESSURE) {
      // A backpressure snapshot may stand in for a subscribe's (the client was behind when it subscribed).
      const id = this.#requests.takeSubscribe();
      if (id === null && header.reason === SnapshotReasons.SUBSCRIBE) return; // for a viewport since dropped
      if (typeof id === 'number') queueMicrotask(() => this.#requests.settle(id, undefined));
    }
    this.#onOutcome(this.#sync.applySnapshot(header, bytes), header, bytes);
  }

  /** Turn what a frame did into events (and a resync request). */
  #onOutcome(outcome: FrameOutcome, header: FrameHeader, bytes: Uint8Array): void {
    switch (outcome.kind) {
      case 'ignored':
        return;
      case 'resync':
        if (outcome.error !== undefined) this.emit('error', outcome.error);
        return this.#requestResync(outcome.event);
      case 'snapshot': {
        this.emit('snapshot', { generation: outcome.generation, reason: outcome.reason, chunks: outcome.chunks, bytes: bytes.length });
        const reconnected = this.#reconnected;
        if (reconnected !== null) {
          this.#reconnected = null;
          this.emit('reconnect', { attempts: reconnected.attempts, downtimeMs: now() - reconnected.since });
        }
        return;
      }
      case 'diff':
        if (this.listenerCount('diff') === 0) return;
        this.emit('diff', {
          generation: outcome.generation,
          chunks: outcome.chunks,
          births: outcome.births,
          deaths: outcome.deaths,
          bytes: bytes.length,
          latencyMs: Math.max(0, now() + this.#clockOffsetMs - header.timestamp),
        });
    }
  }

  #requestResync(event: ResyncEvent): void {
    this.emit('resync', event);
    this.resync();
  }
}

const EMPTY_REPLICA = new Replica({ width: 64, height: 64, topology: 'torus' });
