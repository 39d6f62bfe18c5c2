// GET /leaderboard: players with live cells, most first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, call, newPlayer, startServer, type TestServer } from './helpers.js';

describe('GET /leaderboard', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('lists players by population, leaving out players without cells', async () => {
    await admin(server, 'pause');
    const empty = await call(server, 'GET', '/leaderboard');
    expect(empty.body.players).toEqual([]);
    const alice = await newPlayer(server, 'alice');
    const bob = await newPlayer(server, 'bob');
    await newPlayer(server, 'carol');
    // Blocks are still lifes: 1 block for alice, 2 for bob.
    const block = (x: number, y: number) => [[x, y], [x + 1, y], [x, y + 1], [x + 1, y + 1]];
    await call(server, 'POST', '/cells', { token: alice.token, body: { cells: block(10, 10) } });
    await call(server, 'POST', '/cells', { token: bob.token, body: { cells: [...block(20, 10), ...block(30, 10)] } });
    await admin(server, 'step', { generations: 3 });
    const reply = await call(server, 'GET', '/leaderboard');
    expect(reply.status).toBe(200);
    expect(reply.body.generation).toBe((await call(server, 'GET', '/world')).body.generation);
    expect(reply.body.players).toEqual([
      { id: bob.id, name: 'bob', color: expect.stringMatching(/^#/), population: 8, births: 0 },
      { id: alice.id, name: 'alice', color: expect.stringMatching(/^#/), population: 4, births: 0 },
    ]);
    expect((await call(server, 'GET', '/leaderboard?limit=1')).body.players).toHaveLength(1);
    expect((await call(server, 'GET', '/leaderboard?limit=0')).status).toBe(400);
  });

  it('credits births to the majority owner of their parents, in the leaderboard and GET /players/me', async () => {
    await admin(server, 'pause');
    const dan = await newPlayer(server, 'dan');
    const eve = await newPlayer(server, 'eve');
    // A blinker, two cells dan's and one eve's: both births of each generation are dan's.
    await call(server, 'POST', '/cells', { token: dan.token, body: { cells: [[100, 100], [101, 100]] } });
    await call(server, 'POST', '/cells', { token: eve.token, body: { cells: [[102, 100]] } });
    await admin(server, 'step', { generations: 1 }); // the placements' generation: no births yet
    const me0 = await call(server, 'GET', '/players/me', { token: dan.token });
    expect(me0.body).toMatchObject({ id: dan.id, population: 2, births: 0 });
    await admin(server, 'step', { generations: 3 });
    const board = await call(server, 'GET', '/leaderboard?limit=100');
    expect(board.body.players.find((p: { id: number }) => p.id === dan.id)).toMatchObject({ population: 3, births: 6 });
    // eve's one cell died at the first generation; she is off the board and credited nothing.
    expect(board.body.players.some((p: { id: number }) => p.id === eve.id)).toBe(false);
    const me = await call(server, 'GET', '/players/me', { token: dan.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: dan.id, population: 3, births: 6 });
    expect((await call(server, 'GET', '/players/me', { token: eve.token })).body).toMatchObject({ population: 0, births: 0 });

    // A reset empties the world and the counts (not the count of a generation read before it).
    expect((await admin(server, 'reset', {})).status).toBe(200);
    expect((await call(server, 'GET', '/players/me', { token: dan.token })).body).toMatchObject({ population: 0, births: 0 });
    expect((await call(server, 'GET', '/leaderboard')).body.players).toEqual([]);
  });
});
