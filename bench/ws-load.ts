/**
 * The WebSocket load generator of the `ws` benchmark, run as its own process (so it does
 * not share the server's event loop), its clients spread over worker threads. Clients are
 * the minimal reader of ws-raw-client.ts by default, or `ws` with BENCH_WS_CLIENT=ws.
 *
 *   node bench/out/ws-load.mjs <url> <clients> <workers> <worldSide> <viewport> <warmupMs> <measureMs> <protocolVersion> <ackEveryMs>
 *
 * Each client sends hello and subscribes to a viewport x viewport rectangle at a random
 * place; for every binary frame it reads only the 20-byte header: generation (gap check)
 * and the server timestamp, from which tick-to-client latency = receive time - timestamp.
 * Latencies go into a 1 ms histogram, so memory does not grow with the run.
 *
 * Stdout, one JSON line per event: {"event":"ready",...} once every client has its first
 * snapshot, {"event":"measuring"} when the measured window starts, and finally
 * {"event":"result",...}. Everything is bounded in time: connect 120 s, then warm-up and
 * measure as given.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { mulberry32 } from '@lifemmo/shared';
import { RawWsClient, type RawWsHandlers } from './ws-raw-client.js';

/** How often the clients whose last frames are not acknowledged yet are looked at, ms. */
const ACK_SWEEP_MS = 25;
/** Histogram bucket count: 1 ms buckets, the last one holds everything >= 10 s. */
const BUCKETS = 10_001;
const CONNECT_TIMEOUT_MS = 120_000;
/** Sockets opened at once per worker, so the server's accept backlog never overflows. */
const CONNECT_CONCURRENCY = 200;
/** A client without its first snapshot this long after it started connecting counts as failed. */
const OPEN_TIMEOUT_MS = 30_000;

/** Which WebSocket client the generator uses: see ws-raw-client.ts. */
type ClientKind = 'raw' | 'ws';

interface WorkerInput {
  client: ClientKind;
  url: string;
  /** Protocol version to speak: 2 acknowledges frames, 1 (the single-thread server of bench/child.ts) does not. */
  protocolVersion: number;
  /** How often each client acknowledges frames, ms: the server's hello.limits.ackEveryMs. */
  ackEveryMs: number;
  count: number;
  world: number;
  viewport: number;
  seed: number;
}

/** Counts of what the clients received in the measured window (also in the final report). */
export interface FrameCounts {
  frames: number;
  diffs: number;
  snapshots: number;
  bytes: number;
  gaps: number;
  closed: number;
  errors: number;
}

/** What a worker reports for the measured window. */
interface WorkerResult extends FrameCounts {
  histogram: number[];
}

type ToWorker = { cmd: 'start' } | { cmd: 'stop' } | { cmd: 'close' };
type FromWorker = { event: 'ready'; connectMs: number; connected: number; failed: number } | { event: 'result'; result: WorkerResult } | { event: 'closed' };

const prng = mulberry32;

/** Bytes of a binary message the generator reads: the frame header (type, generation, timestamp). */
const HEADER_PREFIX = 20;

/** One load client, whichever library speaks WebSocket for it. */
interface LoadClient {
  sendText(text: string): void;
  terminate(): void;
}

function openClient(kind: ClientKind, url: string, handlers: RawWsHandlers): LoadClient {
  if (kind === 'raw') return new RawWsClient(url, HEADER_PREFIX, handlers);
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('open', () => handlers.open());
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) handlers.binary(data, 0, data.length);
  });
  ws.on('error', (err) => handlers.error(err));
  ws.on('close', () => handlers.close());
  return { sendText: (text) => ws.send(text), terminate: () => ws.terminate() };
}

async function runWorker(input: WorkerInput): Promise<void> {
  const port = parentPort!;
  const random = prng(input.seed);
  const clients: LoadClient[] = [];
  const lastGeneration: number[] = [];
  // Acknowledged as the SDK does (docs/protocol.md, client-sdk/src/acks.ts): at most every
  // input.ackEveryMs per client while frames arrive, and that long after the last one at the
  // latest (the sweep below). Without the trailing ack, a client whose last frame came
  // within that time of its previous ack never acknowledged it, and the server rightly
  // stopped sending it anything once that frame was WS_MAX_LAG_MS old.
  const lastAckAt: number[] = [];
  const readGeneration: number[] = [];
  const ackedGeneration: number[] = [];
  const ack = (i: number, now: number): void => {
    lastAckAt[i] = now;
    ackedGeneration[i] = readGeneration[i]!;
    clients[i]!.sendText(`{"type":"ack","generation":${readGeneration[i]!}}`);
  };
  const ackSweep = setInterval(() => {
    const now = Date.now();
    for (let i = 0; i < clients.length; i++) {
      if (readGeneration[i]! > ackedGeneration[i]! && now - lastAckAt[i]! >= input.ackEveryMs) ack(i, now);
    }
  }, ACK_SWEEP_MS);
  ackSweep.unref();
  let measuring = false;
  const r: WorkerResult = { frames: 0, diffs: 0, snapshots: 0, bytes: 0, gaps: 0, closed: 0, errors: 0, histogram: [] };
  const histogram = new Uint32Array(BUCKETS);
  const started = Date.now();
  let connected = 0;
  let failed = 0;

  const open = (i: number): Promise<void> =>
    new Promise((resolve) => {
      lastGeneration[i] = -1;
      readGeneration[i] = -1;
      ackedGeneration[i] = -1;
      lastAckAt[i] = 0;
      let first = true;
      const timer = setTimeout(() => {
        failed++;
        resolve();
      }, OPEN_TIMEOUT_MS);
      const client = openClient(input.client, input.url, {
        open() {
          client.sendText(`{"type":"hello","protocolVersion":${input.protocolVersion}}`);
          const x = Math.floor(random() * input.world);
          const y = Math.floor(random() * input.world);
          client.sendText(`{"type":"subscribe","x":${x},"y":${y},"w":${input.viewport},"h":${input.viewport}}`);
        },
        binary(bytes, at, length) {
          const now = Date.now();
          const type = bytes[at];
          const generation = bytes.readUInt32LE(at + 4);
          if (input.protocolVersion >= 2) {
            if (generation > readGeneration[i]!) readGeneration[i] = generation;
            if (now - lastAckAt[i]! >= input.ackEveryMs) ack(i, now);
          }
          if (type === 1) {
            lastGeneration[i] = generation;
            if (measuring) r.snapshots++;
            if (first) {
              first = false;
              connected++;
              clearTimeout(timer);
              resolve();
            }
          } else {
            if (lastGeneration[i] !== -1 && generation !== lastGeneration[i]! + 1 && measuring) r.gaps++;
            lastGeneration[i] = generation;
            if (measuring) {
              r.diffs++;
              const latency = Math.max(0, Math.round(now - bytes.readDoubleLE(at + 8)));
              histogram[Math.min(BUCKETS - 1, latency)]!++;
            }
          }
          if (measuring) {
            r.frames++;
            r.bytes += length;
          }
        },
        error() {
          r.errors++;
          clearTimeout(timer);
          resolve();
        },
        close() {
          r.closed++;
          clearTimeout(timer);
          resolve();
        },
      });
      clients[i] = client;
    });

  // Open in waves of CONNECT_CONCURRENCY.
  let next = 0;
  const lanes = Array.from({ length: Math.min(CONNECT_CONCURRENCY, input.count) }, async () => {
    while (next < input.count && Date.now() - started < CONNECT_TIMEOUT_MS) await open(next++);
  });
  // Report at the deadline even if some opens are still pending (they count as failed).
  await Promise.race([Promise.all(lanes), new Promise((r) => setTimeout(r, CONNECT_TIMEOUT_MS).unref())]);
  port.postMessage({ event: 'ready', connectMs: Date.now() - started, connected, failed } satisfies FromWorker);

  port.on('message', (msg: ToWorker) => {
    if (msg.cmd === 'start') {
      measuring = true;
      r.closed = 0;
      r.errors = 0;
    } else if (msg.cmd === 'stop') {
      measuring = false;
      r.histogram = Array.from(histogram);
      port.postMessage({ event: 'result', result: r } satisfies FromWorker);
    } else {
      for (const client of clients) client.terminate();
      port.postMessage({ event: 'closed' } satisfies FromWorker);
    }
  });
}

function emit(event: Record<string, unknown>): void {
  console.log(JSON.stringify(event));
}

async function main(): Promise<void> {
  const [url, clientsArg, workersArg, worldArg, viewportArg, warmupArg, measureArg, protocolArg, ackEveryArg] = process.argv.slice(2);
  const clients = Number(clientsArg);
  const workerCount = Math.max(1, Number(workersArg));
  const warmupMs = Number(warmupArg);
  const measureMs = Number(measureArg);
  // A client that never acknowledges is cut off by the server: no silent default here.
  if (!(Number(ackEveryArg) > 0)) throw new Error('ws-load: give the ack interval (the server\'s hello.limits.ackEveryMs), ms, as the 9th argument');
  if (!(Number(protocolArg) > 0)) throw new Error('ws-load: give the protocol version the clients speak as the 8th argument');
  const workers: Worker[] = [];
  const inbox: FromWorker[][] = [];
  const waiters: Array<() => void> = [];
  const wait = async (event: FromWorker['event'], timeoutMs: number): Promise<FromWorker[]> => {
    const deadline = Date.now() + timeoutMs;
    while (inbox.some((box) => !box.some((m) => m.event === event))) {
      if (Date.now() > deadline) throw new Error(`load: timed out waiting for ${event}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return inbox.map((box) => box.find((m) => m.event === event)!);
  };
  for (let w = 0; w < workerCount; w++) {
    const count = Math.floor(clients / workerCount) + (w < clients % workerCount ? 1 : 0);
    const input: WorkerInput = { client: process.env.BENCH_WS_CLIENT === 'ws' ? 'ws' : 'raw', url: url!, protocolVersion: Number(protocolArg), ackEveryMs: Number(ackEveryArg), count, world: Number(worldArg), viewport: Number(viewportArg), seed: 1000 + w };
    const worker = new Worker(new URL(import.meta.url), { workerData: input });
    inbox.push([]);
    worker.on('message', (m: FromWorker) => {
      inbox[w]!.push(m);
      for (const wake of waiters.splice(0)) wake();
    });
    worker.on('error', (err) => {
      console.error('load worker failed:', err);
      process.exit(1);
    });
    workers.push(worker);
  }
  const ready = await wait('ready', CONNECT_TIMEOUT_MS + 10_000);
  let connected = 0;
  let failed = 0;
  for (const m of ready) {
    if (m.event !== 'ready') continue;
    connected += m.connected;
    failed += m.failed;
  }
  emit({ event: 'ready', connectMs: Math.max(...ready.map((m) => (m.event === 'ready' ? m.connectMs : 0))), connected, failed });
  await new Promise((r) => setTimeout(r, warmupMs));
  emit({ event: 'measuring' });
  const startedAt = performance.now();
  for (const worker of workers) worker.postMessage({ cmd: 'start' } satisfies ToWorker);
  await new Promise((r) => setTimeout(r, measureMs));
  for (const worker of workers) worker.postMessage({ cmd: 'stop' } satisfies ToWorker);
  const results = (await wait('result', 30_000)).map((m) => (m.event === 'result' ? m.result : null)!);
  const seconds = (performance.now() - startedAt) / 1000;
  const histogram = new Array<number>(BUCKETS).fill(0);
  const total = { frames: 0, diffs: 0, snapshots: 0, bytes: 0, gaps: 0, closed: 0, errors: 0 };
  for (const result of results) {
    for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += result[key];
    result.histogram.forEach((n, i) => (histogram[i]! += n));
  }
  const quantile = (q: number): number => {
    const n = histogram.reduce((a, b) => a + b, 0);
    let seen = 0;
    for (let i = 0; i < histogram.length; i++) {
      seen += histogram[i]!;
      if (seen >= q * n && n > 0) return i;
    }
    return NaN;
  };
  for (const worker of workers) worker.postMessage({ cmd: 'close' } satisfies ToWorker);
  await wait('closed', 30_000);
  emit({ event: 'result', seconds, connected, failed, ...total, p50: quantile(0.5), p99: quantile(0.99), max: quantile(1) });
  await Promise.all(workers.map((w) => w.terminate()));
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  void runWorker(workerData as WorkerInput);
}
