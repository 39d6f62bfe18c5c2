// Viewports resolve to the chunks they cover (wrapping on a torus, clipped when bounded),
// equal chunk sets share a group, and coverage counts groups, not members.
import { describe, expect, it } from 'vitest';
import { Geometry, LifeError } from '@lifemmo/shared';
import { sendVerdict } from './backpressure.js';
import { SubscriptionGroups, resolveViewport } from './subscriptions.js';

const torus = new Geometry({ width: 256, height: 256, topology: 'torus', shardChunks: 8 });
const bounded = new Geometry({ width: 256, height: 256, topology: 'bounded', shardChunks: 8 });

describe('resolveViewport', () => {
  it('wraps on a torus and clips in a bounded world', () => {
    expect([...resolveViewport(torus, { x: 200, y: 0, w: 100, h: 10 }, 1e6).chunks]).toEqual([0, 3]);
    expect([...resolveViewport(torus, { x: -1, y: -1, w: 2, h: 2 }, 1e6).chunks]).toEqual([0, 3, 12, 15]);
    expect([...resolveViewport(bounded, { x: 200, y: 0, w: 100, h: 10 }, 1e6).chunks]).toEqual([3]);
    expect([...resolveViewport(bounded, { x: -500, y: 0, w: 100, h: 10 }, 1e6).chunks]).toEqual([]);
  });

  it('gives equal keys to rectangles covering the same chunks', () => {
    const a = resolveViewport(torus, { x: 0, y: 0, w: 64, h: 64 }, 1e6);
    const b = resolveViewport(torus, { x: 256, y: -256, w: 10, h: 10 }, 1e6);
    expect(a.key).toBe(b.key);
  });

  it('refuses an area over the limit or a side over the world', () => {
    expect(() => resolveViewport(torus, { x: 0, y: 0, w: 100, h: 100 }, 9999)).toThrow(LifeError);
    expect(() => resolveViewport(torus, { x: 0, y: 0, w: 257, h: 1 }, 1e6)).toThrow(/too large/);
  });
});

describe('SubscriptionGroups', () => {
  it('shares a group between equal chunk sets and counts coverage per group', () => {
    const groups = new SubscriptionGroups<string>(16);
    const v = resolveViewport(torus, { x: 0, y: 0, w: 100, h: 10 }, 1e6);
    const g1 = groups.join('a', v);
    const g2 = groups.join('b', v);
    expect(g1).toBe(g2);
    expect(groups.size).toBe(1);
    expect(groups.covers(1)).toBe(true);
    groups.leave('a', g1);
    expect(groups.covers(1)).toBe(true);
    groups.leave('b', g1);
    expect(groups.covers(1)).toBe(false);
    expect(groups.size).toBe(0);
  });
});

describe('sendVerdict', () => {
  it('sends below the watermark, skips above it, drops above the hard limit', () => {
    const limits = { watermarkBytes: 100, hardLimitBytes: 1000 };
    expect(sendVerdict(0, limits)).toBe('send');
    expect(sendVerdict(100, limits)).toBe('send');
    expect(sendVerdict(101, limits)).toBe('skip');
    expect(sendVerdict(1000, limits)).toBe('skip');
    expect(sendVerdict(1001, limits)).toBe('drop');
  });
});
