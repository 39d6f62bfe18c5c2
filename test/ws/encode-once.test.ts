// Encode once, send many: with many clients on one viewport, the number of chunk
// encodings per tick equals the number of changed, watched chunks, and the number of
// frames assembled equals the number of distinct viewports, whatever the client count.
import { afterEach, describe, expect, it } from 'vitest';
import { FrameTypes, type Frame } from '@lifemmo/shared';
import { admin, call, closeAll, connectClient, newPlayer, prng, soup, startServer, type TestClient, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  await closeAll(clients, server);
  server = undefined;
});

const A = { x: 0, y: 0, w: 128, h: 128 }; // 4 chunks
const B = { x: 64, y: 64, w: 192, h: 128 }; // 6 chunks, 1 shared with A

async function subscribeMany(s: TestServer, rect: typeof A, n: number): Promise<TestClient[]> {
  const out: TestClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await connectClient(s);
    c.send({ type: 'subscribe', ...rect });
    out.push(c);
    clients.push(c);
  }
  for (const c of out) await c.until(() => c.frames.length > 0);
  return out;
}

function changedChunks(frame: Frame): string[] {
  return frame.chunks.map((c) => `${c.cx},${c.cy}`);
}

describe('encode once', () => {
  it('chunk encodings per tick do not grow with clients; one frame per distinct viewport', async () => {
    server = await startServer({ TICK_MS: '1000', BUDGET_CELLS: '100000', MAX_CELLS_PER_REQUEST: '100000', RATE_LIMIT_PER_MINUTE: '0' });
    const ws = server.app.lifemmoWs;
    await admin(server, 'pause');
    const { token } = await newPlayer(server);
    const random = prng(3);
    await call(server, 'POST', '/cells', { token, body: { cells: soup(random, 0, 0, 256, 0.3, 256) } });
    await admin(server, 'step', { generations: 2 });

    const [one] = await subscribeMany(server, A, 1);
    const snapshotsBefore = ws.stats.snapshotChunkEncodings;
    const manyA = await subscribeMany(server, A, 39);
    const manyB = await subscribeMany(server, B, 10);
    // Same generation: every chunk's snapshot record was encoded once (A's 4 already were).
    expect(ws.stats.snapshotChunkEncodings - snapshotsBefore).toBe(5);
    expect(ws.groupCount).toBe(2);

    const encodingsBefore = ws.stats.diffChunkEncodings;
    const framesBefore = ws.stats.diffFrames;
    const generation = (await admin(server, 'step', { generations: 10 })).body.generation as number;
    for (const c of [one!, ...manyA, ...manyB]) await c.atGeneration(generation);

    // Expected encodings: per generation, the union of the chunks A and B saw change.
    let expected = 0;
    for (let g = generation - 9; g <= generation; g++) {
      const diffOf = (c: TestClient) => c.frames.find((r) => r.frame.type === FrameTypes.DIFF && r.frame.generation === g)!.frame;
      expected += new Set([...changedChunks(diffOf(one!)), ...changedChunks(diffOf(manyB[0]!))]).size;
      // Every member of a group got identical bytes.
      for (const c of manyA) expect(diffOf(c)).toEqual(diffOf(one!));
    }
    expect(expected).toBeGreaterThan(10); // the soup is active
    expect(ws.stats.diffChunkEncodings - encodingsBefore).toBe(expected);
    expect(ws.stats.diffFrames - framesBefore).toBeLessThanOrEqual(10 * ws.groupCount);

    // Prometheus shows the same counters.
    const metrics = await call(server, 'GET', '/metrics');
    const line = metrics.text.split('\n').find((l) => l.startsWith('lifemmo_ws_diff_chunk_encodings_total'));
    expect(Number(line?.split(' ')[1])).toBe(ws.stats.diffChunkEncodings);
    expect(metrics.text).toMatch(/lifemmo_ws_clients 50/);
  });
});
