// Bad input never crashes the server: malformed JSON, binary junk, oversized frames,
// too-large viewports, messages before hello, wrong versions and tokens, too many
// connections, silence. Each gets its error code or close code while another client
// keeps receiving every generation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCodes, Errors, PROTOCOL_VERSION } from '@lifemmo/shared';
import { MAX_MALFORMED_MESSAGES } from '../../server/src/ws/connection.js';
import { closeAll, connectClient, newPlayer, startServer, wsUrl, type TestClient, type TestServer } from './helpers.js';
import { waitFor } from '../support/wait.js';

let server: TestServer;
let watcher: TestClient;
const clients: TestClient[] = [];

async function open(options: Parameters<typeof connectClient>[1] = {}): Promise<TestClient> {
  const client = await connectClient(server, options);
  clients.push(client);
  return client;
}

beforeEach(async () => {
  server = await startServer({ TICK_MS: '25', WS_MAX_MESSAGE_BYTES: '1024', WS_MAX_CONNECTIONS: '12', WS_HEARTBEAT_MS: '300' });
  watcher = await open();
  watcher.send({ type: 'subscribe', x: 0, y: 0, w: 64, h: 64 });
  await watcher.until(() => watcher.frames.length > 0);
});

afterEach(async () => {
  // The watcher was never disturbed: it kept every generation, without a gap.
  const before = watcher.generation;
  await watcher.atGeneration(before + 2);
  expect(watcher.gaps).toBe(0);
  expect(watcher.closeCode).toBeUndefined();
  await closeAll(clients, server);
});

describe('bad input over the socket', () => {
  it('malformed JSON, non-objects, unknown types and binary junk: an error each, the connection stays', async () => {
    const c = await open();
    await c.hello();
    const cases: Array<[string | Uint8Array, string]> = [
      ['{"type":"subscribe",', Errors.WS_BAD_MESSAGE.code],
      ['[1,2,3]', Errors.WS_BAD_MESSAGE.code],
      ['"hello"', Errors.WS_BAD_MESSAGE.code],
      ['{"type":"fly","id":"f"}', Errors.WS_UNKNOWN_MESSAGE.code],
      [Uint8Array.from([1, 2, 0, 0, 255, 255, 255, 255, 9]), Errors.WS_BINARY_REFUSED.code],
      ['{"type":"subscribe","x":0,"y":0,"w":-5,"h":1}', Errors.VALIDATION.code],
      ['{"type":"resync"}', Errors.WS_NOT_SUBSCRIBED.code],
      [JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION }), Errors.WS_ALREADY_HELLO.code],
    ];
    for (const [i, [message, code]] of cases.entries()) {
      c.send(message);
      await c.until(() => c.json.filter((m) => m.type === 'error').length > i, 5000, code);
      expect(c.json.filter((m) => m.type === 'error')[i]).toMatchObject({ code });
    }
    c.send({ type: 'ping', id: 'alive' });
    await c.message('pong', (m) => m.id === 'alive');
    expect(c.closeCode).toBeUndefined();
  });

  it('a subscribe over the area limit or the world size: LIFE_ERR_WS_VIEWPORT_TOO_LARGE with the id', async () => {
    const c = await open();
    await c.hello();
    c.send({ type: 'subscribe', x: 0, y: 0, w: 600, h: 600, id: 'big' }); // 360000 > 262144
    expect(await c.message('error', (m) => m.id === 'big')).toMatchObject({ code: Errors.WS_VIEWPORT_TOO_LARGE.code });
    c.send({ type: 'subscribe', x: 0, y: 0, w: 257, h: 1, id: 'wide' }); // wider than the 256 world
    expect(await c.message('error', (m) => m.id === 'wide')).toMatchObject({ code: Errors.WS_VIEWPORT_TOO_LARGE.code });
    expect(c.frames).toHaveLength(0);
  });

  it('an oversized message closes with 1009', async () => {
    const c = await open();
    await c.hello();
    c.send(JSON.stringify({ type: 'ping', id: 'x'.repeat(2000) }));
    await c.closed;
    expect(c.closeCode).toBe(CloseCodes.MESSAGE_TOO_BIG);
  });

  it('a message before hello: LIFE_ERR_WS_HELLO_REQUIRED and 4001', async () => {
    for (const first of ['{"type":"subscribe","x":0,"y":0,"w":8,"h":8,"id":1}', 'not json', Uint8Array.of(7)]) {
      const c = await open({ hello: false });
      c.send(first);
      await c.closed;
      expect(c.closeCode).toBe(CloseCodes.BAD_PROTOCOL);
      expect(c.closeReason).toBe(Errors.WS_HELLO_REQUIRED.code);
      expect(c.json[0]).toMatchObject({ type: 'error', code: Errors.WS_HELLO_REQUIRED.code });
    }
  });

  it('too many malformed messages close with 4001 LIFE_ERR_WS_TOO_MANY_ERRORS', async () => {
    const c = await open();
    await c.hello();
    for (let i = 0; i < MAX_MALFORMED_MESSAGES + 5; i++) c.send('}{');
    await c.closed;
    expect(c.closeCode).toBe(CloseCodes.BAD_PROTOCOL);
    expect(c.closeReason).toBe(Errors.WS_TOO_MANY_ERRORS.code);
  });

  it('a wrong protocol version closes with 4002; an unknown token with 4003', async () => {
    const old = await open({ hello: false });
    old.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION + 1 });
    await old.closed;
    expect(old.closeCode).toBe(CloseCodes.PROTOCOL_VERSION);
    expect(old.json[0]).toMatchObject({ code: Errors.WS_PROTOCOL_VERSION.code });

    for (const options of [{ token: 'nope' }, { query: 'token=nope' }, { headers: { authorization: 'Bearer nope' } }]) {
      const c = await open(options);
      await c.closed;
      expect(c.closeCode).toBe(CloseCodes.UNAUTHORIZED);
      expect(c.json[0]).toMatchObject({ code: Errors.WS_UNAUTHORIZED.code });
    }
    // A good token in hello wins over a bad one in the query.
    const { token } = await newPlayer(server);
    const ok = await open({ query: 'token=nope', token });
    expect((await ok.hello()).player).not.toBeNull();
  });

  it('silence: no hello closes with 4007, unanswered pings with 4005', async () => {
    const mute = await open({ hello: false });
    const deaf = await open({ autoPong: false });
    await deaf.hello();
    await Promise.all([mute.closed, deaf.closed]);
    expect(mute.closeCode).toBe(CloseCodes.HELLO_TIMEOUT);
    expect(deaf.closeCode).toBe(CloseCodes.HEARTBEAT_MISSED);
  });

  it('past WS_MAX_CONNECTIONS a connection is closed with 4006; other paths are 404', async () => {
    const extra: TestClient[] = [];
    for (let i = 0; i < 11; i++) extra.push(await open()); // 1 watcher + 11 = 12
    const refused = await open();
    await refused.closed;
    expect(refused.closeCode).toBe(CloseCodes.TOO_MANY_CONNECTIONS);
    expect(server.app.lifemmoWs.connectionCount).toBe(12);
    await extra[0]!.close();
    await waitFor(() => server.app.lifemmoWs.connectionCount === 11, 'the server to count the closed connection out');
    const again = await open();
    await again.hello();

    const status = await new Promise<number>((resolve) => {
      void import('ws').then(({ default: WebSocket }) => {
        const ws = new WebSocket(wsUrl(server).replace('/ws', '/nope'));
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(-1));
      });
    });
    expect(status).toBe(404);
  });
});
