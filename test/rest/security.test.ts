// Rate limits per token and per IP, and no secret ever written to the logs.
import { describe, expect, it } from 'vitest';
import { ADMIN, admin, call, expectError, newPlayer, serversPerTest } from './helpers.js';

const servers = serversPerTest();

describe('rate limits', () => {
  it('limits each token and each anonymous IP to RATE_LIMIT_PER_MINUTE, with 429 LIFE_ERR_RATE_LIMITED', async () => {
    const server = await servers.start({ RATE_LIMIT_PER_MINUTE: '4' });
    const a = await newPlayer(server, 'a');
    const b = await newPlayer(server, 'b');
    // Creating players counts against its own limit (PLAYER_CREATE_PER_MINUTE), not this
    // one: the IP has 4 anonymous requests, then is refused.
    for (let i = 0; i < 4; i++) expect((await call(server, 'GET', '/world')).status).toBe(200);
    const limited = await call(server, 'GET', '/world');
    expectError(limited, 429, 'LIFE_ERR_RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Tokens have their own allowance.
    for (let i = 0; i < 4; i++) expect((await call(server, 'POST', '/cells', { token: a.token, body: { cells: [[i * 2, 0]] } })).status).toBe(202);
    expectError(await call(server, 'POST', '/cells', { token: a.token, body: { cells: [[20, 0]] } }), 429, 'LIFE_ERR_RATE_LIMITED');
    expect((await call(server, 'POST', '/cells', { token: b.token, body: { cells: [[20, 0]] } })).status).toBe(202);
    // Made-up tokens do not buy a fresh allowance: they count against the IP.
    expectError(await call(server, 'GET', '/world', { token: 'made-up-1' }), 429, 'LIFE_ERR_RATE_LIMITED');
    expectError(await call(server, 'POST', '/cells', { token: 'made-up-2', body: { cells: [[30, 0]] } }), 429, 'LIFE_ERR_RATE_LIMITED');
    // Creating a player still works: its own allowance.
    expect((await call(server, 'POST', '/players', { token: 'made-up-3', body: { name: 'c' } })).status).toBe(201);
    // Probes are never limited.
    for (let i = 0; i < 6; i++) expect((await call(server, 'GET', '/health')).status).toBe(200);
  });
});

describe('logs', () => {
  it('never contain a player or admin token, whatever the request', async () => {
    const server = await servers.start({ LOG_LEVEL: 'trace' });
    const { token } = await newPlayer(server);
    await call(server, 'POST', '/cells', { token, body: { cells: [[1, 1]] } });
    await call(server, 'POST', '/cells', { token, body: { cells: [[1, 1]] } }); // 409
    await call(server, 'POST', '/cells', { token, body: { cells: 'bad' } }); // 400
    await call(server, 'POST', '/cells', { token: `${token}x`, body: { cells: [[2, 2]] } }); // 401
    await call(server, 'GET', `/nope?token=${token}`);
    await admin(server, 'pause');
    await admin(server, 'reset', { rule: 'nope' });
    await call(server, 'POST', '/admin/pause', { token });
    server.app.log.info({ headers: { authorization: `Bearer ${token}` }, token }, 'a careless log line');
    await server.close();
    const text = server.logs.join('\n');
    expect(server.logs.length).toBeGreaterThan(10);
    expect(text).toContain('incoming request');
    expect(text).toContain('[redacted]');
    expect(text).toContain('/nope?token=[redacted]');
    expect(text).not.toContain(token);
    expect(text).not.toContain(ADMIN);
    for (const line of server.logs) expect(() => JSON.parse(line)).not.toThrow();
    const ids = server.logs.map((l) => JSON.parse(l).reqId).filter(Boolean);
    expect(new Set(ids).size).toBeGreaterThan(5);
  });
});
