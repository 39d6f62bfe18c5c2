/**
 * A client given several servers (`urls`): connect() skips one that does not answer; when
 * its server goes away (app.close()), the client moves on round robin, past a URL where
 * nothing answers, to the next server, and resyncs there with no user code: re-subscribed,
 * fresh snapshot, `reconnect` event, replica equal to GET /cells of the new server.
 *
 * The two servers are separate worlds (different cells), so a replica equal to the second
 * one's cells shows that it came from there. Spectators: a player's token is known only to
 * the server that made it.
 */
import { afterEach, expect, test } from 'vitest';
import { LifeClient, type DisconnectEvent, type ReconnectEvent } from '@lifemmo/client';
import { admin, allCells, call, newPlayer, replicaCells, startServer, waitFor, type TestServer } from './helpers.js';

/** Nothing listens there (the discard port), so connecting fails at once. */
const DEAD = 'http://127.0.0.1:9';
const servers: TestServer[] = [];
const clients: LifeClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => undefined)));
});

/** A paused server whose world holds `cells` (placed by a player of its own), stepped `steps` generations. */
async function world(cells: Array<[number, number]>, steps: number): Promise<TestServer> {
  const s = await startServer({ RATE_LIMIT_PER_MINUTE: '0', BUDGET_CELLS: '100000' });
  servers.push(s);
  await admin(s, 'pause');
  const p = await newPlayer(s, 'placer');
  expect((await call(s, 'POST', '/cells', { token: p.token, body: { cells } })).status).toBe(202);
  await admin(s, 'step', { generations: steps });
  return s;
}

/** An R-pentomino at (x, y): it keeps changing for a long while, so every generation differs. */
function rPentomino(x: number, y: number): Array<[number, number]> {
  return [[x + 1, y], [x + 2, y], [x, y + 1], [x + 1, y + 1], [x + 1, y + 2]];
}

test('connect() skips a URL where nothing answers; after its server closes, the client resyncs on the next one', async () => {
  const a = await world(rPentomino(40, 40), 3);
  const b = await world([...rPentomino(100, 120), ...rPentomino(200, 30)], 9);
  const c = new LifeClient({ urls: [DEAD, a.url, DEAD, b.url], reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
  clients.push(c);
  const disconnects: DisconnectEvent[] = [];
  const reconnects: ReconnectEvent[] = [];
  c.on('disconnect', (e) => disconnects.push(e));
  c.on('reconnect', (e) => reconnects.push(e));

  await c.connect();
  expect(c.url).toBe(a.url);
  await c.subscribe({ x: 0, y: 0, w: 256, h: 256 });
  expect(c.generation).toBe(3);
  expect(replicaCells(c)).toEqual((await allCells(a)).cells);

  await a.close();
  await waitFor(() => reconnects.length === 1, 10_000, 'the reconnect on the next server');
  expect(disconnects).toHaveLength(1);
  expect(disconnects[0]).toMatchObject({ willReconnect: true });
  // First the URL after a's (nothing there), then b.
  expect(reconnects[0]!.attempts).toBe(2);
  expect(c.url).toBe(b.url);
  expect(c.state).toBe('open');
  expect(c.generation).toBe(9);
  expect(replicaCells(c)).toEqual((await allCells(b)).cells);

  // It follows b from now on.
  await admin(b, 'step', { generations: 2 });
  await waitFor(() => c.generation === 11, 5000, 'generation 11 from b');
  expect(replicaCells(c)).toEqual((await allCells(b)).cells);
});

test('with every server gone, a limited client gives up after its attempts, having tried each URL', async () => {
  const a = await world(rPentomino(10, 10), 1);
  const c = new LifeClient({ urls: [a.url, DEAD], reconnect: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 3 } });
  clients.push(c);
  const errors: string[] = [];
  c.on('error', (e) => errors.push(e.code));
  await c.connect();
  await a.close();
  await waitFor(() => c.state === 'closed', 10_000, 'the client to give up');
  expect(errors).toEqual(['LIFE_ERR_CONNECT_FAILED']);
});

test('url and urls: url comes first; a malformed one is LIFE_ERR_VALIDATION; none at all too', () => {
  const c = new LifeClient({ url: 'http://127.0.0.1:1', urls: ['ws://127.0.0.1:2/ws'] });
  expect(c.urls).toEqual(['http://127.0.0.1:1', 'ws://127.0.0.1:2/ws']);
  expect(c.url).toBe('http://127.0.0.1:1');
  expect(() => new LifeClient({ urls: ['http://127.0.0.1:1', 'ftp://x'] })).toThrow(expect.objectContaining({ code: 'LIFE_ERR_VALIDATION' }));
  expect(() => new LifeClient({ urls: [] })).toThrow(expect.objectContaining({ code: 'LIFE_ERR_VALIDATION' }));
});
