// Bounded staleness (docs/protocol.md, "Acknowledgements"): a client that stops reading
// stops getting diffs once a frame it has not acknowledged is WS_MAX_LAG_MS old, so what
// waits for it in buffers is bounded by that time, not by the kernel's buffer sizes; when it
// reads again it gets one fresh snapshot. The SDK shows no diff older than the bound, and a
// client stalled past the heartbeat reads a close code, not a dropped socket.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LifeClient, type DiffEvent, type LifeClientOptions, type ResyncEvent } from '@lifemmo/client';
import { CloseCodes, FrameTypes, SnapshotReasons, ackEveryMs } from '@lifemmo/shared';
import { admin, call, closeAll, connectClient, newPlayer, prng, soup, startServer, type TestClient, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const clients: TestClient[] = [];
const sdkClients: LifeClient[] = [];
afterEach(async () => {
  for (const c of sdkClients.splice(0)) c.close();
  await closeAll(clients, server);
  server = undefined;
});

const WORLD = 256;
const TICK_MS = 50;
const MAX_LAG_MS = 1000;
const STALL_MS = 5000;
const ENV = {
  WORLD_WIDTH: String(WORLD),
  WORLD_HEIGHT: String(WORLD),
  // Seeds (B2/S): a 5% soup never settles, so every tick has a diff with cells in it.
  RULE: 'B2/S',
  TICK_MS: String(TICK_MS),
  BUDGET_CELLS: '1000000',
  MAX_CELLS_PER_REQUEST: '1000000',
  RATE_LIMIT_PER_MINUTE: '0',
  WS_MAX_LAG_MS: String(MAX_LAG_MS),
  // Far above the stall, so only the lag bound acts; and a huge watermark, so the bytes
  // queued here (the old mechanism) cannot be what stops the diffs.
  WS_HEARTBEAT_MS: '60000',
  WS_SEND_WATERMARK_BYTES: String(512 * 1024 * 1024),
  WS_SEND_HARD_LIMIT_BYTES: String(1024 * 1024 * 1024),
};

/** Resolves after `ms`: here the stall itself is what is under test, not a wait for a condition. */
const stall = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function seededServer(env: Record<string, string> = {}): Promise<TestServer> {
  const s = await startServer({ ...ENV, ...env });
  const { token } = await newPlayer(s);
  await call(s, 'POST', '/cells', { token, body: { cells: soup(prng(3), 0, 0, WORLD, 0.05, WORLD) } });
  return s;
}

describe('a client that stops reading', () => {
  it('gets no diff sent while it lags past WS_MAX_LAG_MS, then one fresh snapshot, then fresh diffs', async () => {
    server = await seededServer();
    const ws = server.app.lifemmoWs;
    const client = await connectClient(server, { decode: false });
    clients.push(client);
    client.send({ type: 'subscribe', x: 0, y: 0, w: WORLD, h: WORLD });
    await client.until(() => client.headers.filter((h) => h.type === FrameTypes.DIFF).length > 5, 10_000, 'diffs');
    const laggedBefore = ws.stats.lagged;

    client.pauseReading();
    await stall(STALL_MS);
    expect(ws.stats.lagged).toBe(laggedBefore + 1);
    const readBefore = client.headers.length;
    client.resumeReading();
    await client.until(
      () => client.headers.slice(readBefore).some((h) => h.type === FrameTypes.SNAPSHOT && h.reason === SnapshotReasons.BACKPRESSURE),
      10_000,
      'the snapshot after catching up',
    );
    const snapshotAt = client.headers.findIndex((h, i) => i >= readBefore && h.type === FrameTypes.SNAPSHOT);
    await client.until(() => client.headers.length > snapshotAt + 10, 10_000, 'diffs after the snapshot');

    // What had been sent before the server stopped: frames sent within the lag bound (plus an
    // ack interval and a tick), a fraction of the stall's 100 generations. Without the bound
    // the kernel buffers would have held every one of them.
    const backlog = client.headers.slice(readBefore, snapshotAt).filter((h) => h.type === FrameTypes.DIFF);
    expect(backlog.length).toBeLessThan((MAX_LAG_MS + ackEveryMs(MAX_LAG_MS) + 2 * TICK_MS) / TICK_MS + 5);
    expect(backlog.length).toBeLessThan(STALL_MS / TICK_MS / 2);
    // After the snapshot, the diffs are fresh again and follow it generation by generation.
    const after = client.headers.slice(snapshotAt, snapshotAt + 10);
    after.forEach((h, i) => expect(h.generation).toBe(after[0]!.generation + i));
    for (const h of after.slice(1)) expect(h.at - h.timestamp).toBeLessThanOrEqual(MAX_LAG_MS);
  }, 60_000);

  it('through the SDK: no diff older than the bound reaches the application, and the replica is right after', async () => {
    server = await seededServer();
    // A `ws` WebSocket whose socket the test can pause: `_socket` is ws's own field, the
    // only way to make a real client stop reading without closing.
    const sockets: WebSocket[] = [];
    class Stallable extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    }
    // ws's handler properties are typed with its own Event classes, the SDK's with `unknown`.
    const client = new LifeClient({ url: server.url, WebSocket: Stallable as unknown as NonNullable<LifeClientOptions['WebSocket']> });
    sdkClients.push(client);
    const diffs: DiffEvent[] = [];
    const resyncs: ResyncEvent[] = [];
    client.on('diff', (e) => diffs.push(e));
    client.on('resync', (e) => resyncs.push(e));
    await client.connect();
    await client.subscribe({ x: 0, y: 0, w: WORLD, h: WORLD });
    const until = async (test: () => boolean, what: string) => {
      const deadline = Date.now() + 15_000;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await until(() => diffs.length > 5, 'diffs');

    const pause = (sockets.at(-1) as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    pause.pause();
    await stall(STALL_MS);
    const diffsBefore = diffs.length;
    pause.resume();
    await until(() => resyncs.some((r) => r.reason === 'stale') && diffs.length > diffsBefore + 5, 'a stale resync, then diffs');

    const stale = resyncs.find((r) => r.reason === 'stale')!;
    expect(stale.ageMs).toBeGreaterThan(MAX_LAG_MS);
    // Not one diff the application saw was older than the bound (same clock: no offset here).
    expect(Math.max(...diffs.map((d) => d.latencyMs))).toBeLessThanOrEqual(MAX_LAG_MS + 1);

    await admin(server, 'pause');
    const generation = (await admin(server, 'step', { generations: 1 })).body.generation as number;
    await until(() => client.generation >= generation, `generation ${generation}`);
    const truth = await call(server, 'GET', `/cells?x=0&y=0&w=${WORLD}&h=${WORLD}`);
    expect(client.population).toBe((truth.body.cells as unknown[]).length);
  }, 60_000);

  it('stalled past the heartbeat: reads close code 4005 when it reads again', async () => {
    server = await seededServer({ WS_HEARTBEAT_MS: '1000' });
    const client = await connectClient(server, { decode: false });
    clients.push(client);
    client.send({ type: 'subscribe', x: 0, y: 0, w: WORLD, h: WORLD });
    await client.until(() => client.headers.length > 3, 10_000, 'frames');
    client.pauseReading();
    // Two heartbeat intervals (a ping, then no pong by the next sweep) and some margin.
    await stall(3500);
    client.resumeReading();
    await client.closed;
    expect(client.closeCode).toBe(CloseCodes.HEARTBEAT_MISSED);
  }, 30_000);

  it('in a paused world, a new subscription gets its snapshot however long after the last acknowledged frame', async () => {
    // The SDK acknowledges by generation: a second snapshot of a generation already
    // acknowledged is never acknowledged. Frames of an old viewport must not count against
    // a new one, or a page that pans in a paused world would wait for the next tick.
    server = await startServer({ ...ENV, TICK_MS: '60000' });
    const client = new LifeClient({ url: server.url });
    sdkClients.push(client);
    await client.connect();
    await admin(server, 'step', { generations: 1 });
    await client.subscribe({ x: 0, y: 0, w: 64, h: 64 });
    await client.subscribe({ x: 128, y: 0, w: 64, h: 64 }); // a snapshot of the same generation: never acknowledged
    await stall(MAX_LAG_MS + ackEveryMs(MAX_LAG_MS) + 200); // that frame is now older than the bound
    await client.subscribe({ x: 0, y: 128, w: 64, h: 64 });
    expect(client.viewport).toEqual({ x: 0, y: 128, w: 64, h: 64 });
  }, 30_000);
});
