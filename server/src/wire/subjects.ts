/**
 * The subjects of one world on the bus (DESIGN.md, "Subjects"). NATS and the in-process
 * bus use the same names. `region` is 0 while one sim owns the whole world.
 */

/** The subjects of the world named `world`. */
export interface Subjects {
  /** Per-generation summary, published by the sim after the generation's diffs (TickMessage). */
  readonly tick: string;
  /** A shard's encoded diff records for one generation. */
  diff(shard: number): string;
  /** Request/reply: the records of some chunks of a shard now (SnapshotRequest). */
  snapshot(shard: number): string;
  /** What the sim's responder listens on: every shard's snapshot subject. */
  readonly snapshotAll: string;
  /**
   * Request/reply: a batch of players' placements (PlaceRequest). Gateways send every batch
   * to region 0, the home of players and budgets, which places each across the regions its
   * cells lie in (docs/regions.md, "Placements across regions").
   */
  place(region: number): string;
  /** Request/reply between sims: prepare, commit or abort one region's part of a placement transaction, or ask the home its outcome (region/bus-placement.ts). */
  part(region: number): string;
  /** A region's border ring of one generation, read by its neighbours (HaloMessage). */
  halo(region: number): string;
  /** Request/reply: pause, resume, step, reset one region's sim (JSON); a gateway gives each region the same command at one point. */
  admin(region: number): string;
  /** Gateways announce the chunks their clients watch, as a lease (InterestMessage). */
  readonly interest: string;
  /** Request/reply: one region's figures, leaderboard, density, budgets, point (JSON); a gateway merges the regions' replies. */
  query(region: number): string;
  /** Request/reply: the live cells of a rectangle in one region (binary reply). */
  cells(region: number): string;
  /** Request/reply: create, authenticate, list, delete and ban players (JSON); answered by region 0, their home. */
  readonly players: string;
  /** Players whose tokens stopped working (deleted, banned, reclaimed), published by the sim (JSON Revocations). */
  readonly revoked: string;
  /** Every gateway announces its public figures here once a second (GatewayAnnouncement), for the status pages. */
  readonly gateways: string;
}

/** World names are one subject token: letters, digits, `-` and `_`. */
export const WORLD_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The subjects of world `world` (a WORLD_NAME_PATTERN token). */
export function subjectsFor(world: string): Subjects {
  const base = `lifemmo.${world}`;
  return {
    tick: `${base}.tick`,
    diff: (shard) => `${base}.diff.${shard}`,
    snapshot: (shard) => `${base}.snapshot.${shard}`,
    snapshotAll: `${base}.snapshot.*`,
    place: (region) => `${base}.place.${region}`,
    halo: (region) => `${base}.halo.${region}`,
    part: (region) => `${base}.part.${region}`,
    admin: (region) => `${base}.admin.${region}`,
    interest: `${base}.interest`,
    query: (region) => `${base}.query.${region}`,
    cells: (region) => `${base}.cells.${region}`,
    players: `${base}.players`,
    revoked: `${base}.revoked`,
    gateways: `${base}.gateways`,
  };
}
