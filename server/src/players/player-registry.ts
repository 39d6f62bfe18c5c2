/**
 * The player registry: players (id, name, colour, token hash, banned or not), when each
 * was last seen, and which ids are free. The sim owns it (sim/player-service.ts decides
 * who is created, removed, banned and reclaimed, and makes it durable); this module only
 * keeps the books.
 *
 * Ids run 1..max (MAX_PLAYERS, at most 65535) because the engine stores a cell's owner in
 * 16 bits; 0 is neutral. A new player gets the lowest id never given so far while there is
 * one. After that, an id comes back only through `register(..., isFree)`: the caller says
 * which ids no live cell or queued placement still carries, so a new player never
 * inherits another's cells.
 */
import { LifeError } from '@lifemmo/shared';
import { playerColor } from './player-color.js';
import { validatePlayerName } from './player-name.js';
import { hashToken, newToken } from './player-token.js';

/** Largest player id there can ever be (owners are 16-bit in the engine). */
export const MAX_PLAYER_ID = 0xffff;

/** A player as the server knows it. The token itself is never kept. */
export interface Player {
  readonly id: number;
  readonly name: string;
  /** `#rrggbb`. */
  readonly color: string;
  /** Hex SHA-256 of the bearer token. */
  readonly tokenHash: string;
  /** Banned by the admin: its token is refused (LIFE_ERR_PLAYER_BANNED) and its id stays taken. */
  readonly banned: boolean;
}

/** What `create` hands back once: the player and its token in clear. */
export interface NewPlayer {
  readonly player: Player;
  readonly token: string;
}

/**
 * A short check that a request made for player `id` is for this player and not an
 * earlier holder of a reused id: the first 32 bits of the token hash.
 */
export function playerTag(tokenHash: string): number {
  return Number.parseInt(tokenHash.slice(0, 8), 16) >>> 0;
}

/** The registry's in-memory implementation (the sim persists it through its log and snapshots). */
export class MemoryPlayerRegistry {
  /** Ids run 1..maxId. */
  readonly maxId: number;
  readonly #byId = new Map<number, Player>();
  readonly #byTokenHash = new Map<string, Player>();
  /** Last seen, ms since the epoch, by id. */
  readonly #seenAt = new Map<number, number>();
  /** Ids 1..idsGiven have been given at least once. */
  #idsGiven = 0;

  constructor(maxId = MAX_PLAYER_ID) {
    if (!Number.isInteger(maxId) || maxId < 1 || maxId > MAX_PLAYER_ID) throw new RangeError(`maxId must be 1..${MAX_PLAYER_ID}`);
    this.maxId = maxId;
  }

  /** Create a player with a fresh token (tests and tools; the sim registers hashes). */
  create(name: string, now = Date.now()): NewPlayer {
    const token = newToken();
    return { player: this.register(name, hashToken(token), now), token };
  }

  /**
   * Register a player whose token hashes to `tokenHash`: the lowest id never given, else
   * the lowest free id that `isFree` accepts (no cells carry it).
   * @throws LifeError LIFE_ERR_BAD_NAME; LIFE_ERR_TOO_MANY_PLAYERS when no id is free.
   */
  register(rawName: string, tokenHash: string, now: number, isFree?: (id: number) => boolean): Player {
    const name = validatePlayerName(rawName);
    const id = this.freeId(isFree);
    if (id === undefined) throw new LifeError('TOO_MANY_PLAYERS');
    const player = this.restore({ id, name, color: playerColor(id), tokenHash, banned: false }, now);
    return player;
  }

  /** Whether an id is free to give without asking about cells (never given before). */
  get hasFreshId(): boolean {
    return this.#idsGiven < this.maxId;
  }

  /** Ids given at least once (1..this): kept in snapshots so a restart never gives one out as fresh again. */
  get idsGiven(): number {
    return this.#idsGiven;
  }

  /** Raise idsGiven to `n` (recovery). */
  noteIdsGiven(n: number): void {
    this.#idsGiven = Math.min(this.maxId, Math.max(this.#idsGiven, n));
  }

  /** The id `register` would give: the lowest never given, else the lowest unheld one `isFree` accepts. */
  freeId(isFree?: (id: number) => boolean): number | undefined {
    if (this.#idsGiven < this.maxId) return this.#idsGiven + 1;
    if (isFree === undefined) return undefined;
    for (let id = 1; id <= this.maxId; id++) if (!this.#byId.has(id) && isFree(id)) return id;
    return undefined;
  }

  /** The player holding `token`, or undefined for an unknown token. */
  authenticate(token: string): Player | undefined {
    // Looking up the hash, not the token, makes the lookup time independent of how
    // much of a guessed token is right.
    return this.#byTokenHash.get(hashToken(token));
  }

  /** The player whose token hashes to `tokenHash`, or undefined. */
  byTokenHash(tokenHash: string): Player | undefined {
    return this.#byTokenHash.get(tokenHash);
  }

  /** The player with id `id`, or undefined. */
  get(id: number): Player | undefined {
    return this.#byId.get(id);
  }

  /** Number of players (banned ones included). */
  get size(): number {
    return this.#byId.size;
  }

  /** Every player, by id (for snapshots). */
  list(): Player[] {
    return [...this.#byId.values()].sort((a, b) => a.id - b.id);
  }

  /** At most `limit` players with ids above `afterId`, by id. */
  page(afterId: number, limit: number): Player[] {
    const out: Player[] = [];
    for (let id = afterId + 1; id <= this.maxId && out.length < limit; id++) {
      const player = this.#byId.get(id);
      if (player !== undefined) out.push(player);
    }
    return out;
  }

  /** When player `id` was last seen, ms since the epoch (undefined for no such player). */
  seenAt(id: number): number | undefined {
    return this.#seenAt.get(id);
  }

  /** Player `id` did something at `now` (a placement, a look-up by token): it is not idle. */
  touch(id: number, now: number): void {
    if (this.#seenAt.has(id) && now > this.#seenAt.get(id)!) this.#seenAt.set(id, now);
  }

  /**
   * Put a player in (recovery, and `register`); it was last seen at `seenAt`. Replaces a
   * player holding the same id.
   */
  restore(player: Player, seenAt: number): Player {
    const frozen: Player = Object.freeze({ id: player.id, name: player.name, color: player.color, tokenHash: player.tokenHash, banned: player.banned });
    this.remove(frozen.id);
    this.#byId.set(frozen.id, frozen);
    this.#byTokenHash.set(frozen.tokenHash, frozen);
    this.#seenAt.set(frozen.id, seenAt);
    this.noteIdsGiven(frozen.id);
    return frozen;
  }

  /** Remove player `id` (deleted or reclaimed); its token stops working. Returns it, or undefined. */
  remove(id: number): Player | undefined {
    const player = this.#byId.get(id);
    if (player === undefined) return undefined;
    this.#byId.delete(id);
    this.#byTokenHash.delete(player.tokenHash);
    this.#seenAt.delete(id);
    return player;
  }

  /** Ban player `id`: kept, with its id, but its token is refused. Returns it banned, or undefined. */
  ban(id: number): Player | undefined {
    const player = this.#byId.get(id);
    if (player === undefined) return undefined;
    if (player.banned) return player;
    return this.restore({ ...player, banned: true }, this.#seenAt.get(id) ?? 0);
  }

  /**
   * Players whose ids may be reclaimed at `now`: not banned, not seen since
   * `now - idleMs`, and owning no cell (`hasCells` false). Least recently seen first.
   */
  idle(now: number, idleMs: number, hasCells: (id: number) => boolean): Player[] {
    const out: Array<[Player, number]> = [];
    for (const player of this.#byId.values()) {
      const seen = this.#seenAt.get(player.id) ?? 0;
      if (!player.banned && now - seen >= idleMs && !hasCells(player.id)) out.push([player, seen]);
    }
    return out.sort((a, b) => a[1] - b[1] || a[0].id - b[0].id).map(([p]) => p);
  }
}

/** The registry the sim uses. */
export type PlayerRegistry = MemoryPlayerRegistry;
