/**
 * The JSON replies of the REST API, as clients read them: one definition for the SDK
 * (client-sdk/src/rest.ts), the web page and the status page. The server describes each
 * reply with a zod schema (for validation and the OpenAPI document) that is checked
 * against these types when it compiles (server/src/http/schemas.ts, `conforms`), so a
 * field added on one side and not the other is a type error. docs/api.md says what each
 * field means. Arrays are plain arrays (not readonly) because the server's route handlers
 * return these objects to Fastify, whose typing of a zod schema's output is mutable.
 */
import type { Topology } from './geometry.js';

/** Reply of POST /players. The token is shown once: keep it. */
export interface NewPlayer {
  readonly id: number;
  readonly name: string;
  /** "#rrggbb". */
  readonly color: string;
  /** Bearer token for placements (REST and WebSocket). */
  readonly token: string;
}

/** Reply of GET /world. */
export interface WorldInfo {
  readonly width: number;
  readonly height: number;
  readonly topology: Topology;
  readonly rule: string;
  readonly chunkSize: number;
  readonly shardSize: number;
  readonly generation: number;
  readonly population: number;
  readonly tickMs: number;
  readonly paused: boolean;
  /** How far the tick runs behind its schedule now, ms (0 when it keeps up, and while paused). */
  readonly lagMs: number;
  /** Ticks per second over the last few seconds. */
  readonly ticksPerSecond: number;
  /** A world split into regions (REGIONS): where each region's sim is; absent for a whole world. */
  readonly regions?: RegionState[];
}

/** One region of a split world in GET /world. */
export interface RegionState {
  readonly id: number;
  /** The region's latest generation (the world's `generation` is the least of them). */
  readonly generation: number;
  /** Generations behind the region furthest ahead (lock-step keeps it to a few). */
  readonly behind: number;
  readonly paused: boolean;
  /** How far its tick ran behind its schedule at its latest tick, ms. */
  readonly lagMs: number;
  /** Ms since its latest summary arrived (-1: never). */
  readonly heardMsAgo: number;
}

/** One player of GET /leaderboard. */
export interface LeaderboardEntry {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  /** Live cells owned. */
  readonly population: number;
  /** Cells born by the rule that took the player as owner (a running count, not persisted). */
  readonly births: number;
}

/** Reply of GET /leaderboard. */
export interface Leaderboard {
  readonly generation: number;
  readonly players: LeaderboardEntry[];
}

/** Reply of GET /cells (JSON): [x, y, owner] in world coordinates. */
export interface Region {
  readonly generation: number;
  readonly cells: Array<[number, number, number]>;
}

/** `budget` of GET /players/me: exact at `generation`. */
export interface BudgetReading {
  readonly available: number;
  readonly capacity: number;
  readonly refillPerGen: number;
  readonly generation: number;
}

/** Reply of GET /players/me. */
export interface PlayerMe {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  /** Live cells the player owns. */
  readonly population: number;
  /** Cells born by the rule that took the player as owner (a running count, not persisted). */
  readonly births: number;
  readonly budget: BudgetReading;
}

/** Reply of GET /players/{id}/cells: where an owner's live cells are, chunk by chunk. */
export interface OwnerCells {
  readonly generation: number;
  readonly owner: number;
  /** The owner's live cells in the whole world. */
  readonly population: number;
  /** Chunks holding any of them (`chunks` lists at most the limit asked for). */
  readonly chunkCount: number;
  /** Side of a chunk, cells. */
  readonly chunkSize: number;
  /** [cx, cy, live cells of the owner], most first (ties by row, then column). */
  readonly chunks: Array<[number, number, number]>;
}

/** Reply of GET /density: live cells per bin. */
export interface Density {
  readonly generation: number;
  readonly width: number;
  readonly height: number;
  /** Side of a bin, cells (a multiple of the chunk size). */
  readonly binSize: number;
  readonly cols: number;
  readonly rows: number;
  /** [column, row, live cells] of every non-empty bin. */
  readonly bins: Array<[number, number, number]>;
}

/** One player of GET /admin/players. */
export interface ListedPlayer {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  readonly banned: boolean;
  /** ISO 8601. */
  readonly seenAt: string;
  /** Live cells owned. */
  readonly cells: number;
}

/** Reply of GET /admin/players: one page of players, by id. */
export interface PlayersPage {
  readonly players: ListedPlayer[];
  /** `after` of the next page; null on the last page. */
  readonly next: number | null;
  readonly total: number;
  /** Most players at once (the server's MAX_PLAYERS). */
  readonly max: number;
}

/** A process's role as GET /status.json names it. */
export type StatusRole = 'standalone' | 'gateway';

/** Placement requests through a gateway since it started. */
export interface PlacementCounts {
  readonly accepted: number;
  readonly refused: number;
}

/** One gateway in GET /status.json's `gateways`. */
export interface GatewayEntry {
  readonly id: string;
  readonly role: StatusRole;
  readonly clients: number;
  readonly placements: PlacementCounts;
  readonly simUp: boolean;
  /** The latest generation it heard of. */
  readonly generation: number;
  /** Since its latest announcement reached the answering gateway, ms (0 for that one). */
  readonly heardMsAgo: number;
  /** True for the gateway that answered. */
  readonly self: boolean;
}

/** Reply of GET /status.json: running totals (take rates from two reports) and, with the admin token, `details`. */
export interface StatusReport {
  /** When the report was made, ms since the epoch. */
  readonly at: number;
  readonly role: StatusRole;
  readonly world: {
    readonly generation: number;
    readonly population: number;
    readonly paused: boolean;
    readonly tickMs: number;
    readonly lagMs: number;
  };
  readonly ticks: { readonly count: number; readonly durationSeconds: number; readonly lagSeconds: number };
  readonly clients: number;
  readonly placements: PlacementCounts;
  readonly sim: { readonly up: boolean; readonly heardMsAgo: number | null };
  readonly bus: {
    readonly messages: number;
    readonly bytes: number;
    readonly summaries: number;
    readonly simDelaySeconds: number;
    readonly busDelaySeconds: number;
  };
  /** Every gateway of the world heard on the bus, the answering one first. */
  readonly gateways: GatewayEntry[];
  readonly details?: StatusDetails;
}

/** `details` of GET /status.json (admin token only). */
export interface StatusDetails {
  readonly gateway: {
    readonly id: string;
    readonly pid: number;
    readonly uptimeSeconds: number;
    readonly rssBytes: number;
    readonly heapUsedBytes: number;
    readonly eventLoopActiveMs: number;
    readonly eventLoopIdleMs: number;
    readonly replicaChunks: number;
  };
  readonly sim: { readonly instance: number; readonly inProcess: boolean; readonly world: string };
}
