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
  /** Request/reply: place cells in a region (PlaceRequest). */
  place(region: number): string;
  /** A region's border ring of one generation, read by its neighbours (HaloMessage). */
  halo(region: number): string;
  /** Request/reply: pause, resume, step, reset (JSON). */
  readonly admin: string;
  /** Gateways announce the chunks their clients watch, as a lease (InterestMessage). */
  readonly interest: string;
  /** Request/reply: world figures, leaderboard, density, budgets (JSON). */
  readonly query: string;
  /** Request/reply: the live cells of a rectangle (binary reply). */
  readonly cells: string;
  /** Request/reply: create, authenticate, list, delete and ban players (JSON). */
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
    admin: `${base}.admin`,
    interest: `${base}.interest`,
    query: `${base}.query`,
    cells: `${base}.cells`,
    players: `${base}.players`,
    revoked: `${base}.revoked`,
    gateways: `${base}.gateways`,
  };
}
