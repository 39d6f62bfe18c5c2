/**
 * Engine section of `npm run bench`: bulk compute, the per-cell async fan-out against
 * plain-async baselines, memory, and the book's Python asyncio design on the same machine.
 * Every scenario runs in a fresh process, several times; tables show medians.
 */
import { runJson, runTsScenario } from './child.js';
import { fmt, median } from './stats.js';

const SCENARIO = 'bench/engine-scenario.ts';
/** The young generation big enough to hold one 1M-candidate fan-out (see the notes). */
const BIG_YOUNG_GEN = ['--max-semi-space-size=256'];

interface ComputeResult {
  ticks: number[];
  cellUpdatesPerSec: number;
  worldCellsPerSec: number;
  population: number;
  chunks: number;
  stateMb: number;
  peakRssMb: number;
}
interface FanoutResult {
  ticks: number[];
  candidates: number;
  bytesPerCandidate: number[];
  peakRssMb: number;
}
interface PythonResult {
  cells: number;
  ticks: number[];
  bytesPerCell: number;
  peakRssMb: number;
  python: string;
}

async function repeat<T>(runs: number, job: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await job());
  return out;
}

/** Options of the engine section. */
export interface EngineBenchOptions {
  /** Runs per scenario (medians are over all ticks of all runs). */
  runs: number;
  /** Skip the 1M-candidate scenarios and the Python 1M run. */
  quick: boolean;
}

/** Run the engine benchmarks and return the markdown section. */
export async function runEngineBench(options: EngineBenchOptions): Promise<string> {
  const { runs, quick } = options;
  const lines: string[] = [];
  const log = (s: string) => console.log(`[engine] ${s}`);

  // Compute.
  log('compute');
  const computeRows: string[] = [];
  let denseCups = 0;
  for (const [label, kind, diffs] of [
    ['dense random 4096x4096 (50% soup), no listener', 'dense', 'none'],
    ['dense random 4096x4096, every chunk\'s diff listed (as for viewers watching the whole world)', 'dense', 'diffs'],
    ['sparse: 64 soups of 64x64 in a 4096x4096 world', 'sparse', 'none'],
  ] as const) {
    const results = await repeat(runs, () => runTsScenario<ComputeResult>(SCENARIO, ['compute', kind, diffs]));
    const tickMs = median(results.flatMap((r) => r.ticks));
    const cups = median(results.map((r) => r.cellUpdatesPerSec));
    if (kind === 'dense' && diffs === 'none') denseCups = cups;
    computeRows.push(
      `| ${label} | ${fmt(tickMs, 2)} | ${fmt(cups / 1e6)} M | ${fmt(median(results.map((r) => r.worldCellsPerSec)) / 1e6)} M | ${fmt(median(results.map((r) => r.stateMb)), 1)} MB | ${fmt(median(results.map((r) => r.peakRssMb)))} MB |`,
    );
  }
  lines.push(
    '### Compute (bulk `local` logic, one thread)',
    '',
    'Cell-updates/s counts the cells of every chunk visited (live chunks and their neighbours); world cells/s is the whole world divided by the tick time, which shows what following activity saves.',
    '',
    '| scenario | ms / generation | cell-updates/s | world cells/s | cell state | peak RSS |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...computeRows,
    '',
    `Target >= 500 M cell-updates/s on one core for the dense board: **${denseCups >= 500e6 ? 'met' : 'missed'}** (${fmt(denseCups / 1e6)} M, ${fmt(denseCups / 500e6, 1)}x the target).`,
    '',
  );

  // Fan-out.
  const sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  const fanRows: string[] = [];
  const summary: string[] = [];
  for (const n of sizes) {
    const paths: Array<[string, string, readonly string[]]> = [
      ['lifemmo per-cell path (reply wheel), default V8 flags', 'ours', []],
      ['lifemmo per-cell path, `--max-semi-space-size=256` (as `npm start` runs it)', 'ours', BIG_YOUNG_GEN],
      ['baseline: plain `async` + `setTimeout` per cell', 'timeout', []],
      ['baseline: plain `async` + shared timer per ms', 'shared', []],
      ['floor: one derived native promise per call, nothing else (default flags)', 'floor', []],
    ];
    const perPath = new Map<string, { overhead: number; bytes: number }>();
    for (const [label, mode, flags] of paths) {
      log(`fan-out ${n} ${mode} ${flags.join(' ')}`);
      const results = await repeat(runs, () => runTsScenario<FanoutResult>(SCENARIO, ['fanout', mode, String(n)], flags));
      const tickMs = median(results.flatMap((r) => r.ticks));
      const candidates = results[0]!.candidates;
      const overheadNs = ((tickMs - 1) * 1e6) / candidates;
      const bytes = median(results.flatMap((r) => r.bytesPerCandidate));
      perPath.set(label, { overhead: overheadNs, bytes });
      fanRows.push(`| ${fmt(candidates)} | ${label} | ${fmt(tickMs, 1)} | ${fmt(overheadNs)} | ${fmt(bytes)} | ${fmt(median(results.map((r) => r.peakRssMb)))} MB |`);
    }
    const ours = perPath.get(paths[0]![0])!;
    const tuned = perPath.get(paths[1]![0])!;
    const plain = perPath.get(paths[2]![0])!;
    const floor = perPath.get(paths[4]![0])!;
    summary.push(
      `- ${fmt(n)} candidates: ${fmt(ours.overhead)} ns/candidate with default flags (${fmt(tuned.overhead)} ns with the big young generation) against ${fmt(plain.overhead)} ns for plain async (${fmt(plain.overhead / ours.overhead, 1)}x / ${fmt(plain.overhead / tuned.overhead, 1)}x less); ${fmt(ours.bytes)} bytes per in-flight candidate against ${fmt(plain.bytes)} (${fmt(plain.bytes / ours.bytes, 1)}x less); the floor of one native promise per call fanned in by Promise.all holds ${fmt(floor.bytes)} bytes, so lifemmo's path holds ${fmt(ours.bytes / floor.bytes, 2)}x the floor.`,
    );
  }
  log('fan-out local reference');
  const local = await repeat(runs, () => runTsScenario<FanoutResult>(SCENARIO, ['fanout', 'local', String(sizes[sizes.length - 1])]));
  lines.push(
    '### Fan-out: one awaited promise per candidate, 1 ms simulated latency',
    '',
    'A stable grid of blocks makes every live cell a candidate and no dead cell one, so the candidate count is exact and the same every tick; each run steps 8-10 ticks and drops the first two (JIT warm-up, heap growth). `npm start` and the Docker image run the server with `--max-semi-space-size=256` (package.json `serve`): a young generation that holds a whole 1M-candidate fan-out, so its promises die young instead of being copied to the old generation; the default-flags row shows what that buys. Overhead per candidate = (tick time - 1 ms latency) / candidates: everything the tick spends besides waiting, including the kernel, the calls, Promise.all and garbage collection. Bytes per in-flight candidate = JS heap growth measured after the last call is issued and before any reply arrives, divided by the candidates.',
    '',
    '| candidates | path | tick ms (median) | overhead ns / candidate | bytes / in-flight candidate | peak RSS |',
    '| ---: | --- | ---: | ---: | ---: | ---: |',
    ...fanRows,
    '',
    ...summary,
    `- For reference, the same ${fmt(sizes[sizes.length - 1]!)} cells with the bulk \`local\` logic (no promise per cell) step in ${fmt(median(local.flatMap((r) => r.ticks)), 1)} ms.`,
    '',
  );

  // Memory of an empty world.
  log('empty world');
  const empty = await runTsScenario<{ heapDeltaKb: number; chunks: number; peakRssMb: number }>(SCENARIO, ['empty']);
  lines.push(
    '### Memory',
    '',
    `- An empty 4096x4096 world after 10 ticks: ${empty.chunks} chunks allocated, JS heap grew by ${fmt(empty.heapDeltaKb)} KB (the chunk index and the visit marks; nothing per cell).`,
    '- A dense 4096x4096 world: cell state is the "cell state" column above (two 512-byte bit arrays per chunk, plus 8 KiB of per-cell owners only in chunks where owners mix); the peak RSS column includes Node itself (about 45 MB) and the 16.7M `setCell` calls of the set-up.',
    '',
  );

  // The book's Python design.
  const pySizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  const pyRows: string[] = [];
  let pyVersion = '';
  for (const n of pySizes) {
    log(`python asyncio ${n}`);
    try {
      const gens = n >= 1_000_000 ? 1 : 3;
      const r = await runJson<PythonResult>('python3', ['bench/python/asyncio_life.py', String(n), '1', String(gens)], 900_000);
      pyVersion = r.python;
      const tickMs = median(r.ticks);
      pyRows.push(`| ${fmt(r.cells)} | ${fmt(tickMs, 1)} | ${fmt(((tickMs - 1) * 1000) / r.cells, 1)} | ${fmt(r.bytesPerCell)} | ${fmt(r.peakRssMb)} MB |`);
    } catch (err) {
      pyRows.push(`| ${fmt(n)} | failed: ${(err as Error).message.split('\n')[0]} | | | |`);
    }
  }
  lines.push(
    `### The book's design in Python (asyncio.gather over one coroutine per cell, Python ${pyVersion || '3'})`,
    '',
    '`bench/python/asyncio_life.py` is Effective Python item 60\'s code with `asyncio.sleep(0.001)` as the I/O, stepping every cell as the book does. Bytes per cell from tracemalloc during one generation.',
    '',
    '| cells | generation ms (median) | overhead µs / cell | bytes / in-flight cell | peak RSS |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...pyRows,
    '',
  );
  return lines.join('\n');
}
