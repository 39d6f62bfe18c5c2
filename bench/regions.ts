/**
 * Regions section of `npm run bench` (issue 15): the same world stepped whole on one
 * worker thread (the floor) and split in two regions, each on its own worker thread with
 * halos over a LocalBus pair; ticks per second, the ratio, the halo wait per region and
 * the halo traffic per generation. Every run is a fresh process (bench/regions-scenario.ts),
 * runs alternate, tables show medians; both must end with the same world or the section fails.
 *
 * Knobs: BENCH_REGIONS_SIDE (world side, cells; default 2048, of the order of 1M candidates per
 * generation; 1024 with --quick) and BENCH_REGIONS_GENERATIONS (measured generations per
 * run; default 20, 8 with --quick). Smoke: BENCH_REGIONS_SIDE=1024 BENCH_REGIONS_GENERATIONS=4.
 */
import { runTsScenario, SERVER_NODE_FLAGS } from './child.js';
import { runIfMain } from './main-module.js';
import type { RegionsRun } from './regions-scenario.js';
import { fmt, median, percentile } from './stats.js';

const SCENARIO = 'bench/regions-scenario.ts';
/** Generations stepped before timing (JIT, heap growth). */
const WARMUP = 3;
/** The issue's target for 2 regions on 2 threads against 1. */
const TARGET_RATIO = 1.7;

/** Options of the regions section. */
export interface RegionsBenchOptions {
  readonly runs: number;
  readonly quick: boolean;
}

/** Run the regions benchmark and return its markdown section. */
export async function runRegionsBench({ runs, quick }: RegionsBenchOptions): Promise<string> {
  const side = Number(process.env.BENCH_REGIONS_SIDE ?? (quick ? 1024 : 2048));
  const generations = Number(process.env.BENCH_REGIONS_GENERATIONS ?? (quick ? 8 : 20));
  const log = (s: string) => console.log(`[regions] ${s}`);
  const byCount = new Map<number, RegionsRun[]>([
    [1, []],
    [2, []],
  ]);
  for (let run = 0; run < runs; run++) {
    for (const regions of [1, 2] as const) {
      const r = await runTsScenario<RegionsRun>(SCENARIO, [String(regions), String(side), String(WARMUP), String(generations)], SERVER_NODE_FLAGS);
      log(`run ${run + 1}, ${regions} region(s): ${fmt(r.ticksPerSecond, 2)} ticks/s, world ${r.hash} at generation ${r.generation}`);
      byCount.get(regions)!.push(r);
    }
  }
  const all = [...byCount.values()].flat();
  // The benchmark must not time a wrong world: every run ends with the same cells and owners.
  const hashes = new Set(all.map((r) => `${r.hash}@${r.generation}`));
  if (hashes.size !== 1) throw new Error(`the runs computed different worlds: ${[...hashes].join(', ')}`);
  const candidates = (r: RegionsRun) => r.perRegion.reduce((n, p) => n + p.ticks.reduce((m, t) => m + t.candidates, 0), 0);
  const candidateTotals = new Set(all.map(candidates));
  if (candidateTotals.size !== 1) throw new Error(`the runs decided different candidates: ${[...candidateTotals].join(', ')}`);

  const rows: string[] = [];
  const tps = new Map<number, number>();
  for (const [regions, list] of byCount) {
    const ticksPerSecond = median(list.map((r) => r.ticksPerSecond));
    tps.set(regions, ticksPerSecond);
    const perRegion = list[0]!.perRegion.map((_p, id) => {
      const ticks = list.flatMap((r) => r.perRegion[id]!.ticks);
      const waits = ticks.map((t) => t.borderWaitMs);
      const halos = list.map((r) => r.perRegion[id]!.halos);
      return {
        candidates: ticks.reduce((n, t) => n + t.candidates, 0) / ticks.length,
        tickP50: percentile(ticks.map((t) => t.durationMs), 50),
        wait: regions === 1 ? '0 (no border)' : `${fmt(percentile(waits, 50), 1)} / ${fmt(percentile(waits, 99), 1)}`,
        messages: regions === 1 ? '0' : fmt(median(halos.map((h) => h.sentMessages / generations)), 2),
        bytes: regions === 1 ? '0' : fmt(median(halos.map((h) => h.sentBytes / generations))),
      };
    });
    const each = (pick: (p: (typeof perRegion)[number]) => string) => perRegion.map(pick).join(', ');
    rows.push(
      `| ${regions === 1 ? '1 (floor: a whole-world Engine)' : `${regions} (REGIONS=${regions})`} | ${regions} | ${fmt(ticksPerSecond, 2)} | ${fmt(1000 / ticksPerSecond)} | ${fmt(candidates(list[0]!) / generations)} | ${each((p) => fmt(p.candidates))} | ${each((p) => fmt(p.tickP50))} | ${each((p) => p.wait)} | ${each((p) => p.messages)} | ${each((p) => p.bytes)} |`,
    );
  }
  const ratio = tps.get(2)! / tps.get(1)!;
  const verdict =
    ratio >= TARGET_RATIO ? `**met** (${fmt(ratio, 2)}x)` : `**missed** (${fmt(ratio, 2)}x, ${fmt(TARGET_RATIO - ratio, 2)} short of ${TARGET_RATIO}x)`;
  const first = all[0]!;
  return [
    `The same world stepped whole and split in two: a ${side}x${side} torus with one 30% soup over all of it (seed 2026, decaying as soups do: ` +
      `the candidates per generation below are the measured mean), simulated cell I/O of 1 ms per candidate (fixed latency, no loss), ` +
      `the server's V8 flags (\`${SERVER_NODE_FLAGS.join(' ')}\`, which worker threads share). **1 region, the floor:** a whole-world \`Engine\` on one worker thread. ` +
      `**2 regions:** \`REGIONS=2\` (two ${side / 2}x${side} halves), a \`RegionEngine\` per worker thread, halos over a LocalBus pair (one MessageChannel between the ` +
      `two threads, \`linkOverBus\`), lock-step as in [regions](regions.md); the main thread only starts and times them. Each run is a fresh process: seed, ` +
      `${WARMUP} warm-up generations, then ${generations} generations timed from "go" to the last thread's "done"; runs alternate 1 and 2 regions; medians of ${runs}. ` +
      `Every run ended with the same world (an order-free hash of every live cell and owner, the regions' parts combined: \`${first.hash}\` at generation ${first.generation}) ` +
      'and the same candidates, or the section would have failed.',
    '',
    '| regions | worker threads | ticks/s | ms / generation | candidates / generation | per region: candidates / generation | per region: tick ms p50 | per region: halo wait p50 / p99 (ms) | per region: halos sent / generation | per region: halo bytes sent / generation |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `- 2 regions / 1 region: **${fmt(ratio, 2)}x** the ticks/s. Target (issue 15) >= ${TARGET_RATIO}x: ${verdict}. This machine has 2 cores, shared with ` +
      'other work: the two region threads have a core each only when nothing else runs; and the floor\'s one thread does not leave the other core idle either, since V8 collects garbage on helper threads as well.',
    '- Halo wait: the part of a region\'s tick spent in step 0 waiting for its neighbour\'s halo of the same generation (`borderWaitMs`, `lifemmo_halo_wait_seconds`); ' +
      'with lock-step, a region that steps its generation faster waits for the slower one, so the wait is mostly the difference between the two halves\' tick times. ' +
      'Percentiles over every measured tick of every run. A halo waited for longer than 500 ms is asked for again (`resendMs`), which shows as more than one halo sent per generation.',
    '- Halo bytes: each region sends its border (both its columns, with owners as runs) once per generation, over the MessagePort; it does not grow with the candidates.',
    '',
  ].join('\n');
}

runIfMain(import.meta.url, (runs) => runRegionsBench({ runs, quick: false }));
