// POST /patterns: RLE placement with flips and rotations, and its refusals.
import { describe, expect, it } from 'vitest';
import { admin, allCells, call, expectError, serversPerTest, type TestServer } from './helpers.js';

const servers = serversPerTest();

/** A paused small server and one player. */
const setup = servers.pausedWithPlayer;

// An L tromino: (0,0), (0,1), (1,1) in a 2x2 box.
const L = 'x = 2, y = 2\no$2o!';

/** The pattern's cells one generation later, as [x, y] (an L tromino becomes a block). */
async function cellsAfterPlacing(s: TestServer, token: string, body: object): Promise<number[][]> {
  const reply = await call(s, 'POST', '/patterns', { token, body });
  expect(reply.status).toBe(202);
  return reply.body;
}

describe('POST /patterns', () => {
  it('places an RLE pattern at (x, y), live at the returned generation', async () => {
    const { server, id, token } = await setup();
    const reply = await cellsAfterPlacing(server, token, { rle: '#N glider\nx = 3, y = 3, rule = B3/S23\nbo$2bo$3o!', x: 10, y: 20 });
    expect(reply).toMatchObject({ accepted: 5 });
    await admin(server, 'step', { generations: 1 });
    expect((await allCells(server)).cells).toEqual([
      [11, 20, id],
      [12, 21, id],
      [10, 22, id],
      [11, 22, id],
      [12, 22, id],
    ]);
  });

  it.each([
    [{ rotate: 90 }, [[1, 0], [0, 1], [1, 1]].length, [[0, 0], [1, 0], [0, 1]]],
    [{ flip: 'horizontal' }, 3, [[1, 0], [0, 1], [1, 1]]],
    [{ flip: 'vertical', rotate: 180 }, 3, [[1, 0], [0, 1], [1, 1]]],
  ])('applies %o', async (transform, count, expected) => {
    const { server, token } = await setup();
    expect(await cellsAfterPlacing(server, token, { rle: L, x: 30, y: 40, ...transform })).toMatchObject({ accepted: count });
    await admin(server, 'step', { generations: 1 });
    expect((await allCells(server)).cells.map(([x, y]) => [x! - 30, y! - 40])).toEqual(expected);
  });

  it('wraps across the edges of a torus', async () => {
    const { server, token } = await setup();
    await cellsAfterPlacing(server, token, { rle: '3o!', x: 255, y: 0 });
    await admin(server, 'step', { generations: 1 });
    expect((await allCells(server)).cells.map(([x, y]) => [x, y])).toEqual([[0, 0], [1, 0], [255, 0]]);
  });

  it('refuses a pattern crossing the edge of a bounded world with 400 LIFE_ERR_OUT_OF_WORLD, placing nothing', async () => {
    const { server, token } = await setup({ WORLD_TOPOLOGY: 'bounded' });
    expectError(await call(server, 'POST', '/patterns', { token, body: { rle: '3o!', x: 254, y: 0 } }), 400, 'LIFE_ERR_OUT_OF_WORLD');
    expectError(await call(server, 'POST', '/patterns', { token, body: { rle: 'o!', x: -1, y: 0 } }), 400, 'LIFE_ERR_OUT_OF_WORLD');
    await admin(server, 'step', { generations: 1 });
    expect((await allCells(server)).cells).toEqual([]);
  });

  it('refuses bad RLE with 400 LIFE_ERR_RLE_INVALID and the parser message', async () => {
    const { server, token } = await setup();
    const reply = await call(server, 'POST', '/patterns', { token, body: { rle: 'x = 3, y = 3\nbo$2bq$3o!', x: 0, y: 0 } });
    expectError(reply, 400, 'LIFE_ERR_RLE_INVALID');
    expect(reply.body.error.message).toMatch(/line 2, column \d+/);
  });

  it('refuses a pattern with more live cells than MAX_CELLS_PER_REQUEST (400 LIFE_ERR_RLE_TOO_LARGE)', async () => {
    const { server, token } = await setup({ MAX_CELLS_PER_REQUEST: '8' });
    expectError(await call(server, 'POST', '/patterns', { token, body: { rle: '9o!', x: 0, y: 0 } }), 400, 'LIFE_ERR_RLE_TOO_LARGE');
  });

  it('refuses a pattern over a live cell with 409, over budget with 429, without a token with 401', async () => {
    const { server, token } = await setup({ BUDGET_CELLS: '5' });
    await cellsAfterPlacing(server, token, { rle: 'o!', x: 5, y: 5 });
    expectError(await call(server, 'POST', '/patterns', { token, body: { rle: '3o!', x: 4, y: 5 } }), 409, 'LIFE_ERR_CELL_OCCUPIED');
    expectError(await call(server, 'POST', '/patterns', { token, body: { rle: '5o!', x: 50, y: 5 } }), 429, 'LIFE_ERR_BUDGET_EXCEEDED');
    expectError(await call(server, 'POST', '/patterns', { body: { rle: 'o!', x: 50, y: 5 } }), 401, 'LIFE_ERR_UNAUTHORIZED');
    expectError(await call(server, 'POST', '/patterns', { token, body: { rle: 'o!', x: 50, y: 5, rotate: 45 } }), 400, 'LIFE_ERR_VALIDATION');
    await admin(server, 'step', { generations: 1 });
    expect((await allCells(server)).cells.map(([x, y]) => [x, y])).toEqual([[5, 5]]);
  });
});
