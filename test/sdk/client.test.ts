/**
 * The SDK against a real server: the replica equals GET /cells after N generations, over
 * a wrapped viewport too; reconnect after the server drops the socket and after a restart
 * ends with a correct replica; wrong URL, refused token and unknown protocol version give
 * the documented errors.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { LifeClient, PROTOCOL_VERSION, isLifeError, type DisconnectEvent, type ReconnectEvent } from '@lifemmo/client';
import {
  admin,
  allCells,
  at,
  call,
  GLIDER,
  newPlayer,
  replicaCells,
  restartServer,
  socketDropper,
  sortCells,
  startServer,
  waitFor,
  type TestServer,
} from './helpers.js';

const servers: TestServer[] = [];
const clients: LifeClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(env: Record<string, string> = {}): Promise<TestServer> {
  const s = await startServer({ BUDGET_CELLS: '100000', RATE_LIMIT_PER_MINUTE: '0', ...env });
  servers.push(s);
  return s;
}

function client(url: string, options: Partial<ConstructorParameters<typeof LifeClient>[0]> = {}): LifeClient {
  // Fast retries: tests wait for reconnects.
  const c = new LifeClient({ url, reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, ...options });
  clients.push(c);
  return c;
}

/** A deterministic soup of distinct cells in the 256x256 world. */
function soup(seed: number, n: number): Array<[number, number]> {
  let a = seed;
  const seen = new Set<number>();
  const cells: Array<[number, number]> = [];
  while (cells.length < n) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    const x = (a >>> 8) % 256;
    const y = (a >>> 20) % 256 ^ (a & 0xff);
    const k = (y & 255) * 256 + x;
    if (!seen.has(k)) {
      seen.add(k);
      cells.push([x, y & 255]);
    }
  }
  return cells;
}

async function placeSoup(s: TestServer, token: string, seed: number, n = 900): Promise<void> {
  const reply = await call(s, 'POST', '/cells', { token, body: { cells: soup(seed, n) } });
  expect(reply.status).toBe(202);
}

describe('replica', () => {
  test('equals GET /cells after N generations, for the whole world and a wrapped viewport', async () => {
    const s = await server();
    await admin(s, 'pause');
    const player = await newPlayer(s, 'soup');
    const whole = client(s.url);
    const wrapped = client(s.url, { token: player.token });
    await whole.connect();
    await wrapped.connect();
    const rect = { x: -40, y: 200, w: 130, h: 100 };
    await whole.subscribe({ x: 0, y: 0, w: 256, h: 256 });
    await wrapped.subscribe(rect);
    await placeSoup(s, player.token, 7);
    const placed = await wrapped.placePattern('bo$2bo$3o!', 250, 250);
    expect(placed.accepted).toBe(5);
    const { generation } = (await admin(s, 'step', { generations: 30 })).body as { generation: number };
    await waitFor(() => whole.generation === generation && wrapped.generation === generation, 5000, `generation ${generation}`);

    const truth = await allCells(s);
    expect(truth.generation).toBe(generation);
    expect(truth.cells.length).toBeGreaterThan(0);
    expect(replicaCells(whole)).toEqual(truth.cells);
    expect(whole.population).toBe(truth.cells.length);
    const region = await call(s, 'GET', `/cells?x=${rect.x}&y=${rect.y}&w=${rect.w}&h=${rect.h}`);
    expect(replicaCells(wrapped, rect)).toEqual(sortCells(region.body.cells));
    // get(): state and owner, wrapping on the torus.
    const [x, y, owner] = truth.cells[0]!;
    expect(whole.get(x!, y!)).toEqual({ live: true, owner });
    expect(whole.get(x! + 256, y! - 256)).toEqual({ live: true, owner });
  });

  test('follows live ticks and placements over the socket', async () => {
    const s = await server({ TICK_MS: '20' });
    const player = await newPlayer(s, 'ticker');
    const c = client(s.url, { token: player.token });
    const diffs: number[] = [];
    c.on('diff', (d) => diffs.push(d.latencyMs));
    await c.connect();
    expect(c.player?.id).toBe(player.id);
    await c.subscribe({ x: 0, y: 0, w: 256, h: 256 });
    const placed = await c.place(at(GLIDER, 100, 100));
    await waitFor(() => c.generation >= placed.generation + 10, 5000, 'ten more generations');
    await admin(s, 'pause');
    const paused = (await call(s, 'GET', '/world')).body.generation as number;
    await waitFor(() => c.generation === paused, 5000, 'the paused generation');
    expect(replicaCells(c)).toEqual((await allCells(s)).cells);
    expect(c.population).toBe(5);
    expect(diffs.length).toBeGreaterThan(10);
    expect(diffs.every((l) => l >= 0 && l < 5000)).toBe(true);
  });

  test('placement refusals carry the catalogue code', async () => {
    const s = await server();
    const player = await newPlayer(s, 'refused');
    const c = client(s.url, { token: player.token });
    await c.connect();
    await c.place([[5, 5]]);
    await expect(c.place([[5, 5]])).rejects.toMatchObject({ code: 'LIFE_ERR_CELL_OCCUPIED' });
    const spectator = client(s.url);
    await spectator.connect();
    await expect(spectator.place([[9, 9]])).rejects.toMatchObject({ code: 'LIFE_ERR_UNAUTHORIZED' });
    await expect(c.subscribe({ x: 0, y: 0, w: 1024, h: 1024 })).rejects.toMatchObject({ code: 'LIFE_ERR_WS_VIEWPORT_TOO_LARGE' });
  });
});

describe('reconnect', () => {
  test('after the server drops the socket, the replica is resynced', async () => {
    const s = await server();
    await admin(s, 'pause');
    const dropper = socketDropper(s);
    const player = await newPlayer(s, 'dropped');
    const c = client(s.url, { token: player.token });
    const disconnects: DisconnectEvent[] = [];
    const reconnects: ReconnectEvent[] = [];
    c.on('disconnect', (e) => disconnects.push(e));
    c.on('reconnect', (e) => reconnects.push(e));
    await c.connect();
    await c.subscribe({ x: 0, y: 0, w: 256, h: 256 });
    await placeSoup(s, player.token, 11);
    await admin(s, 'step', { generations: 5 });
    await waitFor(() => c.generation === 5, 5000, 'generation 5');

    expect(dropper.drop()).toBeGreaterThan(0);
    await waitFor(() => disconnects.length === 1, 5000, 'the disconnect');
    expect(disconnects[0]).toMatchObject({ willReconnect: true });
    // The world moves on while the client is away.
    await placeSoup(s, player.token, 12, 300);
    await admin(s, 'step', { generations: 7 });
    await waitFor(() => reconnects.length === 1, 5000, 'the reconnect');
    expect(c.state).toBe('open');
    expect(c.generation).toBe(12);
    expect(replicaCells(c)).toEqual((await allCells(s)).cells);
    // And it keeps following.
    await admin(s, 'step', { generations: 3 });
    await waitFor(() => c.generation === 15, 5000, 'generation 15');
    expect(replicaCells(c)).toEqual((await allCells(s)).cells);
  });

  test('after a server restart, the replica matches the new server; a lost token is fatal', async () => {
    const first = await startServer({ BUDGET_CELLS: '100000', RATE_LIMIT_PER_MINUTE: '0' });
    const player = await newPlayer(first, 'before restart');
    const spectator = client(first.url);
    const owner = client(first.url, { token: player.token });
    const errors: string[] = [];
    owner.on('error', (e) => errors.push(e.code));
    const reconnects: ReconnectEvent[] = [];
    spectator.on('reconnect', (e) => reconnects.push(e));
    await spectator.connect();
    await owner.connect();
    await spectator.subscribe({ x: 0, y: 0, w: 256, h: 256 });
    await owner.place(at(GLIDER, 20, 20));
    await first.close();

    const second = await restartServer(first);
    servers.push(second);
    await admin(second, 'pause');
    const newcomer = await newPlayer(second, 'after restart');
    await placeSoup(second, newcomer.token, 21, 400);
    await admin(second, 'step', { generations: 4 });
    await waitFor(() => reconnects.length >= 1 && spectator.generation === 4, 10_000, 'the spectator to reconnect');
    expect(replicaCells(spectator)).toEqual((await allCells(second)).cells);
    // The new server does not know the old token: refused (4003), not retried.
    await waitFor(() => owner.state === 'closed', 10_000, 'the owner to give up');
    expect(errors).toContain('LIFE_ERR_WS_UNAUTHORIZED');
  });
});

describe('errors', () => {
  test('a malformed URL is LIFE_ERR_VALIDATION at construction', () => {
    expect(() => new LifeClient({ url: 'not a url' })).toThrow(expect.objectContaining({ code: 'LIFE_ERR_VALIDATION' }));
    expect(() => new LifeClient({ url: 'ftp://127.0.0.1/' })).toThrow(expect.objectContaining({ code: 'LIFE_ERR_VALIDATION' }));
  });

  test('no server, or no lifemmo endpoint, is LIFE_ERR_CONNECT_FAILED', async () => {
    const s = await server();
    const port = Number(new URL(s.url).port);
    const wrongPath = client(`${s.url}/nothing-here`, { reconnect: false });
    const err1 = await wrongPath.connect().catch((e: unknown) => e);
    expect(isLifeError(err1, 'CONNECT_FAILED')).toBe(true);
    expect((err1 as Error).message).toMatch(/404/);
    await s.close();
    servers.splice(0);
    const nobody = client(`http://127.0.0.1:${port}`);
    const err2 = await nobody.connect().catch((e: unknown) => e);
    expect(isLifeError(err2, 'CONNECT_FAILED')).toBe(true);
    expect(nobody.state).toBe('closed');
    await expect(LifeClient.world(`http://127.0.0.1:${port}`)).rejects.toMatchObject({ code: 'LIFE_ERR_CONNECT_FAILED' });
  });

  test('a refused token is LIFE_ERR_WS_UNAUTHORIZED; another protocol version is LIFE_ERR_WS_PROTOCOL_VERSION', async () => {
    const s = await server();
    const bad = client(s.url, { token: 'not-a-real-token' });
    await expect(bad.connect()).rejects.toMatchObject({ code: 'LIFE_ERR_WS_UNAUTHORIZED' });
    const future = client(s.url, { protocolVersion: 99 });
    const err = await future.connect().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LIFE_ERR_WS_PROTOCOL_VERSION' });
    expect((err as Error).message).toContain(`version ${PROTOCOL_VERSION}`);
  });

  test('REST helpers: players, world, leaderboard, and error codes', async () => {
    const s = await server();
    const p = await LifeClient.createPlayer(s.url, 'ada');
    expect(p).toMatchObject({ name: 'ada', id: expect.any(Number), token: expect.any(String) });
    const world = await LifeClient.world(s.url.replace('http', 'ws') + '/ws');
    expect(world).toMatchObject({ width: 256, height: 256, topology: 'torus' });
    await call(s, 'POST', '/cells', { token: p.token, body: { cells: at(GLIDER, 3, 3) } });
    await admin(s, 'step', { generations: 1 });
    const board = await LifeClient.leaderboard(s.url);
    expect(board.players[0]).toMatchObject({ id: p.id, population: 5 });
    await expect(LifeClient.createPlayer(s.url, '')).rejects.toMatchObject({ code: 'LIFE_ERR_BAD_NAME', details: { status: 400 } });
  });
});
