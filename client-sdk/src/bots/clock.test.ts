import { afterEach, expect, test, vi } from 'vitest';
import { everySecond, nextBoundary } from './clock.js';

afterEach(() => {
  vi.useRealTimers();
});

test('the next boundary: the first second after the start, then each second; a late call skips the ones it missed', () => {
  expect(nextBoundary(10_000, 10_000, 0)).toBe(11_000);
  expect(nextBoundary(10_000, 10_000, 500)).toBe(11_500);
  expect(nextBoundary(11_500, 10_000, 500)).toBe(12_500);
  expect(nextBoundary(11_499, 10_000, 500)).toBe(11_500);
  expect(nextBoundary(13_700, 10_000, 500)).toBe(14_500);
  // Before the start (a worker that got `start` early): still the first boundary.
  expect(nextBoundary(9_000, 10_000, 0)).toBe(11_000);
});

test('calls on the boundaries, and none after stop', () => {
  vi.useFakeTimers({ now: 10_000 });
  const calls: number[] = [];
  const stop = everySecond(10_000, 500, () => calls.push(Date.now()));
  vi.advanceTimersByTime(3_600);
  expect(calls).toEqual([11_500, 12_500, 13_500]);
  stop();
  vi.advanceTimersByTime(5_000);
  expect(calls).toHaveLength(3);
});
