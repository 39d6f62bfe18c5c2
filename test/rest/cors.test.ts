/**
 * CORS (CORS_ORIGINS) with real HTTP requests to a real server: closed by default, a list
 * of origins, `*`; preflights of `POST /players` and of a bearer-token route; CORS headers on
 * error replies and 429s; the served SDK bundle readable from anywhere in every case.
 */
import { describe, expect, it } from 'vitest';
import { call, expectError, newPlayer, serversPerTest, type Reply, type TestServer } from './helpers.js';

const servers = serversPerTest();
const APP = 'http://app.example:5173';
const OTHER = 'https://evil.example';

/** A browser's preflight of `method path` from `origin` sending `headers`. */
function preflight(server: TestServer, path: string, origin: string, method: string, headers: string): Promise<Reply> {
  return call(server, 'OPTIONS', path, {
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

/** The comma-separated header `name` as lower-case items. */
function items(reply: Reply, name: string): string[] {
  return (reply.headers.get(name) ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
}

/**
 * The served SDK bundle is readable from any origin, whatever CORS_ORIGINS says (built or
 * not: its 404 naming the build command is readable too; other test files build it).
 */
async function expectSdkBundleOpen(server: TestServer, origin: string): Promise<void> {
  const reply = await call(server, 'GET', '/sdk/lifemmo-client.js', { headers: { origin } });
  expect([200, 404]).toContain(reply.status);
  expect(reply.headers.get('access-control-allow-origin')).toMatch(/^(\*|https?:\/\/.+)$/);
}

describe('without CORS_ORIGINS (the default)', () => {
  it('answers no preflight and sends no CORS header', async () => {
    const server = await servers.start({ CORS_ORIGINS: undefined });
    const pre = await preflight(server, '/players', APP, 'POST', 'content-type');
    expectError(pre, 404, 'LIFE_ERR_NOT_FOUND');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-methods')).toBeNull();

    const world = await call(server, 'GET', '/world', { headers: { origin: APP } });
    expect(world.status).toBe(200);
    for (const h of ['access-control-allow-origin', 'access-control-expose-headers']) expect(world.headers.get(h)).toBeNull();
    await expectSdkBundleOpen(server, APP);
  });
});

describe('CORS_ORIGINS=<list>', () => {
  it('answers the preflight of POST /players and of a bearer-token route from a listed origin', async () => {
    const server = await servers.start({ CORS_ORIGINS: `${APP}, http://localhost:8000` });
    const pre = await preflight(server, '/players', APP, 'POST', 'content-type');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(APP);
    expect(items(pre, 'access-control-allow-methods')).toEqual(expect.arrayContaining(['get', 'post']));
    expect(items(pre, 'access-control-allow-headers')).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    expect(pre.headers.get('access-control-max-age')).toBe('600');
    expect(items(pre, 'vary')).toContain('origin');
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();

    const me = await preflight(server, '/players/me', 'http://localhost:8000', 'GET', 'authorization');
    expect(me.status).toBe(204);
    expect(me.headers.get('access-control-allow-origin')).toBe('http://localhost:8000');
    expect(items(me, 'access-control-allow-headers')).toContain('authorization');
  });

  it('lets a listed origin read replies, errors included, with the headers the SDK needs', async () => {
    const server = await servers.start({ CORS_ORIGINS: APP });
    const created = await call(server, 'POST', '/players', { headers: { origin: APP }, body: { name: 'cors' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(APP);
    expect(items(created, 'access-control-expose-headers')).toEqual(
      expect.arrayContaining(['x-request-id', 'retry-after', 'x-ratelimit-remaining', 'x-generation']),
    );
    const me = await call(server, 'GET', '/players/me', { headers: { origin: APP }, token: created.body.token });
    expect(me.status).toBe(200);
    expect(me.headers.get('access-control-allow-origin')).toBe(APP);

    const bad = await call(server, 'POST', '/players', { headers: { origin: APP }, body: { name: '' } });
    expectError(bad, 400, 'LIFE_ERR_BAD_NAME');
    expect(bad.headers.get('access-control-allow-origin')).toBe(APP);
    const unauthorized = await call(server, 'GET', '/players/me', { headers: { origin: APP } });
    expectError(unauthorized, 401, 'LIFE_ERR_UNAUTHORIZED');
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(APP);
    await expectSdkBundleOpen(server, APP);
  });

  it('treats any other origin as without CORS: no preflight, no CORS headers', async () => {
    const server = await servers.start({ CORS_ORIGINS: APP });
    const pre = await preflight(server, '/players', OTHER, 'POST', 'content-type');
    expectError(pre, 404, 'LIFE_ERR_NOT_FOUND');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const world = await call(server, 'GET', '/world', { headers: { origin: OTHER } });
    expect(world.status).toBe(200);
    expect(world.headers.get('access-control-allow-origin')).toBeNull();
    // Requests without an Origin (curl, servers, same-origin GETs) are unaffected.
    const plain = await call(server, 'GET', '/world');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    await expectSdkBundleOpen(server, OTHER);
  });

  it('puts the CORS headers on 429s too, and does not count preflights against the rate limit', async () => {
    const server = await servers.start({ CORS_ORIGINS: APP, RATE_LIMIT_PER_MINUTE: '2' });
    for (let i = 0; i < 5; i++) expect((await preflight(server, '/world', APP, 'GET', 'x-request-id')).status).toBe(204);
    for (let i = 0; i < 2; i++) expect((await call(server, 'GET', '/world', { headers: { origin: APP } })).status).toBe(200);
    const limited = await call(server, 'GET', '/world', { headers: { origin: APP } });
    expectError(limited, 429, 'LIFE_ERR_RATE_LIMITED');
    expect(limited.headers.get('access-control-allow-origin')).toBe(APP);
    expect(items(limited, 'access-control-expose-headers')).toContain('retry-after');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('CORS_ORIGINS=*', () => {
  it('lets every origin call the API, still without credentials', async () => {
    const server = await servers.start({ CORS_ORIGINS: '*' });
    const pre = await preflight(server, '/cells', OTHER, 'POST', 'authorization, content-type');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(items(pre, 'access-control-allow-headers')).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    const { token } = await newPlayer(server, 'star');
    const placed = await call(server, 'POST', '/cells', { headers: { origin: OTHER }, token, body: { cells: [[3, 3]] } });
    expect(placed.status).toBe(202);
    expect(placed.headers.get('access-control-allow-origin')).toBe('*');
    expect(placed.headers.get('access-control-allow-credentials')).toBeNull();
    await expectSdkBundleOpen(server, OTHER);
  });
});
