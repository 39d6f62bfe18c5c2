/**
 * Simulated I/O faults: with loss and timeouts the ticks complete, the counters match the
 * seeded draws, the history matches a reference that applies the same draws, and the same
 * seed gives the same history twice. Plus the fan-out itself: many candidates cost about
 * one latency, not one latency each.
 */
import { describe, expect, it, vi } from 'vitest';
import { CONWAY, parseRule } from '@lifemmo/shared';
import { CellOutcome, Engine, expectedOutcome, type CellLogicOptions } from '@lifemmo/server/engine';
import { ReferenceWorld, soup } from './reference.js';

const LOSSY: CellLogicOptions = { kind: 'simulated', latencyModel: 'uniform', latencyMs: 0, jitterMs: 2, loss: 0.1, timeoutMs: 50 };

async function history(seed: number, options: CellLogicOptions, generations: number): Promise<string[]> {
  const e = new Engine({ width: 128, height: 128, topology: 'torus', shardChunks: 1, rule: CONWAY, seed, cellLogic: options });
  e.place(soup(128, 128, 0.3, 1, 99).map(([x, y]) => [x, y] as const), 0);
  const out: string[] = [];
  for (let g = 0; g < generations; g++) {
    await e.step(1);
    out.push(JSON.stringify(e.liveCells({ x: 0, y: 0, w: 128, h: 128 })));
  }
  return out;
}

describe('simulated I/O faults', () => {
  it('with 10% loss every tick completes and counters match the draws, cell by cell', async () => {
    const seed = 77;
    const rule = parseRule('B3/S23');
    const e = new Engine({ width: 128, height: 128, topology: 'torus', shardChunks: 1, rule, seed, cellLogic: LOSSY });
    const ref = new ReferenceWorld(128, 128, true, rule);
    const cells = soup(128, 128, 0.3, 2, 5);
    for (const owner of [0, 1]) e.place(cells.filter((c) => c[2] === owner).map(([x, y]) => [x, y] as const), owner);
    for (const [x, y, o] of cells) ref.set(x, y, o);
    await e.step(1);
    ref.generation = 1;

    let totalFailures = 0;
    for (let g = 0; g < 40; g++) {
      let failures = 0;
      let candidates = 0;
      ref.step((x, y, alive, n, generation) => {
        candidates++;
        const outcome = expectedOutcome(rule, seed, LOSSY, x, y, alive, n, generation);
        if (outcome === CellOutcome.FAILED) {
          failures++;
          return 'keep';
        }
        return outcome === CellOutcome.ALIVE ? 'alive' : 'dead';
      });
      await e.step(1);
      expect(e.lastStats).toMatchObject({ candidates, ioCalls: candidates, ioFailures: failures, ioTimeouts: 0 });
      expect(e.liveCells({ x: 0, y: 0, w: 128, h: 128 })).toEqual(ref.live());
      totalFailures += failures;
      if (candidates > 0) expect(failures / candidates).toBeLessThan(0.2);
    }
    expect(totalFailures).toBeGreaterThan(0);
  });

  it('calls slower than the timeout time out, keep their state and are counted', async () => {
    const slow: CellLogicOptions = { kind: 'simulated', latencyModel: 'longtail', latencyMs: 0, jitterMs: 1, loss: 0, timeoutMs: 3 };
    const e = new Engine({ width: 64, height: 64, topology: 'torus', rule: CONWAY, seed: 3, cellLogic: slow });
    e.place(soup(64, 64, 0.3, 1, 8).map(([x, y]) => [x, y] as const), 0);
    await e.step(1);
    let expected = 0;
    for (const [x, y] of e.liveCells({ x: 0, y: 0, w: 64, h: 64 })) {
      if (expectedOutcome(CONWAY, 3, slow, x, y, true, 0, 1) === CellOutcome.TIMED_OUT) expected++;
    }
    await e.step(1);
    expect(e.lastStats!.ioTimeouts).toBeGreaterThanOrEqual(expected);
    expect(e.lastStats!.ioTimeouts).toBeGreaterThan(0);
    expect(e.lastStats!.durationMs).toBeLessThan(2_000);
  });

  it('the same seed gives the same history twice; another seed does not', async () => {
    const a = await history(11, LOSSY, 30);
    const b = await history(11, LOSSY, 30);
    const c = await history(12, LOSSY, 30);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('fan-out: 50k+ candidates at 5 ms latency take about one latency, not 50k of them', async () => {
    const options: CellLogicOptions = { kind: 'simulated', latencyModel: 'fixed', latencyMs: 5, jitterMs: 0, loss: 0, timeoutMs: 50 };
    const e = new Engine({ width: 512, height: 512, topology: 'torus', rule: CONWAY, seed: 1, cellLogic: options });
    e.place(soup(512, 512, 0.2, 1, 4).map(([x, y]) => [x, y] as const), 0);
    await e.step(1);
    // On fake time (the wheel's setTimeout and performance.now), however long the CPU takes:
    // the step is done once the clock has moved by a couple of latencies. Sequential
    // awaits would need 50k * 5 ms = 250 s of it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      let done = false;
      const stepped = e.step(1).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(12);
      expect(done).toBe(true);
      await stepped;
    } finally {
      vi.useRealTimers();
    }
    expect(e.lastStats!.candidates).toBeGreaterThanOrEqual(50_000);
  });
});
