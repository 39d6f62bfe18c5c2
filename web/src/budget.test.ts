import { expect, test } from 'vitest';
import { RateMeter, projectBudget } from './budget.js';
import { OwnerColours, UNKNOWN_COLOUR, packColour } from './colours.js';

test('the budget refills per generation up to its capacity', () => {
  const reading = { available: 10, capacity: 200, refillPerGen: 2.5, generation: 100 };
  expect(projectBudget(reading, 100)).toBe(10);
  expect(projectBudget(reading, 99)).toBe(10);
  expect(projectBudget(reading, 101)).toBe(12);
  expect(projectBudget(reading, 102)).toBe(15);
  expect(projectBudget(reading, 10_000)).toBe(200);
});

test('the rate meter counts events in its window', () => {
  const m = new RateMeter(1000);
  for (let t = 0; t < 1000; t += 100) m.tick(t);
  expect(m.rate(999)).toBe(10);
  expect(m.rate(1450)).toBe(5);
  expect(m.rate(5000)).toBe(0);
});

test('colours pack to little-endian RGBA words; unknown owners get the muted colour', () => {
  expect(packColour('#ff8000')).toBe(0xff0080ff);
  const c = new OwnerColours();
  c.set(7, '#123456');
  expect(c.hex(7)).toBe('#123456');
  expect(c.packed(7)).toBe(packColour('#123456'));
  expect(c.hex(8)).toBe(UNKNOWN_COLOUR);
  expect(c.packed(8)).toBe(packColour(UNKNOWN_COLOUR));
});
