// PlayerService over a real engine, placement service and persistence on a MemoryStore:
// ids are reclaimed only from idle players without cells, removals and bans are in the
// log, and a restart (log replay, then snapshot) rebuilds the same registry.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { isLifeError, parseRle } from '@lifemmo/shared';
import { loadConfig } from '../config/config.js';
import { PlacementService } from '../placement/placement-service.js';
import { MemoryPlayerRegistry, playerTag, type Player } from '../players/player-registry.js';
import { hashToken } from '../players/player-token.js';
import { MemoryStore } from '../store/memory-store.js';
import { Persistence } from '../store/persistence.js';
import type { WalRecord } from '../store/records.js';
import type { Snapshot } from '../store/snapshot-codec.js';
import type { Revocations } from '../wire/index.js';
import { PlayerService } from './player-service.js';
import { createEngine } from './sim.js';

const IDLE_MS = 60_000;

/** A sim's player side on `shared` storage, its clock at `clock.now`. */
async function boot(shared: { records: WalRecord[]; snapshot: Snapshot | null }, maxPlayers: number, clock: { now: number }, othersInUse?: () => Promise<Uint8Array>) {
  const config = loadConfig({ WORLD_WIDTH: '128', WORLD_HEIGHT: '128', CELL_LOGIC: 'local', MAX_PLAYERS: String(maxPlayers), SEEDING: 'off' });
  const engine = createEngine(config);
  const registry = new MemoryPlayerRegistry(maxPlayers);
  const placement = new PlacementService(engine, { budget: { capacity: 100, refillPerGen: 1 }, maxCellsPerRequest: 100 });
  const log = pino({ level: 'silent' });
  const persistence = new Persistence({ store: new MemoryStore(shared), engine, players: registry, placement, log, snapshotEvery: 1_000_000 });
  await persistence.recover();
  const revoked: Revocations['players'] = [];
  const service = new PlayerService({
    registry,
    engine,
    placement,
    persistence,
    revoke: (players) => revoked.push(...players),
    log,
    idleMs: IDLE_MS,
    now: () => clock.now,
    ...(othersInUse !== undefined && { othersInUse }),
  });
  return { engine, registry, placement, persistence, service, revoked };
}

let tokens = 0;
const hash = () => hashToken(`token-${++tokens}`);

async function refused(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (err) {
    return isLifeError(err) ? err.code : String(err);
  }
}

describe('PlayerService', () => {
  it('in a split world, keeps an id that cells in another region carry, and a player owning cells there is not idle', async () => {
    const clock = { now: 1_000_000 };
    // Region 1 (another sim) holds cells of player 1; this home region holds none of anyone's.
    const elsewhere = new Uint8Array(65536);
    elsewhere[1] = 1;
    let asked = 0;
    const { service, revoked } = await boot({ records: [], snapshot: null }, 2, clock, async () => {
      asked++;
      return elsewhere;
    });
    const [a, b] = [await service.create('a', hash()), await service.create('b', hash())];
    expect(asked).toBe(0); // fresh ids need no asking
    clock.now += IDLE_MS;
    const c = await service.create('c', hash());
    expect(asked).toBe(1);
    // Both idle, but a owns cells in region 1: b's id is the one given again.
    expect(c.id).toBe(b.id);
    expect(revoked).toEqual([{ id: b.id, tokenHash: b.tokenHash, reason: 'reclaimed' }]);
    expect(service.authenticate(a.tokenHash)?.id).toBe(a.id);
  });

  it('gives ids of idle players without cells to new players when every id is taken; never an id that cells or a queued placement carry', async () => {
    const clock = { now: 1_000_000 };
    const { engine, registry, placement, service, revoked } = await boot({ records: [], snapshot: null }, 4, clock);
    const [a, b, c, d] = [await service.create('a', hash()), await service.create('b', hash()), await service.create('c', hash()), await service.create('d', hash())];
    expect([a, b, c, d].map((p) => p.id)).toEqual([1, 2, 3, 4]);
    // a: live cells; b: a placement queued for the next generation; c, d: nothing.
    await placement.place(a.id, [[1, 1], [2, 1], [1, 2], [2, 2]]);
    await engine.step(1);
    await placement.place(b.id, [[50, 50]]);
    // Everyone was seen just now: no id for a newcomer.
    expect(await refused(service.create('e', hash()))).toBe('LIFE_ERR_TOO_MANY_PLAYERS');

    clock.now += IDLE_MS;
    service.admit(d.id, playerTag(d.tokenHash)); // d acts: seen now, keeps its id
    clock.now += 2_000; // past the refusal's retry pause
    const e = await service.create('e', hash());
    // Only c was idle without cells (a owns a block, b a queued cell, d was seen).
    expect(e.id).toBe(c.id);
    expect(revoked).toEqual([{ id: c.id, tokenHash: c.tokenHash, reason: 'reclaimed' }]);
    expect(service.authenticate(c.tokenHash)).toBeNull();
    expect(registry.list().map((p) => [p.id, p.name])).toEqual([[1, 'a'], [2, 'b'], [3, 'e'], [4, 'd']]);

    // b's queued cell lands and dies alone; once b is deleted, its id comes back without a reclaim.
    await service.delete(b.id);
    expect(await refused(service.create('f', hash()))).toBe('LIFE_ERR_TOO_MANY_PLAYERS'); // (50, 50) is queued
    await engine.step(2);
    clock.now += 2_000;
    expect((await service.create('f', hash())).id).toBe(b.id);
  });

  it('a reused id starts with no births: those credited to it were the old player\'s', async () => {
    const clock = { now: 5_000 };
    const { engine, placement, service } = await boot({ records: [], snapshot: null }, 1, clock);
    const old = await service.create('old', hash());
    // Diehard: many births, and no cell left after 130 generations, so the id can be given again.
    const diehard = parseRle('x = 8, y = 3\n6bob$2o6b$bo3b3o!').cells.map(([x, y]): [number, number] => [x + 60, y + 60]);
    await placement.place(old.id, diehard);
    await engine.step(131);
    expect(engine.population).toBe(0);
    expect(engine.birthsOf(old.id)).toBeGreaterThan(100);
    await service.delete(old.id);
    const reuser = await service.create('new', hash());
    expect(reuser.id).toBe(old.id);
    expect(engine.birthsOf(reuser.id)).toBe(0);
  });

  it('refuses a placement for a removed player, for a reused id with the old token, and for a banned player', async () => {
    const clock = { now: 5_000 };
    const { service } = await boot({ records: [], snapshot: null }, 1, clock);
    const old = await service.create('old', hash());
    await service.delete(old.id);
    const codeOf = (f: () => void) => {
      try {
        f();
        return 'admitted';
      } catch (err) {
        return isLifeError(err) ? err.code : String(err);
      }
    };
    expect(codeOf(() => service.admit(old.id, playerTag(old.tokenHash)))).toBe('LIFE_ERR_BAD_TOKEN');
    const reuser = await service.create('new', hash());
    expect(reuser.id).toBe(old.id);
    expect(codeOf(() => service.admit(old.id, playerTag(old.tokenHash)))).toBe('LIFE_ERR_BAD_TOKEN');
    expect(codeOf(() => service.admit(reuser.id, playerTag(reuser.tokenHash)))).toBe('admitted');
    await service.ban(reuser.id);
    expect(codeOf(() => service.admit(reuser.id, playerTag(reuser.tokenHash)))).toBe('LIFE_ERR_PLAYER_BANNED');
    // A banned player is never reclaimed: its id stays taken.
    clock.now += IDLE_MS * 10;
    expect(await refused(service.create('x', hash()))).toBe('LIFE_ERR_TOO_MANY_PLAYERS');
    expect(await refused(service.delete(42))).toBe('LIFE_ERR_PLAYER_NOT_FOUND');
    expect(await refused(service.ban(42))).toBe('LIFE_ERR_PLAYER_NOT_FOUND');
  });

  it('lists players a page at a time with their live cells', async () => {
    const clock = { now: 7_000 };
    const { engine, placement, service } = await boot({ records: [], snapshot: null }, 10, clock);
    for (const name of ['a', 'b', 'c']) await service.create(name, hash());
    await placement.place(2, [[5, 5], [6, 5], [5, 6], [6, 6]]);
    await engine.step(1);
    await service.ban(3);
    const first = service.list(0, 2);
    expect(first).toMatchObject({ next: 2, total: 3, max: 10 });
    expect(first.players).toEqual([
      { id: 1, name: 'a', color: expect.any(String), banned: false, seenAt: 7_000, cells: 0 },
      { id: 2, name: 'b', color: expect.any(String), banned: false, seenAt: 7_000, cells: 4 },
    ]);
    expect(service.list(2, 2)).toMatchObject({ next: null, players: [{ id: 3, banned: true }] });
  });

  it('rebuilds deletions, bans, reclaims and the ids given after a restart, from the log and from a snapshot', async () => {
    const clock = { now: 10_000 };
    const shared = { records: [] as WalRecord[], snapshot: null as Snapshot | null };
    const first = await boot(shared, 3, clock);
    const [a, b, c] = [await first.service.create('a', hash()), await first.service.create('b', hash()), await first.service.create('c', hash())];
    await first.service.ban(a.id);
    await first.service.delete(b.id);
    clock.now += IDLE_MS;
    const d = await first.service.create('d', hash()); // takes b's id; nothing reclaimed (b's id was free)
    const e = await first.service.create('e', hash()); // reclaims c (idle) and d? d was seen now: only c
    expect([d.id, e.id]).toEqual([b.id, c.id]);
    expect(shared.records.map((r) => r.t)).toEqual(['player', 'player', 'player', 'player-banned', 'player-removed', 'player', 'player-removed', 'player']);

    const state = (s: Awaited<ReturnType<typeof boot>>) => ({
      players: s.registry.list().map((p: Player) => [p.id, p.name, p.banned]),
      seen: s.registry.list().map((p) => s.registry.seenAt(p.id)),
      idsGiven: s.registry.idsGiven,
      tokens: [a, b, c, d, e].map((p) => s.registry.byTokenHash(p.tokenHash)?.name ?? null),
    });
    const expected = state(first);
    expect(expected.tokens).toEqual(['a', null, null, 'd', 'e']);
    expect(expected.idsGiven).toBe(3);

    // Restart from the log alone (no snapshot was written).
    const replayed = await boot(shared, 3, clock);
    expect(state(replayed)).toEqual(expected);
    // Restart from a snapshot (written at shutdown), with an empty log after it.
    await replayed.persistence.shutdown();
    expect(shared.snapshot).not.toBeNull();
    const fromSnapshot = await boot(shared, 3, clock);
    expect(state(fromSnapshot)).toEqual(expected);
    expect(shared.snapshot!.header.playerIdsGiven).toBe(3);
  });
});
