/**
 * One WebSocket client: the hello handshake and authentication, zod validation of every
 * inbound message, the dispatch of control messages, and sending with backpressure: by
 * the bytes queued here (backpressure.ts) and by the age of the oldest frame the client
 * has not acknowledged (client-lag.ts).
 *
 * Everything here is synchronous: a message is handled completely before the next one
 * (or the next tick's publish) runs, so a snapshot is always followed by the diff of the
 * next generation, and a `placed` reply always precedes the diff that carries the cells.
 */
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { WebSocket, type RawData } from 'ws';
import {
  CloseCodes,
  Errors,
  LifeError,
  MessageError,
  ackEveryMs,
  PROTOCOL_VERSION,
  SnapshotReasons,
  CHUNK_SIZE,
  parseClientMessage,
  readFrameHeader,
  type ClientHello,
  type ClientMessage,
  type ErrorName,
  type MessageId,
  type ServerMessage,
  type SnapshotReason,
} from '@lifemmo/shared';
import type { Player } from '../players/player-registry.js';
import { patternCells } from '../placement/pattern-cells.js';
import type { PlacementResult } from '../gateway/sim-link.js';
import { sendVerdict, type BackpressureLimits, type SendVerdict } from './backpressure.js';
import { ClientLag } from './client-lag.js';
import type { SharedMessage } from './shared-message.js';
import { SocketWriter } from './socket-write.js';
import { resolveViewport, type Viewport } from './subscriptions.js';
import type { ClientGroup, WsContext } from './ws-context.js';

/** Malformed messages (not JSON, unknown type, binary) a connection may send before it is closed. */
export const MAX_MALFORMED_MESSAGES = 20;
/** After a close frame is queued, how long the peer has to answer before the socket is destroyed, ms. */
const CLOSE_GRACE_MS = 1000;
/**
 * The same when the close frame is queued behind frames the client has not read (it
 * stopped reading): long enough for a stalled client that reads again to read the close
 * code rather than see a dropped socket. What it holds is bounded by WS_MAX_LAG_MS plus an ack interval of frames.
 */
const STALLED_CLOSE_GRACE_MS = 30_000;

const MALFORMED_CODES: ReadonlySet<string> = new Set([
  Errors.WS_BAD_MESSAGE.code,
  Errors.WS_UNKNOWN_MESSAGE.code,
  Errors.WS_BINARY_REFUSED.code,
]);

let nextConnectionId = 1;
// Shared send options: no allocation per frame on the hot path.
const BINARY = { binary: true } as const;
const TEXT = { binary: false } as const;

/** One connected client. Created by the ws server once the upgrade is done. */
export class WsConnection {
  readonly id = nextConnectionId++;
  log: FastifyBaseLogger;
  player: Player | null = null;
  /** Set by a pong or any message; cleared by each heartbeat ping. */
  alive = true;
  /** Heartbeat sweeps seen without a hello (closed at the second). */
  sweepsWithoutHello = 0;
  /**
   * True while the client gets no diffs: its send buffer is over the watermark, or a frame
   * it has not acknowledged is older than WS_MAX_LAG_MS plus the ack interval.
   */
  behind = false;
  #helloDone = false;
  /** Messages that arrived while hello waited for the sim to know the token. */
  #held: Array<[RawData, boolean]> | null = null;
  /** Why this client waits for a snapshot the replica cannot make yet; null when it does not. */
  #awaiting: SnapshotReason | null = null;
  /**
   * Generation of the last frame sent (snapshot or diff); a diff of it or older is skipped:
   * the broadcaster hands out generations in slices, and a snapshot sent meanwhile (a new
   * viewport, a catch-up) may already be newer than the diff on its way.
   */
  #sentGeneration = -1;
  #closing = false;
  #malformed = 0;
  #viewport: Viewport | null = null;
  #group: ClientGroup | null = null;
  readonly #ctx: WsContext;
  readonly #ws: WebSocket;
  /**
   * Writes to the upgraded socket under `#ws`, for shared diff messages as they are
   * (shared-message.ts); null when permessage-deflate was negotiated, since `ws` then
   * compresses and may queue each frame.
   */
  readonly #socketWriter: SocketWriter | null;
  readonly #limits: BackpressureLimits;
  readonly #lag = new ClientLag();
  /** Token from `?token=` or the Authorization header, checked at hello. */
  readonly #upgradeToken: string | undefined;

  constructor(ctx: WsContext, ws: WebSocket, socket: Duplex, upgradeToken: string | undefined, remote: string | undefined) {
    this.#ctx = ctx;
    this.#ws = ws;
    this.#socketWriter = ws.extensions === '' ? new SocketWriter(socket) : null;
    this.#upgradeToken = upgradeToken;
    this.#limits = { watermarkBytes: ctx.options.sendWatermarkBytes, hardLimitBytes: ctx.options.sendHardLimitBytes };
    this.log = ctx.log.child({ ws: this.id });
    this.log.debug({ remote }, 'ws connected');
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    // ws reports protocol violations (bad frames, oversized messages) here and closes the
    // socket itself (1002 / 1009); without a listener the error would crash the process.
    ws.on('error', (err) => this.log.debug({ err: { message: err.message, code: (err as { code?: string }).code } }, 'ws error'));
    ws.on('close', (code, reason) => this.#onClose(code, reason.toString('utf8')));
  }

  get helloDone(): boolean {
    return this.#helloDone;
  }

  /** The clients sharing this one's viewport chunks; null while not subscribed. */
  get group(): ClientGroup | null {
    return this.#group;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /**
   * Bytes queued for this client and not yet written to the network. Without compression
   * `ws` queues nothing of its own, so that is the socket's queue, read directly: `ws`'s
   * getter was a visible part of each client's cost in a tick.
   */
  get bufferedAmount(): number {
    return this.#socketWriter !== null ? this.#socketWriter.queued : this.#ws.bufferedAmount;
  }

  /** The socket, for the heartbeat's pings. */
  get socket(): WebSocket {
    return this.#ws;
  }

  // -------------------------------------------------------------------------------
  // Sending
  // -------------------------------------------------------------------------------

  /**
   * Hand a diff message (shared with other clients) to this client, unless it is behind:
   * then skip it, or send a fresh snapshot instead once it has drained. Returns true when
   * the message's bytes may still be held after this call (not all written at once).
   */
  deliverDiff(message: SharedMessage, generation: number, now: number): boolean {
    if (this.#closing || this.#viewport === null) return false;
    if (this.#awaiting !== null) {
      this.retryAwaitedSnapshot();
      return false;
    }
    if (generation <= this.#sentGeneration) return false;
    if (this.behind) {
      this.sendSnapshot(SnapshotReasons.BACKPRESSURE);
      return false;
    }
    const verdict = this.#verdict(now);
    if (verdict === 'send') {
      this.#sentGeneration = generation;
      this.#lag.sent(generation, now);
      return this.#sendShared(message);
    }
    if (verdict === 'skip') this.#fallBehind(now);
    else this.#drop();
    return false;
  }

  /** Send, skip (behind: by bytes queued here, or by the age of what the client has not acknowledged) or drop. */
  #verdict(now: number): SendVerdict {
    const verdict = sendVerdict(this.bufferedAmount, this.#limits);
    return verdict === 'send' && this.#lag.ageMs(now) > this.#lagBoundMs ? 'skip' : verdict;
  }

  /**
   * How old an unacknowledged frame may get before the client counts as behind: the lag
   * bound, plus the ack interval, since a client that read a frame at once may take that
   * long to say so (docs/protocol.md, "Slow clients").
   */
  get #lagBoundMs(): number {
    const maxLagMs = this.#ctx.options.maxLagMs;
    return maxLagMs + ackEveryMs(maxLagMs);
  }

  /**
   * Send a snapshot of the viewport now; or, when the replica does not hold its chunks at
   * this generation yet, as soon as it does; or mark the client behind to get one once drained.
   */
  sendSnapshot(reason: SnapshotReason): void {
    // A viewport always has its group (#subscribe, #leaveGroup).
    const group = this.#group;
    if (this.#closing || this.#viewport === null || group === null) return;
    if (!this.#ctx.snapshots.ready(this.#viewport.chunks)) {
      this.#awaiting ??= reason;
      return;
    }
    this.#awaiting = null;
    const now = performance.now();
    const verdict = this.#verdict(now);
    if (verdict === 'drop') return this.#drop();
    if (verdict === 'skip') return this.#fallBehind(now);
    const wasBehind = this.behind;
    this.behind = false;
    const sentReason = wasBehind ? SnapshotReasons.BACKPRESSURE : reason;
    // Members of a group share one framed message (snapshots.ts); its bytes are its own, so
    // what the socket may still hold of them needs no bookkeeping here.
    const message = this.#ctx.snapshots.sharedFrame(group, sentReason);
    this.#sentGeneration = readFrameHeader(message.payload).generation;
    this.#lag.sent(this.#sentGeneration, now);
    this.#sendShared(message);
    if (wasBehind) {
      this.#ctx.stats.resyncs++;
      this.log.debug('ws client drained: resynced');
    }
  }

  /** Stop diffs until a snapshot for `reason` can be sent (the replica lost this client's chunks). */
  awaitSnapshot(reason: SnapshotReason): void {
    if (this.#closing || this.#viewport === null) return;
    this.#awaiting ??= reason;
    this.retryAwaitedSnapshot();
  }

  /** A diff meant for this client was given up (broadcaster.ts): it gets a snapshot instead of its next diff. */
  missedDiff(): void {
    if (this.#closing || this.#viewport === null) return;
    this.#awaiting ??= SnapshotReasons.BACKPRESSURE;
  }

  /** Send the awaited snapshot if the replica now holds the chunks. */
  retryAwaitedSnapshot(): void {
    if (this.#awaiting === null || this.#viewport === null) return;
    if (this.#ctx.snapshots.ready(this.#viewport.chunks)) this.sendSnapshot(this.#awaiting);
  }

  /** Send a JSON message; a client that lets replies pile up past the hard limit is dropped. */
  sendJson(message: ServerMessage): void {
    if (this.#closing) return;
    if (sendVerdict(this.bufferedAmount, this.#limits) === 'drop') return this.#drop();
    this.#send(JSON.stringify(message));
  }

  #send(data: Uint8Array | string): void {
    this.#countSent(typeof data === 'string' ? Buffer.byteLength(data) : data.length);
    this.#ws.send(data, typeof data === 'string' ? TEXT : BINARY);
  }

  #countSent(bytes: number): void {
    const stats = this.#ctx.stats;
    stats.framesSent++;
    stats.bytesSent += bytes;
  }

  /**
   * One write of the message's framed bytes. The socket's own queue is what `ws` counts in
   * `bufferedAmount`, so backpressure sees these bytes too. True when the bytes may still
   * be held: queued in the socket, or handed to `ws.send`.
   */
  #sendShared(message: SharedMessage): boolean {
    if (this.#socketWriter === null || this.#ws.readyState !== WebSocket.OPEN) {
      this.#send(message.payload);
      return true;
    }
    this.#countSent(message.payload.length);
    return this.#socketWriter.write(message.wire);
  }

  #fallBehind(now: number): void {
    if (this.behind) return;
    this.behind = true;
    const lagMs = this.#lag.ageMs(now);
    if (lagMs > this.#lagBoundMs) this.#ctx.stats.lagged++;
    this.log.debug({ bufferedAmount: this.bufferedAmount, lagMs, inFlight: this.#lag.inFlight }, 'ws client behind: diffs paused');
  }

  #drop(): void {
    this.#ctx.stats.drops++;
    this.log.info({ bufferedAmount: this.bufferedAmount }, 'ws slow client dropped');
    this.close('WS_SLOW_CONSUMER');
  }

  // -------------------------------------------------------------------------------
  // Closing
  // -------------------------------------------------------------------------------

  /**
   * Close with the close code of catalogue entry `name`, its LIFE_ERR code as the reason.
   * The close frame may sit behind unread data, so the socket is destroyed after a grace
   * period whatever the peer does.
   */
  close(name: ErrorName): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#leaveGroup();
    const spec = Errors[name] as { code: string; closeCode?: number };
    this.#ws.close(spec.closeCode ?? CloseCodes.NORMAL, spec.code);
    // Frames it has not acknowledged (or bytes still queued here) say the peer is not
    // reading: the close frame waits behind them, in the kernel's buffers or ours, and
    // destroying the socket would lose it.
    const stalled = this.bufferedAmount > 0 || this.#lag.inFlight > 0;
    const timer = setTimeout(() => this.#ws.terminate(), stalled ? STALLED_CLOSE_GRACE_MS : CLOSE_GRACE_MS);
    timer.unref();
    this.#ws.once('close', () => clearTimeout(timer));
  }

  #onClose(code: number, reason: string): void {
    this.#closing = true;
    this.#leaveGroup();
    this.#ctx.connections.delete(this);
    this.#ctx.metrics.wsClients.dec();
    this.#ctx.wsMetrics.closes.inc({ code: String(code) });
    this.log.debug({ code, reason }, 'ws closed');
  }

  #leaveGroup(): void {
    if (this.#group !== null) this.#ctx.groups.leave(this, this.#group);
    this.#group = null;
    this.#viewport = null;
    this.#awaiting = null;
  }

  // -------------------------------------------------------------------------------
  // Receiving
  // -------------------------------------------------------------------------------

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closing) return;
    this.alive = true;
    if (this.#held !== null) {
      // Hello is waiting for the sim: keep the order of the client's messages.
      if (this.#held.length >= MAX_MALFORMED_MESSAGES) return this.close('WS_TOO_MANY_ERRORS');
      this.#held.push([data, isBinary]);
      return;
    }
    if (!this.#helloDone && isBinary) return this.#fail('WS_HELLO_REQUIRED', undefined);
    if (isBinary) return this.#refuse(new MessageError('WS_BINARY_REFUSED', undefined, undefined));
    let message: ClientMessage;
    try {
      message = parseClientMessage(rawText(data));
    } catch (err) {
      if (!this.#helloDone) return this.#fail('WS_HELLO_REQUIRED', undefined);
      return this.#refuse(err);
    }
    if (!this.#helloDone && message.type !== 'hello') return this.#fail('WS_HELLO_REQUIRED', idOf(message));
    try {
      this.#dispatch(message);
    } catch (err) {
      this.#refuse(err, idOf(message));
    }
  }

  #dispatch(message: ClientMessage): void {
    switch (message.type) {
      case 'hello':
        return this.#hello(message);
      case 'subscribe':
        return this.#subscribe(resolveViewport(this.#ctx.sim.geometry, message, this.#ctx.options.maxViewportArea));
      case 'unsubscribe':
        return this.#leaveGroup();
      case 'resync':
        if (this.#viewport === null) throw new LifeError('WS_NOT_SUBSCRIBED');
        return this.sendSnapshot(SnapshotReasons.RESYNC);
      case 'place': {
        const player = this.#requirePlayer();
        this.#ctx.admission.admitPlacement('ws');
        return this.#placed(message.id, this.#ctx.sim.place(player, message.cells, 'ws'));
      }
      case 'placePattern': {
        const player = this.#requirePlayer();
        this.#ctx.admission.admitPlacement('ws');
        const cells = patternCells(this.#ctx.sim.geometry, message, this.#ctx.maxCellsPerMessage);
        return this.#placed(message.id, this.#ctx.sim.place(player, cells, 'ws'));
      }
      case 'ack':
        return this.#ack(message.generation);
      case 'ping':
        return this.sendJson({
          type: 'pong',
          ...(message.id !== undefined && { id: message.id }),
          ...(message.t !== undefined && { t: message.t }),
          serverTime: Date.now(),
          generation: this.#ctx.sim.generation,
        });
    }
  }

  #hello(message: ClientHello): void {
    if (this.#helloDone) throw new LifeError('WS_ALREADY_HELLO');
    if (message.protocolVersion !== PROTOCOL_VERSION) {
      return this.#fail(
        'WS_PROTOCOL_VERSION',
        undefined,
        `This server speaks protocol version ${PROTOCOL_VERSION}, not ${message.protocolVersion}`,
      );
    }
    const token = message.token ?? this.#upgradeToken;
    if (token === undefined) return this.#welcome(null);
    const cached = this.#ctx.players.cached(token);
    if (cached !== undefined) return this.#welcomePlayer(cached);
    // A token this gateway has not seen: ask the sim, holding the client's next messages.
    this.#held = [];
    this.#ctx.players.authenticate(token).then(
      (player) => {
        this.#welcomePlayer(player);
        this.#releaseHeld();
      },
      (err: unknown) => {
        this.#refuse(err);
        this.#releaseHeld();
      },
    );
  }

  /** Welcome a player, or close with 4003 when its token is unknown or it is banned. */
  #welcomePlayer(player: Player | undefined): void {
    if (player === undefined) return this.#fail('WS_UNAUTHORIZED', undefined);
    if (player.banned) return this.#fail('WS_UNAUTHORIZED', undefined, Errors.PLAYER_BANNED.message);
    this.#welcome(player);
  }

  #releaseHeld(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const [data, isBinary] of held) this.#onMessage(data, isBinary);
  }

  #welcome(player: Player | null): void {
    if (this.#closing) return;
    if (player !== null) {
      this.player = player;
      this.log = this.log.child({ player: player.id });
    }
    this.#helloDone = true;
    const { sim, options } = this.#ctx;
    const g = sim.geometry;
    this.sendJson({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      serverTime: Date.now(),
      generation: sim.generation,
      tickMs: sim.tickMs,
      world: { width: g.width, height: g.height, topology: g.topology, rule: sim.rule, chunkSize: CHUNK_SIZE },
      player: this.player === null ? null : { id: this.player.id, name: this.player.name, color: this.player.color },
      limits: {
        maxViewportArea: options.maxViewportArea,
        maxMessageBytes: options.maxMessageBytes,
        maxCellsPerMessage: this.#ctx.maxCellsPerMessage,
        heartbeatMs: options.heartbeatMs,
        maxLagMs: options.maxLagMs,
        ackEveryMs: ackEveryMs(options.maxLagMs),
      },
    });
  }

  #subscribe(viewport: Viewport): void {
    this.#leaveGroup();
    this.#viewport = viewport;
    this.#group = this.#ctx.groups.join(this, viewport);
    // A new viewport needs its snapshot whatever state the old one was in. The frames of
    // the old one still unacknowledged are forgotten too: the client acknowledges by
    // generation, so in a paused world it never acknowledges a second snapshot of the
    // generation it already did, and that frame would age past WS_MAX_LAG_MS and hold
    // back every later subscription's snapshot until the world moves.
    this.behind = false;
    this.#lag.clear();
    this.sendSnapshot(SnapshotReasons.SUBSCRIBE);
  }

  /** The client has read up to `generation`: a client that was behind may be caught up now. */
  #ack(generation: number): void {
    this.#lag.acked(generation);
    if (this.behind && this.#lag.inFlight === 0) this.sendSnapshot(SnapshotReasons.BACKPRESSURE);
  }

  #requirePlayer(): Player {
    if (this.player === null) throw new LifeError('UNAUTHORIZED', 'Spectators cannot place cells: connect with a player token');
    return this.player;
  }

  /** Reply `placed` once the placement is durable, or the refusal. */
  #placed(id: MessageId | undefined, pending: Promise<PlacementResult>): void {
    pending.then(
      (result) => this.sendJson({ type: 'placed', ...(id !== undefined && { id }), accepted: result.accepted, generation: result.generation }),
      (err: unknown) => this.#refuse(err, id),
    );
  }

  /** Answer a refused message with an error; too many malformed ones close the connection. */
  #refuse(err: unknown, id?: MessageId): void {
    if (!(err instanceof LifeError)) {
      this.log.error({ err }, 'ws message handler failed');
      err = new LifeError('INTERNAL');
    }
    const error = err as LifeError;
    const replyId = error instanceof MessageError ? error.id : id;
    this.log.debug({ code: error.code, message: error.message }, 'ws message refused');
    this.sendJson({ type: 'error', code: error.code, message: error.message, ...(replyId !== undefined && { id: replyId }) });
    if (MALFORMED_CODES.has(error.code) && ++this.#malformed >= MAX_MALFORMED_MESSAGES) this.close('WS_TOO_MANY_ERRORS');
  }

  /** Send the error of catalogue entry `name`, then close with its close code. */
  #fail(name: ErrorName, id: MessageId | undefined, message?: string): void {
    const spec = Errors[name];
    this.log.debug({ code: spec.code }, 'ws closing on protocol error');
    this.sendJson({ type: 'error', code: spec.code, message: message ?? spec.message, ...(id !== undefined && { id }) });
    this.close(name);
  }
}

/** The text of a message: ws hands over one Buffer, or a list of fragments. */
function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** The correlation id of a message, if its type has one. */
function idOf(message: ClientMessage): MessageId | undefined {
  return 'id' in message ? message.id : undefined;
}
