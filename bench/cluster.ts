/**
 * The cluster on this machine: nats-server, one sim and two gateways as processes, the
 * WebSocket benchmark's world and load (bench/ws.ts), the clients split over the two
 * gateways, against standalone with the same total in the same run.
 *
 * Reported: tick-to-client latency p50/p99 per gateway, the two parts of the sim -> NATS ->
 * gateway hop (the sim's, commit to sending; the bus's, sending to the gateway's
 * receiving) from the gateways' metrics, NATS messages and bytes per tick per gateway,
 * and CPU per process. Then a model, from those measured costs, of a 16-gateway cluster.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats } from '../test/support/nats-server.js';
import { startServerProcess, type ServerProcess } from './child.js';
import { median } from './stats.js';
import {
  TICK_MS,
  WORLD,
  admin,
  benchServerEnv,
  bundleLoadGenerator,
  driveLoad,
  f,
  histogramQuantile,
  metric,
  procSample,
  seedBusyWorld,
  type Drive,
} from './ws.js';
import { runIfMain } from './main-module.js';

/** Clients in all, half on each gateway (standalone gets them all). */
const CLIENTS = Number(process.env.BENCH_CLUSTER_CLIENTS ?? '2000');
const GATEWAYS = 2;

interface Deployment {
  /** Gateway (or standalone server) base URLs. */
  readonly urls: string[];
  /** Their process ids, same order; then the sim's and nats-server's when there are. */
  readonly pids: number[];
  readonly simPid: number | null;
  readonly natsPid: number | null;
  stop(): Promise<void>;
}

async function standalone(dataDir: string): Promise<Deployment> {
  const server = await startServerProcess(benchServerEnv(dataDir));
  return { urls: [server.url], pids: [server.child.pid!], simPid: null, natsPid: null, stop: () => server.stop() };
}

async function cluster(dataDir: string): Promise<Deployment> {
  const nats = await startNats();
  const env = { ...benchServerEnv(dataDir), NATS_URL: nats.url };
  const started: ServerProcess[] = [];
  try {
    // The sim prints no listening line of its own; it is ready once a gateway reports it (below).
    const sim = await startServerProcess({ ...env, ROLE: 'sim' }, undefined, /lifemmo sim of world \S+ on \S+; probes on (http:\/\/[\d.]+:\d+)/);
    started.push(sim);
    for (let i = 0; i < GATEWAYS; i++) started.push(await startServerProcess({ ...env, ROLE: 'gateway' }));
    const gateways = started.slice(1);
    for (const g of gateways) {
      const deadline = Date.now() + 30_000;
      while ((await fetch(`${g.url}/ready`)).status !== 200) {
        if (Date.now() > deadline) throw new Error('a gateway never saw the sim');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return {
      urls: gateways.map((g) => g.url),
      pids: gateways.map((g) => g.child.pid!),
      simPid: sim.child.pid!,
      natsPid: nats.pid,
      async stop() {
        for (const s of started.reverse()) await s.stop();
        await nats.stop();
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop();
    await nats.stop();
    throw err;
  }
}

interface Figures {
  readonly perGateway: Array<{ p50: number; p99: number; cpu: number; diffsPerSecond: number }>;
  /** The worst gateway's p99, and the median of their p50s. */
  readonly p50: number;
  readonly p99: number;
  readonly simHopP50: number;
  readonly simHopP99: number;
  readonly busHopP50: number;
  readonly busHopP99: number;
  /** Per gateway and tick: NATS messages and bytes it received from the sim. */
  readonly messagesPerTick: number;
  readonly bytesPerTick: number;
  readonly simCpu: number;
  readonly natsCpu: number;
}

async function runOnce(deploy: (dataDir: string) => Promise<Deployment>, seed: number, loadScript: string): Promise<Figures> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lifemmo-cluster-bench-'));
  const d = await deploy(dataDir);
  let busy: { stop(): void } | undefined;
  try {
    const url = d.urls[0]!;
    busy = await seedBusyWorld(url, seed);
    await new Promise((r) => setTimeout(r, 2000));
    await admin(url, 'pause');

    // Every generator connects its clients while the world is paused; the world resumes once all are in.
    let readyCount = 0;
    let releaseAll: () => void = () => undefined;
    const allReady = new Promise<void>((resolve) => (releaseAll = resolve));
    const before: string[] = [];
    const after: string[] = [];
    const other = { sim: { t0: 0, t1: 0 }, nats: { t0: 0, t1: 0 }, seconds: 0 };
    const per = Math.floor(CLIENTS / d.urls.length);
    const drives: Drive[] = await Promise.all(
      d.urls.map((gatewayUrl, i) =>
        driveLoad(`${gatewayUrl.replace('http', 'ws')}/ws`, d.pids[i]!, per, loadScript, {
          onReady: async () => {
            if (++readyCount === d.urls.length) {
              await admin(url, 'resume');
              releaseAll();
            }
            await allReady;
          },
          onMeasuring: async () => {
            before[i] = await (await fetch(`${gatewayUrl}/metrics`)).text();
            if (i === 0) {
              other.seconds = performance.now();
              if (d.simPid !== null) other.sim.t0 = procSample(d.simPid).cpu;
              if (d.natsPid !== null) other.nats.t0 = procSample(d.natsPid).cpu;
            }
          },
          onMeasured: async () => {
            after[i] = await (await fetch(`${gatewayUrl}/metrics`)).text();
            if (i === 0) {
              other.seconds = (performance.now() - other.seconds) / 1000;
              if (d.simPid !== null) other.sim.t1 = procSample(d.simPid).cpu;
              if (d.natsPid !== null) other.nats.t1 = procSample(d.natsPid).cpu;
            }
          },
        }),
      ),
    );
    const ticks = metric(after[0]!, 'lifemmo_bus_messages_received_total{kind="tick"}') - metric(before[0]!, 'lifemmo_bus_messages_received_total{kind="tick"}');
    const sum = (name: string) => d.urls.reduce((n, _u, i) => n + metric(after[i]!, name) - metric(before[i]!, name), 0);
    const messages = sum('lifemmo_bus_messages_received_total{kind="tick"}') + sum('lifemmo_bus_messages_received_total{kind="diff"}');
    const bytes = sum('lifemmo_bus_bytes_received_total{kind="tick"}') + sum('lifemmo_bus_bytes_received_total{kind="diff"}');
    const hop = (stage: string, q: number) => median(d.urls.map((_u, i) => histogramQuantile(before[i]!, after[i]!, 'lifemmo_bus_tick_delay_seconds', q, stage) * 1000));
    return {
      perGateway: drives.map((dr) => ({ p50: dr.result.p50, p99: dr.result.p99, cpu: dr.cpuPercent, diffsPerSecond: dr.result.diffs / dr.seconds })),
      p50: median(drives.map((dr) => dr.result.p50)),
      p99: Math.max(...drives.map((dr) => dr.result.p99)),
      simHopP50: hop('sim', 0.5),
      simHopP99: hop('sim', 0.99),
      busHopP50: hop('bus', 0.5),
      busHopP99: hop('bus', 0.99),
      messagesPerTick: ticks > 0 ? messages / d.urls.length / ticks : NaN,
      bytesPerTick: ticks > 0 ? bytes / d.urls.length / ticks : NaN,
      simCpu: d.simPid === null ? NaN : ((other.sim.t1 - other.sim.t0) / other.seconds) * 100,
      natsCpu: d.natsPid === null ? NaN : ((other.nats.t1 - other.nats.t0) / other.seconds) * 100,
    };
  } finally {
    busy?.stop();
    await d.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Run the cluster benchmark and return its markdown section. */
export async function runClusterBench(options: { runs?: number } = {}): Promise<string> {
  const runs = Math.max(1, options.runs ?? 3);
  const loadScript = await bundleLoadGenerator();
  const ours: Figures[] = [];
  const alone: Figures[] = [];
  for (let run = 0; run < runs; run++) {
    const c = await runOnce(cluster, 7 + run, loadScript);
    console.log(`  cluster, run ${run + 1}: p50 ${c.p50} ms, p99 ${c.p99} ms, hop sim ${f(c.simHopP50, 1)}/${f(c.simHopP99, 1)} bus ${f(c.busHopP50, 1)}/${f(c.busHopP99, 1)} ms, ${f(c.messagesPerTick, 1)} msgs and ${f(c.bytesPerTick)} B per tick per gateway`);
    ours.push(c);
    const a = await runOnce(standalone, 7 + run, loadScript);
    console.log(`  standalone, run ${run + 1}: p50 ${a.p50} ms, p99 ${a.p99} ms`);
    alone.push(a);
  }
  const m = (list: Figures[], pick: (x: Figures) => number) => median(list.map(pick));
  const gatewayCpu = m(ours, (x) => median(x.perGateway.map((g) => g.cpu)));
  const perClientCpu = gatewayCpu / (CLIENTS / GATEWAYS);
  const bytesPerTick = m(ours, (x) => x.bytesPerTick);
  const messagesPerTick = m(ours, (x) => x.messagesPerTick);
  const ticksPerSecond = 1000 / TICK_MS;
  // A gateway core is "full" at 70% busy: the rest is headroom for GC and bursts.
  const clientsPerCore = perClientCpu > 0 ? 70 / perClientCpu : NaN;
  const model = [1, 2, 4, 16].map((n) => {
    const clients = clientsPerCore * n;
    const egress = (bytesPerTick * n * ticksPerSecond) / 2 ** 20;
    return `| ${n} | ${f(clients)} | ${f(messagesPerTick * n * ticksPerSecond)} | ${f(egress, 1)} | ${f(messagesPerTick * ticksPerSecond)} |`;
  });
  return [
    `nats-server (Debian's), one sim and ${GATEWAYS} gateways, each \`server/src/main.ts\` in its own process with ROLE set, all on this ` +
      `machine's 2 cores with the load generators; the WebSocket benchmark's world (${WORLD}x${WORLD}, 20% soup, re-seeded, ` +
      `${TICK_MS} ms ticks, CELL_LOGIC=local) and load, ${CLIENTS} clients in all: ${CLIENTS / GATEWAYS} on each gateway, each gateway with a load ` +
      `generator of its own. Standalone gets all ${CLIENTS} from one generator, in the same run, runs alternating; medians of ${runs}.`,
    '',
    '| deployment | latency p50 (ms) | p99 (ms), worst gateway | per gateway p50 / p99 (ms) | gateway CPU | sim CPU | nats-server CPU | sim: commit → sent p50 / p99 (ms) | bus: sent → gateway p50 / p99 (ms) | NATS messages per tick per gateway | NATS bytes per tick per gateway |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| cluster (${GATEWAYS} gateways) | ${f(m(ours, (x) => x.p50))} | ${f(m(ours, (x) => x.p99))} | ${ours[0]!.perGateway.map((g) => `${g.p50} / ${g.p99}`).join(', ')} (run 1) | ${f(gatewayCpu)}% each | ${f(m(ours, (x) => x.simCpu))}% | ${f(m(ours, (x) => x.natsCpu))}% | ${f(m(ours, (x) => x.simHopP50), 1)} / ${f(m(ours, (x) => x.simHopP99), 1)} | ${f(m(ours, (x) => x.busHopP50), 1)} / ${f(m(ours, (x) => x.busHopP99), 1)} | ${f(messagesPerTick, 1)} | ${f(bytesPerTick)} |`,
    `| standalone | ${f(m(alone, (x) => x.p50))} | ${f(m(alone, (x) => x.p99))} | | ${f(m(alone, (x) => median(x.perGateway.map((g) => g.cpu))))}% (both threads) | | | ${f(m(alone, (x) => x.simHopP50), 1)} / ${f(m(alone, (x) => x.simHopP99), 1)} | ${f(m(alone, (x) => x.busHopP50), 1)} / ${f(m(alone, (x) => x.busHopP99), 1)} (in-process) | ${f(m(alone, (x) => x.messagesPerTick), 1)} | ${f(m(alone, (x) => x.bytesPerTick))} |`,
    '',
    `The extra latency of the sim → NATS → gateway hop is the "bus" column against standalone's in-process one; the "sim" column ` +
      `(listing and encoding a generation's watched records) is paid once per generation whatever the number of gateways. Histogram ` +
      `figures are bucket bounds (0.5, 1, 2, 5, 10, 25 ms ...).`,
    '',
    '**A model, not a measurement:** a 16-gateway cluster projected from the costs measured above, assuming each gateway watches ' +
      'the whole world (the worst case for the bus: a gateway receives only the shards its clients watch) and a gateway core is full at 70% busy. ' +
      `Measured inputs: ${f(perClientCpu, 4)}% of a core per client at ${TICK_MS} ms ticks, ${f(messagesPerTick, 1)} messages and ${f(bytesPerTick)} bytes per tick per gateway. ` +
      'The sim publishes each message once; nats-server fans it out to every gateway, so only NATS egress grows with gateways.',
    '',
    '| gateways (one core each) | clients they hold | NATS messages/s out | NATS egress (MB/s) | sim publishes/s |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...model,
    '',
  ].join('\n');
}

runIfMain(import.meta.url, (runs) => runClusterBench({ runs }));
