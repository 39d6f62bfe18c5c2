import { describe, expect, test } from 'vitest';
import {
  MAX_SCALE,
  cellAt,
  centred,
  contains,
  lookAt,
  minScale,
  nearest,
  normalize,
  pan,
  screenToWorld,
  subscriptionRect,
  visibleRect,
  worldToScreen,
  zoomAt,
  type CameraWorld,
} from './camera.js';

const torus: CameraWorld = { width: 4096, height: 4096, topology: 'torus' };
const bounded: CameraWorld = { width: 256, height: 256, topology: 'bounded' };
const view = { width: 800, height: 600 };

describe('camera', () => {
  test('screen and world conversions are inverses', () => {
    const cam = { cx: 100.5, cy: 50.25, scale: 8 };
    expect(screenToWorld(cam, view, 400, 300)).toEqual({ x: 100.5, y: 50.25 });
    const p = worldToScreen(cam, view, torus, 110, 60);
    expect(screenToWorld(cam, view, p.px, p.py)).toEqual({ x: 110, y: 60 });
    expect(cellAt(cam, view, torus, 400, 300)).toEqual({ x: 100, y: 50 });
  });

  test('on a torus the cell under the pointer wraps and the screen position takes the short way round', () => {
    const cam = { cx: 2, cy: 2, scale: 10 };
    expect(cellAt(cam, view, torus, 0, 0)).toEqual({ x: 4096 - 38, y: 4096 - 28 });
    // World cell 4095 is just left of 0 on screen, not 4095 cells to the right.
    expect(worldToScreen(cam, view, torus, 4095, 0).px).toBe(400 + (-1 - 2) * 10);
    expect(cellAt(cam, view, { ...torus, topology: 'bounded' }, 0, 0)).toBeNull();
  });

  test('pan moves the world with the pointer and wraps the centre on a torus', () => {
    const cam = { cx: 10, cy: 10, scale: 4 };
    expect(pan(cam, torus, view, 40, -8)).toEqual({ cx: 0, cy: 12, scale: 4 });
    expect(pan(cam, torus, view, 80, 0).cx).toBe(4086);
    // A bounded world clamps the centre to the world.
    expect(pan({ cx: 10, cy: 10, scale: 4 }, bounded, view, 4000, 0).cx).toBe(0);
  });

  test('lookAt centres on a point at the same zoom, wrapped on a torus, clamped in a bounded world', () => {
    const cam = { cx: 10, cy: 10, scale: 6 };
    expect(lookAt(cam, torus, view, 2000.5, 32)).toEqual({ cx: 2000.5, cy: 32, scale: 6 });
    expect(lookAt(cam, torus, view, 4096 + 32, -32)).toEqual({ cx: 32, cy: 4096 - 32, scale: 6 });
    expect(lookAt(cam, bounded, view, 300, -5)).toEqual({ cx: 256, cy: 0, scale: 6 });
  });

  test('zoom keeps the point under the pointer fixed and respects the limits', () => {
    const cam = { cx: 1000, cy: 1000, scale: 4 };
    const before = screenToWorld(cam, view, 123, 456);
    const zoomed = zoomAt(cam, torus, view, 2, 123, 456);
    expect(zoomed.scale).toBe(8);
    const after = screenToWorld(zoomed, view, 123, 456);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
    expect(zoomAt(cam, torus, view, 1000, 0, 0).scale).toBe(MAX_SCALE);
    // Never more than the world in view: 800 px over 256 cells.
    expect(minScale(bounded, view)).toBe(800 / 256);
    expect(zoomAt(cam, bounded, view, 0.001, 0, 0).scale).toBe(800 / 256);
  });

  test('visible rectangle covers every touched cell', () => {
    expect(visibleRect({ cx: 100, cy: 100, scale: 10 }, view)).toEqual({ x: 60, y: 70, w: 80, h: 60 });
    expect(visibleRect({ cx: 100.5, cy: 100, scale: 10 }, view)).toEqual({ x: 60, y: 70, w: 81, h: 60 });
    expect(visibleRect(centred(torus, view), view).w).toBe(100);
  });

  test('subscription: the view plus a margin, within the area limit and the world', () => {
    const visible = { x: 60, y: 70, w: 80, h: 60 };
    expect(subscriptionRect(visible, torus, 1_000_000, 32)).toEqual({ x: 28, y: 38, w: 144, h: 124 });
    const limited = subscriptionRect({ x: 0, y: 0, w: 2000, h: 1000 }, torus, 512 * 512, 0);
    expect(limited.w * limited.h).toBeLessThanOrEqual(512 * 512);
    expect(limited.w / limited.h).toBeCloseTo(2, 1);
    // Centred on the view's centre.
    expect(limited.x + limited.w / 2).toBeCloseTo(1000, -1);
    // Bounded: no larger than the world, and inside it.
    expect(subscriptionRect({ x: -10, y: -10, w: 100, h: 100 }, bounded, 1_000_000, 32)).toEqual({ x: 0, y: 0, w: 164, h: 164 });
    expect(subscriptionRect({ x: 0, y: 0, w: 300, h: 300 }, bounded, 1_000_000, 32)).toEqual({ x: 0, y: 0, w: 256, h: 256 });
  });

  test('contains, modulo the world on a torus', () => {
    expect(contains({ x: 0, y: 0, w: 100, h: 100 }, { x: 10, y: 10, w: 90, h: 90 }, bounded)).toBe(true);
    expect(contains({ x: 0, y: 0, w: 100, h: 100 }, { x: 10, y: 10, w: 91, h: 90 }, bounded)).toBe(false);
    expect(contains({ x: 4090, y: 0, w: 20, h: 20 }, { x: -4, y: 2, w: 10, h: 10 }, torus)).toBe(true);
  });

  test('normalize and nearest', () => {
    expect(normalize({ cx: -1, cy: 4097, scale: 0.0001 }, torus, view)).toEqual({ cx: 4095, cy: 1, scale: minScale(torus, view) });
    expect(nearest(4095, 4096)).toBe(-1);
    expect(nearest(-2049, 4096)).toBe(2047);
    expect(nearest(3, 4096)).toBe(3);
  });
});
