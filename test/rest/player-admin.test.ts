// No lockouts (issue 16, item 3), against a real server: creating players has its own
// per-address limit; the admin lists, creates, deletes and bans players, and a deleted or
// banned token stops working at once (REST and an open WebSocket); player ids are reclaimed
// from idle players; all of it survives a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LifeClient, type DisconnectEvent } from '@lifemmo/client';
import { restartServer, waitFor } from '../sdk/helpers.js';
import { ADMIN, admin, call, expectError, newPlayer, serversPerTest, startServer, type Reply, type TestServer } from './helpers.js';

const servers = serversPerTest();
const clients: LifeClient[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An admin call on /admin/players... */
function players(server: Pick<TestServer, 'url'>, method: string, path = '', body?: unknown): Promise<Reply> {
  return call(server, method, `/admin/players${path}`, { token: ADMIN, body });
}

/** A WebSocket client of `token` that records how it was disconnected. */
async function connected(server: TestServer, token: string): Promise<{ client: LifeClient; closes: DisconnectEvent[] }> {
  const client = new LifeClient({ url: server.url, token, reconnect: false });
  clients.push(client);
  const closes: DisconnectEvent[] = [];
  client.on('disconnect', (e) => closes.push(e));
  await client.connect();
  return { client, closes };
}

describe('creating players', () => {
  it('a flood of joins from one address gets 429 LIFE_ERR_PLAYER_CREATE_RATE_LIMITED with retry-after; other routes and the admin still work', async () => {
    const server = await servers.start({ PLAYER_CREATE_PER_MINUTE: '5' });
    const flood = await Promise.all(Array.from({ length: 12 }, (_, i) => call(server, 'POST', '/players', { body: { name: `p${i}` } })));
    const created = flood.filter((r) => r.status === 201);
    const refused = flood.filter((r) => r.status === 429);
    expect([created.length, refused.length]).toEqual([5, 7]);
    for (const r of refused) {
      expectError(r, 429, 'LIFE_ERR_PLAYER_CREATE_RATE_LIMITED');
      expect(r.body.error.message).toContain('PLAYER_CREATE_PER_MINUTE');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Holding a player's token buys no more creations.
    const token = created[0]!.body.token as string;
    expectError(await call(server, 'POST', '/players', { token, body: { name: 'again' } }), 429, 'LIFE_ERR_PLAYER_CREATE_RATE_LIMITED');
    // Everything else from the same address goes on.
    expect((await call(server, 'GET', '/world')).status).toBe(200);
    expect((await call(server, 'POST', '/cells', { token, body: { cells: [[3, 3]] } })).status).toBe(202);
    expect((await call(server, 'GET', '/players/me', { token })).status).toBe(200);
    // The admin creates players without the per-address limit.
    for (let i = 0; i < 3; i++) expect((await players(server, 'POST', '', { name: `admin-made-${i}` })).status).toBe(201);
  });

  it('keeps its limit with the general rate limit off, and the general limit does not count creations', async () => {
    const off = await servers.start({ PLAYER_CREATE_PER_MINUTE: '2', RATE_LIMIT_PER_MINUTE: '0' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(off, 'POST', '/players', { body: { name: 'x' } })).status);
    expect(statuses).toEqual([201, 201, 429]);
    for (let i = 0; i < 20; i++) expect((await call(off, 'GET', '/world')).status).toBe(200);

    const both = await servers.start({ PLAYER_CREATE_PER_MINUTE: '3', RATE_LIMIT_PER_MINUTE: '3' });
    for (let i = 0; i < 3; i++) expect((await call(both, 'POST', '/players', { body: { name: 'y' } })).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await call(both, 'GET', '/world')).status).toBe(200);
    expectError(await call(both, 'GET', '/world'), 429, 'LIFE_ERR_RATE_LIMITED');
    // The admin token is not limited at all.
    for (let i = 0; i < 5; i++) expect((await players(both, 'GET')).status).toBe(200);
  });
});

describe('admin: players', () => {
  it('lists players a page at a time, by id, with banned flags and live cells; 401/403 without the admin token', async () => {
    const server = await servers.start();
    await admin(server, 'pause');
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await players(server, 'POST', '', { name: `p${i}` })).body as { id: number; token: string });
    expect(made.map((p) => p.id)).toEqual([1, 2, 3, 4, 5]);
    expect((await call(server, 'POST', '/cells', { token: made[1]!.token, body: { cells: [[1, 1], [2, 1], [1, 2], [2, 2]] } })).status).toBe(202);
    await admin(server, 'step', { generations: 1 });
    expect((await players(server, 'DELETE', '/3')).status).toBe(200);
    expect((await players(server, 'POST', '/4/ban')).status).toBe(200);

    const first = await players(server, 'GET', '?limit=2');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ next: 2, total: 4, max: 65535 });
    expect(first.body.players).toMatchObject([
      { id: 1, name: 'p0', banned: false, cells: 0 },
      { id: 2, name: 'p1', banned: false, cells: 4 },
    ]);
    expect(Date.parse(first.body.players[0].seenAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(first.body.players[0]).not.toHaveProperty('tokenHash');
    const second = await players(server, 'GET', `?after=${first.body.next}&limit=2`);
    expect(second.body.players.map((p: { id: number; banned: boolean }) => [p.id, p.banned])).toEqual([
      [4, true],
      [5, false],
    ]);
    expect(second.body.next).toBeNull();
    expect((await players(server, 'GET')).body.players).toHaveLength(4);

    expectError(await call(server, 'GET', '/admin/players'), 401, 'LIFE_ERR_UNAUTHORIZED');
    expectError(await call(server, 'GET', '/admin/players', { token: made[0]!.token }), 403, 'LIFE_ERR_FORBIDDEN');
    expectError(await call(server, 'DELETE', '/admin/players/1', { token: made[0]!.token }), 403, 'LIFE_ERR_FORBIDDEN');
    expectError(await call(server, 'POST', '/admin/players/1/ban'), 401, 'LIFE_ERR_UNAUTHORIZED');
    for (const query of ['?limit=0', '?limit=1001', '?after=-1', '?limit=x']) expectError(await players(server, 'GET', query), 400, 'LIFE_ERR_VALIDATION');
    expectError(await players(server, 'POST', '', { name: '' }), 400, 'LIFE_ERR_BAD_NAME');
    for (const id of ['0', 'abc', '70000']) expectError(await players(server, 'DELETE', `/${id}`), 400, 'LIFE_ERR_VALIDATION');
  });

  it('a deleted player\'s token gets 401 LIFE_ERR_BAD_TOKEN at once and its open WebSocket closes with 4003; its cells live on', async () => {
    const server = await servers.start();
    await admin(server, 'pause');
    const victim = await newPlayer(server, 'victim');
    const bystander = await newPlayer(server, 'bystander');
    const { closes } = await connected(server, victim.token);
    const other = await connected(server, bystander.token);
    expect((await call(server, 'POST', '/cells', { token: victim.token, body: { cells: [[10, 10], [11, 10], [10, 11], [11, 11]] } })).status).toBe(202);

    const deleted = await players(server, 'DELETE', `/${victim.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id: victim.id, name: 'victim', deleted: true });
    expectError(await call(server, 'POST', '/cells', { token: victim.token, body: { cells: [[40, 40]] } }), 401, 'LIFE_ERR_BAD_TOKEN');
    expectError(await call(server, 'GET', '/players/me', { token: victim.token }), 401, 'LIFE_ERR_BAD_TOKEN');
    await waitFor(() => closes.length > 0, 5000, 'the deleted player\'s WebSocket to close');
    expect(closes[0]).toMatchObject({ code: 4003, error: { code: 'LIFE_ERR_WS_UNAUTHORIZED' } });
    // A new connection with the token is refused too.
    await expect(new LifeClient({ url: server.url, token: victim.token, reconnect: false }).connect()).rejects.toMatchObject({ code: 'LIFE_ERR_WS_UNAUTHORIZED' });
    // Others are untouched; the victim's placed block is still there, owned by its old id.
    expect(other.closes).toEqual([]);
    expect((await call(server, 'POST', '/cells', { token: bystander.token, body: { cells: [[50, 50]] } })).status).toBe(202);
    await admin(server, 'step', { generations: 1 });
    const cells = (await call(server, 'GET', '/cells?x=0&y=0&w=64&h=64')).body.cells as number[][];
    expect(cells.filter((c) => c[2] === victim.id)).toHaveLength(4);
    expectError(await players(server, 'DELETE', `/${victim.id}`), 404, 'LIFE_ERR_PLAYER_NOT_FOUND');
    expectError(await players(server, 'POST', '/999/ban'), 404, 'LIFE_ERR_PLAYER_NOT_FOUND');
  });

  it('a banned player\'s token gets 401 LIFE_ERR_PLAYER_BANNED, its WebSocket closes with 4003 and cannot reconnect; it stays listed', async () => {
    const server = await servers.start();
    const p = await newPlayer(server, 'griefer');
    const { closes } = await connected(server, p.token);
    const banned = await players(server, 'POST', `/${p.id}/ban`);
    expect(banned.body).toEqual({ id: p.id, name: 'griefer', banned: true });
    expectError(await call(server, 'POST', '/cells', { token: p.token, body: { cells: [[5, 5]] } }), 401, 'LIFE_ERR_PLAYER_BANNED');
    expectError(await call(server, 'GET', '/players/me', { token: p.token }), 401, 'LIFE_ERR_PLAYER_BANNED');
    await waitFor(() => closes.length > 0, 5000, 'the banned player\'s WebSocket to close');
    expect(closes[0]).toMatchObject({ code: 4003 });
    await expect(new LifeClient({ url: server.url, token: p.token, reconnect: false }).connect()).rejects.toMatchObject({ code: 'LIFE_ERR_WS_UNAUTHORIZED' });
    // Banning again changes nothing.
    expect((await players(server, 'POST', `/${p.id}/ban`)).body).toEqual({ id: p.id, name: 'griefer', banned: true });
    expect((await players(server, 'GET')).body.players).toMatchObject([{ id: p.id, banned: true }]);
  });
});

describe('player ids', () => {
  it('never run out: with every id taken, idle players without cells give theirs to newcomers; players with cells keep theirs', async () => {
    const server = await servers.start({ MAX_PLAYERS: '3', PLAYER_IDLE_MS: '0' });
    await admin(server, 'pause');
    const [a, b, c] = [await newPlayer(server, 'a'), await newPlayer(server, 'b'), await newPlayer(server, 'c')];
    expect([a.id, b.id, c.id]).toEqual([1, 2, 3]);
    expect((await call(server, 'POST', '/cells', { token: a.token, body: { cells: [[1, 1], [2, 1], [1, 2], [2, 2]] } })).status).toBe(202);
    await admin(server, 'step', { generations: 1 });
    // Far more joins than ids, one after the other: each takes an idle player's id.
    let last = c;
    for (let i = 0; i < 10; i++) {
      const next = await newPlayer(server, `n${i}`);
      expect(next.id).not.toBe(a.id);
      last = next;
    }
    expect((await call(server, 'GET', '/players/me', { token: a.token })).status).toBe(200);
    expectError(await call(server, 'GET', '/players/me', { token: b.token }), 401, 'LIFE_ERR_BAD_TOKEN');
    expectError(await call(server, 'POST', '/cells', { token: c.token, body: { cells: [[9, 9]] } }), 401, 'LIFE_ERR_BAD_TOKEN');
    expect((await call(server, 'GET', '/players/me', { token: last.token })).body).toMatchObject({ id: last.id, name: 'n9' });
    expect((await players(server, 'GET')).body.total).toBe(3);
  });

  it('are refused with 503 LIFE_ERR_TOO_MANY_PLAYERS only while every holder was seen within PLAYER_IDLE_MS or owns cells', async () => {
    const server = await servers.start({ MAX_PLAYERS: '2', PLAYER_IDLE_MS: '600000' });
    await newPlayer(server, 'a');
    const b = await newPlayer(server, 'b');
    const full = await call(server, 'POST', '/players', { body: { name: 'c' } });
    expectError(full, 503, 'LIFE_ERR_TOO_MANY_PLAYERS');
    expect(full.body.error.message).toContain('2 player ids');
    // Deleting a player frees its id (it owns no cells).
    await players(server, 'DELETE', `/${b.id}`);
    expect((await newPlayer(server, 'c')).id).toBe(b.id);
  });

  it('deletions, bans and reclaims survive a restart (snapshot at shutdown)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifemmo-players-'));
    dirs.push(dir);
    const env = { STORE: 'file', DATA_DIR: dir, MAX_PLAYERS: '3', PLAYER_IDLE_MS: '0' };
    const first = await startServer(env);
    const [a, b, c] = [await newPlayer(first, 'a'), await newPlayer(first, 'b'), await newPlayer(first, 'c')];
    await players(first, 'POST', `/${a.id}/ban`);
    await players(first, 'DELETE', `/${b.id}`);
    const d = await newPlayer(first, 'd'); // b's id, free
    const e = await newPlayer(first, 'e'); // reclaims c and d (idle, no cells); takes the lowest
    expect([d.id, e.id]).toEqual([b.id, b.id]);
    await first.close();

    const second = await restartServer(first);
    try {
      expectError(await call(second, 'GET', '/players/me', { token: a.token }), 401, 'LIFE_ERR_PLAYER_BANNED');
      for (const gone of [b, c, d]) expectError(await call(second, 'GET', '/players/me', { token: gone.token }), 401, 'LIFE_ERR_BAD_TOKEN');
      expect((await call(second, 'GET', '/players/me', { token: e.token })).body).toMatchObject({ id: e.id, name: 'e' });
      expect((await players(second, 'GET')).body.players.map((p: { id: number; name: string; banned: boolean }) => [p.id, p.name, p.banned])).toEqual([
        [a.id, 'a', true],
        [e.id, 'e', false],
      ]);
      // The next player gets the free id 3, never a fourth.
      expect((await newPlayer(second, 'f')).id).toBe(3);
    } finally {
      await second.close();
    }
  });
});
