/**
 * Bots benchmark: what the load generator itself costs. A real server runs in a child
 * process (default 4096x4096 world, 10 ticks/s, rate and budget limits lifted), and the
 * bots command in another (`lifemmo-bots --json`), for 500 and 1,000 bots. The bots report
 * their own process's CPU (all worker threads, from the moment the workers are up), so the
 * reader knows how much of the machine the generator took, next to what the bots saw:
 * frames/s, MB/s, tick-to-client latency.
 *
 * `runBotsBench()` returns a markdown section; run this file directly to print it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BotsResult } from '../client-sdk/src/bots/report.js';
import { startServerProcess } from './child.js';
import { fmt, median } from './stats.js';
import { runIfMain } from './main-module.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BOTS_BIN = join(ROOT, 'client-sdk/bin/lifemmo-bots.mjs');

interface Scenario {
  readonly bots: number;
  readonly durationS: number;
  /** Placements per second per bot; 0: spectators (pure fan-out, no world growth). */
  readonly placeRate: number;
}

function runBotsProcess(url: string, scenario: Scenario, out: string): Promise<BotsResult> {
  const args = [
    BOTS_BIN,
    '--url', url,
    '--bots', String(scenario.bots),
    '--duration', String(scenario.durationS),
    '--ramp', String(Math.min(5, Math.round(scenario.durationS / 3))),
    '--place-rate', String(scenario.placeRate),
    '--viewport', '256x256',
    '--json', out,
    '--quiet',
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: (scenario.durationS + 60) * 1000 }, (err, _stdout, stderr) => {
      // Exit 1 (a threshold) cannot happen without thresholds; anything else is a failure.
      if (err) return reject(new Error(`bots failed: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(readFileSync(out, 'utf8')) as BotsResult);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

/** Run the scenarios (`runs` times each, medians reported) and return the markdown section. */
export async function runBotsBench(options: { runs: number; quick: boolean }): Promise<string> {
  const scenarios: Scenario[] = options.quick
    ? [{ bots: 500, durationS: 10, placeRate: 1 }, { bots: 1000, durationS: 10, placeRate: 1 }]
    : [
        { bots: 500, durationS: 15, placeRate: 1 },
        { bots: 1000, durationS: 15, placeRate: 1 },
        { bots: 2000, durationS: 15, placeRate: 0 },
      ];
  // Each run takes the machine for its whole duration: cap the repeats.
  const runs = Math.max(1, Math.min(options.runs, options.quick ? 1 : 3));
  const dir = mkdtempSync(join(tmpdir(), 'lifemmo-bench-bots-'));
  // Other work on the machine skews both the generator's CPU share and the latencies: say so.
  const loadBefore = loadavg()[0]!;
  const rows: string[] = [];
  try {
    for (const scenario of scenarios) {
      const results: BotsResult[] = [];
      for (let r = 0; r < runs; r++) {
        // A fresh server per run, so one run's patterns do not load the next.
        const server = await startServerProcess({
          // Nothing on disk: the generator's cost is the question, and runs must not share state.
          STORE: 'memory',
          // Local cell logic keeps the server at 10 ticks/s under this load on a small
          // machine, so the bots receive (and pay for) every frame.
          CELL_LOGIC: 'local',
          RATE_LIMIT_PER_MINUTE: '0',
          PLAYER_CREATE_PER_MINUTE: '0',
          WS_MAX_CONNECTIONS: '100000',
        });
        try {
          const result = await runBotsProcess(server.url, scenario, join(dir, `bots-${scenario.bots}-${r}.json`));
          results.push(result);
          console.log(
            `  ${scenario.bots} bots (${scenario.placeRate}/s) run ${r + 1}: ${fmt(result.cpu.cores, 2)} cores, ${fmt(result.frames.perSecond)} frames/s, p99 ${fmt(result.latencyMs.tickToClient.p99, 1)} ms`,
          );
        } finally {
          await server.stop();
        }
      }
      const m = (f: (r: BotsResult) => number) => median(results.map(f));
      rows.push(
        `| ${fmt(scenario.bots)} | ${scenario.placeRate === 0 ? 'spectators' : `${scenario.placeRate}/s`} | ${scenario.durationS} s | ${results[0]!.threads} | ${fmt(m((r) => r.bots.joined))} | ${fmt(m((r) => r.cpu.cores), 2)} | **${fmt(m((r) => r.cpu.coresPer1000Bots), 2)}** | ${fmt(m((r) => r.cpu.peakRssMiB))} | ${fmt(m((r) => r.frames.perSecond))} | ${fmt(m((r) => r.frames.mbPerSecond), 2)} | ${fmt(m((r) => r.latencyMs.tickToClient.p50), 1)} / ${fmt(m((r) => r.latencyMs.tickToClient.p99), 1)} | ${fmt(m((r) => r.placements.perSecond))} | ${fmt(m((r) => r.latencyMs.placement.p99), 1)} | ${fmt(m((r) => r.errors.total))} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    'The bots command (`npm run bots`) is the load generator of the WebSocket benchmark. Server: the real entry point in a child process, default 4096x4096 torus at 10 ticks/s, but local cell logic (the cost of simulated I/O is the subject of the engine benchmark, and here the server must keep up so the bots get every frame), memory store, rate limits off (RATE_LIMIT_PER_MINUTE and PLAYER_CREATE_PER_MINUTE). Bots: another process, `--viewport 256x256`, placing one small pattern per bot per second (or spectators, which only watch: pure fan-out), header-only frames (the default; `--replica` decodes every frame too), bots joining over the first third of the run (5 s at most), included in it.',
    '',
    '"Generator CPU" is the bots process (all worker threads, user + system) over the run, in cores; **per 1,000 bots** is the figure to subtract when reading server numbers taken with the bots on the same machine. Server and bots share this machine\'s cores, so latencies include CPU contention.',
    '',
    `| bots | placing | run | threads | joined | generator CPU (cores) | cores per 1,000 bots | RSS MiB | frames/s | MB/s | tick→client p50 / p99 ms | placements/s | place→ack p99 ms | errors |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Medians of ${runs} run${runs > 1 ? 's' : ''} per row. One-minute load average before the first run: ${fmt(loadBefore, 2)}.`,
    '',
  ].join('\n');
}

runIfMain(import.meta.url, (runs) => runBotsBench({ runs, quick: process.argv.includes('--quick') }));
