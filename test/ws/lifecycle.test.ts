// Lifecycle: hello contents, unsubscribe, metrics of connected clients, and a graceful
// shutdown that closes every socket with 4000 before the engine stops. Waits are for
// conditions (generations, pings, closes), never a sleep and a wall-clock bound.
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCodes, Errors, FrameTypes, PROTOCOL_VERSION } from '@lifemmo/shared';
import { waitFor } from '../support/wait.js';
import { call, closeAll, connectClient, startServer, type TestClient, type TestServer } from './helpers.js';

let server: TestServer | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  await closeAll(clients, server);
  server = undefined;
});

describe('connection lifecycle', () => {
  it('hello describes the world and the limits', async () => {
    server = await startServer({ TICK_MS: '40', WS_MAX_VIEWPORT_AREA: '10000', WS_HEARTBEAT_MS: '5000', MAX_CELLS_PER_REQUEST: '77' });
    const before = Date.now();
    const c = await connectClient(server);
    clients.push(c);
    const hello = await c.hello();
    const after = Date.now();
    expect(hello).toMatchObject({
      protocolVersion: PROTOCOL_VERSION,
      tickMs: 40,
      world: { width: 256, height: 256, topology: 'torus', rule: 'B3/S23', chunkSize: 64 },
      player: null,
      limits: { maxViewportArea: 10000, maxMessageBytes: 65536, maxCellsPerMessage: 77, heartbeatMs: 5000 },
    });
    // The server's clock when it said hello: the same machine's clock, so between the two
    // readings around it (a second either side for a clock step).
    expect(hello.serverTime).toBeGreaterThanOrEqual(before - 1000);
    expect(hello.serverTime).toBeLessThanOrEqual(after + 1000);
  });

  it('unsubscribe stops the frames; subscribe again starts with a snapshot', async () => {
    server = await startServer({ TICK_MS: '20' });
    const c = await connectClient(server);
    clients.push(c);
    c.send({ type: 'subscribe', x: 0, y: 0, w: 64, h: 64 });
    await c.until(() => c.frames.length >= 3);
    c.send({ type: 'unsubscribe' });
    c.send({ type: 'ping', id: 'p' });
    await c.message('pong', (m) => m.id === 'p');
    const count = c.frames.length;
    // Three more generations go by with no frame for this client.
    const g = (await call(server, 'GET', '/world')).body.generation;
    await waitFor(async () => (await call(server!, 'GET', '/world')).body.generation >= g + 3, 'three more generations');
    expect(c.frames.length).toBe(count);
    expect(server.app.lifemmoWs.groupCount).toBe(0);
    c.send({ type: 'subscribe', x: 10, y: 10, w: 64, h: 64 });
    await c.until(() => c.frames.length > count);
    expect(c.frames[count]!.frame).toMatchObject({ type: FrameTypes.SNAPSHOT, chunkCount: 4 });
  });

  it('app.close() closes every socket with 4000 LIFE_ERR_WS_SHUTTING_DOWN and the gauge follows', async () => {
    server = await startServer({ TICK_MS: '20' });
    const a = await connectClient(server);
    const b = await connectClient(server);
    clients.push(a, b);
    await Promise.all([a.hello(), b.hello()]);
    const metrics = await call(server, 'GET', '/metrics');
    expect(metrics.text).toMatch(/^lifemmo_ws_clients 2$/m);
    await server.close();
    server = undefined;
    await Promise.all([a.closed, b.closed]);
    for (const c of [a, b]) {
      expect(c.closeCode).toBe(CloseCodes.SHUTTING_DOWN);
      expect(c.closeReason).toBe(Errors.WS_SHUTTING_DOWN.code);
    }
  });

  it('the heartbeat sweeps a slice at a time: each client is pinged once per interval, the deaf are closed within two', async () => {
    // 1000 ms at 250 ms a slice: four slices, so clients of different ids are pinged at different times.
    server = await startServer({ TICK_MS: '50', WS_HEARTBEAT_MS: '1000' });
    const live: TestClient[] = [];
    const deaf: TestClient[] = [];
    // When each client was pinged, counted from its connection on.
    const pings = new Map<TestClient, number[]>();
    for (let i = 0; i < 8; i++) {
      const c = await connectClient(server, { autoPong: i % 2 === 0 });
      const times: number[] = [];
      pings.set(c, times);
      c.ws.on('ping', () => times.push(Date.now()));
      clients.push(c);
      await c.hello();
      (i % 2 === 0 ? live : deaf).push(c);
    }
    await Promise.all(deaf.map((c) => c.closed));
    // A deaf client is pinged at a sweep and closed at the next one, within two intervals
    // of silence however late the sweeps ran: one ping, or two when its hello (which counts
    // as a sign of life) came after the first.
    for (const c of deaf) expect(c.closeCode).toBe(CloseCodes.HEARTBEAT_MISSED);
    for (const c of deaf) expect(pings.get(c)!.length).toBeGreaterThanOrEqual(1);
    for (const c of deaf) expect(pings.get(c)!.length).toBeLessThanOrEqual(2);
    // Three intervals' pings each, and the live stay connected.
    await waitFor(() => live.every((c) => pings.get(c)!.length >= 3), 'three pings to every live client');
    for (const [i, c] of live.entries()) {
      expect(c.closeCode, `live client ${i}`).toBeUndefined();
      // Once per interval: a client's pings are a whole sweep of the slices apart (timers
      // fire late under load, never early).
      const times = pings.get(c)!;
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeGreaterThan(500);
    }
    // Not all at once: the live clients' first pings are spread over the slices.
    const firsts = live.map((c) => pings.get(c)![0]!);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(200);
  });
});
