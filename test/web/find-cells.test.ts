/**
 * "Go to my cells" and the leaderboard's jumps, end to end: a real server (a 1024 x 1024
 * torus, ticks only by admin step), real headless Chromium on the desktop and in a
 * 390 x 844 touch viewport. Players place still lifes (blocks) through REST far from the
 * first view; the page's camera (window.lifemmo.camera) must then land on the chunk of
 * their cells, and its replica must hold them.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../web/build.mjs';
import { admin, call, newPlayer, startServer, type TestServer } from '../rest/helpers.js';
import { launchBrowser, screenshotOnFailure, waitConnected, waitGeneration } from './browser.js';

const ENV = { TICK_MS: '60000', WORLD_WIDTH: '1024', WORLD_HEIGHT: '1024', STORE: 'memory', LOG_LEVEL: 'warn' };
const DESKTOP = { viewport: { width: 1280, height: 800 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
const SIDE = 1024;
const CHUNK = 64;

/** A block (a still life) with its top-left cell at (x, y). */
function block(x: number, y: number): Array<[number, number]> {
  return [[x, y], [x + 1, y], [x, y + 1], [x + 1, y + 1]];
}

// The page's player: its largest colony is two blocks in chunk (1, 14), a smaller one a
// block in chunk (15, 0), by the torus seam. Another player: a block in chunk (9, 4).
// The first view is the world's middle (512, 512), far from all of them.
const BIG = [...block(80, 900), ...block(90, 900)];
const SMALL = block(1000, 20);
const RIVAL = block(600, 300);
const CENTRES = { big: { x: 96, y: 928 }, small: { x: 992, y: 32 }, rival: { x: 608, y: 288 } };

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
let me: { id: number; token: string; stored: string };
let rival: { id: number; token: string };

beforeAll(async () => {
  await buildWeb();
  server = await startServer(ENV);
  // Paused: only admin steps move the world, so no timed tick lands between a read and its check.
  expect((await admin(server, 'pause')).status).toBe(200);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await server?.close();
});

async function openPage(options: object, stored?: string): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  // Play as an existing player: what a reload after joining does.
  if (stored !== undefined) await context.addInitScript((s) => localStorage.setItem('lifemmo.player', s), stored);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${server.url}/`);
  return page;
}

async function place(token: string, cells: Array<[number, number]>): Promise<void> {
  const reply = await call(server, 'POST', '/cells', { token, body: { cells } });
  expect(reply.status).toBe(202);
}

/** Shortest distance between a and b round the torus, per axis. */
function apart(a: number, b: number): number {
  const d = Math.abs(a - b) % SIDE;
  return Math.min(d, SIDE - d);
}

/** Wait until the camera's centre is (x, y) and the replica holds `owner`'s `cells`. */
async function waitLookingAt(page: Page, at: { x: number; y: number }, owner: number, cells: Array<[number, number]>): Promise<void> {
  await page.waitForFunction(
    ([x, y]) => {
      const c = window.lifemmo?.camera;
      return c != null && c.cx === x && c.cy === y;
    },
    [at.x, at.y],
    { timeout: 10_000 },
  );
  const camera = (await page.evaluate(() => window.lifemmo!.camera))!;
  // Within a chunk of every placed cell (the torus taken the short way round).
  for (const [x, y] of cells) {
    expect(apart(camera.cx, x)).toBeLessThanOrEqual(CHUNK);
    expect(apart(camera.cy, y)).toBeLessThanOrEqual(CHUNK);
  }
  // The page re-subscribed there: its replica holds the cells.
  await page.waitForFunction(
    ([o, want]) => {
      const l = window.lifemmo!;
      const r = l.subscribed;
      return r !== null && l.cells(r).filter((c) => c[2] === o).length >= want;
    },
    [owner, cells.length],
    { timeout: 10_000 },
  );
}

function messages(page: Page): Promise<string> {
  return page.evaluate(() => window.lifemmo!.messages.join('\n'));
}

describe('find cells', () => {
  test('desktop: "Go to my cells" goes to the largest colony, then the next; a leaderboard entry goes to its owner\'s cells', async () => {
    const page = await openPage(DESKTOP);
    await screenshotOnFailure('find-cells-desktop', () => [page], async () => {
      await waitConnected(page, false);
      await page.fill('#join-name', 'finder');
      await page.click('#join');
      await waitConnected(page, true);
      const stored = await page.evaluate(() => localStorage.getItem('lifemmo.player')!);
      me = { ...(JSON.parse(stored) as { id: number; token: string }), stored };
      // No live cells yet: the button is off and says why.
      expect(await page.isDisabled('#find-cells')).toBe(true);
      expect(await page.textContent('#find-status')).toBe('No live cells yet');

      rival = await newPlayer(server, 'rival');
      await place(me.token, [...BIG, ...SMALL]);
      await place(rival.token, RIVAL);
      const g = (await admin(server, 'step', { generations: 1 })).body.generation as number;
      await waitGeneration(page, g);
      const start = (await page.evaluate(() => window.lifemmo!.camera))!;
      expect(apart(start.cx, CENTRES.big.x) > CHUNK || apart(start.cy, CENTRES.big.y) > CHUNK).toBe(true);

      // The next poll of GET /players/me (2 s) turns the button on.
      await page.waitForFunction(() => !(document.getElementById('find-cells') as HTMLButtonElement).disabled, null, { timeout: 10_000 });
      await page.click('#find-cells');
      await waitLookingAt(page, CENTRES.big, me.id, BIG);
      expect(start.scale).toBe((await page.evaluate(() => window.lifemmo!.camera))!.scale); // same zoom
      expect(await page.textContent('#find-status')).toBe('colony 1 of 2');
      expect(await page.evaluate(() => window.lifemmo!.found)).toEqual({ owner: me.id, chunk: [1, 14], x: 96, y: 928, index: 1, of: 2 });

      // Again: the other colony, across the torus seam; and again: back to the first.
      await page.click('#find-cells');
      await waitLookingAt(page, CENTRES.small, me.id, SMALL);
      expect(await page.textContent('#find-status')).toBe('colony 2 of 2');
      await page.click('#find-cells');
      await waitLookingAt(page, CENTRES.big, me.id, BIG);
      expect(await page.textContent('#find-status')).toBe('colony 1 of 2');

      // A leaderboard entry, clicked: that player's cells.
      const entry = `#leaderboard button[data-owner="${rival.id}"]`;
      await page.waitForSelector(entry, { timeout: 10_000 });
      await page.click(entry);
      await waitLookingAt(page, CENTRES.rival, rival.id, RIVAL);
      await expect.poll(() => messages(page)).toContain("rival's cells: colony 1 of 1");

      // With the keyboard: the player's own entry, Enter.
      await page.focus(`#leaderboard button[data-owner="${me.id}"]`);
      await page.keyboard.press('Enter');
      await waitLookingAt(page, CENTRES.big, me.id, BIG);

      // The minimap jumps with the same camera move: its middle is the world's middle.
      const box = (await page.locator('#minimap').boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction(() => {
        const c = window.lifemmo!.camera!;
        return Math.abs(c.cx - 512) < 8 && Math.abs(c.cy - 512) < 8;
      });
      expect(pageErrors).toEqual([]);
    });
  }, 60_000);

  test('phone: the button is in the drawer, which folds to show the colony; leaderboard entries jump too', async () => {
    expect(me).toBeDefined();
    const page = await openPage(PHONE, me.stored);
    await screenshotOnFailure('find-cells-phone', () => [page], async () => {
      await waitConnected(page, true);
      expect(await page.evaluate(() => window.lifemmo!.layout)).toEqual({ compact: true, drawer: false, input: 'touch' });
      expect(await page.isVisible('#find-cells')).toBe(false);
      await page.tap('#drawer-toggle');
      await page.waitForFunction(() => !(document.getElementById('find-cells') as HTMLButtonElement).disabled, null, { timeout: 10_000 });
      const button = (await page.locator('#find-cells').boundingBox())!;
      expect(button.height).toBeGreaterThanOrEqual(40);
      await page.tap('#find-cells');
      await waitLookingAt(page, CENTRES.big, me.id, BIG);
      // The drawer folded so the world shows; the message says which colony.
      expect(await page.evaluate(() => window.lifemmo!.layout.drawer)).toBe(false);
      await expect.poll(() => messages(page)).toContain('Your cells: colony 1 of 2');

      await page.tap('#drawer-toggle');
      await page.tap(`#leaderboard button[data-owner="${rival.id}"]`);
      await waitLookingAt(page, CENTRES.rival, rival.id, RIVAL);
      expect(await page.evaluate(() => window.lifemmo!.layout.drawer)).toBe(false);
      expect(pageErrors).toEqual([]);
    });
  }, 60_000);
});
