/**
 * Slow client (issue 16): a client stops reading for a while in a busy world, then reads
 * again. What does it read, how old is it, and what did its stall cost the server?
 *
 * Server: the WebSocket benchmark's (bench/ws.ts: 1024x1024 busy soup, re-seeded, local
 * cell logic) with the default slow-client settings (WS_MAX_LAG_MS 1000, heartbeat 15 s).
 * Two clients watch the same 512x512 viewport (the largest allowed) and stall together by
 * pausing their sockets, so the kernel's buffers fill as with a client that stops reading:
 *
 * - a raw client (bench/ws-raw-client.ts) speaking protocol 2: it acknowledges the newest
 *   generation it read every `ackEveryMs` and records every frame's header with the time it
 *   read it. It shows what is on the wire: the frames in flight when it stalled (the
 *   backlog), the snapshot that ends the catch-up, the diffs after it. Its socket's kernel
 *   queues are the bytes the stall holds (/proc/net/tcp).
 * - the SDK's LifeClient (a `ws` socket paused the way test/ws/stale-client.test.ts does):
 *   what an application sees, since the SDK drops diffs older than the bound.
 *
 * The age of a diff is when it was read minus the frame's server timestamp (when its
 * generation was committed); server and clients share this machine's clock.
 *
 * Server CPU (both its threads, from /proc) is taken over the stall and over two windows of
 * the same length with the clients reading, one before it and one after the catch-up; their
 * mean cancels a steady drift of the world's own cost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { LifeClient, type LifeClientOptions } from '@lifemmo/client';
import { FRAME_HEADER_BYTES, FrameTypes, PROTOCOL_VERSION, SnapshotReasons, readFrameHeader } from '@lifemmo/shared';
import { startServerProcess } from './child.js';
import { fmt, median } from './stats.js';
import { tcpQueues } from './tcp-queues.js';
import { RawWsClient } from './ws-raw-client.js';
import { benchServerEnv, metric, procSample, seedBusyWorld } from './ws.js';
import { runIfMain } from './main-module.js';

/** Stall lengths, s; SLOW_CLIENT_STALLS (comma-separated) overrides them for a short smoke run. */
const STALLS_S = (process.env.SLOW_CLIENT_STALLS ?? '10,30').split(',').map(Number);
/** The viewport: the largest the default WS_MAX_VIEWPORT_AREA allows, so the most bytes per frame. */
const VIEW = 512;
/** Diffs both clients read before the first window, so the world and the sockets are warm. */
const WARM_DIFFS = 20;
/** Diffs after the catch-up snapshot whose age is checked. */
const FRESH_DIFFS = 20;
/** Kernel queues are sampled this often during the stall, ms. */
const SAMPLE_MS = 250;
/** Longest wait for anything the benchmark waits for (warm-up, catch-up), ms. */
const WAIT_MS = 60_000;

/** One frame as the raw client read it. */
interface ReadFrame {
  readonly type: number;
  readonly reason: number;
  readonly generation: number;
  /** Server timestamp of the frame, ms since the epoch. */
  readonly timestamp: number;
  /** Date.now() when it was read. */
  readonly readAt: number;
  readonly bytes: number;
}

/** What one stall measured. Times in ms, bytes in bytes, CPU in % of one core. */
interface Figures {
  readonly maxLagMs: number;
  /** Diffs (and their bytes) read after resuming that were sent before the server stopped: the backlog. */
  readonly backlogDiffs: number;
  readonly backlogBytes: number;
  /** From the stall to the newest backlog diff's generation: how long the server went on sending. */
  readonly sentForMs: number;
  /** Age of the oldest diff the raw client read after resuming (on the wire). */
  readonly oldestWireAgeMs: number;
  /** From resuming to the catch-up snapshot (reason 2); NaN if none came. */
  readonly snapshotAfterMs: number;
  /** The close code read instead of a snapshot, or 0. */
  readonly closeCode: number;
  /** Oldest of the FRESH_DIFFS diffs after the snapshot (or after reconnecting). */
  readonly freshMaxAgeMs: number;
  /** Oldest diff the SDK client applied after resuming, and its stale-diff resyncs. */
  readonly sdkOldestAppliedMs: number;
  readonly sdkStaleResyncs: number;
  readonly sdkDisconnects: number;
  /** Peak kernel bytes of the raw client's connection: the server's send queue, the client's receive queue. */
  readonly serverSendQueuePeak: number;
  readonly clientReceiveQueuePeak: number;
  readonly cpuReadingPercent: number;
  readonly cpuStalledPercent: number;
  /** lifemmo_ws_slow_client_resyncs_total and _drops_total over the run. */
  readonly resyncs: number;
  readonly drops: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait for `test` (checked every 20 ms), at most WAIT_MS; throws naming `what`. */
async function until(test: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`slow-client bench: timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Server CPU seconds over `ms` of wall time, as % of one core. */
async function cpuOver(pid: number, ms: number): Promise<number> {
  const t0 = performance.now();
  const c0 = procSample(pid).cpu;
  await sleep(ms);
  return ((procSample(pid).cpu - c0) / ((performance.now() - t0) / 1000)) * 100;
}

/** The raw client: records frame headers, acknowledges like the SDK, can stall. */
function openRawClient(wsUrl: string, ackEveryMs: number) {
  const frames: ReadFrame[] = [];
  let closeCode = 0;
  let open = false;
  let acked = -1;
  const client = new RawWsClient(wsUrl, FRAME_HEADER_BYTES, {
    open() {
      open = true;
      client.sendText(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION }));
      client.sendText(JSON.stringify({ type: 'subscribe', x: 0, y: 0, w: VIEW, h: VIEW }));
    },
    binary(bytes, at, length) {
      const h = readFrameHeader(bytes.subarray(at, at + FRAME_HEADER_BYTES));
      frames.push({ type: h.type, reason: h.reason, generation: h.generation, timestamp: h.timestamp, readAt: Date.now(), bytes: length });
    },
    close(code) {
      closeCode = code ?? 1006;
    },
    error(err) {
      // The run waits for a snapshot or a close; a failed socket is neither, so say why.
      console.error(`slow-client bench: raw client: ${err.message}`);
      closeCode = 1006;
    },
  });
  // At most every ackEveryMs, and only for a generation newer than the last one acknowledged:
  // a stalled client reads nothing new, so it acknowledges nothing new.
  const acks = setInterval(() => {
    const newest = frames.at(-1)?.generation ?? -1;
    if (open && closeCode === 0 && newest > acked) {
      acked = newest;
      client.sendText(JSON.stringify({ type: 'ack', generation: newest }));
    }
  }, ackEveryMs);
  return {
    client,
    frames,
    closeCode: () => closeCode,
    close() {
      clearInterval(acks);
      client.terminate();
    },
  };
}

/** The SDK client, on a `ws` socket the benchmark can pause; records what the application sees. */
async function openSdkClient(url: string) {
  const sockets: WebSocket[] = [];
  class Stallable extends WebSocket {
    constructor(address: string) {
      super(address);
      sockets.push(this);
    }
  }
  // ws's handler properties are typed with its own Event classes, the SDK's with `unknown`.
  const sdk = new LifeClient({ url, WebSocket: Stallable as unknown as NonNullable<LifeClientOptions['WebSocket']> });
  const diffs: Array<{ at: number; latencyMs: number }> = [];
  let staleResyncs = 0;
  let disconnects = 0;
  sdk.on('diff', (e) => diffs.push({ at: Date.now(), latencyMs: e.latencyMs }));
  sdk.on('resync', (e) => e.reason === 'stale' && staleResyncs++);
  sdk.on('disconnect', () => disconnects++);
  // Errors not tied to a call (a close while stalled) must not end the run; disconnects are counted.
  sdk.on('error', () => undefined);
  const hello = await sdk.connect();
  await sdk.subscribe({ x: 0, y: 0, w: VIEW, h: VIEW });
  // `_socket` is ws's own field: the only way to make a real `ws` client stop reading without closing.
  const socket = () => (sockets.at(-1) as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return {
    sdk,
    hello,
    diffs,
    staleResyncs: () => staleResyncs,
    disconnects: () => disconnects,
    pause: () => socket().pause(),
    resume: () => socket().resume(),
  };
}

/** One stall of `stallS` seconds on a fresh server. */
async function runOnce(stallS: number, seed: number): Promise<Figures> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lifemmo-slow-client-bench-'));
  const server = await startServerProcess(benchServerEnv(dataDir));
  const url = server.url;
  const serverPort = Number(new URL(url).port);
  const pid = server.child.pid!;
  let busy: { stop(): void } | undefined;
  let raw: ReturnType<typeof openRawClient> | undefined;
  let sdkClient: Awaited<ReturnType<typeof openSdkClient>> | undefined;
  try {
    busy = await seedBusyWorld(url, seed);
    const metricsBefore = await (await fetch(`${url}/metrics`)).text();
    sdkClient = await openSdkClient(url);
    const { maxLagMs, ackEveryMs } = sdkClient.hello.limits;
    raw = openRawClient(`${url.replace('http', 'ws')}/ws`, ackEveryMs);
    const r = raw;
    const s = sdkClient;
    await until(() => r.frames.filter((f) => f.type === FrameTypes.DIFF).length >= WARM_DIFFS && s.diffs.length >= WARM_DIFFS, 'diffs before the stall');

    const cpuBefore = await cpuOver(pid, stallS * 1000);

    // The stall.
    const clientPort = r.client.localPort!;
    let serverSendQueuePeak = 0;
    let clientReceiveQueuePeak = 0;
    const sample = () => {
      serverSendQueuePeak = Math.max(serverSendQueuePeak, tcpQueues(serverPort, clientPort)?.sendQueue ?? 0);
      clientReceiveQueuePeak = Math.max(clientReceiveQueuePeak, tcpQueues(clientPort, serverPort)?.receiveQueue ?? 0);
    };
    const stalledAt = Date.now();
    r.client.pauseReading();
    s.pause();
    const sampler = setInterval(sample, SAMPLE_MS);
    const cpuStalled = await cpuOver(pid, stallS * 1000);
    clearInterval(sampler);
    sample();
    const resumedAt = Date.now();
    const readBefore = r.frames.length;
    const sdkBefore = s.diffs.length;
    r.client.resumeReading();
    s.resume();

    // Catch-up: the raw client reads the backlog, then a snapshot (reason 2) and fresh
    // diffs, or a close code; the SDK client applies diffs again.
    const after = () => r.frames.slice(readBefore);
    const snapshotIndex = () => after().findIndex((f) => f.type === FrameTypes.SNAPSHOT && f.reason === SnapshotReasons.BACKPRESSURE);
    await until(() => r.closeCode() !== 0 || (snapshotIndex() >= 0 && after().length > snapshotIndex() + FRESH_DIFFS), 'the raw client to catch up');
    await until(() => s.diffs.length > sdkBefore + FRESH_DIFFS, 'the SDK client to apply diffs again');
    const cpuAfter = await cpuOver(pid, stallS * 1000);
    const metricsAfter = await (await fetch(`${url}/metrics`)).text();

    const read = after();
    const snapshotAt = snapshotIndex();
    const backlog = read.slice(0, snapshotAt >= 0 ? snapshotAt : read.length).filter((f) => f.type === FrameTypes.DIFF && f.timestamp < resumedAt);
    const ages = (list: readonly ReadFrame[]) => list.filter((f) => f.type === FrameTypes.DIFF).map((f) => f.readAt - f.timestamp);
    const fresh = snapshotAt >= 0 ? read.slice(snapshotAt + 1, snapshotAt + 1 + FRESH_DIFFS) : [];
    return {
      maxLagMs,
      backlogDiffs: backlog.length,
      backlogBytes: backlog.reduce((sum, f) => sum + f.bytes, 0),
      sentForMs: backlog.length > 0 ? Math.max(...backlog.map((f) => f.timestamp)) - stalledAt : 0,
      oldestWireAgeMs: Math.max(0, ...ages(read)),
      snapshotAfterMs: snapshotAt >= 0 ? read[snapshotAt]!.readAt - resumedAt : NaN,
      closeCode: r.closeCode(),
      freshMaxAgeMs: fresh.length > 0 ? Math.max(...ages(fresh)) : NaN,
      sdkOldestAppliedMs: Math.max(0, ...s.diffs.slice(sdkBefore).map((d) => d.latencyMs)),
      sdkStaleResyncs: s.staleResyncs(),
      sdkDisconnects: s.disconnects(),
      serverSendQueuePeak,
      clientReceiveQueuePeak,
      cpuReadingPercent: (cpuBefore + cpuAfter) / 2,
      cpuStalledPercent: cpuStalled,
      resyncs: metric(metricsAfter, 'lifemmo_ws_slow_client_resyncs_total') - metric(metricsBefore, 'lifemmo_ws_slow_client_resyncs_total'),
      drops: metric(metricsAfter, 'lifemmo_ws_slow_client_drops_total') - metric(metricsBefore, 'lifemmo_ws_slow_client_drops_total'),
    };
  } finally {
    raw?.close();
    await sdkClient?.sdk.close();
    busy?.stop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => fmt(bytes / 1024);
const ms = (v: number) => (Number.isFinite(v) ? fmt(v) : 'none');

/** Run each stall `runs` times and return the markdown section. */
export async function runSlowClientBench(options: { runs?: number } = {}): Promise<string> {
  const runs = Math.max(1, options.runs ?? 3);
  const rows: string[] = [];
  const verdicts: string[] = [];
  // The server's bound, from its hello (the same in every run).
  let bound = NaN;
  for (const stallS of STALLS_S) {
    const list: Figures[] = [];
    for (let run = 0; run < runs; run++) {
      list.push(await runOnce(stallS, 21 + run));
      console.log(`  stall ${stallS} s, run ${run + 1}: ${JSON.stringify(list.at(-1))}`);
    }
    // Medians of the runs that have the figure (a run closed with 4005 has no snapshot).
    const m = (pick: (x: Figures) => number) => {
      const values = list.map(pick).filter(Number.isFinite);
      return values.length > 0 ? median(values) : NaN;
    };
    const worst = (pick: (x: Figures) => number) => Math.max(...list.map(pick));
    bound = list[0]!.maxLagMs;
    const closes = [...new Set(list.map((x) => x.closeCode).filter((c) => c !== 0))];
    const catchUp = closes.length === 0 ? `snapshot after ${ms(m((x) => x.snapshotAfterMs))} ms` : `closed ${closes.join(', ')} in ${list.filter((x) => x.closeCode !== 0).length} of ${runs}`;
    rows.push(
      `| ${stallS} s | ${fmt(m((x) => x.backlogDiffs))} / ${kb(m((x) => x.backlogBytes))} KB | ${ms(m((x) => x.sentForMs))} | ${ms(m((x) => x.oldestWireAgeMs))} | ${catchUp} | ${ms(m((x) => x.freshMaxAgeMs))} | **${ms(m((x) => x.sdkOldestAppliedMs))}** (${fmt(m((x) => x.sdkStaleResyncs))} stale, ${fmt(m((x) => x.sdkDisconnects))} disconnects) | ${kb(m((x) => x.serverSendQueuePeak))} / ${kb(m((x) => x.clientReceiveQueuePeak))} | ${fmt(m((x) => x.cpuReadingPercent))} / ${fmt(m((x) => x.cpuStalledPercent))} | ${fmt(m((x) => x.resyncs))} / ${fmt(m((x) => x.drops))} |`,
    );
    const applied = worst((x) => x.sdkOldestAppliedMs);
    const wire = worst((x) => x.oldestWireAgeMs);
    const freshRuns = list.filter((x) => Number.isFinite(x.freshMaxAgeMs));
    const fresh = freshRuns.length > 0 ? Math.max(...freshRuns.map((x) => x.freshMaxAgeMs)) : NaN;
    const freshVerdict = !Number.isFinite(fresh)
      ? `no snapshot in any run (${catchUp})`
      : `${fresh <= bound ? `met (worst ${ms(fresh)} ms` : `**missed** by ${ms(fresh - bound)} ms (worst ${ms(fresh)} ms`} over the ${freshRuns.length} run(s) with a snapshot)`;
    verdicts.push(
      `- ${stallS} s stall: oldest diff the SDK applied <= ${bound} ms: ${applied <= bound ? `met (worst ${ms(applied)} ms over ${runs} runs)` : `**missed** by ${ms(applied - bound)} ms (worst ${ms(applied)} ms)`}; ` +
        `diffs after the catch-up snapshot: ${freshVerdict}; ` +
        `on the wire the oldest diff read was ${ms(wire)} ms old (worst run): ${wire <= bound ? 'within the bound' : `over the bound by ${ms(wire - bound)} ms, the frames already in flight when the client stalled (see below)`}.`,
    );
  }
  return [
    `A client stops reading (its socket paused, so the kernel's buffers fill) for each stall length, in the WebSocket benchmark's busy world ` +
      `(1024x1024, 20% soup re-seeded every 2 s, local cell logic, 10 ticks/s), with the default slow-client settings (WS_MAX_LAG_MS 1000, ` +
      `WS_HEARTBEAT_MS 15000, watermark 256 KB), then reads again. Two clients on the same ${VIEW}x${VIEW} viewport stall together: a raw protocol 2 ` +
      `client (bench/ws-raw-client.ts, acknowledging what it read every \`limits.ackEveryMs\` of its hello) shows the wire, and the SDK's LifeClient shows what an application gets. ` +
      `Age of a diff: when it was read minus its frame's server timestamp (same clock). Fresh server per run, medians of ${runs}.`,
    '',
    '| stall | backlog read after resuming: diffs / KB | server went on sending for (ms) | oldest diff on the wire (ms) | catch-up | oldest diff after the snapshot (ms) | **oldest diff the SDK applied (ms)** | kernel bytes held, server send / client receive queue (KB, peak) | server CPU, reading / stalled (% of a core) | slow-client resyncs / drops |',
    '| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Target (issue 16): a stalled-then-resumed client reads no diff older than the bound (WS_MAX_LAG_MS, ${ms(bound)} ms).`,
    ...verdicts,
    '',
    'The backlog is what was already in flight when the client stopped reading: the server stops sending diffs once a frame the client has not ' +
      'acknowledged is WS_MAX_LAG_MS old, so it holds about that long of frames (plus an acknowledgement interval and a tick), whatever the stall. ' +
      'Those frames were fresh when sent and are as old as the stall when read: a client must drop them (docs/protocol.md, "Slow clients"), ' +
      "and the SDK does, which is why the figure an application sees is the SDK's. What the stall costs the server: those bytes in the " +
      "kernel (the server's socket send queue; the client's receive queue is on the client's machine in real life), and the CPU columns: " +
      'the stall against the mean of the same length of time before it and after the catch-up, the clients reading. Bytes queued in the server ' +
      'process itself (`bufferedAmount`) are not exported and not shown; the lag bound stops the diffs long before the watermark. ' +
      'A client stalled past the heartbeat (15 s) is closed with 4005 (docs/protocol.md), which it reads after the backlog: the catch-up column says which happened.',
    '',
  ].join('\n');
}

runIfMain(import.meta.url, (runs) => runSlowClientBench({ runs }));
