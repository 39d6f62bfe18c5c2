// A living world (issue 19 item 2) and finding an owner's cells (item 3), on a real
// server: a fresh world starts with neutral life at generation 0, laid out as the seeding
// settings say; an admin reset is empty unless it asks for seeding, and then the same seed
// gives the same cells; a watching client sees the seeded world; GET /players/{id}/cells
// counts exactly what GET /cells shows, per chunk.
import { afterEach, describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '@lifemmo/shared';
import { closeAll, connectClient, type TestClient } from '../ws/helpers.js';
import { admin, allCells, call, newPlayer, serversPerTest, type TestServer } from './helpers.js';

/** Four 32x32 soups at 50% (one per 128x128 block of the 256x256 world) and a glider at (10, 10). */
const SEEDED = {
  SEEDING: 'on',
  SEEDING_SOUP_DENSITY: '0.5',
  SEEDING_SOUP_PATCH: '32',
  SEEDING_SOUP_SPACING: '128',
  SEEDING_PATTERNS: '10,10:bo$2bo$3o!',
  // The world stands still unless a test steps it.
  TICK_MS: '60000',
};
const GLIDER_AT_10_10 = [
  [11, 10, 0],
  [12, 11, 0],
  [10, 12, 0],
  [11, 12, 0],
  [12, 12, 0],
];

/** Inside one of the four soup patches: [48, 80) or [176, 208) on each axis. */
function inPatch(x: number, y: number): boolean {
  const inside = (v: number) => (v >= 48 && v < 80) || (v >= 176 && v < 208);
  return inside(x) && inside(y);
}

/** Live cells of `owner` per chunk, counted from GET /cells of the whole world: "cx,cy" -> count. */
function countPerChunk(cells: number[][], owner: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [x, y, o] of cells) {
    if (o !== owner) continue;
    const key = `${Math.floor(x! / CHUNK_SIZE)},${Math.floor(y! / CHUNK_SIZE)}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** GET /players/{owner}/cells, asserted 200, as a "cx,cy" -> count map plus the reply. */
async function ownerCells(server: TestServer, owner: number) {
  const reply = await call(server, 'GET', `/players/${owner}/cells?limit=4096`);
  expect(reply.status).toBe(200);
  const chunks = reply.body.chunks as Array<[number, number, number]>;
  return { body: reply.body, byChunk: new Map(chunks.map(([cx, cy, n]) => [`${cx},${cy}`, n])) };
}

const servers = serversPerTest();
const clients: TestClient[] = [];
afterEach(() => closeAll(clients, undefined));

describe('a living world', () => {
  it('starts with neutral cells at generation 0: the patterns where they are asked, the soup in its patches', async () => {
    const server = await servers.start(SEEDED);
    const world = await allCells(server);
    expect(world.generation).toBe(0);
    expect(world.cells.every(([, , owner]) => owner === 0)).toBe(true);
    expect(world.cells).toEqual(expect.arrayContaining(GLIDER_AT_10_10));
    const soup = world.cells.filter(([x, y]) => !GLIDER_AT_10_10.some(([gx, gy]) => gx === x && gy === y));
    expect(soup.every(([x, y]) => inPatch(x!, y!))).toBe(true);
    // 4 patches of 1024 cells at 50%: far from 0 and from full, in every patch.
    expect(soup.length).toBeGreaterThan(1600);
    expect(soup.length).toBeLessThan(2500);
    for (const [px, py] of [[48, 48], [176, 48], [48, 176], [176, 176]]) {
      expect(soup.filter(([x, y]) => x! >= px! && x! < px! + 32 && y! >= py! && y! < py! + 32).length).toBeGreaterThan(300);
    }
    const info = await call(server, 'GET', '/world');
    expect(info.body.population).toBe(world.cells.length);
  });

  it('is the same world for the same seed on every start, and another for another seed', async () => {
    const a = await allCells(await servers.start(SEEDED));
    const again = await allCells(await servers.start(SEEDED));
    const other = await allCells(await servers.start({ ...SEEDED, SEED: '2' }));
    expect(again).toEqual(a);
    expect(other.cells).not.toEqual(a.cells);
    expect(other.cells).toEqual(expect.arrayContaining(GLIDER_AT_10_10));
  });

  it('stays empty with SEEDING=off', async () => {
    const server = await servers.start({ ...SEEDED, SEEDING: 'off' });
    expect(await allCells(server)).toEqual({ generation: 0, cells: [] });
  });

  it('resets to an empty world unless the reset asks for seeding; a seeded reset gives the same cells for the same seed', async () => {
    const server = await servers.start({ ...SEEDED, SEEDING: 'off' });
    const seeded7 = await admin(server, 'reset', { seed: 7, seeding: true });
    expect(seeded7.status).toBe(200);
    expect(seeded7.body).toMatchObject({ generation: 0, seed: 7 });
    const first = await allCells(server);
    expect(first.cells.length).toBeGreaterThan(1600);
    expect(first.cells.every(([, , owner]) => owner === 0)).toBe(true);

    await admin(server, 'step', { generations: 3 });
    expect((await allCells(server)).generation).toBe(3);
    expect((await admin(server, 'reset', { seed: 7, seeding: true })).status).toBe(200);
    expect(await allCells(server)).toEqual(first);

    expect((await admin(server, 'reset')).status).toBe(200);
    expect(await allCells(server)).toEqual({ generation: 0, cells: [] });
    expect((await admin(server, 'reset', { seeding: false })).status).toBe(200);
    expect(await allCells(server)).toEqual({ generation: 0, cells: [] });

    expect((await admin(server, 'reset', { seed: 8, seeding: true })).status).toBe(200);
    const eight = await allCells(server);
    expect(eight.cells).not.toEqual(first.cells);
    expect(eight.cells).toEqual(expect.arrayContaining(GLIDER_AT_10_10));
  });

  it('a seeded reset reaches a watching client: its replica holds the seeded cells, not an empty world', async () => {
    const server = await servers.start({ ...SEEDED, SEEDING: 'off' });
    const client = await connectClient(server);
    clients.push(client);
    await client.hello();
    client.send({ type: 'subscribe', x: 0, y: 0, w: 256, h: 256 });
    await client.atGeneration(0);
    expect(client.cellsIn({ x: 0, y: 0, w: 256, h: 256 }, { width: 256, height: 256 })).toEqual([]);

    expect((await admin(server, 'reset', { seed: 5, seeding: true })).status).toBe(200);
    const truth = await allCells(server);
    expect(truth.cells.length).toBeGreaterThan(1600);
    await client.until(() => client.cellsIn({ x: 0, y: 0, w: 256, h: 256 }, { width: 256, height: 256 }).length === truth.cells.length, 10_000, 'the seeded world in the replica');
    expect(client.generation).toBe(0);
    expect(client.cellsIn({ x: 0, y: 0, w: 256, h: 256 }, { width: 256, height: 256 })).toEqual(truth.cells);

    // And on: its diffs follow the seeded world.
    await admin(server, 'step', { generations: 2 });
    await client.atGeneration(2);
    expect(client.cellsIn({ x: 0, y: 0, w: 256, h: 256 }, { width: 256, height: 256 })).toEqual((await allCells(server)).cells);
  });
});

describe('GET /players/{id}/cells', () => {
  it("counts each owner's live cells per chunk exactly as GET /cells shows them, most first", async () => {
    const server = await servers.start({ ...SEEDED, BUDGET_CELLS: '1000', RATE_LIMIT_PER_MINUTE: '0' });
    const player = await newPlayer(server, 'finder');
    // Blocks (still lifes) in three chunks; (20, 20) shares chunk (0, 0) with the neutral
    // glider, (130, 130) chunk (2, 2) with a soup patch: chunks of mixed owners.
    const blocks = [[20, 20], [130, 130], [230, 20], [234, 20], [238, 20]];
    const cells = blocks.flatMap(([x, y]) => [[x!, y!], [x! + 1, y!], [x!, y! + 1], [x! + 1, y! + 1]]);
    expect((await call(server, 'POST', '/cells', { body: { cells }, token: player.token })).status).toBe(202);
    await admin(server, 'step', { generations: 1 });

    const world = await allCells(server);
    for (const owner of [player.id, 0]) {
      const expected = countPerChunk(world.cells, owner);
      const { body, byChunk } = await ownerCells(server, owner);
      expect(body.generation).toBe(world.generation);
      expect(body).toMatchObject({ owner, chunkSize: CHUNK_SIZE, chunkCount: expected.size });
      expect(byChunk).toEqual(expected);
      expect(body.population).toBe([...expected.values()].reduce((a, b) => a + b, 0));
      const counts = (body.chunks as number[][]).map((c) => c[2]!);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
    }
    const mine = await ownerCells(server, player.id);
    expect(mine.body.population).toBe(20);
    // The densest chunk first: the three blocks at x 230..239 share chunk (3, 0).
    expect(mine.body.chunks[0]).toEqual([3, 0, 12]);

    const limited = await call(server, 'GET', `/players/${player.id}/cells?limit=1`);
    expect(limited.body).toMatchObject({ chunkCount: 3, chunks: [[3, 0, 12]] });
    expect(await call(server, 'GET', '/players/4242/cells')).toMatchObject({ status: 200, body: { population: 0, chunkCount: 0, chunks: [] } });
    for (const bad of ['/players/-1/cells', '/players/65536/cells', '/players/abc/cells', `/players/${player.id}/cells?limit=0`]) {
      const reply = await call(server, 'GET', bad);
      expect(reply.status, bad).toBe(400);
      expect(reply.body.error.code, bad).toBe('LIFE_ERR_VALIDATION');
    }
  });
});
