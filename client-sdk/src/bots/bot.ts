/**
 * One bot: create a player (unless it only watches), connect, subscribe its viewport, place
 * a small pattern at the given rate inside it, and count everything in the worker's
 * BotStats. Never logs per message.
 *
 * Joining (creating the player, then the first connect and subscribe) is retried like a
 * real client would: after a rate limit, when `retry-after` says; after a timeout, a
 * refusal the server may not repeat (503) or a failed connect, with exponential backoff;
 * until the run ends. A refusal that would come again (a bad admin token, a bad name, a
 * refused player token) ends it at once. Every failed attempt is counted with its code.
 */
import {
  LifeClient,
  adminCreatePlayer,
  backoffDelay,
  createPlayer,
  isLifeError,
  type NewPlayer,
  type Rect,
  type WebSocketConstructor,
} from '@lifemmo/client';
import { LifeError, mod } from '@lifemmo/shared/client';
import type { BotsOptions } from './args.js';
import { BOT_PATTERNS } from './patterns.js';
import { NOT_JOINED, joinCause, type BotStats } from './stats.js';

/** Placement refusals that are the game (or an overloaded server) saying no, not failures. */
const REFUSALS: ReadonlySet<string> = new Set(['LIFE_ERR_BUDGET_EXCEEDED', 'LIFE_ERR_CELL_OCCUPIED', 'LIFE_ERR_RATE_LIMITED', 'LIFE_ERR_OVERLOADED']);
const ROTATIONS = [0, 90, 180, 270] as const;
/** Connect failures that would come again on retry. */
const FATAL_JOIN_ERRORS: ReadonlySet<string> = new Set(['LIFE_ERR_WS_UNAUTHORIZED', 'LIFE_ERR_WS_PROTOCOL_VERSION', 'LIFE_ERR_WS_VIEWPORT_TOO_LARGE']);
/** Longest wait for one player creation, ms; past it the attempt counts as a timeout. */
export const JOIN_TIMEOUT_MS = 10_000;
/** Backoff between join attempts that were not rate limited, ms. */
const JOIN_BACKOFF = { initialDelayMs: 500, maxDelayMs: 10_000 };
/** Longest wait a `retry-after` may impose, s (the run's end cuts any wait short). */
const MAX_RETRY_AFTER_S = 60;
/** What a join attempt in flight when the run ended resolves to. */
const STOPPED: unique symbol = Symbol('stopped');

/** What a bot shares with the other bots of its worker. */
export interface BotContext {
  readonly options: BotsOptions;
  readonly stats: BotStats;
  readonly world: { readonly width: number; readonly height: number; readonly topology: 'torus' | 'bounded' };
  readonly WebSocket: WebSocketConstructor;
  /** Resolves when the run is over (deadline or stop). */
  readonly stopped: Promise<void>;
  /** True once the run is over. */
  isStopped(): boolean;
  /** Aborted when the run is over: cancels player creation in flight. */
  readonly signal: AbortSignal;
}

function sleep(ms: number, ctx: BotContext): Promise<void> {
  return Promise.race([new Promise<void>((r) => setTimeout(r, ms)), ctx.stopped]);
}

/** One player creation, through the admin route when the run has the admin token. */
async function createOnce(index: number, ctx: BotContext): Promise<NewPlayer> {
  const timeout = AbortSignal.timeout(JOIN_TIMEOUT_MS);
  const options = { signal: AbortSignal.any([ctx.signal, timeout]) };
  const { url, adminToken } = ctx.options;
  try {
    return adminToken === undefined ? await createPlayer(url, `bot-${index}`, options) : await adminCreatePlayer(url, `bot-${index}`, adminToken, options);
  } catch (err) {
    if (timeout.aborted && !ctx.isStopped()) throw new LifeError('TIMEOUT', `POST /players did not answer within ${JOIN_TIMEOUT_MS} ms`);
    throw err;
  }
}

/** A refusal of a player creation that every retry would get again (any 4xx but 408 and 429). */
function fatalCreateError(err: unknown): boolean {
  return isLifeError(err) && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429 && err.code !== 'LIFE_ERR_CONNECT_FAILED';
}

/**
 * Create the bot's player, retrying until the run ends (see the module comment).
 * @throws the code of the failure that kept the bot out, as a string: the last failed
 *   attempt's, or NOT_JOINED when the run ended before any attempt failed.
 */
async function join(index: number, ctx: BotContext, random: () => number): Promise<string> {
  let last: string = NOT_JOINED;
  for (let attempt = 0; ; attempt++) {
    if (ctx.isStopped()) throw last;
    ctx.stats.counters.joinAttempts++;
    try {
      return (await createOnce(index, ctx)).token;
    } catch (err) {
      if (ctx.isStopped()) throw last;
      const code = isLifeError(err) ? err.code : 'player';
      const fatal = fatalCreateError(err);
      ctx.stats.joinFailure(code, !fatal);
      last = code;
      if (fatal) throw code;
      const retryAfterS = Number((err as LifeError).details?.retryAfterS ?? 0);
      const waitMs =
        joinCause(code) === 'rate limited' && retryAfterS > 0
          ? Math.min(MAX_RETRY_AFTER_S, retryAfterS) * 1000 * (1 + random() / 2)
          : backoffDelay(attempt, JOIN_BACKOFF, random);
      await sleep(waitMs, ctx);
    }
  }
}

/** The bot's viewport: somewhere random, inside the world when it is bounded. */
function pickViewport(ctx: BotContext, random: () => number): Rect {
  const { width, height, topology } = ctx.world;
  const w = Math.min(ctx.options.viewport.w, width);
  const h = Math.min(ctx.options.viewport.h, height);
  const spanX = topology === 'torus' ? width : width - w + 1;
  const spanY = topology === 'torus' ? height : height - h + 1;
  return { x: Math.floor(random() * spanX), y: Math.floor(random() * spanY), w, h };
}

/** Run bot number `index` until the run stops. Resolves, never rejects: failures are counted. */
export async function runBot(index: number, ctx: BotContext, random: () => number): Promise<void> {
  const { stats, options } = ctx;
  stats.counters.started++;
  const joinedAt = performance.now();
  let token: string | undefined;
  try {
    if (options.placeRate > 0) token = await join(index, ctx, random);
  } catch (code) {
    // Each failed attempt was counted as an error already; a run that ended first is one.
    if (code === NOT_JOINED) stats.error(NOT_JOINED);
    stats.notJoined(String(code));
    return;
  }
  if (ctx.isStopped()) {
    stats.error(NOT_JOINED);
    stats.notJoined(NOT_JOINED);
    return;
  }
  const client = new LifeClient({
    url: options.url,
    ...(token !== undefined && { token }),
    WebSocket: ctx.WebSocket,
    replica: options.replica,
    reconnect: { initialDelayMs: 500, maxDelayMs: 5000 },
  });
  let connected = false;
  let stopping = false;
  // While joining, failures are counted by the join loop, not by the event handlers.
  let joining = true;
  client.on('diff', (e) => {
    stats.counters.diffs++;
    stats.counters.bytes += e.bytes;
    stats.record('tickLatency', e.latencyMs);
  });
  client.on('snapshot', (e) => {
    stats.counters.snapshots++;
    stats.counters.bytes += e.bytes;
  });
  client.on('resync', () => stats.counters.resyncs++);
  client.on('disconnect', (e) => {
    if (connected) stats.counters.connected--;
    connected = false;
    if (stopping || joining) return;
    stats.counters.disconnects++;
    stats.error(e.error?.code ?? `close ${e.code}`);
  });
  client.on('reconnect', () => {
    stats.counters.reconnects++;
    if (!connected) stats.counters.connected++;
    connected = true;
  });
  client.on('error', (e) => {
    // Fatal closes are also reported as a disconnect, which counts them.
    if (!stopping && !joining && client.state === 'open') stats.error(e.code);
  });

  const viewport = pickViewport(ctx, random);
  // Like a real client, a bot whose first connect fails (an overloaded server times out)
  // tries again with backoff until the run ends; each failed attempt counts as an error,
  // by cause. A refusal that would come again (token, protocol version) ends it at once.
  const joinOnce = async (): Promise<string | null> => {
    try {
      await client.connect();
      await client.subscribe(viewport);
      return null;
    } catch (err) {
      return isLifeError(err) ? err.code : 'connect';
    }
  };
  let failure: string | null = null;
  let last: string = NOT_JOINED;
  for (let attempt = 0; ; attempt++) {
    stats.counters.joinAttempts++;
    // Joining must not outlive the run: a slow server could keep it for the connect and
    // request timeouts (10 s each).
    const outcome: string | null | typeof STOPPED = await Promise.race([joinOnce(), ctx.stopped.then((): typeof STOPPED => STOPPED)]);
    if (outcome === null) {
      failure = null;
      break;
    }
    if (outcome === STOPPED || ctx.isStopped()) {
      failure = last;
      break;
    }
    const fatal = FATAL_JOIN_ERRORS.has(outcome);
    stats.joinFailure(outcome, !fatal);
    last = failure = outcome;
    if (fatal) break;
    if (client.state !== 'closed') await client.close();
    await sleep(backoffDelay(attempt, JOIN_BACKOFF, random), ctx);
    if (ctx.isStopped()) {
      failure = last;
      break;
    }
  }
  if (failure !== null) {
    // The run ended before any attempt failed: that is the one error of this bot.
    if (failure === NOT_JOINED) stats.error(NOT_JOINED);
    stats.notJoined(failure);
    stopping = true;
    await client.close();
    return;
  }
  joining = false;
  stats.record('connectTime', performance.now() - joinedAt);
  stats.counters.joined++;
  stats.counters.connected++;
  connected = true;

  let timer: ReturnType<typeof setTimeout> | undefined;
  if (options.placeRate > 0) {
    const intervalMs = 1000 / options.placeRate;
    const placeOne = (): void => {
      if (ctx.isStopped()) return;
      timer = setTimeout(placeOne, intervalMs);
      if (client.state !== 'open') return;
      const pattern = BOT_PATTERNS[Math.floor(random() * BOT_PATTERNS.length)]!;
      const room = (side: number) => Math.max(1, side - pattern.size);
      const x = mod(viewport.x + Math.floor(random() * room(viewport.w)), ctx.world.width);
      const y = mod(viewport.y + Math.floor(random() * room(viewport.h)), ctx.world.height);
      const rotate = ROTATIONS[Math.floor(random() * 4)]!;
      const sentAt = performance.now();
      stats.counters.placementsSent++;
      client.placePattern(pattern.rle, x, y, { rotate }).then(
        () => {
          stats.counters.placementsOk++;
          stats.record('placeLatency', performance.now() - sentAt);
        },
        (err: unknown) => {
          const code = isLifeError(err) ? err.code : 'place';
          if (REFUSALS.has(code)) stats.refused(code);
          else if (!stopping) stats.error(code);
        },
      );
    };
    timer = setTimeout(placeOne, random() * intervalMs);
  }

  await ctx.stopped;
  stopping = true;
  if (timer !== undefined) clearTimeout(timer);
  await client.close();
}
