/**
 * What the write-ahead log holds: every fact the world's state depends on that a
 * snapshot does not yet contain. Records are JSON, validated with zod when read back.
 */
import { z } from 'zod';

const cell = z.tuple([z.number().int(), z.number().int()]);

/** A seeding recipe (engine/seeding.ts) as a reset record holds it. */
const seeding = z.object({
  soup: z.object({ density: z.number().min(0).max(1), patch: z.number().int().positive(), spacing: z.number().int().positive() }),
  patterns: z.array(z.object({ x: z.number().int(), y: z.number().int(), rle: z.string() })).readonly(),
});

/** The records, by type `t`. `lsn` is the log sequence number, 1, 2, 3... */
export const WalRecordSchema = z.discriminatedUnion('t', [
  /**
   * A player was created (acknowledged with 201 after this record was durable), at `at`
   * (ms since the epoch; absent in logs written before players could be reclaimed).
   */
  z.object({
    t: z.literal('player'),
    lsn: z.number().int().positive(),
    id: z.number().int().positive(),
    name: z.string(),
    color: z.string(),
    tokenHash: z.string(),
    at: z.number().optional(),
  }),
  /** Player `id` was deleted by the admin or reclaimed idle: its token stops working, its id may be given again. */
  z.object({ t: z.literal('player-removed'), lsn: z.number().int().positive(), id: z.number().int().positive(), reason: z.enum(['deleted', 'reclaimed']) }),
  /** Player `id` was banned by the admin: its token is refused, its id stays taken. */
  z.object({ t: z.literal('player-banned'), lsn: z.number().int().positive(), id: z.number().int().positive() }),
  /**
   * Cells placed by `owner`, live at `generation` (acknowledged after this record was
   * durable). With `tx`: a region's part of placement transaction `tx`, committed (its
   * `prepare` record comes before it; the home's `decide` record charged it).
   */
  z.object({
    t: z.literal('place'),
    lsn: z.number().int().positive(),
    owner: z.number().int().min(0),
    generation: z.number().int().positive(),
    cells: z.array(cell),
    tx: z.string().optional(),
  }),
  /**
   * A region's part of placement transaction `tx` (across regions; docs/regions.md), reserved
   * for `owner` from `generation` on and voted yes: durable before the vote. A `place` or
   * `abort` record of `tx` ends it; a log that ends before either asks the home.
   */
  z.object({ t: z.literal('prepare'), lsn: z.number().int().positive(), tx: z.string(), owner: z.number().int().min(0), generation: z.number().int().positive(), cells: z.array(cell) }),
  /** A region's part of placement transaction `tx` was let go (refused elsewhere, or aborted). */
  z.object({ t: z.literal('abort'), lsn: z.number().int().positive(), tx: z.string() }),
  /**
   * The home (region 0) decided placement transaction `tx`: its parts land at `generation`
   * in `regions`, and `owner` is charged the placement's `cells` (its budget). Durable before
   * the placement is acknowledged.
   */
  z.object({
    t: z.literal('decide'),
    lsn: z.number().int().positive(),
    tx: z.string(),
    owner: z.number().int().min(0),
    generation: z.number().int().positive(),
    cells: z.number().int().min(0),
    regions: z.array(z.number().int().min(0)),
  }),
  /** Every part of placement transaction `tx` has its commit: the home forgets it. */
  z.object({ t: z.literal('done'), lsn: z.number().int().positive(), tx: z.string() }),
  /**
   * Logs written before placement transactions: the home charged `owner`'s budget for the
   * `cells` of a placement that landed at `generation` in other regions.
   */
  z.object({ t: z.literal('charge'), lsn: z.number().int().positive(), owner: z.number().int().min(0), generation: z.number().int().positive(), cells: z.number().int().min(0) }),
  /**
   * A region's sim holds the world at point `epoch`/`generation` for admin transaction `tx`
   * (docs/regions.md, "Admin at generation g"), to apply `command` there if the home
   * decides so: durable before the region says it holds. An `admin-end` record of `tx` ends
   * it; a log that ends before one holds again, or asks the home. `command` is an admin
   * command as the bus carries it (wire/control.ts AdminRequest), checked when replayed.
   */
  z.object({
    t: z.literal('admin-hold'),
    lsn: z.number().int().positive(),
    tx: z.string(),
    epoch: z.number().int().min(0),
    generation: z.number().int().min(0),
    command: z.looseObject({ op: z.string() }),
  }),
  /** The admin command held for `tx` was applied (`applied`), or let go: written after the command's own records. */
  z.object({ t: z.literal('admin-end'), lsn: z.number().int().positive(), tx: z.string(), applied: z.boolean() }),
  /** The home decided to apply admin transaction `tx` in every region: durable before any region is told to. */
  z.object({ t: z.literal('admin-decide'), lsn: z.number().int().positive(), tx: z.string() }),
  /** Every region applied admin transaction `tx`: the home forgets it. */
  z.object({ t: z.literal('admin-done'), lsn: z.number().int().positive(), tx: z.string() }),
  /** The world reached `generation` (written every tick, made durable with the next group commit). */
  z.object({ t: z.literal('tick'), lsn: z.number().int().positive(), generation: z.number().int().min(0) }),
  /** An admin paused (true) or resumed (false) the tick loop (durable before the admin reply). */
  z.object({ t: z.literal('pause'), lsn: z.number().int().positive(), paused: z.boolean() }),
  /**
   * The world was reset to generation 0 with this rule and seed, then seeded with
   * `seeding`'s neutral cells drawn from the seed when present (a fresh world's first
   * record, or an admin reset that asked for it).
   */
  z.object({ t: z.literal('reset'), lsn: z.number().int().positive(), rule: z.string(), seed: z.number().int().min(0), seeding: seeding.optional() }),
  /**
   * A region's tick from `generation` read these halos of its neighbours (base64 of the
   * encoded halos, wire/halo-message.ts; they name their epoch). Logged before that tick's
   * own record, so a region's log replays without its neighbours (docs/regions.md,
   * "Durability of a region"). Only regions write it.
   */
  z.object({ t: z.literal('border'), lsn: z.number().int().positive(), generation: z.number().int().min(0), halos: z.array(z.string()) }),
  /**
   * A region's own halo of `generation` (base64 of the encoded halo), logged right after
   * each snapshot (which is of `generation` + 1): a region restarted from that snapshot
   * can still answer a neighbour one generation behind that lost it. Only regions write it.
   */
  z.object({ t: z.literal('halo'), lsn: z.number().int().positive(), generation: z.number().int().min(0), halo: z.string() }),
]);

/** One record as stored. */
export type WalRecord = z.infer<typeof WalRecordSchema>;

/** A record before the log gives it its sequence number. */
export type WalEntry = WalRecord extends infer R ? (R extends WalRecord ? Omit<R, 'lsn'> : never) : never;
