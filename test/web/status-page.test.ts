/**
 * The live status page (`GET /status`) in real headless Chromium against a real server
 * ticking every 50 ms: its charts draw (pixels on their canvases) and its numbers move; a
 * WebSocket client and placements show up; the admin token typed into the page brings the
 * process details (and a wrong one is refused and forgotten). The bundle is the one
 * web/build.mjs makes, uPlot included: the page loads nothing from another origin.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../web/build.mjs';
import { ADMIN, call, newPlayer, startServer, type TestServer } from '../rest/helpers.js';
import { TestClient } from '../ws/helpers.js';
import { ARTIFACTS_DIR, launchBrowser, screenshotOnFailure } from './browser.js';

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const clients: TestClient[] = [];
const pageErrors: string[] = [];
const foreignRequests: string[] = [];

beforeAll(async () => {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  await buildWeb();
  server = await startServer({ TICK_MS: '50' });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await server?.close();
});

async function openStatus(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('request', (request) => {
    if (!request.url().startsWith(server.url)) foreignRequests.push(request.url());
  });
  await page.goto(`${server.url}/status`);
  return page;
}

/** The line colour of each chart's first series (web/src/status/main.ts). */
const LINE: Record<string, string> = {
  'chart-ticks': '#3fb950',
  'chart-tick-time': '#58a6ff',
  'chart-clients': '#58a6ff',
  'chart-placements': '#3fb950',
  'chart-bus': '#d2a8ff',
  'chart-event-loop': '#f0883e',
};

/**
 * Pixels of the canvas inside `#id` drawn in its first series' line colour (within a little
 * anti-aliasing): the data line itself, not the axes and grid, which draw without data too.
 */
function linePixels(page: Page, id: string): Promise<number> {
  return page.evaluate(
    ([chartId, hex]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`#${chartId} canvas`);
      if (canvas === null || canvas.width === 0 || canvas.height === 0) return 0;
      const want = [1, 3, 5].map((i) => parseInt(hex!.slice(i, i + 2), 16));
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 200 && want.every((v, c) => Math.abs(data[i + c]! - v) <= 24)) n++;
      }
      return n;
    },
    [id, LINE[id]!],
  );
}

const text = (page: Page, id: string): Promise<string> => page.$eval(`#${id}`, (el) => el.textContent ?? '');

describe('the status page', () => {
  test('draws live charts whose numbers move, and shows clients and placements', async () => {
    const page = await openStatus();
    await screenshotOnFailure('status-page-live', () => [page], async () => {
      // A few reports: each pair is a point on every chart.
      await page.waitForFunction(() => (window.lifemmoStatus?.points['chart-ticks'] ?? 0) >= 2, undefined, { timeout: 15_000 });
      for (const id of ['chart-ticks', 'chart-tick-time', 'chart-clients', 'chart-bus']) {
        expect(await linePixels(page, id), id).toBeGreaterThan(10);
      }
      const ticks = Number(await text(page, 'ticks-per-second'));
      expect(ticks).toBeGreaterThan(0);
      expect(await text(page, 'tick-ms')).toMatch(/^\d+\.\d\d$/);
      expect(await text(page, 'role')).toBe('standalone server');
      expect(await page.$eval('#sim', (el) => (el as HTMLElement).dataset.state)).toBe('up');

      // Numbers move: the generation shown goes on.
      const generation = Number((await text(page, 'generation')).replace(/,/g, ''));
      await page.waitForFunction((g) => Number(document.getElementById('generation')!.textContent!.replace(/,/g, '')) > g + 5, generation, { timeout: 10_000 });

      // A client connects and a player places: the page sees both.
      const client = new TestClient(`${server.url.replace('http', 'ws')}/ws`, { decode: false });
      clients.push(client);
      await client.opened;
      await page.waitForFunction(() => document.getElementById('clients')!.textContent === '1', undefined, { timeout: 10_000 });
      // The gateways table: this server alone, marked, with its client.
      expect(await page.evaluate(() => window.lifemmoStatus!.gateways.length)).toBe(1);
      await page.waitForFunction(() => document.querySelector('#gateway-rows tr.self td:nth-child(2)')?.textContent === '1', undefined, { timeout: 10_000 });
      expect(await page.$eval('#gateway-rows tr.self td', (el) => el.textContent ?? '')).toMatch(/^gw-[0-9a-f]{12} \(this one\)$/);
      const player = await newPlayer(server);
      for (let i = 0; i < 3; i++) {
        expect((await call(server, 'POST', '/cells', { body: { cells: [[20 + i * 4, 20]] }, token: player.token })).status).toBe(202);
      }
      await page.waitForFunction(() => (window.lifemmoStatus?.figures?.acceptedPerSecond ?? 0) > 0, undefined, { timeout: 10_000 });
      // The accepted line leaves zero (where the refused line, drawn over it, stays).
      expect(await linePixels(page, 'chart-placements')).toBeGreaterThan(10);
      expect(await page.evaluate(() => window.lifemmoStatus!.lastError)).toBeNull();
      expect(await page.$eval('#details', (el) => (el as HTMLElement).hidden)).toBe(true);
      await page.screenshot({ path: `${ARTIFACTS_DIR}status-page.png`, fullPage: true });
    });
  });

  test('with the admin token shows the process details; a wrong token is refused and forgotten', async () => {
    const page = await openStatus();
    await screenshotOnFailure('status-page-admin', () => [page], async () => {
      await page.waitForFunction(() => (window.lifemmoStatus?.reports ?? 0) >= 1, undefined, { timeout: 15_000 });
      await page.fill('#token', 'not-the-admin-token');
      await page.click('#token-form button[type="submit"]');
      await page.waitForFunction(() => window.lifemmoStatus?.lastError?.startsWith('token refused') === true, undefined, { timeout: 10_000 });
      expect(await page.evaluate(() => sessionStorage.getItem('lifemmo.status.adminToken'))).toBeNull();
      expect(await text(page, 'token-state')).toContain('Token refused');

      await page.fill('#token', ADMIN);
      await page.click('#token-form button[type="submit"]');
      await page.waitForFunction(() => window.lifemmoStatus?.details === true, undefined, { timeout: 10_000 });
      expect(await page.$eval('#details', (el) => (el as HTMLElement).hidden)).toBe(false);
      expect(await text(page, 'gw-id')).toMatch(/^gw-[0-9a-f]+$/);
      expect(await text(page, 'gw-pid')).toBe(String(process.pid));
      expect(await text(page, 'sim-where')).toBe('a thread of this process');
      await page.waitForFunction(() => (window.lifemmoStatus?.points['chart-event-loop'] ?? 0) >= 2, undefined, { timeout: 10_000 });
      expect(await linePixels(page, 'chart-event-loop')).toBeGreaterThan(10);
      expect(await text(page, 'gw-event-loop')).toMatch(/% busy$/);

      // Kept for the tab: a reload still has the details; Forget drops them.
      await page.reload();
      await page.waitForFunction(() => window.lifemmoStatus?.details === true, undefined, { timeout: 10_000 });
      await page.click('#forget-token');
      await page.waitForFunction(() => window.lifemmoStatus?.details === false, undefined, { timeout: 10_000 });
    });
  });

  test('raised no page error and loaded nothing from another origin', () => {
    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
