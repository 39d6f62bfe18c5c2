// POST /cells and GET /cells: placement, every refusal (world unchanged after it), budget,
// region reads as JSON and RLE, and evolution compared with a naive reference.
import { describe, expect, it } from 'vitest';
import { parseRle } from '@lifemmo/shared';
import {
  GLIDER,
  admin,
  allCells,
  at,
  call,
  expectError,
  newPlayer,
  referenceLife,
  serversPerTest,
  sortCells,
} from './helpers.js';

const servers = serversPerTest();

/** A paused small server and one player. */
const setup = servers.pausedWithPlayer;

describe('POST /cells', () => {
  it('accepts cells, live and owned at the returned (next) generation', async () => {
    const { server, id, token } = await setup();
    const before = (await call(server, 'GET', '/world')).body.generation;
    const reply = await call(server, 'POST', '/cells', { token, body: { cells: [[5, 6], [7, 8]] } });
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ accepted: 2, generation: before + 1 });
    expect((await allCells(server)).cells).toEqual([]); // not yet: placements apply at the tick boundary
    const stepped = await admin(server, 'step', { generations: 1 });
    expect(stepped.body.generation).toBe(before + 1);
    expect(await allCells(server)).toEqual({ generation: before + 1, cells: [[5, 6, id], [7, 8, id]] });
  });

  it('refuses without a token (401 LIFE_ERR_UNAUTHORIZED) and with an unknown one (401 LIFE_ERR_BAD_TOKEN)', async () => {
    const { server } = await setup();
    expectError(await call(server, 'POST', '/cells', { body: { cells: [[1, 1]] } }), 401, 'LIFE_ERR_UNAUTHORIZED');
    expectError(
      await call(server, 'POST', '/cells', { body: { cells: [[1, 1]] }, headers: { authorization: 'Basic abc' } }),
      401,
      'LIFE_ERR_UNAUTHORIZED',
    );
    expectError(await call(server, 'POST', '/cells', { body: { cells: [[1, 1]] }, token: 'x'.repeat(43) }), 401, 'LIFE_ERR_BAD_TOKEN');
    await admin(server, 'step', { generations: 1 });
    expect((await allCells(server)).cells).toEqual([]);
  });

  it.each([
    ['outside the world', [[3, 3], [256, 0]], 400, 'LIFE_ERR_OUT_OF_WORLD'],
    ['at a negative coordinate', [[3, 3], [-1, 0]], 400, 'LIFE_ERR_OUT_OF_WORLD'],
    ['duplicated', [[3, 3], [4, 4], [3, 3]], 400, 'LIFE_ERR_DUPLICATE_CELL'],
    ['not integers', [[3, 3], [1.5, 2]], 400, 'LIFE_ERR_VALIDATION'],
    ['not pairs', [[3, 3], [1, 2, 3]], 400, 'LIFE_ERR_VALIDATION'],
    ['empty', [], 400, 'LIFE_ERR_VALIDATION'],
  ])('refuses cells %s, applying nothing', async (_what, cells, status, code) => {
    const { server, token } = await setup();
    expectError(await call(server, 'POST', '/cells', { token, body: { cells } }), status, code);
    // Nothing pending: the valid cell of the refused request can still be placed alone...
    expect((await call(server, 'POST', '/cells', { token, body: { cells: [[3, 3]] } })).status).toBe(202);
    await admin(server, 'step', { generations: 1 });
    // ...and is the only cell in the world.
    expect((await allCells(server)).cells.map(([x, y]) => [x, y])).toEqual([[3, 3]]);
  });

  it('refuses more than MAX_CELLS_PER_REQUEST cells with 400 LIFE_ERR_TOO_MANY_CELLS', async () => {
    const { server, token } = await setup({ MAX_CELLS_PER_REQUEST: '16' });
    const cells = Array.from({ length: 17 }, (_, i) => [i * 2, 0]);
    expectError(await call(server, 'POST', '/cells', { token, body: { cells } }), 400, 'LIFE_ERR_TOO_MANY_CELLS');
    expect((await call(server, 'POST', '/cells', { token, body: { cells: cells.slice(0, 16) } })).status).toBe(202);
  });

  it('refuses a live or already placed cell with 409 LIFE_ERR_CELL_OCCUPIED', async () => {
    const { server, token } = await setup();
    const other = await newPlayer(server, 'other');
    expect((await call(server, 'POST', '/cells', { token, body: { cells: [[10, 10]] } })).status).toBe(202);
    // Pending for the next generation.
    expectError(await call(server, 'POST', '/cells', { token: other.token, body: { cells: [[11, 11], [10, 10]] } }), 409, 'LIFE_ERR_CELL_OCCUPIED');
    // A block is stable: its cells stay live.
    await call(server, 'POST', '/cells', { token, body: { cells: [[11, 10], [10, 11], [11, 11]] } });
    await admin(server, 'step', { generations: 2 });
    const before = await allCells(server);
    expect(before.cells).toHaveLength(4);
    expectError(await call(server, 'POST', '/cells', { token: other.token, body: { cells: [[50, 50], [11, 11]] } }), 409, 'LIFE_ERR_CELL_OCCUPIED');
    await admin(server, 'step', { generations: 1 });
    expect((await allCells(server)).cells).toEqual(before.cells);
  });

  it('charges a budget of BUDGET_CELLS refilled by BUDGET_REFILL_PER_GEN per generation (429 LIFE_ERR_BUDGET_EXCEEDED)', async () => {
    const { server, token } = await setup({ BUDGET_CELLS: '10', BUDGET_REFILL_PER_GEN: '2' });
    const row = (y: number, n: number) => Array.from({ length: n }, (_, i) => [i * 2, y]);
    expect((await call(server, 'POST', '/cells', { token, body: { cells: row(0, 8) } })).status).toBe(202);
    const over = await call(server, 'POST', '/cells', { token, body: { cells: row(10, 3) } });
    expectError(over, 429, 'LIFE_ERR_BUDGET_EXCEEDED');
    // A refused request costs nothing and places nothing: 2 cells are still available.
    expect((await call(server, 'POST', '/cells', { token, body: { cells: row(20, 2) } })).status).toBe(202);
    expectError(await call(server, 'POST', '/cells', { token, body: { cells: row(30, 1) } }), 429, 'LIFE_ERR_BUDGET_EXCEEDED');
    // Two generations refill 4 cells; the bucket never holds more than 10.
    await admin(server, 'step', { generations: 2 });
    expect((await call(server, 'POST', '/cells', { token, body: { cells: row(40, 4) } })).status).toBe(202);
    expectError(await call(server, 'POST', '/cells', { token, body: { cells: row(50, 1) } }), 429, 'LIFE_ERR_BUDGET_EXCEEDED');
    await admin(server, 'step', { generations: 100 });
    expectError(await call(server, 'POST', '/cells', { token, body: { cells: row(60, 11) } }), 429, 'LIFE_ERR_BUDGET_EXCEEDED');
    expect((await call(server, 'POST', '/cells', { token, body: { cells: row(60, 10) } })).status).toBe(202);
    // Budgets are per player.
    const other = await newPlayer(server, 'other');
    expect((await call(server, 'POST', '/cells', { token: other.token, body: { cells: row(70, 10) } })).status).toBe(202);
  });
});

describe('placement, admin step and GET /cells', () => {
  it('shows the evolved pattern, equal to the reference', async () => {
    const { server, id, token } = await setup();
    const start = (await call(server, 'GET', '/world')).body.generation;
    const rpent = at([[1, 0], [2, 0], [0, 1], [1, 1], [1, 2]], 100, 100);
    const glider = at(GLIDER, 250, 250); // crosses the torus edges
    const placed = await call(server, 'POST', '/cells', { token, body: { cells: [...rpent, ...glider] } });
    expect(placed.body.generation).toBe(start + 1);
    const steps = 40;
    expect((await admin(server, 'step', { generations: steps })).body.generation).toBe(start + steps);
    const { generation, cells } = await allCells(server);
    expect(generation).toBe(start + steps);
    // Live from generation start+1, so they evolved steps-1 generations.
    const expected = referenceLife([...rpent, ...glider], steps - 1, 256, 256);
    expect(cells.map(([x, y]) => [x, y])).toEqual(expected);
    // Every parent belonged to the player, so every cell does.
    expect(new Set(cells.map((c) => c[2]))).toEqual(new Set([id]));
  });
});

describe('GET /cells', () => {
  it('reads a region that wraps on a torus, as JSON and as RLE', async () => {
    const { server, id, token } = await setup();
    await call(server, 'POST', '/cells', { token, body: { cells: [[255, 255], [0, 0], [2, 1], [100, 100]] } });
    await admin(server, 'step', { generations: 1 });
    const json = await call(server, 'GET', '/cells?x=250&y=250&w=10&h=10');
    expect(json.status).toBe(200);
    expect(sortCells(json.body.cells)).toEqual([[0, 0, id], [2, 1, id], [255, 255, id]]);
    const negative = await call(server, 'GET', '/cells?x=-6&y=-6&w=10&h=10');
    expect(sortCells(negative.body.cells)).toEqual(sortCells(json.body.cells));

    const rle = await call(server, 'GET', '/cells?x=250&y=250&w=10&h=10&format=rle');
    expect(rle.status).toBe(200);
    expect(rle.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(rle.headers.get('x-generation')).toBe(String(json.body.generation));
    const pattern = parseRle(rle.text);
    expect(pattern).toMatchObject({ width: 10, height: 10, rule: 'B3/S23' });
    expect(pattern.cells).toEqual([[5, 5], [6, 6], [8, 7]]);
  });

  it('clips to a bounded world', async () => {
    const { server, id, token } = await setup({ WORLD_TOPOLOGY: 'bounded' });
    await call(server, 'POST', '/cells', { token, body: { cells: [[0, 0], [255, 255]] } });
    await admin(server, 'step', { generations: 1 });
    const reply = await call(server, 'GET', '/cells?x=-5&y=-5&w=10&h=10');
    expect(reply.body.cells).toEqual([[0, 0, id]]);
  });

  it.each([
    ['over MAX_REGION_AREA', '?x=0&y=0&w=200&h=200', 400, 'LIFE_ERR_REGION_TOO_LARGE'],
    ['wider than the world', '?x=0&y=0&w=300&h=1', 400, 'LIFE_ERR_REGION_TOO_LARGE'],
    ['with a zero width', '?x=0&y=0&w=0&h=10', 400, 'LIFE_ERR_VALIDATION'],
    ['with a missing height', '?x=0&y=0&w=10', 400, 'LIFE_ERR_VALIDATION'],
    ['with a non-number', '?x=a&y=0&w=10&h=10', 400, 'LIFE_ERR_VALIDATION'],
    ['with an unknown format', '?x=0&y=0&w=10&h=10&format=png', 400, 'LIFE_ERR_VALIDATION'],
  ])('refuses a region %s', async (_what, query, status, code) => {
    const server = await servers.start({ MAX_REGION_AREA: '10000' });
    expectError(await call(server, 'GET', `/cells${query}`), status, code);
  });
});
