/**
 * The bots' output: the live progress line, the final summary table, the JSON result and
 * the verdict that sets the exit code: FAIL when fewer bots joined than asked (with what
 * to change, by cause) or a threshold was crossed.
 */
import type { BotsOptions } from './args.js';
import { NOT_JOINED, joinCause, type BotStats, type Buckets, type JoinCause, type LatencySummary } from './stats.js';
import type { TimelineData } from './timeline.js';

/** How the bots' players were created. */
export type JoinRoute = 'POST /players' | 'POST /admin/players (admin token)' | 'none (spectators)';

/** The full result of a run (what --json writes). Rates are over `wallS`. */
export interface BotsResult {
  readonly version: 2;
  /** The options, the admin token hidden. */
  readonly options: BotsOptions;
  readonly server: { readonly url: string; readonly world: { width: number; height: number; topology: string; rule: string; tickMs: number } };
  readonly startedAt: string;
  /** From the first bot joining to the last one closing, s. */
  readonly wallS: number;
  readonly threads: number;
  readonly bots: { requested: number; joined: number; joinFailed: number; peakConnected: number };
  /**
   * Joining: how players were created, attempts (player creations and first connects),
   * failed attempts by cause and code (each retried with backoff, each an error), bots that
   * never joined by the cause and code of their last failure, and what to change about it.
   */
  readonly joins: {
    via: JoinRoute;
    attempts: number;
    retries: number;
    failedByCause: Record<JoinCause, number>;
    failedByCode: Record<string, number>;
    notJoinedByCause: Record<JoinCause, number>;
    notJoinedByCode: Record<string, number>;
    advice: string[];
  };
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
  readonly thresholds: { maxP99Ms: number | null; maxErrorRate: number; failures: string[]; passed: boolean };
  /** The run second by second (what --html plots). */
  readonly timeline: TimelineData;
  /** Connect times (from a bot starting to its first connect and subscribe, creating its player included) as counts by range of ms. */
  readonly connectHistogram: Buckets;
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
  readonly timeline: TimelineData;
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Error rate: errors over the things that could fail (join attempts, placements sent; at least one per bot). */
export function errorRate(stats: BotStats, bots: number): number {
  const c = stats.counters;
  return c.errors / Math.max(1, Math.max(bots, c.joinAttempts) + c.placementsSent);
}

/** What to change when bots could not join with `code`, given how they joined. */
function adviceFor(code: string, via: JoinRoute): string {
  switch (code) {
    case 'LIFE_ERR_PLAYER_CREATE_RATE_LIMITED':
      return 'pass --admin-token (players are then created through POST /admin/players, which no per-address limit applies to) or raise PLAYER_CREATE_PER_MINUTE on the server';
    case 'LIFE_ERR_RATE_LIMITED':
      return via === 'POST /players' ? 'pass --admin-token or raise RATE_LIMIT_PER_MINUTE on the server' : 'raise RATE_LIMIT_PER_MINUTE on the server';
    case 'LIFE_ERR_TOO_MANY_PLAYERS':
      return "the world has no free player id: raise MAX_PLAYERS or lower PLAYER_IDLE_MS on the server, or delete players (DELETE /admin/players/:id)";
    case 'LIFE_ERR_WS_TOO_MANY_CONNECTIONS':
      return 'raise WS_MAX_CONNECTIONS on the server';
    case 'LIFE_ERR_SIM_UNAVAILABLE':
      return "the server cannot reach its simulation: check the server's /ready and logs";
    case NOT_JOINED:
      return 'lengthen --duration or shorten --ramp (or the server is too slow to take them)';
  }
  switch (joinCause(code)) {
    case 'timeout':
      return 'the server is overloaded: lower --bots or --place-rate, lengthen --ramp, or run the bots on another machine';
    case 'unreachable':
      return 'check --url and that the server runs; with thousands of bots, also the file descriptor limit (ulimit -n)';
    default:
      return `see the server's logs; docs/api.md lists ${code}`;
  }
}

/** One line per cause of bots not joining, most first: what happened and what to change. */
export function joinAdvice(notJoinedByCode: Record<string, number>, requested: number, via: JoinRoute): string[] {
  return Object.entries(notJoinedByCode)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => {
      const cause = joinCause(code);
      const what =
        cause === 'run ended'
          ? `${fmt(n)} of ${fmt(requested)} bots had not joined when the run ended`
          : cause === 'timeout'
            ? `${fmt(n)} of ${fmt(requested)} joins timed out (${code})`
            : cause === 'unreachable'
              ? `${fmt(n)} of ${fmt(requested)} joins could not reach the server (${code})`
              : `${fmt(n)} of ${fmt(requested)} joins refused with ${code}`;
      return `${cause}: ${what}; ${adviceFor(code, via)}`;
    });
}

/** Assemble the result and judge the thresholds. */
export function buildResult(totals: BotStats, facts: RunFacts): BotsResult {
  const c = totals.counters;
  const o = facts.options;
  const wall = Math.max(facts.wallS, 1e-9);
  const tick = totals.summary('tickLatency');
  const rate = errorRate(totals, o.bots);
  const via: JoinRoute = o.placeRate === 0 ? 'none (spectators)' : o.adminToken !== undefined ? 'POST /admin/players (admin token)' : 'POST /players';
  const advice = joinAdvice(totals.notJoinedByCode, o.bots, via);
  const failures: string[] = [];
  if (c.joined < o.bots) failures.push(`joined ${fmt(c.joined)} of ${fmt(o.bots)} bots`, ...advice);
  if (o.maxP99Ms !== undefined && tick.p99 > o.maxP99Ms) failures.push(`tick-to-client p99 ${tick.p99} ms > --max-p99-ms ${o.maxP99Ms}`);
  if (rate > o.maxErrorRate) failures.push(`error rate ${round(rate, 4)} > --max-error-rate ${o.maxErrorRate}`);
  const cpuS = (facts.cpu.user + facts.cpu.system) / 1e6;
  return {
    version: 2,
    options: { ...o, adminToken: o.adminToken === undefined ? undefined : '(hidden)' },
    server: { url: o.url, world: facts.world },
    startedAt: facts.startedAt.toISOString(),
    wallS: round(facts.wallS),
    threads: facts.threads,
    bots: { requested: o.bots, joined: c.joined, joinFailed: c.joinFailed, peakConnected: facts.peakConnected },
    joins: {
      via,
      attempts: c.joinAttempts,
      retries: c.joinRetries,
      failedByCause: totals.joinFailuresByCause(),
      failedByCode: totals.joinFailuresByCode,
      notJoinedByCause: totals.notJoinedByCause(),
      notJoinedByCode: totals.notJoinedByCode,
      advice,
    },
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
      maxErrorRate: o.maxErrorRate,
      failures,
      passed: failures.length === 0,
    },
    timeline: facts.timeline,
    connectHistogram: totals.buckets('connectTime'),
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

/** The joins row: how, how many attempts, and the failed ones by cause. */
function joinsLine(j: BotsResult['joins']): string {
  const failed = Object.entries(j.failedByCause).filter(([, n]) => n > 0);
  const causes = failed.length === 0 ? 'none failed' : `failed: ${failed.map(([cause, n]) => `${cause} ${fmt(n)}`).join(', ')}`;
  return `players via ${j.via}; ${fmt(j.attempts)} attempts, ${fmt(j.retries)} retried; ${causes}`;
}

/**
 * The summary's rows, [label, text], the verdict last: what the text table prints and the
 * HTML report shows (the reasons of a FAIL are `r.thresholds.failures`).
 */
export function summaryRows(r: BotsResult): Array<[label: string, text: string]> {
  const l = r.latencyMs;
  const lat = (s: LatencySummary) => `p50 ${fmt(s.p50, 1)}  p90 ${fmt(s.p90, 1)}  p99 ${fmt(s.p99, 1)}  max ${fmt(s.max, 1)} ms  (n=${fmt(s.count)})`;
  const codes = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k.replace(/^LIFE_ERR_/, '')} ${fmt(v)}`)
      .join(', ');
  return [
    ['server', `${r.server.url}  (${r.server.world.width}x${r.server.world.height} ${r.server.world.topology}, ${r.server.world.rule}, ${r.server.world.tickMs} ms ticks)`],
    ['run', `${fmt(r.wallS, 1)} s, ${r.threads} worker thread${r.threads === 1 ? '' : 's'}, viewport ${r.options.viewport.w}x${r.options.viewport.h}, ${r.options.placeRate}/s/bot`],
    ['bots', `${fmt(r.bots.joined)}/${fmt(r.bots.requested)} joined, ${fmt(r.bots.joinFailed)} failed, peak ${fmt(r.bots.peakConnected)} connected`],
    ['joins', joinsLine(r.joins)],
    ['connect', lat(l.connect)],
    ['frames', `${fmt(r.frames.diffs)} diffs + ${fmt(r.frames.snapshots)} snapshots, ${fmt(r.frames.perSecond)}/s`],
    ['bytes', `${fmt(r.frames.bytes / 1e6, 2)} MB, ${fmt(r.frames.mbPerSecond, 3)} MB/s`],
    ['tick→client', lat(l.tickToClient)],
    ['placements', `${fmt(r.placements.sent)} sent, ${fmt(r.placements.ok)} ok, ${fmt(r.placements.refused)} refused${r.placements.refused > 0 ? ` (${codes(r.placements.refusedByCode)})` : ''}`],
    ['place→ack', lat(l.placement)],
    ['resyncs', `${fmt(r.resyncs)}; disconnects ${fmt(r.disconnects)}, reconnects ${fmt(r.reconnects)}`],
    ['errors', `${fmt(r.errors.total)} (rate ${fmt(r.errors.rate * 100, 3)}%)${r.errors.total > 0 ? `: ${codes(r.errors.byCode)}` : ''}`],
    ['generator CPU', `${fmt(r.cpu.cores, 2)} cores (${fmt(r.cpu.coresPer1000Bots, 2)} per 1,000 bots), user ${fmt(r.cpu.userS, 1)} s, sys ${fmt(r.cpu.systemS, 1)} s, peak RSS ${fmt(r.cpu.peakRssMiB)} MiB`],
    ['verdict', r.thresholds.passed ? 'PASS' : 'FAIL'],
  ];
}

/** The final table, as aligned plain text. */
export function summaryTable(r: BotsResult): string {
  const rows = summaryRows(r);
  const width = Math.max(...rows.map(([k]) => k.length));
  // One reason per line under the verdict, so each says what to change in full.
  const reasons = r.thresholds.failures.map((f) => `${' '.repeat(width)}  - ${f}`);
  return [...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), ...reasons].join('\n');
}
