// The client's replica, built only from the snapshot and the diffs, equals GET /cells of
// the same region at the same generation, cell by cell with owners: several clients with
// overlapping, wrapping and disjoint viewports, random soups placed by REST, stepped and live.
import { afterEach, describe, expect, it } from 'vitest';
import { FrameTypes, SnapshotReasons, type Rect } from '@lifemmo/shared';
import { admin, call, closeAll, connectClient, newPlayer, prng, soup, startServer, type TestClient, type TestServer } from './helpers.js';

const WORLD = 256;
const ENV = {
  WORLD_WIDTH: String(WORLD),
  WORLD_HEIGHT: String(WORLD),
  TICK_MS: '20',
  BUDGET_CELLS: '1000000',
  BUDGET_REFILL_PER_GEN: '100000',
  MAX_CELLS_PER_REQUEST: '100000',
  RATE_LIMIT_PER_MINUTE: '0',
  // This test asserts one diff per generation after the snapshot: a loaded CI machine can
  // hold a client's acknowledgements back past the default 1 s staleness bound, and the
  // fresh snapshot that bound sends (tested in test/ws/stale-client.test.ts) is not what is tested here.
  WS_MAX_LAG_MS: '600000',
};

const VIEWPORTS: Record<string, Rect> = {
  aligned: { x: 0, y: 0, w: 128, h: 128 },
  sameAsAligned: { x: 0, y: 0, w: 128, h: 128 },
  overlapping: { x: 64, y: 32, w: 128, h: 128 },
  wrapping: { x: 200, y: 220, w: 128, h: 100 },
  disjoint: { x: 150, y: 140, w: 40, h: 30 },
  negativeWhole: { x: -10, y: -10, w: 256, h: 256 },
};

let server: TestServer | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  await closeAll(clients, server);
  server = undefined;
});

async function region(s: TestServer, rect: Rect): Promise<{ generation: number; cells: number[][] }> {
  const reply = await call(s, 'GET', `/cells?x=${rect.x}&y=${rect.y}&w=${rect.w}&h=${rect.h}`);
  expect(reply.status).toBe(200);
  const cells = (reply.body.cells as number[][]).sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!);
  return { generation: reply.body.generation, cells };
}

/** Pause, let any tick in flight finish, and return the generation the world rests at. */
async function settle(s: TestServer): Promise<number> {
  await admin(s, 'pause');
  const stepped = await admin(s, 'step', { generations: 1 });
  return stepped.body.generation as number;
}

/** Every client's replica equals GET /cells of its viewport at `generation`. */
async function expectReplicasMatch(s: TestServer, byName: Map<string, TestClient>, generation: number): Promise<void> {
  for (const [name, client] of byName) {
    await client.atGeneration(generation);
    expect(client.generation, name).toBe(generation);
    const rect = VIEWPORTS[name]!;
    const truth = await region(s, rect);
    expect(truth.generation).toBe(generation);
    expect(client.cellsIn(rect, { width: WORLD, height: WORLD }), `${name} at generation ${generation}`).toEqual(truth.cells);
  }
}

describe('replica from snapshot + diffs', () => {
  // Without compression each diff goes out as the group's shared, framed-once message
  // (server/src/ws/shared-message.ts); with permessage-deflate (which `ws` clients offer)
  // it goes through ws.send, compressed per client.
  it.each([
    ['shared framed messages', {}],
    ['permessage-deflate', { WS_PERMESSAGE_DEFLATE: 'true' }],
  ])('equals GET /cells for overlapping, wrapping and disjoint viewports, stepped and live (%s)', async (_, extraEnv) => {
    server = await startServer({ ...ENV, ...extraEnv });
    await admin(server, 'pause');
    const players = [await newPlayer(server, 'red'), await newPlayer(server, 'blue'), await newPlayer(server, 'green')];
    const byName = new Map<string, TestClient>();
    for (const [name, rect] of Object.entries(VIEWPORTS)) {
      const client = await connectClient(server);
      clients.push(client);
      byName.set(name, client);
      await client.hello();
      expect(client.ws.extensions.includes('permessage-deflate')).toBe('WS_PERMESSAGE_DEFLATE' in extraEnv);
      client.send({ type: 'subscribe', ...rect, id: name });
    }
    for (const client of clients) await client.until(() => client.frames.length > 0, 5000, 'snapshot');
    for (const client of clients) {
      const first = client.frames[0]!.frame;
      expect(first.type).toBe(FrameTypes.SNAPSHOT);
      expect(first.reason).toBe(SnapshotReasons.SUBSCRIBE);
    }

    const random = prng(42);
    let landed = 0;
    // Stepped: soups placed by REST at the tick boundary, then bursts of generations.
    for (let round = 0; round < 6; round++) {
      for (const player of players) {
        const cells = soup(random, Math.floor(random() * WORLD), Math.floor(random() * WORLD), 24, 0.35, WORLD);
        // A soup landing on live cells is refused whole (409); most land.
        const placed = await call(server, 'POST', '/cells', { token: player.token, body: { cells } });
        expect([202, 409]).toContain(placed.status);
        if (placed.status === 202) landed++;
      }
      await admin(server, 'step', { generations: 1 + Math.floor(random() * 8) });
      await expectReplicasMatch(server, byName, await settle(server));
    }

    expect(landed).toBeGreaterThan(6);

    // Live: the tick loop runs at 50 ticks/s while soups keep arriving.
    await admin(server, 'resume');
    for (let i = 0; i < 10; i++) {
      const player = players[i % players.length]!;
      const cells = soup(random, Math.floor(random() * WORLD), Math.floor(random() * WORLD), 20, 0.4, WORLD);
      // A cell may be live by now: a 409 just means this soup did not land.
      const placed = await call(server, 'POST', '/cells', { token: player.token, body: { cells } });
      expect([202, 409]).toContain(placed.status);
      await new Promise((r) => setTimeout(r, 30));
    }
    await expectReplicasMatch(server, byName, await settle(server));

    for (const [name, client] of byName) {
      expect(client.gaps, name).toBe(0);
      // Exactly one diff per generation, in order, after the one snapshot.
      const diffs = client.frames.slice(1).map((r) => r.frame);
      expect(diffs.every((f) => f.type === FrameTypes.DIFF), name).toBe(true);
      const snapshotGeneration = client.frames[0]!.frame.generation;
      expect(diffs.map((f) => f.generation), name).toEqual(diffs.map((_, i) => snapshotGeneration + 1 + i));
    }
    // The world did something: live cells in the whole-world viewport.
    expect(byName.get('negativeWhole')!.cellsIn({ x: 0, y: 0, w: WORLD, h: WORLD }, { width: WORLD, height: WORLD }).length).toBeGreaterThan(50);
  });

  it('a resync gives a fresh snapshot; a reset world gives every client a snapshot (reason 3)', async () => {
    server = await startServer({ ...ENV, TICK_MS: '1000' });
    await admin(server, 'pause');
    const player = await newPlayer(server);
    const client = await connectClient(server);
    clients.push(client);
    client.send({ type: 'subscribe', x: 0, y: 0, w: 256, h: 256 });
    await client.until(() => client.frames.length === 1);
    await call(server, 'POST', '/cells', { token: player.token, body: { cells: soup(prng(1), 10, 10, 30, 0.4, WORLD) } });
    await admin(server, 'step', { generations: 5 });
    await client.atGeneration(5);
    client.send({ type: 'resync', id: 'r' });
    await client.until(() => client.frames.some((r) => r.frame.type === FrameTypes.SNAPSHOT && r.frame.reason === SnapshotReasons.RESYNC));
    await expectReplicasMatch(server, new Map([['negativeWhole', client]]), 5);

    await admin(server, 'reset', {});
    // The reset itself sends the empty world at generation 0, before any tick.
    await client.until(() => client.frames.some((r) => r.frame.reason === SnapshotReasons.WORLD_RESET));
    expect(client.frames.at(-1)!.frame).toMatchObject({ type: FrameTypes.SNAPSHOT, generation: 0 });
    expect(client.cellsIn({ x: 0, y: 0, w: WORLD, h: WORLD }, { width: WORLD, height: WORLD })).toEqual([]);
    await call(server, 'POST', '/cells', { token: player.token, body: { cells: [[1, 1], [2, 1], [3, 1]] } });
    await admin(server, 'step', { generations: 1 });
    await client.atGeneration(1);
    expect(client.frames.at(-1)!.frame).toMatchObject({ type: FrameTypes.DIFF, generation: 1 });
    expect(client.cellsIn({ x: 0, y: 0, w: WORLD, h: WORLD }, { width: WORLD, height: WORLD })).toEqual([
      [1, 1, player.id],
      [2, 1, player.id],
      [3, 1, player.id],
    ]);
  });
});
