/**
 * The small JSON messages between a gateway and its sim (admin, query, players requests;
 * revocations), with zod schemas the receiver checks them against: a peer of another
 * version fails with LIFE_ERR_VALIDATION instead of doing something else.
 */
import { z } from 'zod';
import type { Density, Leaderboard, ListedPlayer as ListedPlayerReply, OwnerCells, PlayersPage as PlayersPageReply } from '@lifemmo/shared';

/**
 * `at`: take effect when the world reaches generation `generation` of epoch `epoch` (resets
 * so far), before its tick to the next generation, rather than now: how one command given
 * to the sim of every region of a world takes effect at the same generation in each
 * (docs/regions.md; region/command-point.ts chooses the point). The reply comes once it
 * has. Refused with LIFE_ERR_GENERATION_PASSED when the world is already past it.
 */
const at = { at: z.object({ epoch: z.int().min(0), generation: z.int().min(0) }).optional() };

/**
 * `at` on a query: answer when the world is at that point (between ticks, as a command at
 * a point is applied), not now: how every region of a split world answers one read at the
 * same generation (docs/regions.md, "Reads at one point"). Refused with
 * LIFE_ERR_GENERATION_PASSED when the world is already past it; the asker chooses a later point.
 */
const readAt = at;

/**
 * `hold` (with `at`): the first phase of a command given to every region of a split world,
 * from the home (docs/regions.md, "Admin at generation g"): do not apply it yet, but hold the world at
 * `at` for transaction `hold` and reply at once (refused with LIFE_ERR_GENERATION_PASSED
 * when past it); a `decide` for the same transaction then applies it there or lets it go.
 */
const held = { hold: z.string().min(1).max(64).optional() };

export const AdminRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('pause'), ...at, ...held }),
  z.object({ op: z.literal('resume'), ...at, ...held }),
  z.object({ op: z.literal('step'), generations: z.int().min(1), ...at, ...held }),
  /** `seeding`: seed the empty world with the sim's configured recipe (SEEDING_*), drawn from the (new) seed. */
  z.object({ op: z.literal('reset'), rule: z.string().optional(), seed: z.int().min(0).max(0xffff_ffff).optional(), seeding: z.boolean().optional(), ...at, ...held }),
  /** The second phase: apply the command held for `tx` (`commit`; the reply once applied) or let the world go on without it. */
  z.object({ op: z.literal('decide'), tx: z.string().min(1).max(64), commit: z.boolean() }),
  /** To the home, from a region holding for `tx` that heard no decision: what became of it (reply AdminOutcomeReply). */
  z.object({ op: z.literal('outcome'), tx: z.string().min(1).max(64) }),
]);
export type AdminRequest = z.infer<typeof AdminRequest>;
/** An admin command as a gateway's routes give it (no point, no phase: the home adds them to a split world's). */
export type AdminCommand = Exclude<AdminRequest, { op: 'decide' | 'outcome' }>;

/** The home's answer to `outcome`. */
export const AdminOutcomeReply = z.object({ outcome: z.enum(['commit', 'abort']) });
export type AdminOutcomeReply = z.infer<typeof AdminOutcomeReply>;

/**
 * How long applying an admin command may take at a sim, ms: one bus request timeout, and
 * one more per 100 generations of a step (stepping runs as fast as the sim can).
 */
export function adminWaitMs(command: AdminCommand, requestTimeoutMs: number): number {
  return requestTimeoutMs * (command.op === 'step' ? Math.max(1, Math.ceil(command.generations / 100)) : 1);
}

/** The world's state after an admin command. */
export interface AdminReply {
  readonly generation: number;
  /** Resets so far: with `generation`, the point the world is at (what `at` names). */
  readonly epoch: number;
  readonly paused: boolean;
  readonly rule: string;
  readonly seed: number;
}

export const QueryRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('leaderboard'), limit: z.int().min(1).max(1000) }),
  z.object({ op: z.literal('density'), maxBins: z.int().min(1).max(1024), ...readAt }),
  /** Where `owner`'s live cells are: its `limit` most populated chunks (reply OwnerCellsReply). */
  z.object({ op: z.literal('owner-cells'), owner: z.int().min(0).max(0xffff), limit: z.int().min(1).max(1_048_576), ...readAt }),
  /** `tag`: playerTag of the asking player's token hash, so a reused id is not mistaken for it. */
  z.object({ op: z.literal('budget'), owner: z.int().min(0), tag: z.int().min(0).max(0xffff_ffff), ...readAt }),
  /** Where the region is (reply RegionPoint: epoch, generation, paused): how a gateway chooses the point of an admin command. */
  z.object({ op: z.literal('point') }),
  /** Owners of live cells, queued placements or reservations in the region (reply OwnersInUseReply): how the home tells a free player id in a split world. */
  z.object({ op: z.literal('owners-in-use') }),
  /** Live cells and births per owner in the region (reply OwnerFiguresReply); `owners`: only these. How a gateway sums a split world's leaderboard and a player's figures. */
  z.object({ op: z.literal('owner-figures'), owners: z.array(z.int().min(0).max(0xffff)).max(1000).optional(), ...readAt }),
  /** Names and colours of these players (reply NamesReply; unknown ids left out): asked of the home, the only region with players. */
  z.object({ op: z.literal('names'), ids: z.array(z.int().min(1).max(0xffff)).max(1000) }),
]);

/** Reply of `owner-figures`: [owner, live cells, births] of each owner with either. */
export interface OwnerFiguresReply {
  readonly generation: number;
  readonly owners: Array<[number, number, number]>;
}

/** Reply of `names`. */
export interface NamesReply {
  readonly players: Array<{ id: number; name: string; color: string }>;
}

/** Reply of the `owners-in-use` query: the ids, ascending. */
export interface OwnersInUseReply {
  readonly owners: number[];
}
export type QueryRequest = z.infer<typeof QueryRequest>;

/**
 * Replies of the `leaderboard`, `density` and `owner-cells` queries: what the gateway
 * answers GET /leaderboard, /density and /players/{id}/cells with, as they are.
 */
export type LeaderboardReply = Leaderboard;
export type DensityReply = Density;
export type OwnerCellsReply = OwnerCells;

/** Reply of the `budget` query: the player's budget and figures now (what GET /players/me shows). */
export interface BudgetReply {
  readonly available: number;
  readonly generation: number;
  /** Live cells the player owns. */
  readonly population: number;
  /** Cells born by the rule that took the player as owner (Engine.birthsOf). */
  readonly births: number;
}

export const CellsRequest = z.object({ x: z.int(), y: z.int(), w: z.int().min(1), h: z.int().min(1), ...readAt });
export type CellsRequest = z.infer<typeof CellsRequest>;

/** Most players in one page of `list`. */
export const MAX_PLAYERS_PAGE = 1000;

export const PlayersRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), name: z.string(), tokenHash: z.string().regex(/^[0-9a-f]{64}$/) }),
  z.object({ op: z.literal('auth'), tokenHash: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** Players with ids above `after`, by id; reply PlayersPage. */
  z.object({ op: z.literal('list'), after: z.int().min(0), limit: z.int().min(1).max(MAX_PLAYERS_PAGE) }),
  /** Reply: the WirePlayer deleted (LIFE_ERR_PLAYER_NOT_FOUND when none). */
  z.object({ op: z.literal('delete'), id: z.int().min(1) }),
  /** Reply: the WirePlayer banned (LIFE_ERR_PLAYER_NOT_FOUND when none). */
  z.object({ op: z.literal('ban'), id: z.int().min(1) }),
]);
export type PlayersRequest = z.infer<typeof PlayersRequest>;

/** A player as it crosses the bus: never the token, only its hash. */
export interface WirePlayer {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  readonly tokenHash: string;
  readonly banned: boolean;
}

/**
 * A player as the admin lists it (no token hash), as the sim sends it: GET /admin/players's
 * entry except `seenAt`, last seen (created, placed, looked up by token) in ms since the
 * epoch, which the gateway writes as ISO 8601.
 */
export type ListedPlayer = Omit<ListedPlayerReply, 'seenAt'> & { readonly seenAt: number };

/** One page of players, as the sim sends it (GET /admin/players's reply but for `seenAt`). */
export type PlayersPage = Omit<PlayersPageReply, 'players'> & { readonly players: ListedPlayer[] };

/**
 * Published by the sim on `revoked` once players' removals or bans are durable: gateways
 * forget them and close their WebSocket connections. `seq` counts revocation messages of
 * this sim instance; its summaries carry the latest (a gateway that missed one forgets
 * every cached player).
 */
export const Revocations = z.object({
  seq: z.int().min(1),
  players: z.array(
    z.object({
      id: z.int().min(1),
      tokenHash: z.string(),
      reason: z.enum(['deleted', 'banned', 'reclaimed']),
    }),
  ),
});
export type Revocations = z.infer<typeof Revocations>;

/**
 * A gateway's public figures, published once a second on `gateways` so that each gateway's
 * status page can show every gateway of the world side by side (gateway/gateway-roster.ts).
 * Running totals, as in `/status.json`: a reader takes rates from two announcements.
 */
export const GatewayAnnouncement = z.object({
  id: z.string().min(1).max(64),
  /** `standalone` or `gateway`. */
  role: z.enum(['standalone', 'gateway']),
  clients: z.int().min(0),
  placements: z.object({ accepted: z.int().min(0), refused: z.int().min(0) }),
  /** Whether this gateway hears the sim's summaries. */
  simUp: z.boolean(),
  /** The latest generation it heard of. */
  generation: z.int().min(0),
});
export type GatewayAnnouncement = z.infer<typeof GatewayAnnouncement>;

/**
 * Requests between sims on `part.<region>` (region/bus-placement.ts): one region's part of
 * placement transaction `tx` (two-phase commit, region/placement-coordinator.ts).
 * `prepare` replies a Reservation (id, generation, epoch, ttlMs) once the part is durable
 * in the region's log; `commit` replies `{}` once it is queued at `generation` and that is
 * durable (also when it was committed before); `abort` replies `{}`. `outcome`, answered
 * by the home only, replies an Outcome: what became of `tx`. Refusals keep their
 * catalogue codes.
 */
const tx = z.string().min(1).max(64);
export const PartRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('prepare'), tx, owner: z.int().min(0).max(0xffff), cells: z.array(z.tuple([z.int(), z.int()])).min(1) }),
  z.object({ op: z.literal('commit'), tx, generation: z.int().min(1) }),
  z.object({ op: z.literal('abort'), tx }),
  z.object({ op: z.literal('outcome'), tx }),
]);
export type PartRequest = z.infer<typeof PartRequest>;

/** The reply to a `part.<region>` `prepare`: the region's Reservation (engine/reservations.ts). */
export const PartReservation = z.object({
  id: z.int().min(1),
  generation: z.int().min(1),
  epoch: z.int().min(0),
  ttlMs: z.number().positive(),
});

/** The home's reply to a `part.0` `outcome`: what became of a transaction. */
export const PartOutcome = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('commit'), generation: z.int().min(1) }),
  z.object({ outcome: z.literal('abort') }),
]);
