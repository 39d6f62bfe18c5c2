/**
 * A worker thread of the bots command: runs its share of the bots (every `threads`-th
 * index, so each thread ramps up evenly), sends a StatsDelta to the main thread on every
 * second from the start (clock.ts) and a last one when done. Messages: in `start` and `stop`; out `ready`,
 * `stats`, `done`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '@lifemmo/client';
import type { BotsOptions } from './args.js';
import { runBot, type BotContext } from './bot.js';
import { everySecond } from './clock.js';
import { mulberry32 } from './patterns.js';
import { BotStats, type StatsDelta } from './stats.js';

/** What the main thread hands each worker. */
export interface WorkerInput {
  readonly options: BotsOptions;
  /** Global bot indices this worker runs. */
  readonly indices: readonly number[];
  readonly world: BotContext['world'];
}

/** Main thread to worker. */
export type ToWorker = { type: 'start'; startAt: number; stopAt: number } | { type: 'stop' };
/** Worker to main thread; `at`: when the delta was taken (epoch ms), the end of the span it covers. */
export type FromWorker = { type: 'ready' } | { type: 'stats'; delta: StatsDelta; at: number } | { type: 'done'; delta: StatsDelta; at: number };

const port = parentPort!;
const input = workerData as WorkerInput;
const stats = new BotStats();
const abort = new AbortController();
let stop: () => void = () => undefined;
let stoppedFlag = false;
const stopped = new Promise<void>((resolve) => {
  stop = () => {
    stoppedFlag = true;
    abort.abort();
    resolve();
  };
});

const send = (message: FromWorker): void => port.postMessage(message);

port.on('message', (message: ToWorker) => {
  if (message.type === 'stop') stop();
  else void run(message.startAt, message.stopAt);
});

async function run(startAt: number, stopAt: number): Promise<void> {
  const { options, indices, world } = input;
  const ctx: BotContext = {
    options,
    stats,
    world,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    stopped,
    isStopped: () => stoppedFlag,
    signal: abort.signal,
  };
  const deadline = setTimeout(stop, Math.max(0, stopAt - Date.now()));
  const stopTicks = everySecond(startAt, 0, () => send({ type: 'stats', delta: stats.takeDelta(), at: Date.now() }));
  const bots = indices.map(async (index) => {
    const at = startAt + (options.ramp * 1000 * index) / options.bots;
    await Promise.race([new Promise((r) => setTimeout(r, Math.max(0, at - Date.now()))), stopped]);
    if (stoppedFlag) return;
    await runBot(index, ctx, mulberry32(options.seed * 1_000_003 + index));
  });
  await Promise.all(bots);
  clearTimeout(deadline);
  stopTicks();
  send({ type: 'done', delta: stats.takeDelta(), at: Date.now() });
}

// One bot's unexpected failure must not end the run of the others: count it, with the
// message as the code, so it shows in the summary's error breakdown.
process.on('uncaughtException', (err) => stats.error(`uncaught: ${String(err.message).slice(0, 80)}`));

send({ type: 'ready' });
