/**
 * Players in the sim: create, authenticate, list, delete, ban, and check that a placement
 * comes from a player who still exists. Every change is in the write-ahead log before it
 * is acknowledged, and a change that stops a token from working is then published to the
 * gateways (`revoked`), which forget the player and close its WebSocket connections.
 *
 * Ids never run out for good (docs/operations.md, "Players and their ids"): a new player
 * takes the lowest id never given; when all MAX_PLAYERS were given, the lowest id that
 * nobody holds and no live cell or queued placement carries; when there is none, up to
 * RECLAIM_BATCH idle players (no live cells, not seen for PLAYER_IDLE_MS, not banned) are
 * removed, least recently seen first, and the new player takes one of their ids. Ids are
 * chosen between two ticks, so no cell can take an owner while they are.
 */
import type { Logger } from 'pino';
import { LifeError } from '@lifemmo/shared';
import type { Engine } from '../engine/index.js';
import type { PlacementService } from '../placement/placement-service.js';
import { validatePlayerName } from '../players/player-name.js';
import { playerTag, type Player, type PlayerRegistry } from '../players/player-registry.js';
import type { Persistence } from '../store/persistence.js';
import type { ListedPlayer, PlayersPage, Revocations } from '../wire/index.js';

/** Most idle players reclaimed at once: bounds one reclaim's log records and revocation message. */
export const RECLAIM_BATCH = 1000;
/** After a search for an id found none, the next search waits this long, ms (a flood of joins at a full world costs one scan). */
const NO_ROOM_RETRY_MS = 1000;

/** What a PlayerService works with. */
export interface PlayerServiceParts {
  readonly registry: PlayerRegistry;
  readonly engine: Engine;
  readonly placement: PlacementService;
  readonly persistence: Persistence;
  /** Publishes revocations to the gateways (TickPublisher.revoke). */
  readonly revoke: (players: Revocations['players']) => void;
  readonly log: Logger;
  /** A player with no live cells not seen for this long may lose its id to a new player, ms. */
  readonly idleMs: number;
  /** The clock, ms since the epoch (tests pass their own). */
  readonly now?: () => number;
  /**
   * A world split into regions: the owners of live cells, queued placements or reservations
   * in the other regions (engine.ownersInUse's bitmap, OR-ed), asked for only when an id is
   * to be reused. An id one of them holds is not free, and a player owning cells there is
   * not idle.
   */
  readonly othersInUse?: () => Promise<Uint8Array>;
}

/** See the module comment. */
export class PlayerService {
  readonly #p: PlayerServiceParts;
  readonly #now: () => number;
  #noRoomUntil = 0;

  constructor(parts: PlayerServiceParts) {
    this.#p = parts;
    this.#now = parts.now ?? Date.now;
  }

  /**
   * Create a player whose token hashes to `tokenHash`; resolves once it is durable.
   * @throws LifeError LIFE_ERR_BAD_NAME, LIFE_ERR_TOO_MANY_PLAYERS (every id held by a
   *   player seen lately, banned, or owning cells), LIFE_ERR_STORE_FAILED.
   */
  async create(name: string, tokenHash: string): Promise<Player> {
    const { registry, persistence } = this.#p;
    const now = this.#now();
    if (registry.hasFreshId) {
      const player = registry.register(name, tokenHash, now);
      await persistence.playerCreated(player, now);
      return player;
    }
    validatePlayerName(name); // a bad name is BAD_NAME, whatever the room
    if (now < this.#noRoomUntil) throw this.#noRoom();
    // Asked before the ids are chosen: between the two, only registered players can give
    // an id cells, and a reclaimed player is one not seen lately (a placement is a sighting).
    const elsewhere = (await this.#p.othersInUse?.()) ?? null;
    const { player, reclaimed } = await this.#p.engine.whileIdle(() => this.#createReusing(name, tokenHash, now, elsewhere));
    await Promise.all([persistence.playersRemoved(reclaimed.map((p) => p.id), 'reclaimed'), persistence.playerCreated(player, now)]);
    if (reclaimed.length > 0) {
      this.#p.revoke(reclaimed.map((p) => ({ id: p.id, tokenHash: p.tokenHash, reason: 'reclaimed' as const })));
      this.#p.log.info({ reclaimed: reclaimed.length, ids: reclaimed.slice(0, 20).map((p) => p.id) }, 'idle players reclaimed for their ids');
    }
    return player;
  }

  /**
   * Between two ticks: a free id without cells, else reclaim idle players. The log records
   * are appended here, in order (removals, then the player), so replay sees the same.
   */
  #createReusing(name: string, tokenHash: string, now: number, elsewhere: Uint8Array | null): { player: Player; reclaimed: Player[] } {
    const { registry, engine, placement, idleMs } = this.#p;
    const inUse = engine.ownersInUse();
    if (elsewhere !== null) for (let id = 0; id < inUse.length; id++) inUse[id]! |= elsewhere[id] ?? 0;
    const isFree = (id: number) => inUse[id] === 0;
    let reclaimed: Player[] = [];
    if (registry.freeId(isFree) === undefined) {
      reclaimed = registry.idle(now, idleMs, (id) => inUse[id] === 1).slice(0, RECLAIM_BATCH);
      if (reclaimed.length === 0) {
        this.#noRoomUntil = now + NO_ROOM_RETRY_MS;
        throw this.#noRoom();
      }
      for (const p of reclaimed) {
        registry.remove(p.id);
        placement.dropBudget(p.id);
      }
    }
    const player = registry.register(name, tokenHash, now, isFree);
    // The id may have been someone else's: the births credited to it were theirs.
    engine.forgetBirths(player.id);
    return { player, reclaimed };
  }

  #noRoom(): LifeError {
    const { registry, idleMs } = this.#p;
    return new LifeError(
      'TOO_MANY_PLAYERS',
      `All ${registry.maxId} player ids are taken by players that own live cells, are banned, or were seen in the last ${Math.round(idleMs / 1000)} s; ` +
        'retry later (idle players give up their ids), or ask the admin to delete players',
      { maxPlayers: registry.maxId, idleMs },
    );
  }

  /** The player whose token hashes to `tokenHash` (banned ones too), or null; it counts as seen. */
  authenticate(tokenHash: string): Player | null {
    const player = this.#p.registry.byTokenHash(tokenHash);
    if (player === undefined) return null;
    this.#p.registry.touch(player.id, this.#now());
    return player;
  }

  /**
   * Check that player `owner`, authenticated by a gateway with a token of tag `tag`, still
   * exists and may act; it counts as seen.
   * @throws LifeError LIFE_ERR_BAD_TOKEN when it was deleted or reclaimed (its id may hold
   *   another player now), LIFE_ERR_PLAYER_BANNED when it was banned.
   */
  admit(owner: number, tag: number): void {
    const player = this.#p.registry.get(owner);
    if (player === undefined || playerTag(player.tokenHash) !== tag) {
      throw new LifeError('BAD_TOKEN', 'The bearer token is not known: this player was deleted, or reclaimed after being idle');
    }
    if (player.banned) throw new LifeError('PLAYER_BANNED');
    this.#p.registry.touch(owner, this.#now());
  }

  /** Players with ids above `after`, at most `limit`, with their live cells now. */
  list(after: number, limit: number): PlayersPage {
    const { registry, engine } = this.#p;
    const page = registry.page(after, limit + 1);
    const more = page.length > limit;
    if (more) page.pop();
    const cells = page.length === 0 ? new Map<number, number>() : engine.populationByOwner();
    const players: ListedPlayer[] = page.map((p) => ({
      id: p.id,
      name: p.name,
      color: p.color,
      banned: p.banned,
      seenAt: registry.seenAt(p.id) ?? 0,
      cells: cells.get(p.id) ?? 0,
    }));
    return { players, next: more ? page.at(-1)!.id : null, total: registry.size, max: registry.maxId };
  }

  /**
   * Delete player `id`: its token stops working at once on every gateway; its cells live
   * on (neutral on the leaderboard) and its id is given again once none carries it.
   * @throws LifeError LIFE_ERR_PLAYER_NOT_FOUND, LIFE_ERR_STORE_FAILED.
   */
  async delete(id: number): Promise<Player> {
    const { registry, placement, persistence } = this.#p;
    const player = registry.remove(id);
    if (player === undefined) throw notFound(id);
    placement.dropBudget(id);
    this.#noRoomUntil = 0; // its id may be free now
    await persistence.playersRemoved([id], 'deleted');
    this.#p.revoke([{ id, tokenHash: player.tokenHash, reason: 'deleted' }]);
    this.#p.log.warn({ playerId: id }, 'player deleted by admin');
    return player;
  }

  /**
   * Ban player `id`: its token is refused with LIFE_ERR_PLAYER_BANNED on every gateway; it
   * stays listed and keeps its id (delete it to free the id). Banning twice is one ban.
   * @throws LifeError LIFE_ERR_PLAYER_NOT_FOUND, LIFE_ERR_STORE_FAILED.
   */
  async ban(id: number): Promise<Player> {
    const { registry, persistence } = this.#p;
    const before = registry.get(id);
    if (before === undefined) throw notFound(id);
    if (before.banned) return before;
    const player = registry.ban(id)!;
    await persistence.playerBanned(id);
    this.#p.revoke([{ id, tokenHash: player.tokenHash, reason: 'banned' }]);
    this.#p.log.warn({ playerId: id }, 'player banned by admin');
    return player;
  }
}

function notFound(id: number): LifeError {
  return new LifeError('PLAYER_NOT_FOUND', `No player has id ${id}`, { id });
}
