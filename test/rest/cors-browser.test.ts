/**
 * CORS as a browser enforces it: a page in headless Chromium, served by a second HTTP
 * server on another port (another origin), calls the REST API with fetch. Against a server
 * that lists the page's origin in CORS_ORIGINS the calls (with preflights: JSON bodies,
 * bearer tokens) go through and the page reads the exposed headers; against a default
 * server, or one listing another origin, the browser blocks them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { serversPerTest } from './helpers.js';
import { launchBrowser, screenshotOnFailure } from '../web/browser.js';

const servers = serversPerTest();
let origin: Server;
let pageOrigin: string;
let browser: Browser;

beforeAll(async () => {
  origin = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>another origin</title><p>page</p>');
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => origin?.close(resolve));
});

/** What the page saw of its calls to `api`: statuses, bodies and readable headers, or the fetch error. */
interface PageResult {
  readonly error?: string;
  readonly created?: { status: number; id: number; requestId: string | null };
  readonly me?: { status: number; id: number; name: string };
  readonly refused?: { status: number; code: string };
}

/** In the page: create a player, read it back with its token, make a 401; report what was readable. */
function callFromPage(page: Page, api: string): Promise<PageResult> {
  return page.evaluate(async (base) => {
    try {
      const res = await fetch(`${base}/players`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'from a page' }) });
      const player = (await res.json()) as { id: number; token: string };
      const created = { status: res.status, id: player.id, requestId: res.headers.get('x-request-id') };
      const meRes = await fetch(`${base}/players/me`, { headers: { authorization: `Bearer ${player.token}` } });
      const me = (await meRes.json()) as { id: number; name: string };
      const noToken = await fetch(`${base}/players/me`);
      const refused = { status: noToken.status, code: ((await noToken.json()) as { error: { code: string } }).error.code };
      return { created, me: { status: meRes.status, id: me.id, name: me.name }, refused };
    } catch (err) {
      return { error: String(err) };
    }
  }, api);
}

/** Open the other origin's page and run `body` with it; screenshots on failure. */
async function onPage(name: string, body: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await screenshotOnFailure(name, () => [page], async () => {
      await page.goto(`${pageOrigin}/`);
      await body(page);
    });
  } finally {
    await context.close();
  }
}

describe('a page on another origin calling the REST API with fetch', () => {
  it('works when CORS_ORIGINS lists the page origin: JSON bodies, bearer tokens, errors and headers readable', async () => {
    const server = await servers.start({ CORS_ORIGINS: pageOrigin });
    expect(new URL(server.url).origin).not.toBe(pageOrigin);
    await onPage('cors-allowed', async (page) => {
      const result = await callFromPage(page, server.url);
      expect(result.error).toBeUndefined();
      expect(result.created).toMatchObject({ status: 201, requestId: expect.stringMatching(/^[\w.:-]+$/) });
      expect(result.me).toEqual({ status: 200, id: result.created!.id, name: 'from a page' });
      expect(result.refused).toEqual({ status: 401, code: 'LIFE_ERR_UNAUTHORIZED' });
    });
  });

  it('works with CORS_ORIGINS=*', async () => {
    const server = await servers.start({ CORS_ORIGINS: '*' });
    await onPage('cors-star', async (page) => {
      const result = await callFromPage(page, server.url);
      expect(result.error).toBeUndefined();
      expect(result.me?.status).toBe(200);
    });
  });

  it('is blocked by the browser with the default (no CORS_ORIGINS) and when another origin is listed', async () => {
    for (const env of [{}, { CORS_ORIGINS: 'http://somewhere.example' }]) {
      const server = await servers.start(env);
      await onPage('cors-blocked', async (page) => {
        const result = await callFromPage(page, server.url);
        expect(result.error).toMatch(/TypeError: Failed to fetch/);
      });
    }
  });
});
