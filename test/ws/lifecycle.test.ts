// Lifecycle: hello contents, unsubscribe, metrics of connected clients, and a graceful
// shutdown that closes every socket with 4000 before the engine stops.
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCodes, Errors, FrameTypes, PROTOCOL_VERSION } from '@lifemmo/shared';
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
    const c = await connectClient(server);
    clients.push(c);
    const hello = await c.hello();
    expect(hello).toMatchObject({
      protocolVersion: PROTOCOL_VERSION,
      tickMs: 40,
      world: { width: 256, height: 256, topology: 'torus', rule: 'B3/S23', chunkSize: 64 },
      player: null,
      limits: { maxViewportArea: 10000, maxMessageBytes: 65536, maxCellsPerMessage: 77, heartbeatMs: 5000 },
    });
    expect(Math.abs(hello.serverTime - Date.now())).toBeLessThan(5000);
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
    await new Promise((r) => setTimeout(r, 150));
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
    for (let i = 0; i < 8; i++) {
      const c = await connectClient(server, { autoPong: i % 2 === 0 });
      clients.push(c);
      await c.hello();
      (i % 2 === 0 ? live : deaf).push(c);
    }
    const pings = live.map(() => [] as number[]);
    live.forEach((c, i) => c.ws.on('ping', () => pings[i]!.push(Date.now())));
    const started = Date.now();
    await Promise.all(deaf.map((c) => c.closed));
    // A deaf client is pinged at its first sweep and closed at its second: within two intervals.
    expect(Date.now() - started).toBeLessThan(2000 + 1000);
    for (const c of deaf) expect(c.closeCode).toBe(CloseCodes.HEARTBEAT_MISSED);
    await new Promise((r) => setTimeout(r, 3200 - (Date.now() - started)));
    for (const [i, c] of live.entries()) {
      expect(c.closeCode, `live client ${i}`).toBeUndefined();
      // Three intervals: three pings each, about one interval apart.
      expect(pings[i]!.length, `pings of live client ${i}`).toBeGreaterThanOrEqual(3);
      for (let k = 1; k < pings[i]!.length; k++) expect(pings[i]![k]! - pings[i]![k - 1]!).toBeGreaterThan(500);
    }
    // Not all at once: the live clients' first pings are spread over the slices.
    const firsts = pings.map((p) => p[0]!);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(200);
  });
});
