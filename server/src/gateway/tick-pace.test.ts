import { describe, expect, it } from 'vitest';
import { TickPace } from './tick-pace.js';

const T0 = 1_000_000_000_000; // a whole second, ms since the epoch

describe('TickPace', () => {
  it('is on time before any summary, and at the rate it keeps', () => {
    const pace = new TickPace();
    expect(pace.lagMs(T0, 100)).toBe(0);
    expect(pace.ticksPerSecond(T0)).toBe(0);
    pace.state(false, T0);
    for (let i = 1; i <= 60; i++) pace.tick(0, T0 + i * 100);
    // The last five whole seconds (1..5) held 10 ticks each; the current one does not count yet.
    expect(pace.ticksPerSecond(T0 + 6_000)).toBe(10);
    expect(pace.lagMs(T0 + 6_050, 100)).toBe(0);
  });

  it('reports the latest start lag, and a tick overdue now even before its summary', () => {
    const pace = new TickPace();
    pace.state(false, T0);
    pace.tick(350, T0 + 400);
    expect(pace.lagMs(T0 + 400, 50)).toBe(350);
    // Two seconds without a summary at a 50 ms rate: 1950 ms overdue.
    expect(pace.lagMs(T0 + 2_400, 50)).toBe(1_950);
    // And the rate falls: one tick in the last whole seconds.
    expect(pace.ticksPerSecond(T0 + 3_000)).toBeLessThan(1);
  });

  it('a paused world is on time; resumed, its schedule starts afresh', () => {
    const pace = new TickPace();
    pace.state(false, T0);
    pace.tick(500, T0 + 600);
    pace.state(true, T0 + 700);
    expect(pace.lagMs(T0 + 60_000, 100)).toBe(0);
    pace.state(false, T0 + 60_000);
    expect(pace.lagMs(T0 + 60_050, 100)).toBe(0);
    expect(pace.lagMs(T0 + 60_300, 100)).toBe(200);
  });

  it('a restart (reset, new sim) forgets the lag', () => {
    const pace = new TickPace();
    pace.state(false, T0);
    pace.tick(900, T0 + 1_000);
    pace.restart(T0 + 1_010);
    expect(pace.lagMs(T0 + 1_020, 100)).toBe(0);
  });
});
