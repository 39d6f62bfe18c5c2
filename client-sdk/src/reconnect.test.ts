import { expect, test } from 'vitest';
import { backoffDelay } from './reconnect.js';

test('backoff grows by the factor up to the ceiling, with a jittered half', () => {
  const fixed = (r: number) => () => r;
  expect(backoffDelay(0, {}, fixed(0))).toBe(125);
  expect(backoffDelay(0, {}, fixed(1))).toBe(250);
  expect(backoffDelay(3, {}, fixed(1))).toBe(2000);
  expect(backoffDelay(30, {}, fixed(1))).toBe(10_000);
  expect(backoffDelay(30, {}, fixed(0))).toBe(5_000);
  expect(backoffDelay(2, { initialDelayMs: 10, factor: 3, jitter: 0 }, fixed(0.7))).toBe(90);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(4);
    expect(d).toBeGreaterThanOrEqual(2000);
    expect(d).toBeLessThanOrEqual(4000);
  }
});
