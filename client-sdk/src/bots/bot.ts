/**
 * One bot: create a player (unless it only watches), connect, subscribe its viewport, place
 * a small pattern at the given rate inside it, and count everything in the worker's
 * BotStats. Never logs per message.
 */
import { LifeClient, backoffDelay, createPlayer, isLifeError, type Rect, type WebSocketConstructor } from '@lifemmo/client';
import { mod } from '@lifemmo/shared/client';
import type { BotsOptions } from './args.js';
import { BOT_PATTERNS } from './patterns.js';
import type { BotStats } from './stats.js';

/** Placement refusals that are the game saying no, not failures. */
const REFUSALS: ReadonlySet<string> = new Set(['LIFE_ERR_BUDGET_EXCEEDED', 'LIFE_ERR_CELL_OCCUPIED', 'LIFE_ERR_RATE_LIMITED']);
const ROTATIONS = [0, 90, 180, 270] as const;
/** Join failures that would come again on retry. */
const FATAL_JOIN_ERRORS: ReadonlySet<string> = new Set(['LIFE_ERR_WS_UNAUTHORIZED', 'LIFE_ERR_WS_PROTOCOL_VERSION', 'LIFE_ERR_WS_VIEWPORT_TOO_LARGE']);

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

/** Error code of a bot that had not joined when the run ended (the server was too slow to take it). */
const NOT_JOINED = 'not joined when the run ended';

function sleep(ms: number, ctx: BotContext): Promise<void> {
  return Promise.race([new Promise<void>((r) => setTimeout(r, ms)), ctx.stopped]);
}

/** Create the bot's player, waiting out rate limits (429) until the run ends. */
async function join(index: number, ctx: BotContext): Promise<string | undefined> {
  for (;;) {
    try {
      return (await createPlayer(ctx.options.url, `bot-${index}`, { signal: ctx.signal })).token;
    } catch (err) {
      if (!isLifeError(err, 'RATE_LIMITED') || ctx.isStopped()) throw err;
      ctx.stats.counters.rateLimited++;
      const retryAfterS = Number((err.details as { retryAfterS?: number } | undefined)?.retryAfterS ?? 1);
      await sleep(Math.min(10, Math.max(0.2, retryAfterS)) * 1000 * (0.5 + Math.random() / 2), ctx);
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
    if (options.placeRate > 0) token = await join(index, ctx);
  } catch (err) {
    stats.counters.joinFailed++;
    stats.error(ctx.isStopped() ? NOT_JOINED : isLifeError(err) ? err.code : 'player');
    return;
  }
  if (ctx.isStopped()) {
    stats.counters.joinFailed++;
    stats.error(NOT_JOINED);
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
  // tries again with backoff until the run ends; each failed attempt counts as an error.
  // A refusal that would come again (token, protocol version) ends it at once.
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
  for (let attempt = 0; ; attempt++) {
    // Joining must not outlive the run: a slow server could keep it for the connect and
    // request timeouts (10 s each).
    failure = await Promise.race([joinOnce(), ctx.stopped.then(() => NOT_JOINED)]);
    if (failure === null || failure === NOT_JOINED || FATAL_JOIN_ERRORS.has(failure)) break;
    stats.error(failure);
    if (client.state !== 'closed') await client.close();
    await sleep(backoffDelay(attempt, { initialDelayMs: 500, maxDelayMs: 5000 }, random), ctx);
    if (ctx.isStopped()) {
      failure = NOT_JOINED;
      break;
    }
  }
  if (failure !== null) {
    stats.counters.joinFailed++;
    stats.error(failure);
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
