import { expect, test } from 'vitest';
import { BotStats } from './stats.js';

test('deltas from workers merge into totals: counters, codes, histograms', () => {
  const a = new BotStats();
  const b = new BotStats();
  for (let i = 1; i <= 100; i++) a.record('tickLatency', i);
  for (let i = 1; i <= 100; i++) b.record('tickLatency', 100 + i);
  a.counters.diffs = 5;
  a.counters.connected = 3;
  b.counters.diffs = 7;
  a.refused('LIFE_ERR_BUDGET_EXCEEDED');
  b.refused('LIFE_ERR_BUDGET_EXCEEDED');
  b.error('LIFE_ERR_TIMEOUT');
  const total = new BotStats();
  total.addDelta(a.takeDelta());
  total.addDelta(b.takeDelta());
  expect(total.counters).toMatchObject({ diffs: 12, placementsRefused: 2, errors: 1 });
  expect(total.refusedByCode).toEqual({ LIFE_ERR_BUDGET_EXCEEDED: 2 });
  expect(total.errorsByCode).toEqual({ LIFE_ERR_TIMEOUT: 1 });
  const s = total.summary('tickLatency');
  expect(s.count).toBe(200);
  expect(s.p50).toBeCloseTo(100, 0);
  expect(s.p99).toBeCloseTo(198, 0);
  expect(s.max).toBeCloseTo(200, 0);
  // A delta resets the worker's counters but keeps the connected gauge.
  expect(a.counters.diffs).toBe(0);
  expect(a.counters.connected).toBe(3);
  expect(a.summary('tickLatency').count).toBe(0);
});
