/**
 * The bots' output: the live progress line, the final summary table, the JSON result and
 * the threshold verdict that sets the exit code.
 */
import type { BotsOptions } from './args.js';
import type { BotStats, LatencySummary } from './stats.js';

/** The full result of a run (what --json writes). Rates are over `wallS`. */
export interface BotsResult {
  readonly version: 1;
  readonly options: BotsOptions;
  readonly server: { readonly url: string; readonly world: { width: number; height: number; topology: string; rule: string; tickMs: number } };
  readonly startedAt: string;
  /** From the first bot joining to the last one closing, s. */
  readonly wallS: number;
  readonly threads: number;
  readonly bots: { requested: number; joined: number; joinFailed: number; peakConnected: number };
  readonly frames: { diffs: number; snapshots: number; perSecond: number; bytes: number; mbPerSecond: number };
  readonly latencyMs: { tickToClient: LatencySummary; placement: LatencySummary; connect: LatencySummary };
  readonly placements: { sent: number; ok: number; refused: number; refusedByCode: Record<string, number>; perSecond: number };
  readonly resyncs: number;
  readonly disconnects: number;
  readonly reconnects: number;
  readonly rateLimited: number;
  readonly errors: { total: number; rate: number; byCode: Record<string, number> };
  /** CPU of the bots process (all threads) over the run: what the load generator itself cost. */
  readonly cpu: { userS: number; systemS: number; cores: number; coresPer1000Bots: number; peakRssMiB: number };
  readonly thresholds: { maxP99Ms: number | null; maxErrorRate: number | null; failures: string[]; passed: boolean };
}

/** What the run measured besides the stats. */
export interface RunFacts {
  readonly options: BotsOptions;
  readonly world: BotsResult['server']['world'];
  readonly startedAt: Date;
  readonly wallS: number;
  readonly threads: number;
  readonly peakConnected: number;
  readonly cpu: NodeJS.CpuUsage;
  readonly peakRssBytes: number;
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Error rate: errors over the things that could fail (bots joining, placements sent). */
export function errorRate(stats: BotStats, bots: number): number {
  return stats.counters.errors / Math.max(1, bots + stats.counters.placementsSent);
}

/** Assemble the result and judge the thresholds. */
export function buildResult(totals: BotStats, facts: RunFacts): BotsResult {
  const c = totals.counters;
  const o = facts.options;
  const wall = Math.max(facts.wallS, 1e-9);
  const tick = totals.summary('tickLatency');
  const rate = errorRate(totals, o.bots);
  const failures: string[] = [];
  if (o.maxP99Ms !== undefined && tick.p99 > o.maxP99Ms) failures.push(`tick-to-client p99 ${tick.p99} ms > --max-p99-ms ${o.maxP99Ms}`);
  if (o.maxErrorRate !== undefined && rate > o.maxErrorRate) failures.push(`error rate ${round(rate, 4)} > --max-error-rate ${o.maxErrorRate}`);
  const cpuS = (facts.cpu.user + facts.cpu.system) / 1e6;
  return {
    version: 1,
    options: o,
    server: { url: o.url, world: facts.world },
    startedAt: facts.startedAt.toISOString(),
    wallS: round(facts.wallS),
    threads: facts.threads,
    bots: { requested: o.bots, joined: c.joined, joinFailed: c.joinFailed, peakConnected: facts.peakConnected },
    frames: {
      diffs: c.diffs,
      snapshots: c.snapshots,
      perSecond: round((c.diffs + c.snapshots) / wall, 1),
      bytes: c.bytes,
      mbPerSecond: round(c.bytes / 1e6 / wall, 3),
    },
    latencyMs: { tickToClient: tick, placement: totals.summary('placeLatency'), connect: totals.summary('connectTime') },
    placements: {
      sent: c.placementsSent,
      ok: c.placementsOk,
      refused: c.placementsRefused,
      refusedByCode: totals.refusedByCode,
      perSecond: round(c.placementsSent / wall, 1),
    },
    resyncs: c.resyncs,
    disconnects: c.disconnects,
    reconnects: c.reconnects,
    rateLimited: c.rateLimited,
    errors: { total: c.errors, rate: round(rate, 6), byCode: totals.errorsByCode },
    cpu: {
      userS: round(facts.cpu.user / 1e6),
      systemS: round(facts.cpu.system / 1e6),
      cores: round(cpuS / wall, 3),
      coresPer1000Bots: round((cpuS / wall) * (1000 / o.bots), 3),
      peakRssMiB: round(facts.peakRssBytes / 2 ** 20, 1),
    },
    thresholds: {
      maxP99Ms: o.maxP99Ms ?? null,
      maxErrorRate: o.maxErrorRate ?? null,
      failures,
      passed: failures.length === 0,
    },
  };
}

const fmt = (v: number, digits = 0) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The live line: one second's window (rates, latency) and running totals. */
export function progressLine(elapsedS: number, connected: number, bots: number, window: BotStats, totals: BotStats): string {
  const w = window.counters;
  const t = totals.counters;
  const lat = window.summary('tickLatency');
  return [
    `[${fmt(elapsedS)}s]`,
    `connected ${fmt(connected)}/${fmt(bots)}`,
    `frames ${fmt(w.diffs + w.snapshots)}/s`,
    `${fmt(w.bytes / 1e6, 2)} MB/s`,
    `p50 ${fmt(lat.p50, 1)} ms p99 ${fmt(lat.p99, 1)} ms`,
    `placed ${fmt(t.placementsOk)} ok / ${fmt(t.placementsRefused)} refused`,
    `errors ${fmt(t.errors)}`,
  ].join('  ');
}

/** The final table, as aligned plain text. */
export function summaryTable(r: BotsResult): string {
  const l = r.latencyMs;
  const lat = (s: LatencySummary) => `p50 ${fmt(s.p50, 1)}  p90 ${fmt(s.p90, 1)}  p99 ${fmt(s.p99, 1)}  max ${fmt(s.max, 1)} ms  (n=${fmt(s.count)})`;
  const codes = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k.replace(/^LIFE_ERR_/, '')} ${fmt(v)}`)
      .join(', ');
  const rows: Array<[string, string]> = [
    ['server', `${r.server.url}  (${r.server.world.width}x${r.server.world.height} ${r.server.world.topology}, ${r.server.world.rule}, ${r.server.world.tickMs} ms ticks)`],
    ['run', `${fmt(r.wallS, 1)} s, ${r.threads} worker thread${r.threads === 1 ? '' : 's'}, viewport ${r.options.viewport.w}x${r.options.viewport.h}, ${r.options.placeRate}/s/bot`],
    ['bots', `${fmt(r.bots.joined)}/${fmt(r.bots.requested)} joined, ${fmt(r.bots.joinFailed)} failed, peak ${fmt(r.bots.peakConnected)} connected`],
    ['connect', lat(l.connect)],
    ['frames', `${fmt(r.frames.diffs)} diffs + ${fmt(r.frames.snapshots)} snapshots, ${fmt(r.frames.perSecond)}/s`],
    ['bytes', `${fmt(r.frames.bytes / 1e6, 2)} MB, ${fmt(r.frames.mbPerSecond, 3)} MB/s`],
    ['tick→client', lat(l.tickToClient)],
    ['placements', `${fmt(r.placements.sent)} sent, ${fmt(r.placements.ok)} ok, ${fmt(r.placements.refused)} refused${r.placements.refused > 0 ? ` (${codes(r.placements.refusedByCode)})` : ''}`],
    ['place→ack', lat(l.placement)],
    ['resyncs', `${fmt(r.resyncs)}; disconnects ${fmt(r.disconnects)}, reconnects ${fmt(r.reconnects)}, rate-limited joins ${fmt(r.rateLimited)}`],
    ['errors', `${fmt(r.errors.total)} (rate ${fmt(r.errors.rate * 100, 3)}%)${r.errors.total > 0 ? `: ${codes(r.errors.byCode)}` : ''}`],
    ['generator CPU', `${fmt(r.cpu.cores, 2)} cores (${fmt(r.cpu.coresPer1000Bots, 2)} per 1,000 bots), user ${fmt(r.cpu.userS, 1)} s, sys ${fmt(r.cpu.systemS, 1)} s, peak RSS ${fmt(r.cpu.peakRssMiB)} MiB`],
    ['verdict', r.thresholds.passed ? 'PASS' : `FAIL: ${r.thresholds.failures.join('; ')}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
