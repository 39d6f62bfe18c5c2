// POST /players: creation, name validation and body handling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectError, startServer, type TestServer } from './helpers.js';

describe('POST /players', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(() => server.close());

  it('creates a player with an id, a colour and a bearer token', async () => {
    const a = await call(server, 'POST', '/players', { body: { name: '  Ada  Lovelace ' } });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ name: 'Ada Lovelace' });
    expect(a.body.id).toBeGreaterThanOrEqual(1);
    expect(a.body.color).toMatch(/^#[0-9a-f]{6}$/);
    expect(a.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const b = await call(server, 'POST', '/players', { body: { name: 'Ada Lovelace' } });
    expect(b.body.id).toBe(a.body.id + 1);
    expect(b.body.color).not.toBe(a.body.color);
    expect(b.body.token).not.toBe(a.body.token);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(33)],
    ['bad characters', 'bob<script>'],
    ['control characters', 'bob\nalice'],
  ])('refuses a %s name with 400 LIFE_ERR_BAD_NAME', async (_what, name) => {
    expectError(await call(server, 'POST', '/players', { body: { name } }), 400, 'LIFE_ERR_BAD_NAME');
  });

  it('refuses a missing or non-string name with 400 LIFE_ERR_VALIDATION', async () => {
    expectError(await call(server, 'POST', '/players', { body: {} }), 400, 'LIFE_ERR_VALIDATION');
    expectError(await call(server, 'POST', '/players', { body: { name: 7 } }), 400, 'LIFE_ERR_VALIDATION');
  });

  it('refuses malformed JSON with 400 and a non-JSON body with 415', async () => {
    const bad = await call(server, 'POST', '/players', { raw: '{"name":', headers: { 'content-type': 'application/json' } });
    expectError(bad, 400, 'LIFE_ERR_VALIDATION');
    const text = await call(server, 'POST', '/players', { raw: '<name>bob</name>', headers: { 'content-type': 'application/xml' } });
    expectError(text, 415, 'LIFE_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413 LIFE_ERR_BODY_TOO_LARGE', async () => {
    const reply = await call(server, 'POST', '/players', { body: { name: 'x'.repeat(4000) } });
    expectError(reply, 413, 'LIFE_ERR_BODY_TOO_LARGE');
  });
});
