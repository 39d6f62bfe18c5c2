import { describe, expect, it } from 'vitest';
import { commandPoint, readPoint } from './command-point.js';

describe('commandPoint: where one admin command takes effect in every region', () => {
  it('a paused world: the generation every region is at', () => {
    const paused = [3, 3, 3].map((generation) => ({ epoch: 2, generation, paused: true }));
    expect(commandPoint(paused, 5)).toEqual({ epoch: 2, generation: 3 });
  });

  it('a running world: the largest generation plus the lead (regions behind reach it later)', () => {
    const running = [7, 9, 8].map((generation) => ({ epoch: 1, generation, paused: false }));
    expect(commandPoint(running, 2)).toEqual({ epoch: 1, generation: 11 });
  });

  it('refuses a world not at one point: epochs differ (a reset under way), paused and running mixed, paused apart', () => {
    expect(() => commandPoint([{ epoch: 1, generation: 4, paused: true }, { epoch: 2, generation: 0, paused: true }], 2)).toThrow(/epochs 1, 2/);
    expect(() => commandPoint([{ epoch: 1, generation: 4, paused: true }, { epoch: 1, generation: 5, paused: false }], 2)).toThrow(/1 of 2 regions are paused/);
    expect(() => commandPoint([{ epoch: 1, generation: 4, paused: true }, { epoch: 1, generation: 5, paused: true }], 2)).toThrow(/paused at generations 4, 5/);
    expect(() => commandPoint([], 2)).toThrow(/No regions/);
    expect(() => commandPoint([{ epoch: 0, generation: 0, paused: false }], 0)).toThrow(/lead/);
  });
});

describe('readPoint: where every region answers one read', () => {
  it('the furthest generation, paused or running (the ones behind reach it)', () => {
    expect(readPoint([7, 9, 8].map((generation) => ({ epoch: 1, generation, paused: false })))).toEqual({ epoch: 1, generation: 9 });
    expect(readPoint([3, 3].map((generation) => ({ epoch: 0, generation, paused: true })))).toEqual({ epoch: 0, generation: 3 });
    // A pause at a point under way: the one running behind is still to reach the paused one.
    expect(readPoint([{ epoch: 0, generation: 6, paused: true }, { epoch: 0, generation: 5, paused: false }])).toEqual({ epoch: 0, generation: 6 });
  });

  it('the next generation of a region whose tick from its own has begun, and `ahead` more on later tries', () => {
    const running = [
      { epoch: 1, generation: 9, paused: false, ticking: true },
      { epoch: 1, generation: 9, paused: false, ticking: false },
    ];
    expect(readPoint(running)).toEqual({ epoch: 1, generation: 10 });
    expect(readPoint(running, 2)).toEqual({ epoch: 1, generation: 12 });
  });

  it('none while a reset is under way, or while a region is paused behind another', () => {
    expect(readPoint([{ epoch: 1, generation: 40, paused: false }, { epoch: 2, generation: 0, paused: false }])).toBeNull();
    expect(readPoint([{ epoch: 1, generation: 4, paused: true }, { epoch: 1, generation: 5, paused: false }])).toBeNull();
    expect(readPoint([{ epoch: 1, generation: 4, paused: true }, { epoch: 1, generation: 5, paused: true }])).toBeNull();
    expect(() => readPoint([])).toThrow(/No regions/);
  });
});
