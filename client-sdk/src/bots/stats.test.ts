import { expect, test } from 'vitest';
import { BotStats, NOT_JOINED, joinCause } from './stats.js';

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
  a.joinFailure('LIFE_ERR_PLAYER_CREATE_RATE_LIMITED', true);
  b.joinFailure('LIFE_ERR_RATE_LIMITED', false);
  b.notJoined('LIFE_ERR_RATE_LIMITED');
  const total = new BotStats();
  total.addDelta(a.takeDelta());
  total.addDelta(b.takeDelta());
  expect(total.counters).toMatchObject({ diffs: 12, placementsRefused: 2, errors: 3, rateLimited: 2, joinRetries: 1, joinFailed: 1 });
  expect(total.refusedByCode).toEqual({ LIFE_ERR_BUDGET_EXCEEDED: 2 });
  expect(total.errorsByCode).toEqual({ LIFE_ERR_TIMEOUT: 1, LIFE_ERR_PLAYER_CREATE_RATE_LIMITED: 1, LIFE_ERR_RATE_LIMITED: 1 });
  expect(total.joinFailuresByCause()).toMatchObject({ 'rate limited': 2, refused: 0, timeout: 0 });
  expect(total.notJoinedByCode).toEqual({ LIFE_ERR_RATE_LIMITED: 1 });
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

test('join failures are told apart by cause', () => {
  expect(['LIFE_ERR_RATE_LIMITED', 'LIFE_ERR_PLAYER_CREATE_RATE_LIMITED'].map(joinCause)).toEqual(['rate limited', 'rate limited']);
  expect(['LIFE_ERR_TIMEOUT', 'LIFE_ERR_CONNECT_FAILED', NOT_JOINED].map(joinCause)).toEqual(['timeout', 'unreachable', 'run ended']);
  expect(['LIFE_ERR_TOO_MANY_PLAYERS', 'LIFE_ERR_SIM_UNAVAILABLE', 'LIFE_ERR_WS_TOO_MANY_CONNECTIONS'].map(joinCause)).toEqual(['refused', 'refused', 'refused']);
});

test('a histogram by range of ms: round edges around the values, counts where the values are', () => {
  const stats = new BotStats();
  expect(stats.buckets('connectTime')).toEqual({ edgesMs: [], counts: [] });
  for (const ms of [3.2, 4.9, 5, 5, 12, 12.5, 14.9, 48]) stats.record('connectTime', ms);
  const { edgesMs, counts } = stats.buckets('connectTime');
  expect(edgesMs).toEqual([3, 5, 7, 10, 15, 20, 30, 50]);
  expect(counts).toEqual([2, 2, 0, 3, 0, 0, 1]);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(8);
});

test('histogram ranges span sub-millisecond to seconds, and a value on an edge counts above it', () => {
  const stats = new BotStats();
  for (const ms of [0.0004, 0.7, 1499, 1500]) stats.record('connectTime', ms);
  const { edgesMs, counts } = stats.buckets('connectTime');
  expect(edgesMs[0]).toBe(0.001);
  expect(edgesMs.slice(-3)).toEqual([1000, 1500, 2000]);
  expect(counts[0]).toBe(1);
  expect(counts.at(-2)).toBe(1);
  expect(counts.at(-1)).toBe(1);
  expect(counts[edgesMs.indexOf(0.7)]).toBe(1);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
});
