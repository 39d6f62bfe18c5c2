/**
 * One engine benchmark scenario in a fresh process (so peak RSS is its own), printing one
 * JSON line. Run by bench/engine.ts; by hand:
 *   node --expose-gc --import tsx bench/engine-scenario.ts fanout ours 1000000
 */
import { CONWAY, mulberry32 } from '@lifemmo/shared';
import { Engine, SimulatedCellLogic, type CellLogic, type CellLogicFactory, type CellLogicOptions } from '../server/src/engine/index.js';
import { OwnPromiseFloorLogic, PlainAsyncSharedTimerLogic, PlainAsyncTimeoutLogic } from './baselines.js';

const LOCAL: CellLogicOptions = { kind: 'local', latencyModel: 'fixed', latencyMs: 0, jitterMs: 0, loss: 0, timeoutMs: 50 };
const SIM_1MS: CellLogicOptions = { kind: 'simulated', latencyModel: 'fixed', latencyMs: 1, jitterMs: 0, loss: 0, timeoutMs: 50 };
const SIDE = 4096;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const rng = mulberry32;

function fillSoup(e: Engine, x0: number, y0: number, w: number, h: number, density: number, seed: number): void {
  const rnd = rng(seed);
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) if (rnd() < density) e.world.setCell(x, y, 0);
}

const mb = (bytes: number) => bytes / 2 ** 20;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/** Dense or sparse compute with the bulk (local) logic. */
async function compute(kind: 'dense' | 'sparse', withDiffs: boolean): Promise<object> {
  const e = new Engine({ width: SIDE, height: SIDE, topology: 'torus', rule: CONWAY, seed: 1, cellLogic: LOCAL });
  if (kind === 'dense') fillSoup(e, 0, 0, SIDE, SIDE, 0.5, 7);
  else for (let k = 0; k < 64; k++) fillSoup(e, (k % 8) * 512 + 100, Math.floor(k / 8) * 512 + 100, 64, 64, 0.4, k + 1);
  // Diffs are listed only when a listener reads them: this one reads every chunk's.
  let listed = 0;
  if (withDiffs) e.onTick((r) => (listed += r.diffs.length));
  await e.step(5); // warm up the JIT
  const ticks: number[] = [];
  let visited = 0;
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    await e.step(1);
    ticks.push(performance.now() - t);
    visited += e.lastStats!.activeChunks * 4096;
  }
  const totalMs = ticks.reduce((a, b) => a + b, 0);
  const chunkBytes = e.world.chunks.size * (2 * 128 * 4) + [...e.world.chunks].filter((c) => c.owners !== null).length * 8192;
  return {
    ticks,
    cellUpdatesPerSec: visited / (totalMs / 1000),
    worldCellsPerSec: (SIDE * SIDE * ticks.length) / (totalMs / 1000),
    population: e.population,
    chunks: e.world.chunks.size,
    stateMb: mb(chunkBytes),
    peakRssMb: peakRssMb(),
  };
}

/** A stable grid of blocks: every live cell is a candidate, no dead cell is. */
function placeBlocks(e: Engine, candidates: number): void {
  const blocks = Math.ceil(candidates / 4);
  const perRow = Math.floor(SIDE / 3);
  for (let b = 0; b < blocks; b++) {
    const x = (b % perRow) * 3;
    const y = Math.floor(b / perRow) * 3;
    e.world.setCell(x, y, 0);
    e.world.setCell(x + 1, y, 0);
    e.world.setCell(x, y + 1, 0);
    e.world.setCell(x + 1, y + 1, 0);
  }
}

/** The per-cell async path at `candidates` in-flight calls with 1 ms latency. */
async function fanout(mode: 'ours' | 'timeout' | 'shared' | 'floor' | 'local', candidates: number): Promise<object> {
  let calls = 0;
  let heapAtPeak = 0;
  const expected = Math.ceil(candidates / 4) * 4;
  const counting = (logic: CellLogic): CellLogic => ({
    name: logic.name,
    bulk: logic.bulk,
    decide(x, y, alive, n, g) {
      // When the last call is issued, measure the heap in a microtask: after the shard's
      // Promise.all is set up, before any reply arrives (replies come from timers).
      if (++calls === expected) queueMicrotask(() => (heapAtPeak = process.memoryUsage().heapUsed));
      return logic.decide(x, y, alive, n, g);
    },
  });
  const factories: Record<typeof mode, CellLogicFactory | undefined> = {
    ours: (rule, seed) => counting(new SimulatedCellLogic(rule, seed, SIM_1MS)),
    timeout: (rule) => counting(new PlainAsyncTimeoutLogic(rule, 1)),
    shared: (rule) => counting(new PlainAsyncSharedTimerLogic(rule, 1)),
    floor: (rule) => counting(new OwnPromiseFloorLogic(rule, 1)),
    local: undefined,
  };
  const e = new Engine({ width: SIDE, height: SIDE, topology: 'torus', rule: CONWAY, seed: 1, cellLogic: LOCAL, cellLogicFactory: factories[mode] });
  placeBlocks(e, candidates);
  return measureFanout(e, expected, () => heapAtPeak, () => (calls = 0));
}

async function measureFanout(e: Engine, expected: number, heapAtPeak: () => number, resetCalls: () => void): Promise<object> {
  const ticks: number[] = [];
  const bytesPerCandidate: number[] = [];
  const runs = expected >= 1_000_000 ? 8 : 10;
  for (let i = 0; i < runs; i++) {
    resetCalls();
    gc!();
    const before = process.memoryUsage().heapUsed;
    const t = performance.now();
    await e.step(1);
    ticks.push(performance.now() - t);
    if (heapAtPeak() > 0) bytesPerCandidate.push((heapAtPeak() - before) / expected);
  }
  // The first two ticks warm up the JIT and grow the heap; a server runs in the steady state after them.
  return { ticks: ticks.slice(2), candidates: e.lastStats!.candidates, bytesPerCandidate: bytesPerCandidate.slice(2), peakRssMb: peakRssMb() };
}

/** Memory of an empty world and the process around it. */
async function emptyWorld(): Promise<object> {
  gc!();
  const before = process.memoryUsage();
  const e = new Engine({ width: SIDE, height: SIDE, topology: 'torus', rule: CONWAY, seed: 1, cellLogic: LOCAL });
  await e.step(10);
  gc!();
  const after = process.memoryUsage();
  return { heapDeltaKb: (after.heapUsed - before.heapUsed) / 1024, externalDeltaKb: (after.external + after.arrayBuffers - before.external - before.arrayBuffers) / 1024, chunks: e.world.chunks.size, peakRssMb: peakRssMb() };
}

const [scenario, a, b] = process.argv.slice(2);
let result: object;
switch (scenario) {
  case 'compute':
    result = await compute(a === 'sparse' ? 'sparse' : 'dense', b === 'diffs');
    break;
  case 'fanout':
    result = await fanout(a as 'ours' | 'timeout' | 'shared' | 'floor' | 'local', Number(b));
    break;
  case 'empty':
    result = await emptyWorld();
    break;
  default:
    throw new Error(`unknown scenario ${scenario}`);
}
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0);
