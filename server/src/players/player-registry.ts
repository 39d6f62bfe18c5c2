/**
 * The player registry: creates players (id, name, colour, token) and authenticates
 * bearer tokens. An interface with an in-memory default, so a later issue can persist it.
 *
 * Ids run 1..65535 because the engine stores a cell's owner in 16 bits; 0 is neutral.
 */
import { LifeError } from '@lifemmo/shared';
import { playerColor } from './player-color.js';
import { validatePlayerName } from './player-name.js';
import { hashToken, newToken } from './player-token.js';

/** Largest player id (owners are 16-bit in the engine). */
export const MAX_PLAYER_ID = 0xffff;

/** A player as the server knows it. The token itself is never kept. */
export interface Player {
  readonly id: number;
  readonly name: string;
  /** `#rrggbb`. */
  readonly color: string;
  /** Hex SHA-256 of the bearer token. */
  readonly tokenHash: string;
}

/** What `create` hands back once: the player and its token in clear. */
export interface NewPlayer {
  readonly player: Player;
  readonly token: string;
}

/** Where players live. Implementations must be safe to call from any request handler. */
export interface PlayerRegistry {
  /**
   * Create a player with a validated name, a fresh id, a colour and a token.
   * @throws LifeError LIFE_ERR_BAD_NAME, LIFE_ERR_TOO_MANY_PLAYERS
   */
  create(name: string): NewPlayer;
  /**
   * Create a player whose token someone else made and hashed (a gateway keeps tokens off
   * the bus: only the hash reaches the sim).
   * @throws LifeError LIFE_ERR_BAD_NAME, LIFE_ERR_TOO_MANY_PLAYERS
   */
  register(name: string, tokenHash: string): Player;
  /** The player whose token hashes to `tokenHash`, or undefined. */
  byTokenHash(tokenHash: string): Player | undefined;
  /** The player holding `token`, or undefined for an unknown token. */
  authenticate(token: string): Player | undefined;
  /** The player with id `id`, or undefined. */
  get(id: number): Player | undefined;
  /** Number of players. */
  readonly size: number;
  /** Every player, by id (for snapshots). */
  list(): Player[];
  /** Put back a player known from storage (recovery); new ids continue after it. */
  restore(player: Player): void;
}

/** The in-process registry: two maps, lost on restart. */
export class MemoryPlayerRegistry implements PlayerRegistry {
  readonly #byId = new Map<number, Player>();
  readonly #byTokenHash = new Map<string, Player>();
  #nextId = 1;

  create(rawName: string): NewPlayer {
    const token = newToken();
    return { player: this.register(rawName, hashToken(token)), token };
  }

  register(rawName: string, tokenHash: string): Player {
    const name = validatePlayerName(rawName);
    if (this.#nextId > MAX_PLAYER_ID) throw new LifeError('TOO_MANY_PLAYERS');
    const id = this.#nextId++;
    const player: Player = Object.freeze({ id, name, color: playerColor(id), tokenHash });
    this.#byId.set(id, player);
    this.#byTokenHash.set(player.tokenHash, player);
    return player;
  }

  authenticate(token: string): Player | undefined {
    // Looking up the hash, not the token, makes the lookup time independent of how
    // much of a guessed token is right.
    return this.#byTokenHash.get(hashToken(token));
  }

  byTokenHash(tokenHash: string): Player | undefined {
    return this.#byTokenHash.get(tokenHash);
  }

  get(id: number): Player | undefined {
    return this.#byId.get(id);
  }

  get size(): number {
    return this.#byId.size;
  }

  list(): Player[] {
    return [...this.#byId.values()].sort((a, b) => a.id - b.id);
  }

  restore(player: Player): void {
    const frozen = Object.freeze({ ...player });
    this.#byId.set(frozen.id, frozen);
    this.#byTokenHash.set(frozen.tokenHash, frozen);
    this.#nextId = Math.max(this.#nextId, frozen.id + 1);
  }
}
