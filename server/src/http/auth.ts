/**
 * Bearer authentication for players and the admin. Tokens arrive only in the
 * `Authorization: Bearer <token>` header and are compared through their SHA-256 hashes.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, RequestPayload } from 'fastify';
import { LifeError } from '@lifemmo/shared';
import { bearerOf } from '../gateway/bearer-token.js';
import type { GatewayPlayers } from '../gateway/gateway-players.js';
import type { Player } from '../players/player-registry.js';
import { hashToken } from '../players/player-token.js';

/** The bearer token of a request, or undefined when there is no well-formed one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  return bearerOf(request.headers.authorization);
}

/**
 * The player whose token the request carries.
 * @throws LifeError LIFE_ERR_UNAUTHORIZED without a token, LIFE_ERR_BAD_TOKEN for an unknown one
 *   (never made, or its player deleted or reclaimed), LIFE_ERR_PLAYER_BANNED for a banned
 *   player's, LIFE_ERR_SIM_UNAVAILABLE when the token is new to this gateway and the sim is out of reach.
 */
export async function requirePlayer(request: FastifyRequest, players: GatewayPlayers): Promise<Player> {
  const token = bearerToken(request);
  if (token === undefined) throw new LifeError('UNAUTHORIZED');
  const player = await players.authenticate(token);
  if (!player) throw new LifeError('BAD_TOKEN');
  if (player.banned) throw new LifeError('PLAYER_BANNED');
  return player;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated player on player routes (set by `playerAuth`), else null. */
    player: Player | null;
  }
}

/**
 * A preParsing hook authenticating the player: after the rate limit (onRequest), before
 * the body is read, so a request without a valid token costs no parsing.
 * Needs `app.decorateRequest('player', null)`.
 */
export function playerAuth(
  players: GatewayPlayers,
): (request: FastifyRequest, reply: unknown, payload: RequestPayload) => Promise<RequestPayload> {
  return async (request, _reply, payload) => {
    request.player = await requirePlayer(request, players);
    return payload;
  };
}

/**
 * The player `playerAuth` authenticated.
 * @throws LifeError LIFE_ERR_UNAUTHORIZED when the route has no `playerAuth` hook (a bug, loudly).
 */
export function currentPlayer(request: FastifyRequest): Player {
  if (!request.player) throw new LifeError('UNAUTHORIZED');
  return request.player;
}

/** Checks admin tokens in constant time (both sides hashed to 32 bytes first). */
export class AdminGuard {
  readonly #hash: Buffer;

  constructor(adminToken: string) {
    this.#hash = Buffer.from(hashToken(adminToken), 'hex');
  }

  /** Whether the request carries the admin token (constant time); never throws. */
  carried(request: FastifyRequest): boolean {
    const token = bearerToken(request);
    return token !== undefined && timingSafeEqual(Buffer.from(hashToken(token), 'hex'), this.#hash);
  }

  /**
   * Let the request through only with the admin token.
   * @throws LifeError LIFE_ERR_UNAUTHORIZED without a token, LIFE_ERR_FORBIDDEN with any other token
   *   (a player's included).
   */
  require(request: FastifyRequest): void {
    const token = bearerToken(request);
    if (token === undefined) throw new LifeError('UNAUTHORIZED', 'An admin bearer token is required');
    const given = Buffer.from(hashToken(token), 'hex');
    if (!timingSafeEqual(given, this.#hash)) throw new LifeError('FORBIDDEN', 'This token is not the admin token');
  }
}
