// Tick figures become metrics: a region's wait for its neighbours' halos is its own histogram.
import { describe, expect, it } from 'vitest';
import type { TickStats } from '../engine/index.js';
import { createTickMetrics, observeTick } from './metrics.js';

const STATS: TickStats = {
  generation: 7,
  durationMs: 40,
  lagMs: 0,
  borderWaitMs: 30,
  candidates: 100,
  ioCalls: 100,
  ioFailures: 0,
  ioTimeouts: 0,
  ioLatency: null,
  population: 50,
  placementsApplied: 0,
  changedChunks: 2,
  activeChunks: 9,
  activeShards: 1,
};

describe('tick metrics', () => {
  it("observe a region's halo wait in lifemmo_halo_wait_seconds, and a whole world's 0", async () => {
    const metrics = createTickMetrics({ processMetrics: false });
    observeTick(metrics, STATS);
    observeTick(metrics, { ...STATS, generation: 8, borderWaitMs: 0 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE lifemmo_halo_wait_seconds histogram');
    expect(text).toMatch(/^lifemmo_halo_wait_seconds_count 2$/m);
    expect(text).toMatch(/^lifemmo_halo_wait_seconds_sum 0\.03$/m);
    expect(text).toMatch(/^lifemmo_halo_wait_seconds_bucket\{le="0\.0001"\} 1$/m);
    expect(text).toMatch(/^lifemmo_halo_wait_seconds_bucket\{le="0\.025"\} 1$/m);
    expect(text).toMatch(/^lifemmo_halo_wait_seconds_bucket\{le="0\.05"\} 2$/m);
  });
});

describe('process metrics', () => {
  it("count the time the event loop runs code in lifemmo_event_loop_busy_seconds_total, and not the time it waits", async () => {
    const metrics = createTickMetrics();
    const busy = async (): Promise<number> => {
      const m = /^lifemmo_event_loop_busy_seconds_total ([\d.e+-]+)$/m.exec(await metrics.registry.metrics());
      return Number(m![1]);
    };
    const start = await busy();
    const until = performance.now() + 100;
    while (performance.now() < until); // 100 ms of running code
    const afterWork = await busy();
    expect(afterWork - start).toBeGreaterThanOrEqual(0.09);
    await new Promise((resolve) => setTimeout(resolve, 200)); // 200 ms of waiting
    expect((await busy()) - afterWork).toBeLessThan(0.1);
  });
});
