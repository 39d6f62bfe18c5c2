/**
 * The web client end to end: the bundle built with esbuild, a real server serving it, and
 * real headless Chromium clicking on the canvas. The world is paused and ticks are
 * admin-stepped, so every generation the tests look at is one they asked for.
 *
 * What is checked against what: the page's replica (window.lifemmo) and the pixels read
 * back from its canvas, against GET /cells of the server.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ServerContext, ZodApp } from '@lifemmo/server';
import { buildWeb } from '../../web/build.mjs';
import { installErrorHandlers } from '../../server/src/http/error-handler.js';
import { findWebDist, registerWebRoutes } from '../../server/src/http/routes/web.js';
import { admin, call, expectError, newPlayer, sortCells, startServer, type TestServer } from '../rest/helpers.js';
import { socketDropper } from '../sdk/helpers.js';
import {
  canvasColours,
  cellCentre,
  clickCell,
  launchBrowser,
  replicaCells,
  screenshotOnFailure,
  waitConnected,
  waitGeneration,
} from './browser.js';

/** A minute between ticks: in practice, only admin steps advance the world. */
const ENV = { TICK_MS: '60000', STORE: 'memory', LOG_LEVEL: 'warn' };
const VIEWPORT = { width: 1280, height: 800 };
/** The region the tests place in: well inside the default view (the world's middle). */
const AREA = { x: 90, y: 90, w: 40, h: 40 };
const BACKGROUND = ['#111821', '#0d1117'];

let server: TestServer;
let browser: Browser;
let dropper: ReturnType<typeof socketDropper>;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  await buildWeb();
  server = await startServer(ENV);
  // Paused: only admin steps move the world, so no timed tick lands between a read and its check.
  expect((await admin(server, 'pause')).status).toBe(200);
  dropper = socketDropper(server);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await server?.close();
});

/** A fresh browser context (own localStorage) with the page loaded from the server. */
async function openPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${server.url}/`);
  return page;
}

async function joinAs(page: Page, name: string): Promise<void> {
  await waitConnected(page, false);
  await page.fill('#join-name', name);
  await page.click('#join');
  await waitConnected(page, true);
}

async function step(generations: number): Promise<number> {
  const reply = await admin(server, 'step', { generations });
  expect(reply.status).toBe(200);
  return reply.body.generation as number;
}

async function serverCells(rect: typeof AREA): Promise<number[][]> {
  const reply = await call(server, 'GET', `/cells?x=${rect.x}&y=${rect.y}&w=${rect.w}&h=${rect.h}`);
  expect(reply.status).toBe(200);
  return sortCells((reply.body.cells as number[][]).map(([x, y]) => [x!, y!]));
}

function shift(cells: number[][], dx: number, dy: number): number[][] {
  return sortCells(cells.map(([x, y]) => [x! + dx, y! + dy]));
}

describe('serving', () => {
  test('GET / answers the page and /assets/ its bundle', async () => {
    const page = await call(server, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('/assets/main.js');
    const js = await call(server, 'GET', '/assets/main.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    const css = await call(server, 'GET', '/assets/style.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expectError(await call(server, 'GET', '/assets/nope.js'), 404, 'LIFE_ERR_NOT_FOUND');
    expectError(await call(server, 'GET', '/assets/..%2Fpackage.json'), 404, 'LIFE_ERR_NOT_FOUND');
  });

  test('a missing bundle is a clear 404, not a crash', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'lifemmo-web-'));
    const app = Fastify().withTypeProvider<ZodTypeProvider>() as ZodApp;
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    installErrorHandlers(app);
    // The page routes never touch the context; the feeds are not called here.
    registerWebRoutes(app, {} as ServerContext, { distDir: empty });
    try {
      const reply = await app.inject({ method: 'GET', url: '/' });
      expect(reply.statusCode).toBe(404);
      expect(reply.json().error.code).toBe('LIFE_ERR_NOT_FOUND');
      expect(reply.json().error.message).toContain('npm run build');
    } finally {
      await app.close();
      await rm(empty, { recursive: true });
    }
    expect(findWebDist()).toMatch(/web[\\/]dist$/);
    expect(findWebDist('/')).toBeNull();
    // The Docker image's layout: server/dist/main.js and web/dist/ only.
    const image = await mkdtemp(join(tmpdir(), 'lifemmo-image-'));
    try {
      await mkdir(join(image, 'server', 'dist'), { recursive: true });
      await mkdir(join(image, 'web', 'dist'), { recursive: true });
      await writeFile(join(image, 'web', 'dist', 'index.html'), '<!doctype html>');
      expect(findWebDist(join(image, 'server', 'dist'))).toBe(join(image, 'web', 'dist'));
    } finally {
      await rm(image, { recursive: true });
    }
  });

  test('GET /density counts live cells per bin; GET /players/me reports the budget', async () => {
    const p = await newPlayer(server, 'densitytester');
    const me = await call(server, 'GET', '/players/me', { token: p.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: p.id, name: 'densitytester', budget: { capacity: 200, refillPerGen: 2 } });
    expect(me.body.budget.available).toBe(200);
    expectError(await call(server, 'GET', '/players/me'), 401, 'LIFE_ERR_UNAUTHORIZED');
    const density = await call(server, 'GET', '/density');
    expect(density.status).toBe(200);
    expect(density.body).toMatchObject({ width: 256, height: 256, binSize: 64, cols: 4, rows: 4 });
    const world = await call(server, 'GET', '/world');
    const total = (density.body.bins as number[][]).reduce((n, b) => n + b[2]!, 0);
    expect(total).toBe(world.body.population);
  });
});

describe('in the browser', () => {
  test('join, place a glider by clicking, step: the canvas shows it moved and GET /cells agrees', async () => {
    const page = await openPage();
    await screenshotOnFailure('glider', () => [page], async () => {
      await joinAs(page, 'ada');
      const color = await page.evaluate(() => window.lifemmo!.player!.color);
      expect(await page.evaluate(() => localStorage.getItem('lifemmo.player'))).toContain(color);

      await page.click('#palette [data-pattern="glider"]');
      const g0 = await page.evaluate(() => window.lifemmo!.generation);
      await clickCell(page, 100, 100);
      await expect.poll(() => page.evaluate(() => window.lifemmo!.messages.join('\n'))).toContain('Placed Glider');
      // Keep the pointer (and the pattern preview under it) away from the cells checked.
      await page.mouse.move(5, 5);

      const g1 = await step(1);
      expect(g1).toBe(g0 + 1);
      await waitGeneration(page, g1);
      const placed = await serverCells(AREA);
      // The glider's box is centred on the clicked cell.
      expect(placed).toEqual(sortCells([[100, 99], [101, 100], [99, 101], [100, 101], [101, 101]]));
      expect(await replicaCells(page, AREA)).toEqual(placed);
      await expect.poll(() => canvasColours(page, placed as Array<[number, number]>)).toEqual(placed.map(() => color));

      const g5 = await step(4);
      await waitGeneration(page, g5);
      const moved = await serverCells(AREA);
      expect(moved).toEqual(shift(placed, 1, 1)); // a glider moves one cell diagonally every 4 generations
      expect(await replicaCells(page, AREA)).toEqual(moved);
      await expect.poll(() => canvasColours(page, moved as Array<[number, number]>)).toEqual(moved.map(() => color));
      // Cells it left are background again.
      const left = placed.filter(([x, y]) => !moved.some(([mx, my]) => mx === x && my === y)) as Array<[number, number]>;
      for (const c of await canvasColours(page, left)) expect(BACKGROUND).toContain(c);

      // A refused placement is a message, not silence: the glider's cells are live.
      const [x, y] = moved[0]!;
      await clickCell(page, x! + 1, y! + 1);
      await expect.poll(() => page.evaluate(() => window.lifemmo!.messages.join('\n'))).toContain('LIFE_ERR_CELL_OCCUPIED');

      // The budget shown follows the server's.
      await expect.poll(() => page.evaluate(() => window.lifemmo!.budget), { timeout: 5000 }).not.toBeNull();
      const me = await call(server, 'GET', '/players/me', {
        token: await page.evaluate(() => JSON.parse(localStorage.getItem('lifemmo.player')!).token as string),
      });
      expect(await page.evaluate(() => window.lifemmo!.budget)).toBe(me.body.budget.available);
      expect(pageErrors).toEqual([]);
    });
  });

  test('two pages: cells painted in one appear in the other', async () => {
    const painter = await openPage();
    const watcher = await openPage();
    await screenshotOnFailure('two-pages', () => [painter, watcher], async () => {
      await joinAs(painter, 'bob');
      await waitConnected(watcher, false);
      const color = await painter.evaluate(() => window.lifemmo!.player!.color);

      // Paint a row of three cells with a drag: a blinker.
      await painter.click('#palette [data-pattern="cell"]');
      const from = await cellCentre(painter, 110, 120);
      const to = await cellCentre(painter, 112, 120);
      await painter.mouse.move(from.x, from.y);
      await painter.mouse.down();
      await painter.mouse.move(to.x, to.y, { steps: 8 });
      await painter.mouse.up();
      await expect.poll(() => painter.evaluate(() => window.lifemmo!.messages.join('\n'))).toContain('Placed a stroke (3 cells)');
      await painter.mouse.move(5, 5);

      const g = await step(1);
      await waitGeneration(watcher, g);
      const row = [[110, 120], [111, 120], [112, 120]];
      const region = { x: 100, y: 110, w: 20, h: 20 };
      expect(await serverCells(region)).toEqual(row);
      expect(await replicaCells(watcher, region)).toEqual(row);
      const owners = await watcher.evaluate((r) => window.lifemmo!.cells(r).map((c) => c[2]), region);
      const bobId = await painter.evaluate(() => window.lifemmo!.player!.id);
      expect(owners).toEqual([bobId, bobId, bobId]);
      // The watcher learns bob's colour from the leaderboard poll, then draws in it.
      await expect.poll(() => canvasColours(watcher, row as Array<[number, number]>), { timeout: 6000 }).toEqual(row.map(() => color));

      const g2 = await step(1);
      await waitGeneration(watcher, g2);
      const column = [[111, 119], [111, 120], [111, 121]];
      expect(await serverCells(region)).toEqual(column);
      expect(await replicaCells(watcher, region)).toEqual(column);
      expect(await replicaCells(painter, region)).toEqual(column);
      expect(pageErrors).toEqual([]);
    });
  });

  test('a spectator who clicks is told to join; the panel shows the world', async () => {
    const page = await openPage();
    await screenshotOnFailure('spectator', () => [page], async () => {
      await waitConnected(page, false);
      // A wide screen with a mouse: the whole panel, no drawer button, the help of the mouse and keys.
      expect(await page.evaluate(() => window.lifemmo!.layout)).toMatchObject({ compact: false, input: 'mouse' });
      expect(await page.isVisible('#drawer-toggle')).toBe(false);
      expect(await page.isVisible('#leaderboard')).toBe(true);
      expect(await page.isVisible('footer .help-mouse')).toBe(true);
      expect(await page.isVisible('footer .help-touch')).toBe(false);
      expect(await page.getAttribute('#tools [data-tool="pan"]', 'aria-pressed')).toBe('true');
      await page.keyboard.press('2'); // the glider, and with it the Place tool
      expect(await page.getAttribute('#tools [data-tool="place"]', 'aria-pressed')).toBe('true');
      await clickCell(page, 70, 85);
      await expect.poll(() => page.evaluate(() => window.lifemmo!.messages.join('\n'))).toContain('Join with a name');
      expect(await serverCells({ x: 60, y: 75, w: 20, h: 20 })).toEqual([]);

      await expect.poll(() => page.textContent('#connection-text')).toBe('Connected');
      const shown = Number((await page.textContent('#generation'))?.replace(/,/g, ''));
      expect(shown).toBe(await page.evaluate(() => window.lifemmo!.generation));
      await expect.poll(() => page.textContent('#leaderboard'), { timeout: 5000 }).not.toContain('Loading');
      expect(pageErrors).toEqual([]);
    });
  });

  test('after the server drops the connection the page says so, reconnects and follows the world again', async () => {
    const page = await openPage();
    await screenshotOnFailure('reconnect', () => [page], async () => {
      await waitConnected(page, false);
      expect(dropper.drop()).toBeGreaterThan(0);
      await expect.poll(() => page.evaluate(() => window.lifemmo!.messages.join('\n'))).toContain('Connection lost');
      await expect.poll(() => page.evaluate(() => window.lifemmo!.messages.join('\n')), { timeout: 10_000 }).toMatch(/Reconnected after \d+ attempt/);
      expect(await page.evaluate(() => window.lifemmo!.state)).toBe('open');
      expect(await page.isHidden('#banner')).toBe(true);
      const g = await step(1);
      await waitGeneration(page, g);
      expect(pageErrors).toEqual([]);
    });
  });
});
