/**
 * REST helpers over fetch (Node 20 and browsers both have it): players, world info,
 * leaderboard and region reads. docs/api.md is the contract; the replies' types come from
 * @lifemmo/shared (the SDK never imports the server).
 */
import { LifeError, type Leaderboard, type NewPlayer, type PlayersPage, type Rect, type Region, type WorldInfo } from '@lifemmo/shared/client';
import { errorFromCode } from './errors.js';

// The replies' types are @lifemmo/shared's (the server's schemas are checked against them).
export type { Leaderboard, LeaderboardEntry, NewPlayer, PlayersPage, ListedPlayer, Region, WorldInfo } from '@lifemmo/shared/client';

/** Options of every REST helper. */
export interface RestOptions {
  /** Bearer token (player routes) or admin token (admin routes). */
  readonly token?: string;
  /** Abort the request. */
  readonly signal?: AbortSignal;
  /** The fetch to use (default globalThis.fetch). */
  readonly fetch?: typeof fetch;
}

/**
 * The HTTP base URL of a server from any URL the user gives: `ws://h:p/ws` and `http://h:p`
 * both give `http://h:p` (wss and https likewise).
 * @throws LifeError LIFE_ERR_VALIDATION when `url` is not an http(s) or ws(s) URL.
 */
export function httpBaseUrl(url: string): string {
  const parsed = parseUrl(url);
  parsed.protocol = parsed.protocol === 'wss:' || parsed.protocol === 'https:' ? 'https:' : 'http:';
  const path = parsed.pathname.replace(/\/ws\/?$/, '').replace(/\/$/, '');
  return `${parsed.protocol}//${parsed.host}${path}`;
}

/** The WebSocket URL (`ws(s)://host:port/ws`) of a server from its http(s) or ws(s) URL. */
export function webSocketUrl(url: string): string {
  const base = new URL(httpBaseUrl(url));
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${base.protocol}//${base.host}${base.pathname.replace(/\/$/, '')}/ws`;
}

function parseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LifeError('VALIDATION', `Not a URL: ${JSON.stringify(url)}; expected like http://127.0.0.1:8080`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw new LifeError('VALIDATION', `Unsupported URL scheme ${parsed.protocol} in ${url}: use http(s) or ws(s)`);
  }
  return parsed;
}

/**
 * One JSON request. Error replies become the LifeError of their catalogue code with
 * `details.status` (and `details.retryAfterS` when the reply has Retry-After: 429, 503 overloaded); a network failure is
 * LIFE_ERR_CONNECT_FAILED.
 */
export async function requestJson<T>(url: string, method: string, path: string, body?: unknown, options: RestOptions = {}): Promise<T> {
  const target = httpBaseUrl(url) + path;
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const doFetch = options.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await doFetch(target, {
      method,
      headers,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      ...(options.signal !== undefined && { signal: options.signal }),
    });
  } catch (err) {
    throw new LifeError('CONNECT_FAILED', `${method} ${target} failed: ${(err as Error).message}`, { url: target });
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const retryAfter = Number(res.headers.get('retry-after'));
    const details = { status: res.status, url: target, ...(Number.isFinite(retryAfter) && retryAfter > 0 && { retryAfterS: retryAfter }) };
    if (typeof error?.code === 'string') throw errorFromCode(error.code, String(error.message ?? ''), details);
    throw new LifeError('CONNECT_FAILED', `${method} ${target} answered ${res.status}, not a lifemmo error: is this a lifemmo server?`, details);
  }
  if (parsed === undefined) throw new LifeError('CONNECT_FAILED', `${method} ${target} did not answer JSON: is this a lifemmo server?`, { url: target });
  return parsed as T;
}

/** POST /players: create a player named `name`; returns its id, colour and bearer token. */
export function createPlayer(url: string, name: string, options?: RestOptions): Promise<NewPlayer> {
  return requestJson<NewPlayer>(url, 'POST', '/players', { name }, options);
}

/**
 * POST /admin/players: create a player with the server's admin token, without the
 * per-address limit on POST /players (load tests, tools). Same reply as createPlayer.
 * @throws LifeError LIFE_ERR_UNAUTHORIZED / LIFE_ERR_FORBIDDEN for a missing or wrong
 *   admin token, LIFE_ERR_NOT_FOUND when the server has no ADMIN_TOKEN (admin routes off).
 */
export function adminCreatePlayer(url: string, name: string, adminToken: string, options?: Omit<RestOptions, 'token'>): Promise<NewPlayer> {
  return requestJson<NewPlayer>(url, 'POST', '/admin/players', { name }, { ...options, token: adminToken });
}

/** GET /admin/players: players with ids above `after` (default 0), at most `limit` (1..1000, default 100). */
export function adminListPlayers(
  url: string,
  adminToken: string,
  page: { after?: number; limit?: number } = {},
  options?: Omit<RestOptions, 'token'>,
): Promise<PlayersPage> {
  return requestJson<PlayersPage>(url, 'GET', `/admin/players?after=${page.after ?? 0}&limit=${page.limit ?? 100}`, undefined, { ...options, token: adminToken });
}

/** GET /world: size, topology, rule, generation, population, tick rate. */
export function getWorld(url: string, options?: RestOptions): Promise<WorldInfo> {
  return requestJson<WorldInfo>(url, 'GET', '/world', undefined, options);
}

/** GET /leaderboard: players by live cells, most first; `limit` 1..100 (default 20). */
export function getLeaderboard(url: string, limit = 20, options?: RestOptions): Promise<Leaderboard> {
  return requestJson<Leaderboard>(url, 'GET', `/leaderboard?limit=${limit}`, undefined, options);
}

/** GET /cells: the live cells of a region (at most MAX_REGION_AREA cells). */
export function getCells(url: string, rect: Rect, options?: RestOptions): Promise<Region> {
  return requestJson<Region>(url, 'GET', `/cells?x=${rect.x}&y=${rect.y}&w=${rect.w}&h=${rect.h}`, undefined, options);
}
