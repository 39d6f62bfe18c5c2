/**
 * The bots run: read the world, spread the bots over worker threads, merge their stats
 * every second, and build the result. `runBots` is what the CLI, the test and the
 * benchmark call; it never prints (the `onSecond` hook does).
 */
import { Worker } from 'node:worker_threads';
import { adminListPlayers, getWorld, isLifeError, LifeError } from '@lifemmo/client';
import type { BotsOptions } from './args.js';
import { buildResult, type BotsResult } from './report.js';
import { everySecond, MERGE_OFFSET_MS } from './clock.js';
import { BotStats } from './stats.js';
import { Timeline } from './timeline.js';
import type { FromWorker, ToWorker, WorkerInput } from './worker.js';

/** Hooks of a run. */
export interface RunHooks {
  /**
   * Called every second with the window just closed (the workers' deltas of one second,
   * merged half a second after it: clock.ts), the totals so far and bots connected now.
   * `elapsedS` is the end of the window, s from the start.
   */
  onSecond?(elapsedS: number, connected: number, window: BotStats, totals: BotStats): void;
  /** Resolves (or is already) when the run should end early, e.g. on SIGINT. */
  readonly abort?: Promise<void>;
}

/** Longest a worker may take to boot, and to finish after the deadline, ms. */
const WORKER_BOOT_MS = 30_000;
const WORKER_DRAIN_MS = 15_000;

/**
 * The worker's module. Built (dist/bots/run.js): worker.js itself. From the sources (tsx):
 * worker threads do not inherit tsx's loader on Node 20, so worker-entry.mjs registers it
 * before loading worker.ts.
 */
const WORKER_URL = import.meta.url.endsWith('.ts') ? new URL('./worker-entry.mjs', import.meta.url) : new URL('./worker.js', import.meta.url);

/**
 * Run the bots described by `options` against the server; resolves with the result.
 * @throws LifeError LIFE_ERR_CONNECT_FAILED when GET /world fails (no server at the URL);
 *   LIFE_ERR_FORBIDDEN, LIFE_ERR_UNAUTHORIZED or LIFE_ERR_NOT_FOUND when --admin-token is
 *   refused or the server has no admin routes (nothing was started).
 */
export async function runBots(options: BotsOptions, hooks: RunHooks = {}): Promise<BotsResult> {
  const world = await getWorld(options.url);
  if (options.adminToken !== undefined && options.placeRate > 0) await checkAdminToken(options.url, options.adminToken);
  const threads = Math.min(options.threads, options.bots);
  const workers: Worker[] = [];
  const connectedByWorker: number[] = new Array(threads).fill(0);
  const totals = new BotStats();
  const window = new BotStats();
  const timeline = new Timeline();
  /** When the newest delta in `window` was taken (epoch ms); 0: none since the last merge. */
  let windowEnd = 0;
  let peakConnected = 0;
  let peakRss = process.memoryUsage.rss();

  const done: Array<Promise<void>> = [];
  const ready: Array<Promise<void>> = [];
  for (let t = 0; t < threads; t++) {
    const indices: number[] = [];
    for (let i = t; i < options.bots; i += threads) indices.push(i);
    const input: WorkerInput = { options, indices, world: { width: world.width, height: world.height, topology: world.topology } };
    const worker = new Worker(WORKER_URL, { workerData: input });
    workers.push(worker);
    ready.push(new Promise<void>((resolve) => worker.on('message', (m: FromWorker) => m.type === 'ready' && resolve())));
    done.push(
      new Promise<void>((resolve, reject) => {
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'ready') return;
          window.addDelta(m.delta);
          windowEnd = Math.max(windowEnd, m.at);
          connectedByWorker[t] = m.delta.counters.connected;
          if (m.type === 'done') resolve();
        });
        worker.on('error', reject);
        worker.on('exit', () => resolve());
      }),
    );
  }
  const post = (message: ToWorker) => workers.forEach((w) => w.postMessage(message));
  const terminateAll = () => Promise.all(workers.map((w) => w.terminate()));

  try {
    await withTimeout(Promise.all(ready), WORKER_BOOT_MS, 'worker threads did not start');
    // CPU from here: booting the workers (compiling TypeScript) is not the generator's load.
    const cpuStart = process.cpuUsage();
    const startedAt = new Date();
    const startAt = Date.now();
    const stopAt = startAt + options.duration * 1000;
    post({ type: 'start', startAt, stopAt });
    void hooks.abort?.then(() => post({ type: 'stop' }));

    const stopTicks = everySecond(startAt, MERGE_OFFSET_MS, () => {
      const connected = connectedByWorker.reduce((a, b) => a + b, 0);
      peakConnected = Math.max(peakConnected, connected);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      totals.addStats(window);
      // No delta this second (workers too busy to send on time): no point; the next one spans both seconds.
      if (windowEnd > 0) timeline.add((windowEnd - startAt) / 1000, connected, window);
      hooks.onSecond?.((windowEnd > 0 ? windowEnd - startAt : Date.now() - startAt - MERGE_OFFSET_MS) / 1000, connected, window, totals);
      window.reset();
      windowEnd = 0;
    });
    // A worker that crashes or does not finish in time is counted as an error and the
    // result is built from what it sent so far: a stuck generator must not hide the figures.
    const outcome: Array<'running' | 'done' | 'crashed'> = new Array(threads).fill('running');
    done.forEach((p, t) => void p.then(() => (outcome[t] = 'done'), () => (outcome[t] = 'crashed')));
    const drainMs = Math.max(0, stopAt - Date.now()) + WORKER_DRAIN_MS;
    try {
      await withTimeout(Promise.allSettled(done), drainMs, 'workers').catch(() => undefined);
    } finally {
      stopTicks();
    }
    for (const state of outcome) {
      if (state === 'crashed') window.error('worker thread crashed');
      else if (state === 'running') window.error('worker thread did not finish in time');
    }
    totals.addStats(window);
    const connected = connectedByWorker.reduce((a, b) => a + b, 0);
    peakConnected = Math.max(peakConnected, connected);
    const wallS = (Date.now() - startAt) / 1000;
    if (windowEnd > 0) timeline.add((windowEnd - startAt) / 1000, connected, window, true);
    return buildResult(totals, {
      options,
      world: { width: world.width, height: world.height, topology: world.topology, rule: world.rule, tickMs: world.tickMs },
      startedAt,
      wallS,
      threads,
      peakConnected,
      cpu: process.cpuUsage(cpuStart),
      peakRssBytes: Math.max(peakRss, process.memoryUsage.rss()),
      timeline: timeline.data(),
    });
  } finally {
    await terminateAll();
  }
}

/** Fail at once, with what to do, when the admin token would be refused for every bot. */
async function checkAdminToken(url: string, adminToken: string): Promise<void> {
  try {
    await adminListPlayers(url, adminToken, { limit: 1 });
  } catch (err) {
    if (isLifeError(err, 'NOT_FOUND')) {
      throw new LifeError('NOT_FOUND', 'The server has no admin routes (404): start it with ADMIN_TOKEN set, or run without --admin-token');
    }
    if (isLifeError(err, 'FORBIDDEN') || isLifeError(err, 'UNAUTHORIZED')) {
      throw new LifeError(err.code === 'LIFE_ERR_FORBIDDEN' ? 'FORBIDDEN' : 'UNAUTHORIZED', "--admin-token was refused: pass the server's ADMIN_TOKEN");
    }
    throw err;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
