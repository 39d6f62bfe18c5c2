import { describe, expect, it } from 'vitest';
import { isLifeError } from '@lifemmo/shared';
import { PlacementBudget } from './budget.js';

describe('PlacementBudget', () => {
  it('starts full, refills per generation up to its capacity', () => {
    const budget = new PlacementBudget({ capacity: 10, refillPerGen: 3 }, 100);
    expect(budget.available(100)).toBe(10);
    budget.take(10, 100);
    expect(budget.available(100)).toBe(0);
    expect(budget.available(101)).toBe(3);
    expect(budget.available(103)).toBe(9);
    expect(budget.available(110)).toBe(10);
  });

  it('accrues fractional refills', () => {
    const budget = new PlacementBudget({ capacity: 4, refillPerGen: 0.5 }, 0);
    budget.take(4, 0);
    expect(budget.available(1)).toBe(0);
    expect(budget.available(2)).toBe(1);
    expect(budget.available(5)).toBe(2);
  });

  it('gives back a refund, never above its capacity', () => {
    const budget = new PlacementBudget({ capacity: 10, refillPerGen: 1 }, 0);
    budget.take(6, 0);
    budget.refund(6, 0);
    expect(budget.available(0)).toBe(10);
    budget.take(6, 0);
    budget.refund(6, 3); // three generations refilled meanwhile
    expect(budget.available(3)).toBe(10);
  });

  it('takes nothing when it cannot take everything', () => {
    const budget = new PlacementBudget({ capacity: 5, refillPerGen: 1 }, 0);
    budget.take(3, 0);
    let thrown: unknown;
    try {
      budget.take(3, 0);
    } catch (err) {
      thrown = err;
    }
    expect(isLifeError(thrown, 'BUDGET_EXCEEDED')).toBe(true);
    expect(budget.available(0)).toBe(2);
    expect(() => budget.take(6, 1000)).toThrow(/at most 5 cells/);
  });

  it('refills completely when the world goes back to an earlier generation (reset)', () => {
    const budget = new PlacementBudget({ capacity: 5, refillPerGen: 0 }, 50);
    budget.take(5, 50);
    expect(budget.available(60)).toBe(0);
    expect(budget.available(0)).toBe(5);
  });
});
