import { expect, test } from 'vitest';
import { BotStats } from './stats.js';
import { MIN_LAST_WINDOW_S, Timeline } from './timeline.js';

/** A window as run.ts merges it: counters, latencies and errors of one second. */
function window(fill: (w: BotStats) => void): BotStats {
  const w = new BotStats();
  fill(w);
  return w;
}

test('one point per window: rates over its own span, latency percentiles, the connected gauge', () => {
  const timeline = new Timeline();
  timeline.add(
    1,
    10,
    window((w) => {
      w.counters.diffs = 90;
      w.counters.snapshots = 10;
      w.counters.bytes = 2_000_000;
      w.counters.placementsOk = 7;
      w.counters.placementsRefused = 3;
      for (let ms = 1; ms <= 100; ms++) w.record('tickLatency', ms);
    }),
  );
  // A late timer: this window spans 2 s, so its rates are halved.
  timeline.add(
    3,
    12,
    window((w) => {
      w.counters.diffs = 100;
      w.counters.placementsOk = 4;
      w.record('tickLatency', 50);
    }),
  );
  const d = timeline.data();
  expect(d.t).toEqual([1, 3]);
  expect(d.connected).toEqual([10, 12]);
  expect(d.framesPerSecond).toEqual([100, 50]);
  expect(d.mbPerSecond).toEqual([2, 0]);
  expect(d.placementsOkPerSecond).toEqual([7, 2]);
  expect(d.placementsRefusedPerSecond).toEqual([3, 0]);
  expect(d.tickToClientMs.p50[0]).toBeCloseTo(50, 0);
  expect(d.tickToClientMs.p90[0]).toBeCloseTo(90, 0);
  expect(d.tickToClientMs.p99[0]).toBeCloseTo(99, 0);
  expect(d.tickToClientMs.max).toEqual([expect.closeTo(100, 0), expect.closeTo(50, 0)]);
  expect(timeline.points).toBe(2);
});

test('a second with no diff is a gap in the latency lines, not a zero', () => {
  const timeline = new Timeline();
  timeline.add(1, 0, window(() => undefined));
  const d = timeline.data();
  expect(d.tickToClientMs).toEqual({ p50: [null], p90: [null], p99: [null], max: [null] });
  expect(d.framesPerSecond).toEqual([0]);
});

test('errors by code: a column per code, zeros before its first error and in quiet seconds', () => {
  const timeline = new Timeline();
  timeline.add(1, 5, window((w) => w.error('LIFE_ERR_TIMEOUT')));
  timeline.add(2, 5, window(() => undefined));
  timeline.add(
    3,
    4,
    window((w) => {
      w.error('LIFE_ERR_DISCONNECTED');
      w.error('LIFE_ERR_DISCONNECTED');
      w.joinFailure('LIFE_ERR_TIMEOUT', true);
    }),
  );
  expect(timeline.data().errorsPerSecond).toEqual({ LIFE_ERR_TIMEOUT: [1, 0, 1], LIFE_ERR_DISCONNECTED: [0, 0, 2] });
  for (const column of Object.values(timeline.data().errorsPerSecond)) expect(column).toHaveLength(timeline.points);
});

test(`the last window is kept from ${MIN_LAST_WINDOW_S} s on, a shorter one and an empty span are left out`, () => {
  const timeline = new Timeline();
  const busy = () => window((w) => (w.counters.diffs = 10));
  timeline.add(1, 1, busy());
  timeline.add(1, 1, busy());
  timeline.add(1 + MIN_LAST_WINDOW_S / 2, 1, busy(), true);
  expect(timeline.data().t).toEqual([1]);
  timeline.add(1 + MIN_LAST_WINDOW_S, 1, busy(), true);
  expect(timeline.data().t).toEqual([1, 1 + MIN_LAST_WINDOW_S]);
  // Ten diffs in half a second: 20 a second.
  expect(timeline.data().framesPerSecond).toEqual([10, 10 / MIN_LAST_WINDOW_S]);
});

test('adding reads the window and leaves it as it was (run.ts merges it into the totals after)', () => {
  const w = window((s) => {
    s.counters.diffs = 3;
    s.record('tickLatency', 5);
    s.error('LIFE_ERR_TIMEOUT');
  });
  new Timeline().add(1, 1, w);
  expect(w.counters.diffs).toBe(3);
  expect(w.summary('tickLatency').count).toBe(1);
  expect(w.errorsByCode).toEqual({ LIFE_ERR_TIMEOUT: 1 });
});
