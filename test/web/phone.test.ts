/**
 * The game page on a phone: headless Chromium with a 390 x 844 touch viewport, a real
 * server, taps through playwright's touchscreen and pinches through the DevTools protocol
 * (`Input.dispatchTouchEvent`, which Chromium turns into touch pointer events like a real
 * screen's). Ticks are admin-stepped, as in web-client.test.ts.
 *
 * Checked: the panel folds into a bar and the world covers most of the screen (sampled
 * with elementFromPoint), the drawer opens and folds, the minimap shrinks, the help
 * speaks of fingers; a pinch zooms with the world point under the fingers kept there, one
 * finger pans, a tap places (GET /cells), a long press paints; the "Your cells" glance
 * agrees with GET /players/me. Screenshots go to test-artifacts/phone-*.png (the ones in
 * docs/img/ were taken from there).
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { buildWeb } from '../../web/build.mjs';
import { admin, call, sortCells, startServer, type TestServer } from '../rest/helpers.js';
import { ARTIFACTS_DIR, cellCentre, launchBrowser, screenshotOnFailure, waitConnected, waitGeneration } from './browser.js';

const ENV = { TICK_MS: '60000', STORE: 'memory', LOG_LEVEL: 'warn' };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
const pageErrors: string[] = [];

beforeAll(async () => {
  await buildWeb();
  server = await startServer(ENV);
  // Paused: only admin steps move the world, so no timed tick lands between a read and its check.
  expect((await admin(server, 'pause')).status).toBe(200);
  browser = await launchBrowser();
  context = await browser.newContext(PHONE);
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  cdp = await context.newCDPSession(page);
  await page.goto(`${server.url}/`);
  await mkdir(ARTIFACTS_DIR, { recursive: true });
}, 60_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

/** Share of a 20 x 40 grid of points over the viewport where the world's canvas is on top. */
function worldShare(p: Page): Promise<number> {
  return p.evaluate(() => {
    let world = 0;
    let all = 0;
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 40; j++) {
        const hit = document.elementFromPoint(((i + 0.5) * innerWidth) / 20, ((j + 0.5) * innerHeight) / 40);
        all++;
        if (hit?.id === 'world') world++;
      }
    }
    return world / all;
  });
}

type Finger = { x: number; y: number; id: number };

/** Touch events through the DevTools protocol; `points` are every finger down after the event. */
async function touch(type: 'touchStart' | 'touchMove' | 'touchEnd', points: Finger[]): Promise<void> {
  await cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points });
}

/** The world point (fractional cells) under page pixel (x, y), from the page's camera. */
function worldAt(p: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  return p.evaluate(
    ([px, py]) => {
      const c = window.lifemmo!.camera!;
      const r = document.getElementById('world')!.getBoundingClientRect();
      return { x: c.cx + (px! - r.left - r.width / 2) / c.scale, y: c.cy + (py! - r.top - r.height / 2) / c.scale };
    },
    [x, y],
  );
}

async function serverCells(rect: { x: number; y: number; w: number; h: number }): Promise<number[][]> {
  const reply = await call(server, 'GET', `/cells?x=${rect.x}&y=${rect.y}&w=${rect.w}&h=${rect.h}`);
  expect(reply.status).toBe(200);
  return sortCells((reply.body.cells as number[][]).map(([x, y]) => [x!, y!]));
}

async function step(generations: number): Promise<number> {
  const reply = await admin(server, 'step', { generations });
  expect(reply.status).toBe(200);
  return reply.body.generation as number;
}

function messages(p: Page): Promise<string> {
  return p.evaluate(() => window.lifemmo!.messages.join('\n'));
}

describe('on a phone', () => {
  test('the panel folds into a bar over the world; the drawer opens and folds; the help speaks of fingers', async () => {
    await screenshotOnFailure('phone-layout', () => [page], async () => {
      await waitConnected(page, false);
      expect(await page.evaluate(() => window.lifemmo!.layout)).toEqual({ compact: true, drawer: false, input: 'touch' });
      // Folded: the bar and the small minimap and zoom buttons leave most of the screen to the world.
      expect(await worldShare(page)).toBeGreaterThan(0.85);
      const minimap = (await page.locator('#minimap-box').boundingBox())!;
      expect(Math.max(minimap.width, minimap.height)).toBeLessThanOrEqual(96 + 10);
      expect(await page.isVisible('#bar-tools [data-tool="place"]')).toBe(true);
      expect(await page.isVisible('#leaderboard')).toBe(false);
      await page.screenshot({ path: `${ARTIFACTS_DIR}phone-folded.png` });

      await page.tap('#drawer-toggle');
      expect(await page.evaluate(() => window.lifemmo!.layout.drawer)).toBe(true);
      expect(await page.getAttribute('#drawer-toggle', 'aria-expanded')).toBe('true');
      expect(await page.isVisible('#leaderboard')).toBe(true);
      expect(await page.isVisible('#minimap-box')).toBe(false);
      expect(await worldShare(page)).toBeLessThan(0.5);
      expect(await page.isVisible('footer .help-touch')).toBe(true);
      expect(await page.isVisible('footer .help-mouse')).toBe(false);
      expect(await page.textContent('footer .help-touch')).toContain('pinch');
      // Targets big enough for a finger.
      const join = (await page.locator('#join').boundingBox())!;
      expect(join.height).toBeGreaterThanOrEqual(40);

      // Join from the drawer; picking a pattern folds it so the world is there to place on.
      await page.fill('#join-name', 'thumbs');
      await page.tap('#join');
      await waitConnected(page, true);
      expect(await messages(page)).toContain('Tap the world to place cells');
      await page.tap('#palette [data-pattern="cell"]');
      expect(await page.evaluate(() => window.lifemmo!.layout.drawer)).toBe(false);
      expect(await worldShare(page)).toBeGreaterThan(0.85);
      expect(await page.getAttribute('#bar-tools [data-tool="place"]', 'aria-pressed')).toBe('true');
      expect(pageErrors).toEqual([]);
    });
  });

  test('a pinch zooms about the fingers, one finger pans, a tap places a cell, a long press paints', async () => {
    await screenshotOnFailure('phone-gestures', () => [page], async () => {
      await waitConnected(page, true);
      const before = (await page.evaluate(() => window.lifemmo!.camera))!;
      const centre = { x: 195, y: 420 };
      const under = await worldAt(page, centre.x, centre.y);

      // Two fingers 80 px apart spread to 200 px, about the same centre: 2.5 times the zoom.
      await touch('touchStart', [{ x: 155, y: 420, id: 1 }, { x: 235, y: 420, id: 2 }]);
      for (let k = 1; k <= 6; k++) {
        await touch('touchMove', [{ x: 155 - 10 * k, y: 420, id: 1 }, { x: 235 + 10 * k, y: 420, id: 2 }]);
      }
      await touch('touchEnd', []);
      const zoomed = (await page.evaluate(() => window.lifemmo!.camera))!;
      expect(zoomed.scale).toBeCloseTo(before.scale * 2.5, 5);
      const still = await worldAt(page, centre.x, centre.y);
      expect(still.x).toBeCloseTo(under.x, 5);
      expect(still.y).toBeCloseTo(under.y, 5);

      // One finger drags the world with it (even with the Place tool and the Cell pattern).
      await touch('touchStart', [{ x: 200, y: 500, id: 3 }]);
      for (let k = 1; k <= 6; k++) await touch('touchMove', [{ x: 200 + 10 * k, y: 500 + 5 * k, id: 3 }]);
      await touch('touchEnd', []);
      const panned = (await page.evaluate(() => window.lifemmo!.camera))!;
      expect(panned.scale).toBe(zoomed.scale);
      expect(panned.cx).toBeCloseTo(zoomed.cx - 60 / zoomed.scale, 5);
      expect(panned.cy).toBeCloseTo(zoomed.cy - 30 / zoomed.scale, 5);
      expect(await serverCells({ x: 0, y: 0, w: 256, h: 256 })).toEqual([]); // panning placed nothing

      // A tap places one cell where it lands.
      const target = await page.evaluate(
        ([x, y]) => {
          const c = window.lifemmo!.camera!;
          const r = document.getElementById('world')!.getBoundingClientRect();
          return { x: Math.floor(c.cx + (x! - r.width / 2) / c.scale), y: Math.floor(c.cy + (y! - r.height / 2) / c.scale) };
        },
        [195, 300],
      );
      const at = await cellCentre(page, target.x, target.y);
      await page.touchscreen.tap(at.x, at.y);
      await expect.poll(() => messages(page)).toContain('Placed Cell (1 cell)');
      await step(1);
      expect(await serverCells({ x: target.x - 5, y: target.y - 5, w: 11, h: 11 })).toEqual([[target.x, target.y]]);

      // A long press starts a stroke (the Cell pattern); the finger paints a row of three.
      const row = { x: target.x, y: target.y + 6 };
      const from = await cellCentre(page, row.x, row.y);
      const to = await cellCentre(page, row.x + 2, row.y);
      await touch('touchStart', [{ x: from.x, y: from.y, id: 4 }]);
      await page.waitForFunction(() => document.getElementById('world')!.dataset.dragging === 'stroke');
      for (let k = 1; k <= 4; k++) await touch('touchMove', [{ x: from.x + ((to.x - from.x) * k) / 4, y: from.y, id: 4 }]);
      await touch('touchEnd', []);
      await expect.poll(() => messages(page)).toContain('Placed a stroke (3 cells)');
      const g = await step(1);
      await waitGeneration(page, g);
      expect(await serverCells({ x: row.x - 2, y: row.y - 2, w: 7, h: 5 })).toEqual([[row.x, row.y], [row.x + 1, row.y], [row.x + 2, row.y]]);
      await page.screenshot({ path: `${ARTIFACTS_DIR}phone-world.png` });
      expect(pageErrors).toEqual([]);
    });
  });

  test('the panel shows the player\'s cells over the last minutes and the births credited, as the server counts them', async () => {
    await screenshotOnFailure('phone-glance', () => [page], async () => {
      await waitConnected(page, true);
      const token = await page.evaluate(() => JSON.parse(localStorage.getItem('lifemmo.player')!).token as string);
      // The blinker painted above keeps making births: two a generation.
      await step(6);
      const me = await call(server, 'GET', '/players/me', { token });
      expect(me.body.births).toBeGreaterThanOrEqual(12);
      await expect
        .poll(() => page.evaluate(() => window.lifemmo!.glance), { timeout: 10_000 })
        .toMatchObject({ cells: me.body.population, births: me.body.births });
      const glance = await page.evaluate(() => window.lifemmo!.glance);
      expect(glance.samples).toBeGreaterThanOrEqual(2);
      expect(glance.birthsInWindow).toBeGreaterThanOrEqual(12);

      await page.tap('#drawer-toggle');
      await expect.poll(() => page.textContent('#glance-births')).toContain(me.body.births.toLocaleString('en'));
      expect(await page.textContent('#glance-cells')).toBe(String(me.body.population));
      // The sparkline is drawn: some pixels of the canvas are not transparent.
      await expect
        .poll(() =>
          page.evaluate(() => {
            const c = document.getElementById('glance-sparkline') as HTMLCanvasElement;
            const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
            let painted = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
            return painted;
          }),
        )
        .toBeGreaterThan(0);
      await page.locator('#glance').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${ARTIFACTS_DIR}phone-drawer.png` });
      expect(pageErrors).toEqual([]);
    });
  });
});
