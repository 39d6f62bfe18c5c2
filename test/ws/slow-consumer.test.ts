// A slow consumer never slows the others: a client that stops reading while others read
// falls behind (no more diffs, by its unacknowledged frames' age or its queued bytes), the server's buffered bytes stay bounded, the others get
// every generation on time, and the slow one gets a fresh snapshot once it reads again.
// A client that lets replies pile up past the hard limit is disconnected with 4004.
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCodes, FrameTypes, SnapshotReasons } from '@lifemmo/shared';
import { admin, call, closeAll, connectClient, newPlayer, prng, seedsWorldEnv, soup, startServer, waitFor, type TestClient, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  await closeAll(clients, server);
  server = undefined;
});

const WORLD = 512;
const WATERMARK = 256 * 1024;
// Seeds (B2/S): every live cell dies each generation, so frames stay large and a paused
// reader's kernel buffers fill within seconds.
const ENV = {
  ...seedsWorldEnv(WORLD),
  WS_SEND_WATERMARK_BYTES: String(WATERMARK),
  WS_SEND_HARD_LIMIT_BYTES: String(64 * 1024 * 1024),
  WS_HEARTBEAT_MS: '60000',
  // The slow client falls behind by its queued bytes here; the staleness bound (tested in
  // stale-client.test.ts) is lifted so that a fast reader that a loaded machine holds back
  // past 1 s does not get a lag snapshot in the middle of the diffs this test counts.
  WS_MAX_LAG_MS: '600000',
};

describe('slow consumer', () => {
  it('falls behind without hurting others, memory stays bounded, and resyncs once it reads again', async () => {
    server = await startServer(ENV);
    const ws = server.app.lifemmoWs;
    const { token } = await newPlayer(server);
    await call(server, 'POST', '/cells', { token, body: { cells: soup(prng(9), 0, 0, WORLD, 0.05, WORLD) } });

    const whole = { type: 'subscribe', x: 0, y: 0, w: WORLD, h: WORLD };
    const fast: TestClient[] = [];
    for (let i = 0; i < 3; i++) fast.push(await connectClient(server, { decode: false }));
    const slow = await connectClient(server);
    clients.push(...fast, slow);
    for (const c of [...fast, slow]) c.send(whole);
    await slow.until(() => slow.frames.length > 0);
    slow.pauseReading();
    const pausedAt = Date.now();

    // Wait until the server has marked the slow client behind; then watch its buffers.
    await waitFor(() => ws.behindCount === 1, 20_000, 'the slow client to fall behind');
    const samples: number[] = [];
    for (let i = 0; i < 25; i++) {
      samples.push(ws.bufferedBytes());
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(ws.behindCount).toBe(1);
    // Bounded: at most the watermark plus one (large) frame, and not growing.
    const largest = Math.max(...fast[0]!.headers.map((h) => h.bytes));
    expect(Math.max(...samples)).toBeLessThanOrEqual(WATERMARK + 2 * largest + 64 * 1024);
    expect(samples.at(-1)!).toBeLessThanOrEqual(samples[0]! + largest);

    // The others kept every generation while the slow one was behind: each got a diff of
    // every generation the slow one missed, in order. (How fast is the WebSocket
    // benchmark's question, not a unit test's: a loaded CI machine cannot promise a bound.)
    const slowLast = slow.generation;
    for (const c of fast) {
      expect(c.gaps).toBe(0);
      const during = c.headers.filter((h) => h.at >= pausedAt && h.type === FrameTypes.DIFF).map((h) => h.generation);
      expect(during.length).toBeGreaterThan(10);
      expect(during).toEqual(during.map((_, i) => during[0]! + i));
      expect(during.at(-1)!).toBeGreaterThan(slowLast + 10);
    }

    // Reading again: the backlog, then one snapshot (reason 2), then diffs again.
    const resyncsBefore = ws.stats.resyncs;
    slow.resumeReading();
    await slow.until(
      () => slow.frames.some((r) => r.frame.type === FrameTypes.SNAPSHOT && r.frame.reason === SnapshotReasons.BACKPRESSURE),
      20_000,
      'the backpressure snapshot',
    );
    // At least this one; a loaded machine may leave a fast reader briefly over the lag bound too.
    expect(ws.stats.resyncs).toBeGreaterThan(resyncsBefore);
    await admin(server, 'pause');
    const generation = (await admin(server, 'step', { generations: 1 })).body.generation as number;
    await slow.atGeneration(generation, 20_000);
    expect(slow.gaps).toBe(0); // the snapshot came before any diff it could not apply
    const truth = await call(server, 'GET', `/cells?x=0&y=0&w=${WORLD}&h=${WORLD}`);
    const cells = (truth.body.cells as number[][]).sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!);
    expect(slow.cellsIn({ x: 0, y: 0, w: WORLD, h: WORLD }, { width: WORLD, height: WORLD })).toEqual(cells);
    expect(ws.behindCount).toBe(0);
  }, 60_000);

  it('a client that lets replies pile up past the hard limit is dropped with 4004', async () => {
    server = await startServer({ TICK_MS: '50', WS_SEND_WATERMARK_BYTES: '4096', WS_SEND_HARD_LIMIT_BYTES: '65536', WS_HEARTBEAT_MS: '60000' });
    const ws = server.app.lifemmoWs;
    const watcher = await connectClient(server);
    const flooder = await connectClient(server, { decode: false });
    clients.push(watcher, flooder);
    watcher.send({ type: 'subscribe', x: 0, y: 0, w: 64, h: 64 });
    await flooder.hello();
    flooder.pauseReading();
    const ping = JSON.stringify({ type: 'ping', id: 'x'.repeat(60) });
    // Bounded: at most 400k pings (the kernel buffers hold a few MB of pongs).
    for (let batch = 0; batch < 400 && ws.stats.drops === 0; batch++) {
      for (let i = 0; i < 1000; i++) flooder.send(ping);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(ws.stats.drops).toBe(1);
    flooder.resumeReading();
    await flooder.closed;
    // The close frame sits behind the unread pongs; a fast reader sees it, else the socket is destroyed.
    expect([CloseCodes.SLOW_CONSUMER, 1006]).toContain(flooder.closeCode);
    const g = watcher.generation;
    await watcher.atGeneration(g + 2);
    expect(watcher.gaps).toBe(0);
  }, 60_000);
});
