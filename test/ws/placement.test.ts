// Placement over the socket: it goes through the same placement service as REST (budget,
// limits, codes), and the cells appear in every covering subscriber's diff at exactly the
// generation the `placed` reply announced.
import { afterEach, describe, expect, it } from 'vitest';
import { CHUNK_SIZE, FrameTypes, type DiffFrame } from '@lifemmo/shared';
import { call, closeAll, connectClient, newPlayer, startServer, type TestClient, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  await closeAll(clients, server);
  server = undefined;
});

async function open(s: TestServer, options: Parameters<typeof connectClient>[1] = {}): Promise<TestClient> {
  const client = await connectClient(s, options);
  clients.push(client);
  return client;
}

/** World cells born in `client`'s diff of `generation`, as sorted "x,y,owner" strings. */
async function birthsAt(client: TestClient, generation: number): Promise<string[]> {
  await client.atGeneration(generation);
  const frame = client.frames.find((r) => r.frame.type === FrameTypes.DIFF && r.frame.generation === generation)?.frame as DiffFrame | undefined;
  if (frame === undefined) throw new Error(`no diff of generation ${generation}`);
  const out: string[] = [];
  for (const chunk of frame.chunks) {
    chunk.births.forEach((cell, i) => {
      out.push(`${chunk.cx * CHUNK_SIZE + (cell & 63)},${chunk.cy * CHUNK_SIZE + (cell >> 6)},${chunk.birthOwners[i]}`);
    });
  }
  return out.sort();
}

describe('placement over the socket', () => {
  it('appears in every subscriber’s diff at the announced generation, with the owner', async () => {
    server = await startServer({ TICK_MS: '30', RATE_LIMIT_PER_MINUTE: '0' });
    const player = await newPlayer(server, 'placer');
    const placer = await open(server, { token: player.token });
    const hello = await placer.hello();
    expect(hello.player).toMatchObject({ id: player.id, name: 'placer' });
    const watchers = [
      await open(server),
      await open(server, { query: `token=${player.token}` }),
      await open(server, { headers: { authorization: `Bearer ${player.token}` } }),
    ];
    expect((await watchers[1]!.hello()).player?.id).toBe(player.id);
    expect((await watchers[2]!.hello()).player?.id).toBe(player.id);
    expect((await watchers[0]!.hello()).player).toBeNull();
    watchers[0]!.send({ type: 'subscribe', x: 64, y: 64, w: 128, h: 128 });
    watchers[1]!.send({ type: 'subscribe', x: 200, y: 200, w: 200, h: 200 }); // wraps to cover (100, 100)
    watchers[2]!.send({ type: 'subscribe', x: 0, y: 0, w: 256, h: 256 });
    placer.send({ type: 'subscribe', x: 96, y: 96, w: 16, h: 16 });
    for (const c of [...watchers, placer]) await c.until(() => c.frames.length > 0);

    placer.send({ type: 'place', cells: [[100, 100], [101, 100], [102, 100]], id: 'blinker' });
    const placed = await placer.message('placed', (m) => m.id === 'blinker');
    expect(placed.accepted).toBe(3);
    const expected = ['100,100', '101,100', '102,100'].map((xy) => `${xy},${player.id}`).sort();
    for (const c of [...watchers, placer]) expect(await birthsAt(c, placed.generation)).toEqual(expected);

    placer.send({ type: 'placePattern', rle: 'bo$2bo$3o!', x: 30, y: 30, rotate: 90, id: 'glider' });
    const glider = await placer.message('placed', (m) => m.id === 'glider');
    expect(glider.accepted).toBe(5);
    const births = await birthsAt(watchers[2]!, glider.generation);
    expect(births.filter((b) => b.endsWith(`,${player.id}`)).length).toBeGreaterThanOrEqual(5);
    // The REST view agrees: the glider's cells are the player's.
    const region = await call(server, 'GET', `/cells?x=30&y=30&w=3&h=3`);
    expect(region.body.generation).toBeGreaterThanOrEqual(glider.generation);
  });

  it('refuses like REST: spectators, budget, bad cells, bad RLE; the connection stays', async () => {
    server = await startServer({ TICK_MS: '1000', BUDGET_CELLS: '4', BUDGET_REFILL_PER_GEN: '0', MAX_CELLS_PER_REQUEST: '3' });
    const player = await newPlayer(server);
    const spectator = await open(server);
    await spectator.hello();
    spectator.send({ type: 'place', cells: [[1, 1]], id: 1 });
    expect(await spectator.message('error', (m) => m.id === 1)).toMatchObject({ code: 'LIFE_ERR_UNAUTHORIZED' });

    const c = await open(server, { token: player.token });
    await c.hello();
    const cases: Array<[unknown, string]> = [
      [{ type: 'place', cells: [[1, 1], [2, 2], [3, 3], [4, 4]] }, 'LIFE_ERR_TOO_MANY_CELLS'],
      [{ type: 'place', cells: [[1, 1], [1, 1]] }, 'LIFE_ERR_DUPLICATE_CELL'],
      [{ type: 'placePattern', rle: 'bo$2bo$3o!', x: 5, y: 5 }, 'LIFE_ERR_RLE_TOO_LARGE'],
      [{ type: 'placePattern', rle: 'zz!', x: 5, y: 5 }, 'LIFE_ERR_RLE_INVALID'],
      [{ type: 'placePattern', rle: 'o!', x: 9999, y: 5 }, 'LIFE_ERR_OUT_OF_WORLD'],
    ];
    let id = 10;
    for (const [message, code] of cases) {
      c.send({ ...(message as object), id });
      expect(await c.message('error', (m) => m.id === id), JSON.stringify(message)).toMatchObject({ code });
      id++;
    }
    c.send({ type: 'place', cells: [[1, 1], [2, 2], [3, 3]], id: 'ok' });
    expect(await c.message('placed', (m) => m.id === 'ok')).toMatchObject({ accepted: 3 });
    c.send({ type: 'place', cells: [[5, 5], [6, 6]], id: 'broke' });
    expect(await c.message('error', (m) => m.id === 'broke')).toMatchObject({ code: 'LIFE_ERR_BUDGET_EXCEEDED' });
    // The same player over REST shares the budget: 1 cell left.
    const rest = await call(server, 'POST', '/cells', { token: player.token, body: { cells: [[7, 7], [8, 8]] } });
    expect(rest.body.error.code).toBe('LIFE_ERR_BUDGET_EXCEEDED');
    c.send({ type: 'ping', id: 'still-there', t: 5 });
    expect(await c.message('pong', (m) => m.id === 'still-there')).toMatchObject({ t: 5 });
  });
});
