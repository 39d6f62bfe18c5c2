/**
 * Regions section of `npm run bench` (issue 15): the same world stepped whole on one
 * worker thread (the floor), split in two regions on two worker threads with halos over a
 * LocalBus pair, and split in two regions in two child processes with halos over a real
 * nats-server; ticks per second, the ratios to the floor, the halo wait per region and the
 * halo traffic per generation, then a model of larger clusters computed from those figures.
 * Every run is a fresh process (bench/regions-scenario.ts), runs alternate the variants,
 * tables show medians; all must end with the same world or the section fails.
 *
 * Knobs: BENCH_REGIONS_SIDE (world side, cells; default 2048, of the order of 1M candidates per
 * generation; 1024 with --quick; at least 1024, two shards, for two regions) and
 * BENCH_REGIONS_GENERATIONS (measured generations per run; default 20, 8 with --quick).
 * Smoke: BENCH_REGIONS_SIDE=1024 BENCH_REGIONS_GENERATIONS=4.
 */
import { cpus } from 'node:os';
import { DEFAULT_SHARD_CHUNKS, CHUNK_SIZE, Geometry } from '@lifemmo/shared';
import { layoutRegions, parseRegionSpec, ringLength, ringShapeOf } from '../server/src/region/index.js';
import { runTsScenario, SERVER_NODE_FLAGS } from './child.js';
import { runIfMain } from './main-module.js';
import { VARIANTS, type RegionsRun, type RegionsVariant } from './regions-scenario.js';
import { fmt, median, percentile } from './stats.js';

const SCENARIO = 'bench/regions-scenario.ts';
/** Generations stepped before timing (JIT, heap growth, and the first halos over NATS: see bench/regions-process.ts). */
const WARMUP = 3;
/** The issue's target for 2 regions against 1. */
const TARGET_RATIO = 1.7;
/** The restatement proposed when two floors at once fall below TARGET_RATIO: this share of it. */
const TWO_FLOORS_SHARE = 0.9;
/** The model's tick rate, ticks/s, and the cluster sizes it is asked about (issue 15). */
const MODEL_TICKS_PER_SECOND = 10;
const MODEL_SIMS = [16, 64] as const;

const LABELS: Record<RegionsVariant, string> = {
  whole: '1 (floor: a whole-world Engine)',
  threads: '2 (REGIONS=2), threads, LocalBus',
  processes: '2 (REGIONS=2), processes, NATS',
  twins: 'two floors at once: 2 whole worlds, not split',
};
const MEMBERS: Record<RegionsVariant, string> = {
  whole: '1 worker thread',
  threads: '2 worker threads',
  processes: '2 processes + nats-server',
  twins: '2 worker threads',
};

/** Options of the regions section. */
export interface RegionsBenchOptions {
  readonly runs: number;
  readonly quick: boolean;
}

/** Median figures of one variant over its runs. */
interface VariantFigures {
  readonly ticksPerSecond: number;
  /** CPU cores kept busy (CPU time / wall time; RegionsRun.coresBusy). */
  readonly coresBusy: number;
  readonly candidatesPerGeneration: number;
  /** Per region: median halo messages and bytes sent per generation, and the NATS connection's messages out and in per generation (null off NATS). */
  readonly perRegion: ReadonlyArray<{ candidates: number; tickP50: number; waitP50: number; waitP99: number; messages: number; bytes: number; bus: { out: number; in: number } | null }>;
}

function figuresOf(list: readonly RegionsRun[], generations: number): VariantFigures {
  const perRegion = list[0]!.perRegion.map((_p, id) => {
    const ticks = list.flatMap((r) => r.perRegion[id]!.ticks);
    const waits = ticks.map((t) => t.borderWaitMs);
    const halos = list.map((r) => r.perRegion[id]!.halos);
    const buses = list.map((r) => r.perRegion[id]!.bus);
    return {
      candidates: ticks.reduce((n, t) => n + t.candidates, 0) / ticks.length,
      tickP50: percentile(ticks.map((t) => t.durationMs), 50),
      waitP50: percentile(waits, 50),
      waitP99: percentile(waits, 99),
      messages: median(halos.map((h) => h.sentMessages / generations)),
      bytes: median(halos.map((h) => h.sentBytes / generations)),
      bus: buses.every((b) => b !== null)
        ? { out: median(buses.map((b) => b!.outMessages / generations)), in: median(buses.map((b) => b!.inMessages / generations)) }
        : null,
    };
  });
  return {
    ticksPerSecond: median(list.map((r) => r.ticksPerSecond)),
    coresBusy: median(list.map((r) => r.coresBusy)),
    candidatesPerGeneration: perRegion.reduce((n, p) => n + p.candidates, 0),
    perRegion,
  };
}

function verdict(ratio: number): string {
  return ratio >= TARGET_RATIO
    ? `**met** (${fmt(ratio, 2)}x)`
    : `**missed** (${fmt(ratio, 2)}x, ${fmt(TARGET_RATIO - ratio, 2)} short of ${TARGET_RATIO}x)`;
}

/** Cells on the halo ring of region 0 of `spec` in a square torus of `side` cells with shards of `shardChunks`, and its distinct neighbours. */
function ringOf(side: number, spec: string, shardChunks: number): { ring: number; neighbours: number; cells: number } {
  const geometry = new Geometry({ width: side, height: side, topology: 'torus', shardChunks });
  const region = layoutRegions(parseRegionSpec(spec), geometry).regions[0]!;
  return { ring: ringLength(ringShapeOf(region, geometry)), neighbours: region.neighbours.length, cells: region.cells.w * region.cells.h };
}

/**
 * The model (see the section's text): from the floor's cost per candidate, the soup's
 * candidates per cell, the processes' scaling efficiency and their halo bytes per ring cell,
 * the largest square region a sim steps at MODEL_TICKS_PER_SECOND, and a square grid of
 * `sims` such regions as a world. Returns markdown lines.
 */
function model(side: number, floor: VariantFigures, split: VariantFigures): string[] {
  const cores = cpus().length;
  const floorMs = 1000 / floor.ticksPerSecond;
  const msPerCandidate = floorMs / floor.candidatesPerGeneration;
  const candidatesPerCell = floor.candidatesPerGeneration / (side * side);
  // Capped at 1: a split measured faster than two floors (noise, smaller working sets) is not credited to larger clusters.
  const efficiency = Math.min(1, split.ticksPerSecond / floor.ticksPerSecond / 2);
  const measured = ringOf(side, '2', DEFAULT_SHARD_CHUNKS);
  const bytesPerRingCell = median(split.perRegion.map((p) => p.bytes)) / measured.ring;
  const budgetMs = 1000 / MODEL_TICKS_PER_SECOND;
  const candidatesPerSim = (budgetMs * efficiency) / msPerCandidate;
  // Whole chunks, and one shard per region (a shard is at most 64 chunks across).
  const regionSide = Math.max(CHUNK_SIZE, Math.min(64 * CHUNK_SIZE, Math.floor(Math.sqrt(candidatesPerSim / candidatesPerCell) / CHUNK_SIZE) * CHUNK_SIZE));
  const rows = MODEL_SIMS.map((sims) => {
    const across = Math.round(Math.sqrt(sims));
    const worldSide = across * regionSide;
    const r = ringOf(worldSide, `${across}x${across}`, regionSide / CHUNK_SIZE);
    const haloBytes = bytesPerRingCell * r.ring;
    const deliveries = sims * r.neighbours;
    return (
      `| ${sims} | ${fmt(Math.ceil(sims / cores))} | ${across}x${across} of ${regionSide}x${regionSide} | ${worldSide}x${worldSide} (${fmt((worldSide * worldSide) / 1e6, 1)}M cells) | ` +
      `${fmt(worldSide * worldSide * candidatesPerCell)} | ${r.neighbours} | ${fmt(haloBytes)} | 1 out, ${r.neighbours} in | ` +
      `${fmt(sims * MODEL_TICKS_PER_SECOND)} in, ${fmt(deliveries * MODEL_TICKS_PER_SECOND)} out; ${fmt((deliveries * haloBytes * MODEL_TICKS_PER_SECOND) / 1e6, 2)} MB/s out |`
    );
  });
  return [
    '### Model (computed, not measured)',
    '',
    `Computed from this run's medians; nothing below ran. Inputs: the floor's **${fmt(msPerCandidate * 1e6)} ns per candidate per generation** on one thread ` +
      `(${fmt(floorMs)} ms for ${fmt(floor.candidatesPerGeneration)} candidates); the soup's **${fmt(candidatesPerCell, 3)} candidates per cell** per generation ` +
      `(this world's mean over the measured generations); the 2 processes' **scaling efficiency ${fmt(efficiency * 100)}%** (their ticks/s / (2 x the floor's), at most 100%), ` +
      `which carries the lock-step cost (halo waits, NATS) into the model as a fraction of each generation; and their halo bytes, ` +
      `**${fmt(bytesPerRingCell, 3)} bytes per ring cell** (${fmt(median(split.perRegion.map((p) => p.bytes)))} bytes for a ring of ${fmt(measured.ring)} cells).`,
    '',
    `- A sim per core: **${cores} regions per machine** like this one. At ${MODEL_TICKS_PER_SECOND} ticks/s a sim has ${fmt(budgetMs)} ms per generation, ` +
      `x ${fmt(efficiency * 100)}% efficiency / ${fmt(msPerCandidate * 1e6)} ns = **${fmt(candidatesPerSim)} candidates per sim** per generation, ` +
      `${fmt(candidatesPerSim / candidatesPerCell)} cells of this soup: a square region of ${regionSide}x${regionSide} (whole 64-cell chunks, rounded down).`,
    '- Regions in a square grid on a torus (`CxR`, server/src/region/layout.ts): from 3x3 up each region has 8 distinct neighbours; its halo is its ring ' +
      '(4 x side - 4 cells), one publish per generation which nats-server delivers to each neighbour.',
    '',
    '| sims | machines (a sim per core) | regions | world | candidates / generation | neighbours per region | halo bytes per region / generation | halos per region / generation | NATS messages/s (all regions) |',
    '| ---: | ---: | --- | --- | ---: | ---: | ---: | --- | --- |',
    ...rows,
    '',
    'Assumptions, each a way the model may be wrong: the cost per candidate is the floor\'s on this CPU (a sim with a core of its own, as the floor nearly had); ' +
      'the soup\'s candidates per cell stay as measured (a denser or busier world gets smaller regions); ' +
      'the lock-step cost stays the fraction measured with **one** neighbour over loopback NATS, yet a region with 8 waits for the slowest of them and ' +
      'halos between machines take a network hop, so the efficiency will be lower than this; halo bytes grow with the ring as measured (a 1-bit-per-cell ' +
      'bitmap plus owner runs: a world of many players has more runs); nats-server\'s own capacity is not measured here, and the halo traffic above is what it would have to carry. ' +
      'Placements, snapshots, logs and gateways are left out.',
    '',
  ];
}

/** Run the regions benchmark and return its markdown section. */
export async function runRegionsBench({ runs, quick }: RegionsBenchOptions): Promise<string> {
  const side = Number(process.env.BENCH_REGIONS_SIDE ?? (quick ? 1024 : 2048));
  const generations = Number(process.env.BENCH_REGIONS_GENERATIONS ?? (quick ? 8 : 20));
  const log = (s: string) => console.log(`[regions] ${s}`);
  const byVariant = new Map<RegionsVariant, RegionsRun[]>(VARIANTS.map((v) => [v, []]));
  for (let run = 0; run < runs; run++) {
    for (const variant of VARIANTS) {
      const r = await runTsScenario<RegionsRun>(SCENARIO, [variant, String(side), String(WARMUP), String(generations)], SERVER_NODE_FLAGS);
      log(`run ${run + 1}, ${variant}: ${fmt(r.ticksPerSecond, 2)} ticks/s, world ${r.hash} at generation ${r.generation}`);
      byVariant.get(variant)!.push(r);
    }
  }
  const all = [...byVariant.values()].flat();
  // The benchmark must not time a wrong world: every run ends with the same cells and owners.
  const hashes = new Set(all.map((r) => `${r.hash}@${r.generation}`));
  if (hashes.size !== 1) throw new Error(`the runs computed different worlds: ${[...hashes].join(', ')}`);
  // The world's candidates: a twin's are one world's, the regions' add up to it.
  const candidates = (r: RegionsRun) => (r.variant === 'twins' ? r.perRegion.slice(0, 1) : r.perRegion).reduce((n, p) => n + p.ticks.reduce((m, t) => m + t.candidates, 0), 0);
  const candidateTotals = new Set(all.map(candidates));
  if (candidateTotals.size !== 1) throw new Error(`the runs decided different candidates: ${[...candidateTotals].join(', ')}`);

  const figures = new Map(VARIANTS.map((v) => [v, figuresOf(byVariant.get(v)!, generations)]));
  const floor = figures.get('whole')!;
  const ratio = (v: RegionsVariant) => figures.get(v)!.ticksPerSecond / floor.ticksPerSecond;
  // Two floors at once: the world-generations per second both cores give, over the floor's.
  const twoFloors = 2 * ratio('twins');
  const rows = VARIANTS.map((v) => {
    const f = figures.get(v)!;
    const each = (pick: (p: VariantFigures['perRegion'][number]) => string) => f.perRegion.map(pick).join(', ');
    const split = v === 'threads' || v === 'processes';
    const vsFloor = v === 'whole' ? '1 (floor)' : v === 'twins' ? `${fmt(twoFloors, 2)}x (2 worlds)` : `${fmt(ratio(v), 2)}x`;
    return (
      `| ${LABELS[v]} | ${MEMBERS[v]} | ${fmt(f.ticksPerSecond, 2)} | ${vsFloor} | ${fmt(f.coresBusy, 2)} | ${fmt(1000 / f.ticksPerSecond)} | ` +
      `${fmt(candidates(byVariant.get(v)![0]!) / generations)} | ${each((p) => fmt(p.candidates))} | ${each((p) => fmt(p.tickP50))} | ` +
      `${split ? each((p) => `${fmt(p.waitP50, 1)} / ${fmt(p.waitP99, 1)}`) : '0 (no border)'} | ${split ? each((p) => fmt(p.messages, 2)) : '0'} | ` +
      `${split ? each((p) => fmt(p.bytes)) : '0'} | ${each((p) => (p.bus === null ? '-' : `${fmt(p.bus.out, 2)} / ${fmt(p.bus.in, 2)}`))} |`
    );
  });
  // CPU seconds per world generation (the twins step two worlds per generation).
  const cpuPerGeneration = (v: RegionsVariant) => figures.get(v)!.coresBusy / figures.get(v)!.ticksPerSecond / (v === 'twins' ? 2 : 1);
  const waitP50 = (v: RegionsVariant) => median(figures.get(v)!.perRegion.map((p) => p.waitP50));
  const first = all[0]!;
  return [
    `The same world stepped whole and split in two: a ${side}x${side} torus with one 30% soup over all of it (seed 2026, decaying as soups do: ` +
      `the candidates per generation below are the measured mean), simulated cell I/O of 1 ms per candidate (fixed latency, no loss), ` +
      `the server's V8 flags (\`${SERVER_NODE_FLAGS.join(' ')}\`, which worker threads share and child processes inherit). ` +
      `**1 region, the floor:** a whole-world \`Engine\` on one worker thread. **2 regions:** \`REGIONS=2\` (two ${side / 2}x${side} halves), a \`RegionEngine\` each, ` +
      `lock-step as in [regions](regions.md), halos through \`linkOverBus\`: **threads**, each on its own worker thread, halos over a LocalBus pair ` +
      `(one MessageChannel between the two threads); **processes**, each its own Node process with its own NATS connection (\`connectNatsBus\`, as a \`ROLE=sim\` process), ` +
      `halos over a nats-server (${'`nats-server -a 127.0.0.1 -js`'}, started by each run on a free port and stopped after). The run's main thread only starts and times them. ` +
      `**Two floors at once:** two whole-world \`Engine\`s stepping the same world at the same time, each on its own worker thread, sharing nothing: ` +
      `the parallelism this machine's two cores give two copies of the floor's work (its ratio counts both worlds' generations). ` +
      `Each run is a fresh process: seed, ${WARMUP} warm-up generations, then ${generations} generations timed from "go" to the last member's "done"; ` +
      `runs alternate the four variants; medians of ${runs}. Every run ended with the same world (an order-free hash of every live cell and owner, ` +
      `the regions' parts combined: \`${first.hash}\` at generation ${first.generation}) and the same candidates, or the section would have failed.`,
    '',
    '| regions | members | ticks/s | ratio to the floor | CPU cores busy | ms / generation | candidates / generation | per region: candidates / generation | per region: tick ms p50 | ' +
      'per region: halo wait p50 / p99 (ms) | per region: halos sent / generation | per region: halo bytes sent / generation | per region: NATS messages out / in per generation |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `- Threads, 2 regions / 1 region: **${fmt(ratio('threads'), 2)}x** the ticks/s; processes over NATS: **${fmt(ratio('processes'), 2)}x**. ` +
      `Target (issue 15) >= ${TARGET_RATIO}x: threads ${verdict(ratio('threads'))}, processes ${verdict(ratio('processes'))}. ` +
      `Two whole worlds at once, sharing nothing, make **${fmt(twoFloors, 2)}x** the floor's world-generations per second: what this machine's two cores give ` +
      'two copies of the floor\'s work (a split may do better, since each half\'s working set is smaller: see CPU below)' +
      (twoFloors < TARGET_RATIO
        ? `, below the target: the target asks more of a split than this machine gives two unsplit copies. Proposed restatement: 2 regions >= ${TWO_FLOORS_SHARE * 100}% of two floors at once, measured in the same run ` +
          `(here ${fmt(TWO_FLOORS_SHARE * twoFloors, 2)}x): threads reach ${fmt((100 * ratio('threads')) / twoFloors)}% of it, processes ${fmt((100 * ratio('processes')) / twoFloors)}% (${ratio('threads') >= TWO_FLOORS_SHARE * twoFloors ? 'met' : 'missed'} / ${ratio('processes') >= TWO_FLOORS_SHARE * twoFloors ? 'met' : 'missed'}). `
        : `; threads reach ${fmt((100 * ratio('threads')) / twoFloors)}% of it, processes ${fmt((100 * ratio('processes')) / twoFloors)}%. `) +
      'This machine has 2 cores, shared with other work: the two regions have a core each only when nothing else runs (nats-server is a third process, ' +
      'if a light one); and the floor\'s one thread does not leave the other core idle either, since V8 collects garbage on helper threads as well.',
    `- CPU: the floor keeps **${fmt(floor.coresBusy, 2)} cores** busy (CPU time of every thread, V8's helpers included, / wall time), the twins ` +
      `${fmt(figures.get('twins')!.coresBusy, 2)}, threads ${fmt(figures.get('threads')!.coresBusy, 2)}, processes ${fmt(figures.get('processes')!.coresBusy, 2)} ` +
      `(nats-server not counted). CPU time per world generation, over the floor's: twins ${fmt(cpuPerGeneration('twins') / cpuPerGeneration('whole'), 2)}x, ` +
      `threads ${fmt(cpuPerGeneration('threads') / cpuPerGeneration('whole'), 2)}x, processes ${fmt(cpuPerGeneration('processes') / cpuPerGeneration('whole'), 2)}x: ` +
      'above 1, the same work costs more CPU when two cores run it at once (shared caches and memory bandwidth, two heaps collected); below 1, the halves\' ' +
      'smaller working sets pay for more than the halos cost.',
    '- Halo wait: the part of a region\'s tick spent in step 0 waiting for its neighbour\'s halo of the same generation (`borderWaitMs`, `lifemmo_halo_wait_seconds`); ' +
      'with lock-step, a region that steps its generation faster waits for the slower one, so the wait is mostly the difference between the two halves\' tick times. ' +
      `Percentiles over every measured tick of every run (p99 of ${runs * generations} ticks is about their largest). ` +
      `Median of the regions' p50s: threads ${fmt(waitP50('threads'), 1)} ms, processes ${fmt(waitP50('processes'), 1)} ms. ` +
      'A halo waited for longer than 500 ms is asked for again (`resendMs`), which shows as more than one halo sent per generation.',
    '- Halo bytes: each region sends its border (both its columns, with owners as runs) once per generation, over the MessagePort or as one NATS publish; ' +
      'it grows with the border, not with the candidates. NATS messages are the connection\'s own counters (payload only, without NATS\'s ' +
      'few dozen bytes of protocol line per message): one publish out per generation, and the neighbour\'s halo in (below 1 when the neighbour\'s last halo ' +
      'arrives after a region has taken its counts).',
    '',
    ...model(side, floor, figures.get('processes')!),
  ].join('\n');
}

runIfMain(import.meta.url, (runs) => runRegionsBench({ runs, quick: false }));
