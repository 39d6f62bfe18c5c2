/**
 * LifeClient against a scripted in-memory socket: gap detection and resync, stale and
 * unsubscribed frames, inconsistent diffs, request correlation. Real-server behaviour is
 * in test/sdk/.
 */
import { expect, test, vi } from 'vitest';
import { FrameTypes, PROTOCOL_VERSION, encodeDiffChunk, encodeFrame, encodeSnapshotChunk, type ServerHello } from '@lifemmo/shared/client';
import { LifeClient, type ResyncEvent } from './index.js';
import type { WebSocketLike } from './transport.js';

class FakeSocket implements WebSocketLike {
  static last: FakeSocket;
  binaryType = 'blob';
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: Array<Record<string, unknown>> = [];

  constructor(readonly url: string) {
    FakeSocket.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: string): void {
    const message = JSON.parse(data) as Record<string, unknown>;
    this.sent.push(message);
    if (message.type === 'hello') this.json(HELLO);
  }

  close(code = 1000, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  json(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  frame(bytes: Uint8Array): void {
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
}

const HELLO: ServerHello = {
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  serverTime: Date.now(),
  generation: 5,
  tickMs: 100,
  world: { width: 128, height: 128, topology: 'torus', rule: 'B3/S23', chunkSize: 64 },
  player: { id: 1, name: 'a', color: '#000000' },
  limits: { maxViewportArea: 65536, maxMessageBytes: 65536, maxCellsPerMessage: 1024, heartbeatMs: 15000, maxLagMs: 1000, ackEveryMs: 250 },
};

const u16 = (v: number[]) => Uint16Array.from(v);

function snapshot(generation: number, cells: number[], reason: 0 | 1 | 2 | 3 = 0): Uint8Array {
  return encodeFrame({ type: FrameTypes.SNAPSHOT, reason, generation, timestamp: Date.now() }, [
    encodeSnapshotChunk({ cx: 0, cy: 0, cells: u16(cells), owners: u16(cells.map(() => 1)) }),
  ]);
}

function diff(generation: number, births: number[], deaths: number[] = []): Uint8Array {
  const records = births.length + deaths.length === 0 ? [] : [
    encodeDiffChunk({ cx: 0, cy: 0, births: u16(births), birthOwners: u16(births.map(() => 2)), deaths: u16(deaths) }),
  ];
  return encodeFrame({ type: FrameTypes.DIFF, generation, timestamp: Date.now() }, records);
}

async function connected(): Promise<{ client: LifeClient; socket: FakeSocket }> {
  const client = new LifeClient({ url: 'http://fake', WebSocket: FakeSocket, reconnect: false });
  await client.connect();
  return { client, socket: FakeSocket.last };
}

test('a gap in generations asks for a resync and ignores diffs until the snapshot', async () => {
  const { client, socket } = await connected();
  const resyncs: ResyncEvent[] = [];
  client.on('resync', (e) => resyncs.push(e));
  const subscribed = client.subscribe({ x: 0, y: 0, w: 64, h: 64 });
  expect(socket.sent.at(-1)).toMatchObject({ type: 'subscribe', x: 0, y: 0, w: 64, h: 64 });
  socket.frame(snapshot(5, [1, 2]));
  await subscribed;
  socket.frame(diff(6, [3], [1]));
  expect(client.generation).toBe(6);
  expect([...client.cells()].map(([x, , o]) => [x, o])).toEqual([
    [2, 1],
    [3, 2],
  ]);
  socket.frame(diff(6, [9])); // a duplicate: ignored
  socket.frame(diff(8, [4])); // generation 7 is missing
  expect(resyncs).toEqual([{ reason: 'gap', expected: 7, received: 8 }]);
  expect(socket.sent.at(-1)).toMatchObject({ type: 'resync' });
  socket.frame(diff(9, [5])); // ignored until the snapshot
  expect(client.generation).toBe(6);
  socket.frame(snapshot(9, [7], 1));
  socket.frame(diff(10, [8]));
  expect(client.generation).toBe(10);
  expect([...client.cells()].map(([x]) => x)).toEqual([7, 8]);
  await client.close();
});

test('an inconsistent diff resyncs; frames after unsubscribe are ignored', async () => {
  const { client, socket } = await connected();
  const resyncs: ResyncEvent[] = [];
  client.on('resync', (e) => resyncs.push(e));
  void client.subscribe({ x: 0, y: 0, w: 64, h: 64 });
  socket.frame(snapshot(5, [1]));
  socket.frame(diff(6, [1])); // birth of a live cell
  expect(resyncs).toEqual([{ reason: 'inconsistent' }]);
  socket.frame(snapshot(6, [1], 1));
  client.unsubscribe();
  expect(socket.sent.at(-1)).toMatchObject({ type: 'unsubscribe' });
  socket.frame(diff(7, [2]));
  expect(client.generation).toBe(-1);
  expect(client.population).toBe(0);
  await client.close();
});

test('replies are matched by id; refusals reject with the catalogue code', async () => {
  const { client, socket } = await connected();
  const a = client.place([[1, 1]]);
  const b = client.placePattern('o!', 2, 2, { rotate: 90 });
  const [first, second] = socket.sent.slice(-2) as Array<{ id: number }>;
  expect(second).toMatchObject({ type: 'placePattern', rle: 'o!', x: 2, y: 2, rotate: 90 });
  socket.json({ type: 'error', code: 'LIFE_ERR_BUDGET_EXCEEDED', message: 'no budget', id: second!.id });
  socket.json({ type: 'placed', id: first!.id, accepted: 1, generation: 6 });
  await expect(a).resolves.toMatchObject({ accepted: 1, generation: 6 });
  await expect(b).rejects.toMatchObject({ code: 'LIFE_ERR_BUDGET_EXCEEDED', message: 'no budget' });
  const errors: string[] = [];
  client.on('error', (e) => errors.push(e.code));
  socket.json({ type: 'error', code: 'LIFE_ERR_SOMETHING_NEW', message: 'from a newer server' });
  expect(errors).toEqual(['LIFE_ERR_INTERNAL']);
  const pending = client.place([[3, 3]]);
  socket.close(4004, 'LIFE_ERR_WS_SLOW_CONSUMER');
  await expect(pending).rejects.toMatchObject({ code: 'LIFE_ERR_DISCONNECTED' });
  expect(client.state).toBe('closed');
  expect(errors.at(-1)).toBe('LIFE_ERR_WS_SLOW_CONSUMER');
});

test('close() while connecting rejects connect() with LIFE_ERR_DISCONNECTED at once', async () => {
  class SilentSocket extends FakeSocket {
    constructor(url: string) {
      super(url);
      this.onopen = null;
    }
    override send(): void {}
  }
  // A socket that opens but never answers hello. Its connect timeout is longer than the
  // test's: a rejection at all is close()'s doing, at once.
  const client = new LifeClient({ url: 'ws://fake/ws', WebSocket: SilentSocket, connectTimeoutMs: 60_000 });
  const connecting = client.connect();
  await vi.waitFor(() => expect(FakeSocket.last instanceof SilentSocket && FakeSocket.last.readyState === 1).toBe(true), { timeout: 10_000 });
  await client.close();
  await expect(connecting).rejects.toMatchObject({ code: 'LIFE_ERR_DISCONNECTED' });
  expect(client.state).toBe('closed');
});

test('connect() times out with LIFE_ERR_TIMEOUT when no hello comes', async () => {
  class MuteSocket extends FakeSocket {
    override send(): void {}
  }
  const client = new LifeClient({ url: 'ws://fake/ws', WebSocket: MuteSocket, connectTimeoutMs: 50 });
  await expect(client.connect()).rejects.toMatchObject({ code: 'LIFE_ERR_TIMEOUT' });
  expect(client.state).toBe('closed');
});

test('a silent connection is pinged after one heartbeat interval and dropped after two', async () => {
  class QuietServer extends FakeSocket {
    override send(data: string): void {
      const message = JSON.parse(data) as Record<string, unknown>;
      this.sent.push(message);
      if (message.type === 'hello') this.json({ ...HELLO, limits: { ...HELLO.limits, heartbeatMs: 30 } });
    }
  }
  // On fake time: the watchdog checks every 15 ms, and a loaded machine could otherwise run
  // its first check only after the two-interval deadline, skipping the ping.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
  try {
    const client = new LifeClient({ url: 'ws://fake/ws', WebSocket: QuietServer, reconnect: false });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.code));
    await client.connect();
    const socket = FakeSocket.last;
    // Silent for one interval (30 ms): pinged, still open.
    await vi.advanceTimersByTimeAsync(30);
    expect(socket.sent.filter((m) => m.type === 'ping')).toHaveLength(1);
    expect(client.state).not.toBe('closed');
    // Silent for more than two: dropped.
    await vi.advanceTimersByTimeAsync(45);
    expect(client.state).toBe('closed');
    expect(errors).toEqual(['LIFE_ERR_WS_HEARTBEAT_MISSED']);
  } finally {
    vi.useRealTimers();
  }
});

test('a subscribe() made before connect() outlives a server that drops the socket before hello: the next URL gets it', async () => {
  class DropsBeforeHello extends FakeSocket {
    override send(data: string): void {
      if (!this.url.startsWith('ws://a/')) return super.send(data);
      const message = JSON.parse(data) as Record<string, unknown>;
      this.sent.push(message);
      if (message.type === 'hello') queueMicrotask(() => this.close(1006, ''));
    }
  }
  const client = new LifeClient({ urls: ['ws://a/ws', 'ws://b/ws'], WebSocket: DropsBeforeHello, reconnect: false });
  const subscribed = client.subscribe({ x: 0, y: 0, w: 64, h: 64 });
  await client.connect();
  expect(client.url).toBe('ws://b/ws');
  const b = FakeSocket.last;
  expect(b.sent.map((m) => m.type)).toEqual(['hello', 'subscribe']);
  b.frame(snapshot(5, [1, 2, 3]));
  await expect(subscribed).resolves.toBeUndefined();
  expect(client.population).toBe(3);
  await client.close();
});
