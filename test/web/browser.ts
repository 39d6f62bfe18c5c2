/**
 * Real headless Chromium for the web client tests: Debian's /usr/bin/chromium (installed by
 * .ci/run) driven by playwright-core, which downloads no browser of its own. The flags are
 * what a container without a GPU, a sandbox or network access for Google services needs.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where failure screenshots go (gitignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** Chromium's path; CHROMIUM_PATH overrides it for machines that keep it elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launch headless Chromium. Always `await browser.close()`.
 * @throws Error naming the install command and CHROMIUM_PATH when there is no Chromium.
 */
export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    // Said plainly here: playwright-core's own message suggests downloading a browser it
    // manages, which these tests do not use.
    return Promise.reject(
      new Error(
        `No Chromium at ${CHROMIUM_PATH}: the browser tests need it. Install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH to its executable (see README.md, "Prerequisites").`,
      ),
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * Run `body`; if it throws, save a screenshot of every page in `pages()` to
 * test-artifacts/<name>-<i>.png first, then rethrow.
 */
export async function screenshotOnFailure(name: string, pages: () => Page[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const safe = name.replace(/[^\w-]+/g, '-');
    await Promise.all(
      pages().map((page, i) =>
        page.screenshot({ path: `${ARTIFACTS_DIR}${safe}-${i}.png`, timeout: 5000 }).catch(() => undefined),
      ),
    );
    throw err;
  }
}

/** Wait until `window.lifemmo` says the page is connected with a replica. */
export async function waitConnected(page: Page, player: boolean): Promise<void> {
  await page.waitForFunction(
    (wantPlayer) => {
      const l = window.lifemmo;
      return l !== undefined && l.state === 'open' && l.generation >= 0 && l.subscribed !== null && (l.player !== null) === wantPlayer;
    },
    player,
    { timeout: 10_000 },
  );
}

/** Wait until the page's replica is at generation `g` or later. */
export async function waitGeneration(page: Page, g: number): Promise<void> {
  await page.waitForFunction((want) => (window.lifemmo?.generation ?? -1) >= want, g, { timeout: 10_000 });
}

/** Live cells the page's replica holds inside `rect`, sorted by y then x, without owners. */
export async function replicaCells(page: Page, rect: { x: number; y: number; w: number; h: number }): Promise<number[][]> {
  const cells = await page.evaluate((r) => window.lifemmo!.cells(r), rect);
  return cells.map(([x, y]) => [x, y]).sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!);
}

/** Click the middle of cell (x, y) on the canvas. */
export async function clickCell(page: Page, x: number, y: number): Promise<void> {
  const at = await cellCentre(page, x, y);
  await page.mouse.click(at.x, at.y);
}

/** Page coordinates of the middle of cell (x, y). */
export async function cellCentre(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  return page.evaluate(
    ([cx, cy]) => {
      const p = window.lifemmo!.cellToScreen(cx!, cy!)!;
      const s = window.lifemmo!.camera!.scale;
      const r = document.getElementById('world')!.getBoundingClientRect();
      return { x: r.left + p.px + s / 2, y: r.top + p.py + s / 2 };
    },
    [x, y],
  );
}

/**
 * The colour (`#rrggbb`) the canvas shows in the middle of each cell: pixels read back
 * from the canvas, not from the page's state.
 */
export async function canvasColours(page: Page, cells: ReadonlyArray<readonly [number, number]>): Promise<string[]> {
  return page.evaluate((list) => {
    const canvas = document.getElementById('world') as HTMLCanvasElement;
    const ctx = canvas.getContext('2d')!;
    const dpr = canvas.width / canvas.clientWidth;
    const s = window.lifemmo!.camera!.scale;
    return list.map(([x, y]) => {
      const p = window.lifemmo!.cellToScreen(x, y)!;
      const d = ctx.getImageData(Math.floor((p.px + s / 2) * dpr), Math.floor((p.py + s / 2) * dpr), 1, 1).data;
      return `#${[d[0]!, d[1]!, d[2]!].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    });
  }, cells as Array<[number, number]>);
}
