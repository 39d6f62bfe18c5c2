// A gateway's view of its sim over a real in-process bus (a MessageChannel), the other end
// played by a fake sim. The player cache: revoked players are forgotten and reported; any
// sign of a missed revocation (a gap in the numbers, a summary counting more, a new sim
// instance) forgets every cached player. Liveness: silence past SIM_TIMEOUT_MS is "down",
// but a silence that was the gateway's own thread being busy is not.
import { MessageChannel } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Geometry, LifeError } from '@lifemmo/shared';
import { LocalBus } from '../bus/index.js';
import { createMetrics } from '../metrics/metrics.js';
import { hashToken } from '../players/player-token.js';
import {
  PlayersRequest,
  TickKinds,
  decodeJson,
  decodePlaceBatch,
  encodeJson,
  encodePlaceOutcomes,
  encodeTickMessage,
  serveRpc,
  subjectsFor,
  type Revocations,
  type WirePlayer,
} from '../wire/index.js';
import { GatewayPlayers, type Revoked } from './gateway-players.js';
import { SimLink } from './sim-link.js';

const subjects = subjectsFor('test');
const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

/** A gateway's SimLink and GatewayPlayers, and a fake sim on the other end of the bus. */
function setup(simTimeoutMs = 60_000) {
  const { port1, port2 } = new MessageChannel();
  const simBus = new LocalBus(port1);
  const gatewayBus = new LocalBus(port2);
  const known = new Map<string, WirePlayer>();
  let lookups = 0;
  serveRpc(
    simBus,
    subjects.players,
    (request) => {
      const ask = PlayersRequest.parse(decodeJson(request));
      if (ask.op !== 'auth') throw new Error('not faked');
      lookups++;
      return { json: known.get(ask.tokenHash) ?? null };
    },
    () => undefined,
  );
  serveRpc(simBus, subjects.place(0), (request) => encodePlaceOutcomes(decodePlaceBatch(request).map(() => new LifeError('BAD_TOKEN'))), () => undefined);
  const link = new SimLink({
    bus: gatewayBus,
    subjects,
    geometry: new Geometry({ width: 64, height: 64, topology: 'torus', shardChunks: 1 }),
    log: pino({ level: 'silent' }),
    metrics: createMetrics(),
    simTimeoutMs,
    requestTimeoutMs: 2000,
  });
  const availability: boolean[] = [];
  link.listen({ availability: (up) => availability.push(up) });
  link.start();
  const players = new GatewayPlayers(link);
  const revoked: Revoked[] = [];
  players.onRevoked((list) => revoked.push(...list));
  open.push({ close: () => link.stop() }, simBus, gatewayBus);

  const summary = (simInstance: number, revocations: number) =>
    simBus.publish(
      subjects.tick,
      encodeTickMessage({
        kind: TickKinds.HEARTBEAT,
        simInstance,
        region: 0,
        regions: 1,
        epoch: 0,
        generation: 0,
        timestamp: Date.now(),
        sentAt: Date.now(),
        population: 0,
        paused: false,
        tickMs: 100,
        rule: 'B3/S23',
        seed: 1,
        recordsEncoded: 0,
        revocations,
        heapUsedBytes: 0,
        heapTotalBytes: 0,
        shards: [],
        watchers: [],
        stats: null,
        halos: null,
      }),
    );
  const revoke = (message: Revocations) => simBus.publish(subjects.revoked, encodeJson(message));
  const player = (id: number): { token: string; wire: WirePlayer } => {
    const token = `token-${id}`;
    const wire = { id, name: `p${id}`, color: '#123456', tokenHash: hashToken(token), banned: false };
    known.set(wire.tokenHash, wire);
    return { token, wire };
  };
  /** Resolves once the bus delivered everything sent so far (a request is answered after them). */
  const settled = () => link.playerByTokenHash('0'.repeat(64)).then(() => lookups--);
  return { link, players, revoked, summary, revoke, player, settled, availability, lookups: () => lookups };
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('SimLink liveness', () => {
  const TIMEOUT_MS = 500;

  it('calls a sim silent for SIM_TIMEOUT_MS down, and up again at its next summary', async () => {
    const t = setup(TIMEOUT_MS);
    t.summary(7, 0);
    await until(() => t.link.up, 'the first summary');
    await until(() => !t.link.up, 'the silence to be noticed');
    t.summary(7, 0);
    await until(() => t.link.up, 'the sim back');
    expect(t.availability).toEqual([true, false, true]);
  });

  it('does not call the sim down when the silence was its own thread being busy', async () => {
    const t = setup(TIMEOUT_MS);
    t.summary(7, 0);
    await until(() => t.link.up, 'the first summary');
    // The sim speaks, but this thread is busy for three timeouts before it can listen: the
    // summary waits in the channel behind the watchdog's (late) check.
    t.summary(7, 0);
    const busyUntil = Date.now() + 3 * TIMEOUT_MS;
    while (Date.now() < busyUntil); // a long synchronous task on the gateway's thread
    await until(() => t.link.lastHeardAt >= busyUntil, 'the queued summary read');
    expect(t.link.up).toBe(true);
    expect(t.availability).toEqual([true]);
  });
});

describe('GatewayPlayers', () => {
  it('forgets a revoked player and tells its listeners; keeps the others', async () => {
    const t = setup();
    t.summary(7, 0);
    const [a, b] = [t.player(1), t.player(2)];
    await t.players.authenticate(a.token);
    await t.players.authenticate(b.token);
    expect(t.lookups()).toBe(2);
    expect(t.players.cached(a.token)?.id).toBe(1);

    t.revoke({ seq: 1, players: [{ id: 1, tokenHash: a.wire.tokenHash, reason: 'deleted' }] });
    t.summary(7, 1);
    await t.settled();
    expect(t.revoked).toEqual([{ id: 1, tokenHash: a.wire.tokenHash, reason: 'deleted' }]);
    expect(t.players.cached(a.token)).toBeUndefined();
    expect(t.players.cached(b.token)?.id).toBe(2);
  });

  it('forgets every player when a summary counts a revocation that never arrived, when one is skipped, and when the sim restarts', async () => {
    const t = setup();
    t.summary(7, 0);
    const a = t.player(1);
    const cachedAfter = async (event: () => void): Promise<boolean> => {
      await t.players.authenticate(a.token);
      expect(t.players.cached(a.token)).toBeDefined();
      event();
      await t.settled();
      return t.players.cached(a.token) !== undefined;
    };
    expect(await cachedAfter(() => t.summary(7, 0))).toBe(true);
    expect(await cachedAfter(() => t.summary(7, 1))).toBe(false); // revocation 1 was lost
    expect(await cachedAfter(() => t.revoke({ seq: 3, players: [] }))).toBe(false); // 2 was skipped
    expect(await cachedAfter(() => t.revoke({ seq: 4, players: [] }))).toBe(true);
    expect(await cachedAfter(() => t.summary(8, 0))).toBe(false); // a new sim instance
  });

  it('reports a player the sim refuses a placement for (deleted meanwhile) as revoked', async () => {
    const t = setup();
    t.summary(7, 0);
    const a = t.player(1);
    const player = (await t.players.authenticate(a.token))!;
    await expect(t.link.place(player, [[1, 1]], 'rest')).rejects.toMatchObject({ code: 'LIFE_ERR_BAD_TOKEN' });
    expect(t.revoked).toEqual([{ id: 1, tokenHash: a.wire.tokenHash, reason: 'deleted' }]);
    expect(t.players.cached(a.token)).toBeUndefined();
  });
});
