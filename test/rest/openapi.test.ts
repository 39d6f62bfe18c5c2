/**
 * The OpenAPI document at /docs/json against the server that serves it:
 * - it is a valid OpenAPI 3.1 document (@readme/openapi-parser, a real validator);
 * - every route Fastify registered (its onRoute hook) is in it, with an operationId, tags
 *   the document declares, and a description for each response; error responses use the
 *   one error body schema; only the UI's own routes and the CORS preflight are hidden;
 * - what the routes really answer is documented: each operation is called on a real server
 *   as a client would (valid, without its token, with a malformed, XML or too large
 *   body) and on a gateway whose sim is gone, and every status seen must be in its responses,
 *   with LIFE_ERR_SIM_UNAVAILABLE exactly on the routes that ask the sim.
 */
import { MessageChannel } from 'node:worker_threads';
import { PassThrough } from 'node:stream';
import { validate, compileErrors } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBus, buildGateway, buildServer, loadConfig, type ZodApp } from '@lifemmo/server';
import { ADMIN, SMALL_WORLD } from './helpers.js';

type Document = OpenAPIV3_1.Document;
type Operation = OpenAPIV3_1.OperationObject;

/** A request to make of an operation. */
interface Sample {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly body?: unknown;
  readonly auth?: 'player' | 'admin';
}

/** One representative request per operationId; a route without one fails the test. */
const SAMPLES: Record<string, Sample> = {
  getHealth: { method: 'GET', url: '/health' },
  getReady: { method: 'GET', url: '/ready' },
  getMetrics: { method: 'GET', url: '/metrics' },
  getWorld: { method: 'GET', url: '/world' },
  createPlayer: { method: 'POST', url: '/players', body: { name: 'documented' } },
  getMe: { method: 'GET', url: '/players/me', auth: 'player' },
  placeCells: { method: 'POST', url: '/cells', body: { cells: [[1, 1]] }, auth: 'player' },
  placePattern: { method: 'POST', url: '/patterns', body: { rle: 'bo$2bo$3o!', x: 20, y: 20 }, auth: 'player' },
  getCells: { method: 'GET', url: '/cells?x=0&y=0&w=16&h=16' },
  getLeaderboard: { method: 'GET', url: '/leaderboard?limit=5' },
  getDensity: { method: 'GET', url: '/density' },
  getOwnerCells: { method: 'GET', url: '/players/1/cells?limit=10' },
  pauseWorld: { method: 'POST', url: '/admin/pause', auth: 'admin' },
  resumeWorld: { method: 'POST', url: '/admin/resume', auth: 'admin' },
  stepWorld: { method: 'POST', url: '/admin/step', body: { generations: 1 }, auth: 'admin' },
  resetWorld: { method: 'POST', url: '/admin/reset', body: { seed: 7 }, auth: 'admin' },
  getWebClient: { method: 'GET', url: '/' },
  getStatusPage: { method: 'GET', url: '/status' },
  getStatus: { method: 'GET', url: '/status.json' },
  getWebAsset: { method: 'GET', url: '/assets/app.js' },
  getSdkBundle: { method: 'GET', url: '/sdk/lifemmo-client.js' },
  getSdkBundleMap: { method: 'GET', url: '/sdk/lifemmo-client.js.map' },
  openWebSocket: { method: 'GET', url: '/ws' },
  listPlayers: { method: 'GET', url: '/admin/players?limit=5', auth: 'admin' },
  adminCreatePlayer: { method: 'POST', url: '/admin/players', body: { name: 'by admin' }, auth: 'admin' },
  // A player that does not exist (404): the others' tokens stay good for the other samples.
  banPlayer: { method: 'POST', url: '/admin/players/999/ban', auth: 'admin' },
  deletePlayer: { method: 'DELETE', url: '/admin/players/999', auth: 'admin' },
};

/** Environment of the servers here: small bodies (so 413 is cheap), admin routes on, CORS on. */
const ENV = { ...SMALL_WORLD, BODY_LIMIT_BYTES: '1024', CORS_ORIGINS: '*', BUS_REQUEST_TIMEOUT_MS: '500', SIM_TIMEOUT_MS: '600' };

let app: ZodApp;
let url: string;
let doc: Document;
const routes: RouteOptions[] = [];

beforeAll(async () => {
  app = await buildServer(loadConfig(ENV), { logStream: new PassThrough(), onRoute: (route) => void routes.push(route) });
  url = await listen(app);
  doc = (await (await fetch(`${url}/docs/json`)).json()) as Document;
});
afterAll(() => app?.close());

async function listen(server: ZodApp): Promise<string> {
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

/** Every documented operation with its path and method. */
function operations(): Array<{ path: string; method: string; op: Operation }> {
  const out: Array<{ path: string; method: string; op: Operation }> = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete', 'options', 'head'] as const) {
      const op = item?.[method];
      if (op !== undefined) out.push({ path, method, op });
    }
  }
  return out;
}

/** The operation of `sample`, found by its path (query string left out). */
function operationOf(sample: Sample): Operation {
  const path = sample.url
    .split('?')[0]!
    .replace(/^\/assets\/[^/]+$/, '/assets/{name}')
    .replace(/^\/admin\/players\/\d+/, '/admin/players/{id}')
    .replace(/^\/players\/\d+\/cells$/, '/players/{id}/cells');
  const op = doc.paths?.[path]?.[sample.method.toLowerCase() as 'get' | 'post' | 'delete'];
  if (op === undefined) throw new Error(`no operation for ${sample.method} ${path}`);
  return op;
}

/** Make `sample`'s request (with `change` applied); status, error code and headers. */
async function send(
  base: string,
  sample: Sample,
  token: string | undefined,
  change: { noAuth?: boolean; raw?: string; type?: string } = {},
): Promise<{ status: number; code: string | null; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (sample.auth !== undefined && change.noAuth !== true) headers.authorization = `Bearer ${sample.auth === 'admin' ? ADMIN : token}`;
  let body: string | undefined;
  if (change.raw !== undefined || sample.body !== undefined) {
    headers['content-type'] = change.type ?? 'application/json';
    body = change.raw ?? JSON.stringify(sample.body);
  }
  const res = await fetch(base + sample.url, { method: sample.method, headers, body });
  const text = await res.text();
  let code: string | null = null;
  if (res.status >= 400) {
    // Every documented error with a body is the one error shape.
    const parsed = JSON.parse(text) as { error: { code: string; message: string } };
    expect(typeof parsed.error.message, `${sample.method} ${sample.url} ${res.status}`).toBe('string');
    code = parsed.error.code;
  }
  return { status: res.status, code, headers: res.headers };
}

/** Assert `status` is one of `op`'s responses, and `code` is named in its description. */
function expectDocumented(op: Operation, what: string, status: number, code: string | null): void {
  const responses = op.responses ?? {};
  expect(Object.keys(responses), `${op.operationId}: ${what} answered ${status} ${code ?? ''}`).toContain(String(status));
  if (code !== null) {
    const response = responses[String(status)] as OpenAPIV3_1.ResponseObject;
    expect(response.description, `${op.operationId}: ${what}`).toContain(code);
  }
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('has every registered route, each with an operationId, declared tags and described responses', () => {
    const declaredTags = new Set((doc.tags ?? []).map((t) => t.name));
    const seen = new Set<string>();
    let documented = 0;
    for (const route of routes) {
      const methods = [route.method].flat();
      if (methods.every((m) => m === 'HEAD')) continue; // Fastify's automatic HEAD twins of GET routes
      const schema = (route.schema ?? {}) as { hide?: boolean };
      if (schema.hide === true) {
        // Only the UI's own routes and the CORS preflight may stay out of the document.
        expect(route.url.startsWith('/docs') || (methods.includes('OPTIONS') && route.url === '*'), `hidden: ${route.url}`).toBe(true);
        continue;
      }
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      for (const method of methods) {
        const op = doc.paths?.[path]?.[method.toLowerCase() as 'get'];
        expect(op, `${method} ${route.url} is not in the document`).toBeDefined();
        expect(op!.operationId, `${method} ${route.url}`).toMatch(/^[a-z][A-Za-z]+$/);
        expect(seen.has(op!.operationId!), `operationId ${op!.operationId} twice`).toBe(false);
        seen.add(op!.operationId!);
        expect(op!.tags?.length, `${method} ${route.url} tags`).toBeGreaterThan(0);
        for (const tag of op!.tags!) expect(declaredTags.has(tag), `tag ${tag} is not declared`).toBe(true);
        expect(op!.summary).toBeTruthy();
        const responses = Object.entries(op!.responses ?? {}) as Array<[string, OpenAPIV3_1.ResponseObject]>;
        expect(responses.some(([status]) => /^[12]\d\d$/.test(status)), `${op!.operationId} has no success response`).toBe(true);
        expect(responses.some(([status]) => status === '500'), `${op!.operationId} has no 500`).toBe(true);
        for (const [status, response] of responses) {
          expect(response.description, `${op!.operationId} ${status}`).toMatch(/\S/);
          expect(response.description, `${op!.operationId} ${status}`).not.toBe('Default Response');
          if (Number(status) >= 400 && response.content !== undefined) {
            expect(response.content['application/json']?.schema, `${op!.operationId} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
          }
        }
        // The rate limit's 429 is documented exactly where the limit applies.
        const limited = (route.config as { rateLimit?: boolean } | undefined)?.rateLimit !== false;
        const says429 = (op!.responses?.['429'] as OpenAPIV3_1.ResponseObject | undefined)?.description?.includes('LIFE_ERR_RATE_LIMITED') === true;
        expect(says429, `${op!.operationId}: rate limited ${limited}`).toBe(limited);
        documented++;
      }
    }
    expect(documented).toBe(operations().length);
    expect([...seen].sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it('says GET /ws upgrades (101) and points to docs/protocol.md; a plain GET /ws is 426 saying how', async () => {
    const op = doc.paths?.['/ws']?.get;
    expect(op?.responses?.['101']).toBeDefined();
    expect(`${op?.summary} ${op?.description}`).toContain('docs/protocol.md');
    const plain = await send(url, SAMPLES.openWebSocket!, undefined);
    expect(plain).toMatchObject({ status: 426, code: 'LIFE_ERR_WS_UPGRADE_REQUIRED' });
    expect(plain.headers.get('upgrade')).toBe('websocket');
  });
});

describe('what the routes answer is documented', () => {
  it('on a running server: valid requests, no token, malformed, XML and too large bodies', async () => {
    const created = await fetch(`${url}/players`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"sampler"}' });
    const { token } = (await created.json()) as { token: string };
    for (const [operationId, sample] of Object.entries(SAMPLES)) {
      const op = operationOf(sample);
      expect(op.operationId).toBe(operationId);
      const ok = await send(url, sample, token);
      expectDocumented(op, 'a valid request', ok.status, ok.code);
      if (sample.auth !== undefined) {
        const anonymous = await send(url, sample, token, { noAuth: true });
        expect(anonymous.status).toBe(401);
        expectDocumented(op, 'no token', anonymous.status, anonymous.code);
      }
      if (sample.body !== undefined) {
        for (const [what, change, status] of [
          ['malformed JSON', { raw: '{"oops' }, 400],
          ['an application/xml body', { raw: '<name>x</name>', type: 'application/xml' }, 415],
          ['a body over BODY_LIMIT_BYTES', { raw: JSON.stringify({ pad: 'x'.repeat(2048) }) }, 413],
        ] as const) {
          const reply = await send(url, sample, token, change);
          expect(reply.status, `${operationId}: ${what}`).toBe(status);
          expectDocumented(op, what, reply.status, reply.code);
        }
      }
    }
  });

  it('on a gateway whose sim is gone: 503 LIFE_ERR_SIM_UNAVAILABLE exactly where documented', async () => {
    const { port1, port2 } = new MessageChannel();
    const bus = new LocalBus(port1); // nobody on port2: no sim will ever answer
    const gateway = await buildGateway(loadConfig(ENV), bus, { waitForSimMs: 0 }, { logStream: new PassThrough() });
    try {
      const base = await listen(gateway);
      const unavailable = new Set<string>();
      for (const [operationId, sample] of Object.entries(SAMPLES)) {
        const op = operationOf(sample);
        const reply = await send(base, sample, 'a-token-this-gateway-cannot-check');
        expectDocumented(op, 'the sim gone', reply.status, reply.code);
        if (reply.code === 'LIFE_ERR_SIM_UNAVAILABLE') unavailable.add(operationId);
      }
      const documented = operations()
        .filter(({ op }) => (op.responses?.['503'] as OpenAPIV3_1.ResponseObject | undefined)?.description?.includes('LIFE_ERR_SIM_UNAVAILABLE'))
        .map(({ op }) => op.operationId!)
        // /ready answers NOT_READY (503) until it has heard from a sim once.
        .filter((id) => id !== 'getReady');
      expect([...unavailable].sort()).toEqual(documented.sort());
    } finally {
      await gateway.close();
      await bus.close();
      port2.close();
    }
  });
});
