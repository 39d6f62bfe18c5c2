/**
 * The figures of the live status page (`GET /status.json`, docs/operations.md "The status
 * page"), read from the gateway's own metrics and its link to the sim: no Prometheus needed.
 *
 * Counters and sums are running totals, as in `/metrics`: a reader takes two reports and
 * divides the differences by the time between them (ticks/s, mean tick time, placements/s),
 * so any number of pages can poll without the server keeping a window per reader.
 */
import { performance } from 'node:perf_hooks';
import type { StatusDetails, StatusReport } from '@lifemmo/shared';
import type { GatewayAnnouncement } from '../wire/index.js';
import type { GatewayContext } from './gateway-context.js';

/** The figures anyone may see (shared's StatusReport, the page's type, without `details`). */
export type PublicStatus = Omit<StatusReport, 'details'>;

/** What `total` reads of a prom-client metric (counters, gauges and histograms alike). */
interface ReadableMetric {
  get(): Promise<{
    readonly name: string;
    readonly values: ReadonlyArray<{ readonly value: number; readonly labels: Partial<Record<string, string | number>>; readonly metricName?: string }>;
  }>;
}

/** Sum of the values of `metric` named `name + suffix` whose labels include `match`. */
async function total(metric: ReadableMetric, suffix = '', match: Record<string, string> = {}): Promise<number> {
  const { name, values } = await metric.get();
  let sum = 0;
  for (const v of values) {
    if ((v.metricName ?? name) !== name + suffix) continue;
    if (Object.entries(match).every(([k, want]) => v.labels[k] === want)) sum += v.value;
  }
  return sum;
}

/** What this gateway announces to the others (gateway-roster.ts). */
export async function gatewayAnnouncement(ctx: GatewayContext): Promise<GatewayAnnouncement> {
  const { metrics: m, sim } = ctx;
  return {
    id: ctx.gatewayId,
    role: ctx.config.role === 'standalone' ? 'standalone' : 'gateway',
    clients: await total(m.wsClients),
    placements: { accepted: await total(m.placements, '', { result: 'accepted' }), refused: await total(m.placements, '', { result: 'refused' }) },
    simUp: sim.up,
    generation: sim.generation,
  };
}

/** The public figures, now. */
export async function publicStatus(ctx: GatewayContext): Promise<PublicStatus> {
  const { metrics: m, sim } = ctx;
  const now = Date.now();
  const own = await gatewayAnnouncement(ctx);
  return {
    at: now,
    role: own.role,
    world: { generation: sim.generation, population: sim.population, paused: sim.paused, tickMs: sim.tickMs, lagMs: Math.round(sim.lagMs) },
    ticks: {
      count: await total(m.tickDuration, '_count'),
      durationSeconds: await total(m.tickDuration, '_sum'),
      lagSeconds: await total(m.tickLag, '_sum'),
    },
    clients: own.clients,
    placements: own.placements,
    sim: { up: sim.up, heardMsAgo: sim.lastHeardAt === 0 ? null : Math.max(0, now - sim.lastHeardAt) },
    bus: {
      messages: await total(m.busMessages),
      bytes: await total(m.busBytes),
      summaries: await total(m.busTickDelay, '_count', { stage: 'bus' }),
      simDelaySeconds: await total(m.busTickDelay, '_sum', { stage: 'sim' }),
      busDelaySeconds: await total(m.busTickDelay, '_sum', { stage: 'bus' }),
    },
    gateways: ctx.roster.list(own, now),
  };
}

/** The admin's details: this process and the sim as far as this gateway knows it. */
export function statusDetails(ctx: GatewayContext): StatusDetails {
  const memory = process.memoryUsage();
  const elu = performance.eventLoopUtilization();
  return {
    gateway: {
      id: ctx.gatewayId,
      pid: process.pid,
      uptimeSeconds: process.uptime(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      eventLoopActiveMs: elu.active,
      eventLoopIdleMs: elu.idle,
      replicaChunks: ctx.replica.size,
    },
    sim: { instance: ctx.sim.simInstance, inProcess: ctx.config.role === 'standalone', world: ctx.config.cluster.worldName },
  };
}
