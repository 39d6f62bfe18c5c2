/**
 * The small JSON requests a gateway sends its sim (admin, query, players), with zod
 * schemas the sim checks them against: a peer of another version fails with
 * LIFE_ERR_VALIDATION instead of doing something else.
 */
import { z } from 'zod';

export const AdminRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('pause') }),
  z.object({ op: z.literal('resume') }),
  z.object({ op: z.literal('step'), generations: z.int().min(1) }),
  z.object({ op: z.literal('reset'), rule: z.string().optional(), seed: z.int().min(0).max(0xffff_ffff).optional() }),
]);
export type AdminRequest = z.infer<typeof AdminRequest>;

/** The world's state after an admin command. */
export interface AdminReply {
  readonly generation: number;
  readonly paused: boolean;
  readonly rule: string;
  readonly seed: number;
}

export const QueryRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('leaderboard'), limit: z.int().min(1).max(1000) }),
  z.object({ op: z.literal('density'), maxBins: z.int().min(1).max(1024) }),
  z.object({ op: z.literal('budget'), owner: z.int().min(0) }),
]);
export type QueryRequest = z.infer<typeof QueryRequest>;

export interface LeaderboardReply {
  readonly generation: number;
  readonly players: Array<{ id: number; name: string; color: string; population: number }>;
}

export interface DensityReply {
  readonly generation: number;
  readonly width: number;
  readonly height: number;
  readonly binSize: number;
  readonly cols: number;
  readonly rows: number;
  readonly bins: Array<[number, number, number]>;
}

export interface BudgetReply {
  readonly available: number;
  readonly generation: number;
}

export const CellsRequest = z.object({ x: z.int(), y: z.int(), w: z.int().min(1), h: z.int().min(1) });
export type CellsRequest = z.infer<typeof CellsRequest>;

export const PlayersRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), name: z.string(), tokenHash: z.string().regex(/^[0-9a-f]{64}$/) }),
  z.object({ op: z.literal('auth'), tokenHash: z.string().regex(/^[0-9a-f]{64}$/) }),
]);
export type PlayersRequest = z.infer<typeof PlayersRequest>;

/** A player as it crosses the bus: never the token, only its hash. */
export interface WirePlayer {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  readonly tokenHash: string;
}
