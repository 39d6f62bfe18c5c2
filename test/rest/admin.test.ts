// Admin routes: auth (401 / 403), pause, resume, step, reset, and off without ADMIN_TOKEN.
import { describe, expect, it } from 'vitest';
import { holdsFor, waitFor } from '../support/wait.js';
import { ADMIN, admin, allCells, call, expectError, newPlayer, serversPerTest } from './helpers.js';

const servers = serversPerTest();

const ACTIONS: Array<[string, unknown]> = [
  ['pause', undefined],
  ['resume', undefined],
  ['step', { generations: 1 }],
  ['reset', {}],
];

describe('admin routes', () => {
  it.each(ACTIONS)('/admin/%s: 401 without a token, 403 with a wrong or a player token', async (action, body) => {
    const server = await servers.start();
    const { token } = await newPlayer(server);
    const before = (await call(server, 'GET', '/world')).body;
    expectError(await call(server, 'POST', `/admin/${action}`, { body }), 401, 'LIFE_ERR_UNAUTHORIZED');
    expectError(await call(server, 'POST', `/admin/${action}`, { body, token: `${ADMIN}x` }), 403, 'LIFE_ERR_FORBIDDEN');
    expectError(await call(server, 'POST', `/admin/${action}`, { body, token }), 403, 'LIFE_ERR_FORBIDDEN');
    const after = (await call(server, 'GET', '/world')).body;
    expect(after.paused).toBe(before.paused);
  });

  it('pauses, steps while paused, resumes', async () => {
    const server = await servers.start({ TICK_MS: '20' });
    const paused = await admin(server, 'pause');
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    const g = paused.body.generation;
    const world = async () => (await call(server, 'GET', '/world')).body;
    // Five tick periods and more: the generation holds.
    await holdsFor(async () => {
      const w = await world();
      return w.paused === true && w.generation === g;
    }, `generation ${g} while paused`, 100);
    // No tick between the pause and the step either: exactly 25 more.
    expect((await admin(server, 'step', { generations: 25 })).body).toEqual({ generation: g + 25, paused: true });
    const resumed = await admin(server, 'resume');
    expect(resumed.body.paused).toBe(false);
    await waitFor(async () => (await world()).generation > g + 25, 'ticks after resume');
  });

  it('refuses a bad step count with 400 LIFE_ERR_VALIDATION', async () => {
    const server = await servers.start();
    for (const generations of [0, -1, 1.5, 10_001, 'ten']) {
      expectError(await admin(server, 'step', { generations }), 400, 'LIFE_ERR_VALIDATION');
    }
  });

  it('resets to an empty world at generation 0, optionally with a new rule and seed', async () => {
    const server = await servers.start();
    const { token } = await newPlayer(server);
    await admin(server, 'pause');
    await call(server, 'POST', '/cells', { token, body: { cells: [[1, 1], [2, 1], [1, 2], [2, 2]] } });
    await admin(server, 'step', { generations: 3 });
    expect((await allCells(server)).cells).toHaveLength(4);
    const reset = await admin(server, 'reset', { rule: 'b36/s23', seed: 42 });
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ generation: 0, rule: 'B36/S23', seed: 42 });
    expect((await call(server, 'GET', '/world')).body).toMatchObject({ generation: 0, population: 0, rule: 'B36/S23' });
    const plain = await call(server, 'POST', '/admin/reset', { token: ADMIN });
    expect(plain.body).toMatchObject({ rule: 'B36/S23', seed: 42 });
  });

  it('refuses a bad rule on reset (400 LIFE_ERR_RULE_INVALID / LIFE_ERR_RULE_B0), leaving the world as it was', async () => {
    const server = await servers.start();
    await admin(server, 'pause');
    await admin(server, 'step', { generations: 5 });
    expectError(await admin(server, 'reset', { rule: 'B9/S' }), 400, 'LIFE_ERR_RULE_INVALID');
    expectError(await admin(server, 'reset', { rule: 'B01/S23' }), 400, 'LIFE_ERR_RULE_B0');
    expectError(await admin(server, 'reset', { seed: -1 }), 400, 'LIFE_ERR_VALIDATION');
    expect((await call(server, 'GET', '/world')).body).toMatchObject({ rule: 'B3/S23' });
    expect((await call(server, 'GET', '/world')).body.generation).toBeGreaterThanOrEqual(5);
  });

  it('is off (404) without ADMIN_TOKEN, and the start-up logs say so', async () => {
    const server = await servers.start({ ADMIN_TOKEN: undefined });
    for (const [action, body] of ACTIONS) {
      expectError(await call(server, 'POST', `/admin/${action}`, { body, token: ADMIN }), 404, 'LIFE_ERR_NOT_FOUND');
    }
    expect(server.logs.some((l) => /admin routes are off/.test(l))).toBe(true);
  });
});
