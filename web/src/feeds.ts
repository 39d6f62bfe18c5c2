/**
 * The polled reads behind the panel and the minimap: `GET /density` (minimap, world
 * population), `GET /leaderboard` (ranking and owner colours) and `GET /players/me`
 * (budget). `GET /players/{id}/cells` is read on demand ("Go to my cells", a
 * leaderboard entry), not polled. One poll every POLL_MS keeps a page at a few requests per second at most,
 * well inside the server's per-IP rate limit.
 */
import { getLeaderboard, type Leaderboard } from '@lifemmo/client';
import type { Density, OwnerCells, PlayerMe } from '@lifemmo/shared/client';

/** Time between polls, ms. */
export const POLL_MS = 2000;

/** A failed read: the HTTP status (0 for no answer) and the catalogue code when there was one. */
export class FeedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(url: string, token?: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new FeedError(0, undefined, (err as Error).message);
  }
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
  if (!res.ok) throw new FeedError(res.status, body?.error?.code, body?.error?.message ?? `HTTP ${res.status}`);
  return body as T;
}

/** GET /density. */
export function getDensity(base: string): Promise<Density> {
  return getJson<Density>(`${base}/density`);
}

/** GET /players/me with the player's token. */
export function getMe(base: string, token: string): Promise<PlayerMe> {
  return getJson<PlayerMe>(`${base}/players/me`, token);
}

/** GET /players/{owner}/cells: where the owner's live cells are, per chunk, most first (open to everyone). */
export function getOwnerCells(base: string, owner: number): Promise<OwnerCells> {
  return getJson<OwnerCells>(`${base}/players/${owner}/cells`);
}

/** GET /leaderboard (top 100: enough rows for the panel and colours for most owners in view). */
export function getRanking(base: string): Promise<Leaderboard> {
  return getLeaderboard(base, 100);
}
