/**
 * Connection's numeric states against a socket the test drives by hand: a whole life
 * (IDLE to CLOSED), an unexpected close moving on to the next URL through BACKOFF, events of
 * a socket given up being ignored, and an overloaded server (4008) waited out by connect().
 */
import { expect, test } from 'vitest';
import { PROTOCOL_VERSION, type ServerHello } from '@lifemmo/shared/client';
import { Connection, ConnectionStates, type ConnectionHost } from './connection.js';
import type { WebSocketLike } from './transport.js';

class HandSocket implements WebSocketLike {
  static all: HandSocket[] = [];
  binaryType = 'blob';
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: string[] = [];

  constructor(readonly url: string) {
    HandSocket.all.push(this);
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  hello(): void {
    this.onmessage?.({ data: JSON.stringify(HELLO) });
  }

  send(data: string): void {
    this.sent.push(data);
  }

  /** The client's close: the close frame goes out; the server's answer is `closed()`. */
  close(): void {
    this.readyState = 2;
  }

  /** The socket closed (the server answered a close, or dropped the connection). */
  closed(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const HELLO: ServerHello = {
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  serverTime: Date.now(),
  generation: 0,
  tickMs: 100,
  world: { width: 64, height: 64, topology: 'torus', rule: 'B3/S23', chunkSize: 64 },
  player: null,
  limits: { maxViewportArea: 4096, maxMessageBytes: 65536, maxCellsPerMessage: 1024, heartbeatMs: 60_000, maxLagMs: 1000, ackEveryMs: 250 },
};

/** A host that records what it is told. */
function recorder(): { host: ConnectionHost; calls: string[] } {
  const calls: string[] = [];
  const host: ConnectionHost = {
    onSocketOpen: () => calls.push('socketOpen'),
    onHello: (_h, _t, reconnect) => calls.push(reconnect === null ? 'hello' : `hello after ${reconnect.attempts}`),
    onMessage: () => calls.push('message'),
    onSocketLost: () => calls.push('socketLost'),
    onDisconnect: (e) => calls.push(`disconnect ${e.code} ${e.willReconnect}`),
    onClosed: (e) => calls.push(`closed ${e.code}`),
    onError: (e) => calls.push(`error ${e.code}`),
  };
  return { host, calls };
}

/** Resolve once `test()` holds, checking after each macrotask turn. */
async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((r) => setTimeout(r, 1));
}

function connection(host: ConnectionHost, urls = ['ws://a/ws']): Connection {
  return new Connection(
    { urls, WebSocket: HandSocket, backoff: { initialDelayMs: 1, maxDelayMs: 1, factor: 1, jitter: 0, maxAttempts: 5 }, connectTimeoutMs: 60_000, protocolVersion: PROTOCOL_VERSION },
    host,
  );
}

test('a life: IDLE, OPENING, HANDSHAKE, OPEN, CLOSING, CLOSED', async () => {
  HandSocket.all = [];
  const { host, calls } = recorder();
  const c = connection(host);
  expect(c.state).toBe(ConnectionStates.IDLE);
  const connected = c.connect();
  await until(() => HandSocket.all.length === 1);
  const ws = HandSocket.all[0]!;
  expect(c.state).toBe(ConnectionStates.OPENING);
  ws.open();
  expect(c.state).toBe(ConnectionStates.HANDSHAKE);
  expect(JSON.parse(ws.sent[0]!)).toMatchObject({ type: 'hello', protocolVersion: PROTOCOL_VERSION });
  ws.hello();
  expect(c.state).toBe(ConnectionStates.OPEN);
  await expect(connected).resolves.toMatchObject({ type: 'hello' });
  ws.onmessage?.({ data: new ArrayBuffer(4) });
  const closing = c.close();
  expect(c.state).toBe(ConnectionStates.CLOSING);
  ws.closed(1000);
  await closing;
  expect(c.state).toBe(ConnectionStates.CLOSED);
  expect(calls).toEqual(['socketOpen', 'hello', 'message', 'socketLost', 'closed LIFE_ERR_DISCONNECTED', 'disconnect 1000 false']);
});

test('an unexpected close goes through BACKOFF to the next URL; the old socket is ignored from then on', async () => {
  HandSocket.all = [];
  const { host, calls } = recorder();
  const c = connection(host, ['ws://a/ws', 'ws://b/ws']);
  const connected = c.connect();
  await until(() => HandSocket.all.length === 1);
  const a = HandSocket.all[0]!;
  a.open();
  a.hello();
  await connected;
  a.closed(1006);
  expect(c.state).toBe(ConnectionStates.BACKOFF);
  await until(() => HandSocket.all.length === 2);
  const b = HandSocket.all[1]!;
  expect(b.url).toBe('ws://b/ws');
  expect(c.state).toBe(ConnectionStates.OPENING);
  expect(c.reconnecting).toBe(true);
  // The first socket's late events change nothing.
  a.onmessage?.({ data: 'late' });
  b.open();
  b.hello();
  expect(c.state).toBe(ConnectionStates.OPEN);
  expect(c.url).toBe('ws://b/ws');
  expect(calls).toEqual(['socketOpen', 'hello', 'socketLost', 'disconnect 1006 true', 'socketOpen', 'hello after 1']);
  const closing = c.close();
  b.closed(1000);
  await closing;
});

test('close() during BACKOFF stops reconnecting at once', async () => {
  HandSocket.all = [];
  const { host, calls } = recorder();
  const c = new Connection(
    { urls: ['ws://a/ws'], WebSocket: HandSocket, backoff: { initialDelayMs: 60_000, maxDelayMs: 60_000, factor: 1, jitter: 0, maxAttempts: 5 }, connectTimeoutMs: 60_000, protocolVersion: PROTOCOL_VERSION },
    host,
  );
  const connected = c.connect();
  await until(() => HandSocket.all.length === 1);
  HandSocket.all[0]!.open();
  HandSocket.all[0]!.hello();
  await connected;
  HandSocket.all[0]!.closed(4000, 'LIFE_ERR_WS_SHUTTING_DOWN');
  expect(c.state).toBe(ConnectionStates.BACKOFF);
  await c.close();
  expect(c.state).toBe(ConnectionStates.CLOSED);
  expect(calls.at(-1)).toBe('closed LIFE_ERR_DISCONNECTED');
  expect(HandSocket.all).toHaveLength(1);
});

test('connect() waits out an overloaded server (4008) with the backoff, and gives up after maxAttempts rounds', async () => {
  HandSocket.all = [];
  const { host, calls } = recorder();
  const c = connection(host);
  const connected = c.connect();
  // Two refusals: accepted, then closed with 4008 at once, before any hello.
  for (let i = 0; i < 2; i++) {
    await until(() => HandSocket.all.length === i + 1);
    HandSocket.all[i]!.open();
    HandSocket.all[i]!.closed(4008, 'LIFE_ERR_WS_OVERLOADED');
  }
  await until(() => HandSocket.all.length === 3);
  const third = HandSocket.all[2]!;
  third.open();
  third.hello();
  await expect(connected).resolves.toMatchObject({ type: 'hello' });
  expect(c.state).toBe(ConnectionStates.OPEN);
  expect(calls.filter((call) => call.startsWith('error') || call.startsWith('closed'))).toEqual([]);
  const closing = c.close();
  third.closed(1000);
  await closing;

  // Always overloaded: connect() rejects with the refusal after maxAttempts (5) rounds.
  HandSocket.all = [];
  const always = connection(recorder().host);
  const refused = always.connect();
  refused.catch(() => undefined);
  for (let i = 0; i < 5; i++) {
    await until(() => HandSocket.all.length === i + 1);
    HandSocket.all[i]!.open();
    HandSocket.all[i]!.closed(4008, 'LIFE_ERR_WS_OVERLOADED');
  }
  await expect(refused).rejects.toMatchObject({ code: 'LIFE_ERR_WS_OVERLOADED' });
  expect(HandSocket.all).toHaveLength(5);
  expect(always.state).toBe(ConnectionStates.CLOSED);
});

test('connect() without reconnecting fails at once on 4008', async () => {
  HandSocket.all = [];
  const c = new Connection({ urls: ['ws://a/ws'], WebSocket: HandSocket, backoff: null, connectTimeoutMs: 60_000, protocolVersion: PROTOCOL_VERSION }, recorder().host);
  const connected = c.connect();
  connected.catch(() => undefined);
  await until(() => HandSocket.all.length === 1);
  HandSocket.all[0]!.open();
  HandSocket.all[0]!.closed(4008, 'LIFE_ERR_WS_OVERLOADED');
  await expect(connected).rejects.toMatchObject({ code: 'LIFE_ERR_WS_OVERLOADED' });
  expect(HandSocket.all).toHaveLength(1);
});
