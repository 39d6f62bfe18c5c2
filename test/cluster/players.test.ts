// Deleting and banning players in a cluster of real processes on a real nats-server: the
// token stops working on every gateway at once, including the one that had it cached and
// the one holding its WebSocket; after kill -9 of the sim it still does not work (the log
// replayed), and the gateways' caches do not bring it back.
import { afterEach, describe, expect, it } from 'vitest';
import { LifeClient, type DisconnectEvent } from '@lifemmo/client';
import { ADMIN, call, expectError, newPlayer } from '../rest/helpers.js';
import { waitFor } from '../sdk/helpers.js';
import { killChildren } from '../support/child-server.js';
import { poll, startCluster, type Cluster } from '../support/cluster.js';

let cluster: Cluster | undefined;
const clients: LifeClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await cluster?.stop();
  cluster = undefined;
  killChildren();
});

const BASE = { ADMIN_TOKEN: ADMIN, CELL_LOGIC: 'local', TICK_MS: '50' };

describe('cluster: players', () => {
  it('a deleted or banned token gets 401 on every gateway, its WebSocket on another gateway closes with 4003, and a sim kill -9 changes nothing', async () => {
    cluster = await startCluster(2, BASE);
    const [g1, g2] = cluster.urls.map((url) => ({ url })) as [{ url: string }, { url: string }];
    const deleted = await newPlayer(g1, 'deleted');
    const banned = await newPlayer(g1, 'banned');
    const kept = await newPlayer(g2, 'kept');
    // Both gateways know every token (cached), and the deleted one watches through g2.
    for (const g of [g1, g2]) for (const p of [deleted, banned, kept]) expect((await call(g, 'GET', '/players/me', { token: p.token })).status).toBe(200);
    const ws = new LifeClient({ url: g2.url, token: deleted.token, reconnect: false });
    clients.push(ws);
    const closes: DisconnectEvent[] = [];
    ws.on('disconnect', (e) => closes.push(e));
    await ws.connect();

    expect((await call(g1, 'DELETE', `/admin/players/${deleted.id}`, { token: ADMIN })).status).toBe(200);
    expect((await call(g2, 'POST', `/admin/players/${banned.id}/ban`, { token: ADMIN })).status).toBe(200);
    // The sim published the revocations once they were durable; each gateway forgets the player at once.
    await poll(async () => (await call(g2, 'GET', '/players/me', { token: deleted.token })).status === 401, 'g2 to refuse the deleted token');
    await poll(async () => (await call(g1, 'GET', '/players/me', { token: banned.token })).status === 401, 'g1 to refuse the banned token');
    for (const [i, g] of [g1, g2].entries()) {
      expectError(await call(g, 'POST', '/cells', { token: deleted.token, body: { cells: [[1, 1 + 10 * i]] } }), 401, 'LIFE_ERR_BAD_TOKEN');
      expectError(await call(g, 'POST', '/cells', { token: banned.token, body: { cells: [[2, 2 + 10 * i]] } }), 401, 'LIFE_ERR_PLAYER_BANNED');
      expect((await call(g, 'POST', '/cells', { token: kept.token, body: { cells: [[3, 3 + 10 * i]] } })).status).toBe(202);
    }
    await waitFor(() => closes.length > 0, 10_000, 'the deleted player\'s WebSocket on the other gateway to close');
    expect(closes[0]).toMatchObject({ code: 4003 });

    // kill -9: the sim rebuilds the registry from its log; the gateways see a new sim
    // instance and forget what they cached.
    cluster.sim.child.kill('SIGKILL');
    await cluster.sim.exit;
    await cluster.restartSim();
    for (const g of [g1, g2]) await poll(async () => (await call(g, 'GET', '/ready')).status === 200, 'ready again');
    for (const g of [g1, g2]) {
      await poll(async () => (await call(g, 'GET', '/players/me', { token: kept.token })).status === 200, 'the kept player to be served');
      expectError(await call(g, 'GET', '/players/me', { token: deleted.token }), 401, 'LIFE_ERR_BAD_TOKEN');
      expectError(await call(g, 'GET', '/players/me', { token: banned.token }), 401, 'LIFE_ERR_PLAYER_BANNED');
    }
    const listed = await call(g2, 'GET', '/admin/players', { token: ADMIN });
    expect(listed.body.players.map((p: { id: number; banned: boolean }) => [p.id, p.banned])).toEqual([
      [banned.id, true],
      [kept.id, false],
    ]);
    // A new player after the restart gets a fresh id, never the deleted one's.
    expect((await newPlayer(g2, 'newcomer')).id).toBe(kept.id + 1);
  });
});
