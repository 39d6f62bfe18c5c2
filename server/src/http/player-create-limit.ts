/**
 * The limit on creating players: `PLAYER_CREATE_PER_MINUTE` per client address, its own
 * counter, stricter than the general limit (which it replaces on `POST /players`). Keyed by
 * address whatever token the request carries, so holding a player does not buy more.
 * Over it: 429 LIFE_ERR_PLAYER_CREATE_RATE_LIMITED with `retry-after`. The admin creates
 * players through `POST /admin/players`, which no per-address limit applies to.
 */
import type { RateLimitOptions } from '@fastify/rate-limit';
import { LifeError } from '@lifemmo/shared';

/** One minute, ms: the window of the limit. */
const MINUTE_MS = 60_000;

/**
 * The route's `config.rateLimit` for `perMinute` creations per address; undefined when the
 * limit is off (0), so the general limit applies instead.
 */
export function playerCreateRateLimit(perMinute: number): RateLimitOptions | undefined {
  if (perMinute <= 0) return undefined;
  return {
    max: perMinute,
    timeWindow: MINUTE_MS,
    keyGenerator: (request) => `create:${request.ip}`,
    errorResponseBuilder: (_request, context) =>
      new LifeError(
        'PLAYER_CREATE_RATE_LIMITED',
        `Too many players created from this address: at most ${context.max} per minute (PLAYER_CREATE_PER_MINUTE); retry in ${context.after}`,
      ),
  };
}
