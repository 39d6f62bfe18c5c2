/**
 * `lifemmo-bots --html` end to end: real bots against a real server, through the same
 * launcher as `npm run bots`, write the report; real headless Chromium opens the file with
 * every request but the file itself refused, and every chart draws (uPlot holds the run's
 * points, and its canvas has the first series' colour in it), the verdict is the run's, and
 * the summary has the joined count. The run crosses --max-p99-ms 0 on purpose: the report
 * is written when the verdict is FAIL too. And a bad --html path stops the command at once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { BotsResult } from '../../client-sdk/src/bots/report.js';
import { startServer, type TestServer } from '../rest/helpers.js';
import { launchBrowser, screenshotOnFailure } from '../web/browser.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'client-sdk/bin/lifemmo-bots.mjs');
let server: TestServer;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  server = await startServer({ TICK_MS: '100', RATE_LIMIT_PER_MINUTE: '0', PLAYER_CREATE_PER_MINUTE: '0' });
  dir = mkdtempSync(join(tmpdir(), 'lifemmo-bots-html-'));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run the command; resolves with its exit code and output (never rejects on a non-zero exit). */
function bots(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** What the report page leaves on window (client-sdk/assets/bots-report.js). */
interface ReportWindow {
  lifemmoReport?: { charts: Record<string, { data: unknown[][] }>; errors: string[] };
}

/** The first series' colour of each chart (client-sdk/assets/bots-report.js). */
const FIRST_SERIES: Record<string, string> = {
  latency: '#0969da',
  frames: '#0969da',
  placements: '#1a7f37',
  errors: '#cf222e',
  connected: '#0969da',
  connect: '#0969da',
};

/** Pixels of the chart's canvas in `hex` (within a little anti-aliasing): the series, not the axes or grid. */
function seriesPixels(page: Page, chart: string, hex: string): Promise<number> {
  return page.evaluate(
    ([id, colour]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`[data-chart="${id}"] canvas`);
      if (canvas === null || canvas.width === 0 || canvas.height === 0) return 0;
      const want = [1, 3, 5].map((i) => parseInt(colour!.slice(i, i + 2), 16));
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 200 && want.every((v, c) => Math.abs(data[i + c]! - v) <= 24)) n++;
      }
      return n;
    },
    [chart, hex],
  );
}

test('a FAIL run writes the report; offline Chromium draws every chart, the verdict and the summary', async () => {
  const html = join(dir, 'report.html');
  const json = join(dir, 'result.json');
  const run = await bots(
    ['--url', server.url, '--bots', '20', '--duration', '5', '--ramp', '1', '--place-rate', '1', '--viewport', '64x64', '--max-p99-ms', '0', '--json', json, '--html', html, '--quiet'],
    60_000,
  );
  expect(run.code, run.stderr + run.stdout).toBe(1);
  expect(run.stdout).toMatch(/verdict\s+FAIL/);
  const result = JSON.parse(readFileSync(json, 'utf8')) as BotsResult;
  expect(result.thresholds.passed).toBe(false);
  expect(result.timeline.t.length).toBeGreaterThanOrEqual(3);
  expect(result.connectHistogram.counts.reduce((a, b) => a + b, 0)).toBe(result.bots.joined);

  const text = readFileSync(html, 'utf8');
  expect(text).not.toMatch(/(src|href)="https?:/);

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
  const foreign: string[] = [];
  const fileUrl = pathToFileURL(html).href;
  // Only the report file itself may load: anything else is refused and counted.
  await context.route('**/*', (route) => {
    if (route.request().url() === fileUrl) return route.continue();
    foreign.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  try {
    await screenshotOnFailure('bots-html-report', () => [page], async () => {
      await page.goto(fileUrl);
      await page.waitForFunction(() => Object.keys((window as ReportWindow).lifemmoReport?.charts ?? {}).length === 6, undefined, { timeout: 10_000 });
      expect(await page.evaluate(() => (window as ReportWindow).lifemmoReport!.errors)).toEqual([]);
      const lengths = await page.evaluate(() => {
        const charts = (window as ReportWindow).lifemmoReport!.charts;
        return Object.fromEntries(Object.entries(charts).map(([id, u]) => [id, u.data[0]!.length]));
      });
      expect(lengths).toEqual({
        latency: result.timeline.t.length,
        frames: result.timeline.t.length,
        placements: result.timeline.t.length,
        errors: result.timeline.t.length,
        connected: result.timeline.t.length,
        connect: result.connectHistogram.counts.length,
      });
      for (const [chart, colour] of Object.entries(FIRST_SERIES)) {
        expect(await seriesPixels(page, chart, colour), chart).toBeGreaterThan(10);
      }
      expect(await page.textContent('#verdict')).toBe('FAIL');
      expect(await page.textContent('#failures')).toContain('tick-to-client p99');
      const joined = await page.$eval('#summary', (table) =>
        [...table.querySelectorAll('tr')].find((tr) => tr.querySelector('th')?.textContent === 'bots')?.querySelector('td')?.textContent,
      );
      expect(joined).toMatch(new RegExp(`^${result.bots.joined}/20 joined`));
      expect(result.bots.joined).toBe(20);
      expect(await page.$eval('#options', (table) => table.textContent)).toContain('maxP99Ms');
      expect(pageErrors).toEqual([]);
      expect(foreign).toEqual([]);
    });
  } finally {
    await context.close();
  }
});

test('a bad --html path exits 2 at once, saying what is wrong', async () => {
  const missing = join(dir, 'no-such-folder', 'report.html');
  const run = await bots(['--url', server.url, '--bots', '1', '--duration', '1', '--html', missing], 30_000);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(`--html ${missing}: folder ${join(dir, 'no-such-folder')} does not exist [LIFE_ERR_VALIDATION]`);
  expect(run.stderr).not.toContain('[1s]');
  const folder = await bots(['--url', server.url, '--bots', '1', '--duration', '1', '--html', dir], 30_000);
  expect(folder.code).toBe(2);
  expect(folder.stderr).toContain(`--html ${dir}: is a folder, not a file [LIFE_ERR_VALIDATION]`);
});
