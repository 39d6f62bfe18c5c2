/**
 * examples/browser-page.html in real headless Chromium, served from another origin than
 * the lifemmo server (a second HTTP server on another port): it imports the SDK bundle the
 * server serves at /sdk/lifemmo-client.js, shows the world, and places a glider through the
 * WebSocket. What it shows is checked against GET /cells.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildSdkBundle } from '../../scripts/build-sdk-bundle.mjs';
import { admin, call, newPlayer, startServer, type TestServer } from '../rest/helpers.js';
import { launchBrowser, screenshotOnFailure } from '../web/browser.js';

const PAGE = new URL('../../examples/browser-page.html', import.meta.url);
/** Ticks only when the test steps the world. */
const ENV = { TICK_MS: '60000', RATE_LIMIT_PER_MINUTE: '0' };

let server: TestServer;
let origin: Server;
let pageUrl: string;
let browser: Browser;

beforeAll(async () => {
  await buildSdkBundle();
  server = await startServer(ENV);
  // The page's own origin: serves the example file as is, nothing else.
  origin = createServer((_req, res) => {
    void readFile(PAGE).then((html) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/browser-page.html`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => origin?.close(resolve));
  await server?.close();
});

/** Live cells GET /cells reports in the page's view, with owners. */
async function viewCells(): Promise<{ generation: number; cells: Array<[number, number, number]> }> {
  const reply = await call(server, 'GET', '/cells?x=0&y=0&w=128&h=128');
  expect(reply.status).toBe(200);
  return reply.body;
}

async function waitStatus(page: Page, text: string): Promise<void> {
  await page.waitForFunction((want) => document.getElementById('status')?.textContent === want, text, { timeout: 10_000 });
}

test('the page on another origin loads the served SDK, shows the world and places a glider', async () => {
  const p = await newPlayer(server, 'page');
  const other = await newPlayer(server, 'other');
  await call(server, 'POST', '/cells', { token: other.token, body: { cells: [[41, 40], [42, 40], [40, 41], [41, 41], [41, 42]] } });
  await admin(server, 'step', { generations: 2 });

  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  try {
    await screenshotOnFailure('example-browser-page', () => [page], async () => {
      const query = new URLSearchParams({ server: server.url, token: p.token });
      await page.goto(`${pageUrl}?${query}`);
      expect(new URL(page.url()).origin).not.toBe(new URL(server.url).origin);
      let now = await viewCells();
      await waitStatus(page, `generation ${now.generation}: ${now.cells.length} live cells`);

      await page.waitForFunction(() => !(document.getElementById('place') as HTMLButtonElement).disabled);
      // The page logs the placement once the server accepted it; then a step makes it live.
      const placed = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('glider at'), timeout: 10_000 });
      await page.click('#place');
      expect((await placed).text()).toMatch(/^glider at \(\d+, \d+\), live at generation \d+$/);
      await admin(server, 'step', { generations: 1 });
      now = await viewCells();
      expect(now.cells.filter((c) => c[2] === p.id)).toHaveLength(5);
      await waitStatus(page, `generation ${now.generation}: ${now.cells.length} live cells`);
      expect(errors).toEqual([]);
    });
  } finally {
    await context.close();
  }
});
