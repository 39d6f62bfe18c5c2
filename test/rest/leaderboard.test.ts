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
      { id: bob.id, name: 'bob', color: expect.stringMatching(/^#/), population: 8 },
      { id: alice.id, name: 'alice', color: expect.stringMatching(/^#/), population: 4 },
    ]);
    expect((await call(server, 'GET', '/leaderboard?limit=1')).body.players).toHaveLength(1);
    expect((await call(server, 'GET', '/leaderboard?limit=0')).status).toBe(400);
  });
});
