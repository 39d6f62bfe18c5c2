/**
 * Players as a gateway knows them: the sim holds the registry (durable in its log and
 * snapshots, so a token made through any gateway works on every gateway and survives
 * restarts); the gateway keeps the players it has seen, by token hash, so most requests
 * authenticate without asking. Tokens never cross the bus: the gateway makes a new
 * player's token and sends only its SHA-256 hash.
 *
 * A kept player is forgotten when the sim revokes it (deleted, banned, reclaimed: SimLink
 * hears it from the sim's `revoked` messages or from a refusal), and every kept player is
 * forgotten when revocations may have been missed; `onRevoked` listeners (the WebSocket
 * transport) close the revoked players' connections.
 */
import { LifeError } from '@lifemmo/shared';
import type { NewPlayer, Player } from '../players/player-registry.js';
import { validatePlayerName } from '../players/player-name.js';
import { hashToken, newToken } from '../players/player-token.js';
import type { Revocations } from '../wire/index.js';
import type { SimLink } from './sim-link.js';

/** Most players kept per gateway; past it the cache starts over (the sim has them all). */
const MAX_CACHED = 100_000;

/** One revoked player, and why. */
export type Revoked = Revocations['players'][number];

/** See the module comment. */
export class GatewayPlayers {
  readonly #link: SimLink;
  readonly #byHash = new Map<string, Player>();
  /**
   * Tokens seen lately and their hashes: a request is checked twice (rate limit key, then
   * authentication), and hashing is a few percent of a placement's cost on the gateway.
   * The tokens are in this process's memory with every request anyway; this keeps them
   * no longer than the players they belong to.
   */
  readonly #hashOf = new Map<string, string>();
  readonly #revokedListeners = new Set<(players: readonly Revoked[]) => void>();

  constructor(link: SimLink) {
    this.#link = link;
    link.listen({
      revoked: (players) => this.#revoke(players),
      playersStale: () => this.#forgetAll(),
    });
  }

  /** The player holding `token` if this gateway has seen it; no request. */
  cached(token: string): Player | undefined {
    return this.#byHash.get(this.#hash(token));
  }

  /**
   * The player holding `token` (banned ones too: check `banned`), or undefined for an unknown token.
   * @throws LifeError LIFE_ERR_SIM_UNAVAILABLE when the token is not cached and the sim is out of reach.
   */
  async authenticate(token: string): Promise<Player | undefined> {
    const tokenHash = this.#hash(token);
    const known = this.#byHash.get(tokenHash);
    if (known !== undefined) return known;
    const found = await this.#link.playerByTokenHash(tokenHash);
    return found === null ? undefined : this.#remember(found);
  }

  /**
   * Create a player; resolves once the sim has made it durable.
   * @throws LifeError LIFE_ERR_BAD_NAME, LIFE_ERR_TOO_MANY_PLAYERS, LIFE_ERR_SIM_UNAVAILABLE
   */
  async create(rawName: string): Promise<NewPlayer> {
    const name = validatePlayerName(rawName);
    const token = newToken();
    const player = await this.#link.createPlayer(name, hashToken(token));
    if (player.tokenHash !== hashToken(token)) throw new LifeError('INTERNAL', 'The sim registered another token');
    return { player: this.#remember(player), token };
  }

  /** Call `listener` with every batch of revoked players; returns the function that stops it. */
  onRevoked(listener: (players: readonly Revoked[]) => void): () => void {
    this.#revokedListeners.add(listener);
    return () => this.#revokedListeners.delete(listener);
  }

  #revoke(players: readonly Revoked[]): void {
    const hashes = new Set<string>();
    for (const p of players) {
      this.#byHash.delete(p.tokenHash);
      hashes.add(p.tokenHash);
    }
    for (const [token, hash] of this.#hashOf) if (hashes.has(hash)) this.#hashOf.delete(token);
    for (const listener of this.#revokedListeners) listener(players);
  }

  #forgetAll(): void {
    this.#byHash.clear();
    this.#hashOf.clear();
  }

  #hash(token: string): string {
    let hash = this.#hashOf.get(token);
    if (hash === undefined) {
      hash = hashToken(token);
      // Only a known player's token is kept (random tokens must not fill memory).
      if (this.#byHash.has(hash)) this.#hashOf.set(token, hash);
    }
    return hash;
  }

  #remember(p: Player): Player {
    if (this.#byHash.size >= MAX_CACHED) this.#forgetAll();
    const player: Player = Object.freeze({ id: p.id, name: p.name, color: p.color, tokenHash: p.tokenHash, banned: p.banned });
    this.#byHash.set(player.tokenHash, player);
    return player;
  }
}
