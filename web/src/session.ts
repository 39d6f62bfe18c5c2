/**
 * The player this browser plays as: created once with a name (POST /players), then kept
 * in localStorage so a reload plays on as the same player. The token is the player's only
 * credential (the server shows it once), so it is stored as is; "Leave" forgets it.
 */
import { createPlayer, type NewPlayer } from '@lifemmo/client';

/** What is kept between visits. */
export interface StoredPlayer {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  readonly token: string;
}

/** The part of the Web Storage API used (localStorage, or a Map-backed double in tests). */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** localStorage key; one player per origin, and the page's origin is its server. */
export const SESSION_KEY = 'lifemmo.player';

/** Reads and writes the stored player. */
export class Session {
  readonly #store: KeyValueStore;

  constructor(store: KeyValueStore) {
    this.#store = store;
  }

  /** The stored player, or null (none, or unreadable: treated as none). */
  load(): StoredPlayer | null {
    const text = this.#store.getItem(SESSION_KEY);
    if (text === null) return null;
    try {
      const p = JSON.parse(text) as Partial<StoredPlayer>;
      if (typeof p.token !== 'string' || typeof p.id !== 'number' || typeof p.name !== 'string' || typeof p.color !== 'string') return null;
      return { id: p.id, name: p.name, color: p.color, token: p.token };
    } catch {
      return null;
    }
  }

  /** Keep `player`. */
  save(player: StoredPlayer): void {
    this.#store.setItem(SESSION_KEY, JSON.stringify({ id: player.id, name: player.name, color: player.color, token: player.token }));
  }

  /** Forget the player (leave, or the server no longer knows the token). */
  clear(): void {
    this.#store.removeItem(SESSION_KEY);
  }

  /**
   * Create a player named `name` on the server at `url` and keep it.
   * @throws LifeError LIFE_ERR_BAD_NAME, LIFE_ERR_TOO_MANY_PLAYERS, LIFE_ERR_RATE_LIMITED, LIFE_ERR_CONNECT_FAILED.
   */
  async join(url: string, name: string, create: typeof createPlayer = createPlayer): Promise<StoredPlayer> {
    const created: NewPlayer = await create(url, name);
    const player = { id: created.id, name: created.name, color: created.color, token: created.token };
    this.save(player);
    return player;
  }
}
