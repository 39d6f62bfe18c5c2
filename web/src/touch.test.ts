import { describe, expect, test } from 'vitest';
import { pan, screenToWorld, zoomAt, type Camera, type CameraWorld } from './camera.js';
import { TAP_SLOP_PX, TouchGestures, pinchStep, type TouchIntent } from './touch.js';

const world: CameraWorld = { width: 4096, height: 4096, topology: 'torus' };
const view = { width: 390, height: 844 };

/** Apply intents to a camera the way input.ts and main.ts do. */
function apply(camera: Camera, intents: TouchIntent[]): Camera {
  let c = camera;
  for (const i of intents) {
    if (i.kind === 'pan') c = pan(c, world, view, i.dx, i.dy);
    if (i.kind === 'pinch') c = zoomAt(pan(c, world, view, i.dx, i.dy), world, view, i.factor, i.px, i.py);
  }
  return c;
}

describe('pinchStep', () => {
  test('spreading two fingers zooms by the ratio of their distances, about their centre', () => {
    const s = pinchStep({ px: 100, py: 400 }, { px: 200, py: 400 }, { px: 50, py: 400 }, { px: 250, py: 400 });
    expect(s).toEqual({ dx: 0, dy: 0, factor: 2, px: 150, py: 400 });
  });

  test('fingers on one pixel do not zoom', () => {
    expect(pinchStep({ px: 10, py: 10 }, { px: 10, py: 10 }, { px: 20, py: 10 }, { px: 10, py: 10 }).factor).toBe(1);
  });

  test('the world point under the fingers stays under them while they pinch and move', () => {
    const start: Camera = { cx: 2000, cy: 2000, scale: 8 };
    const g = new TouchGestures();
    g.down(1, { px: 120, py: 300 });
    g.down(2, { px: 220, py: 340 });
    const under = screenToWorld(start, view, 170, 320); // the fingers' centre
    let cam = start;
    // Both fingers move apart and down, in several events each, as a browser sends them.
    for (let k = 1; k <= 5; k++) {
      cam = apply(cam, g.move(1, { px: 120 - 12 * k, py: 300 + 6 * k }));
      cam = apply(cam, g.move(2, { px: 220 + 12 * k, py: 340 + 10 * k }));
    }
    // Centre now ((60 + 280) / 2, (330 + 390) / 2) = (170, 360); distance grew from 107.7 to 228.
    expect(cam.scale).toBeCloseTo(8 * (Math.hypot(220, 60) / Math.hypot(100, 40)), 6);
    const after = screenToWorld(cam, view, 170, 360);
    expect(after.x).toBeCloseTo(under.x, 6);
    expect(after.y).toBeCloseTo(under.y, 6);
  });
});

describe('TouchGestures', () => {
  test('a finger lifted without moving is a tap; small wobbles do not pan', () => {
    const g = new TouchGestures();
    expect(g.down(7, { px: 50, py: 60 })).toEqual([{ kind: 'press', px: 50, py: 60 }]);
    expect(g.move(7, { px: 53, py: 64 })).toEqual([]);
    expect(g.up(7, { px: 53, py: 64 })).toEqual([{ kind: 'tap', px: 53, py: 64 }]);
    expect(g.phase).toBe('idle');
  });

  test('a finger that moves past the slop pans by the whole move, then by each step', () => {
    const g = new TouchGestures();
    g.down(1, { px: 100, py: 100 });
    expect(g.move(1, { px: 100 + TAP_SLOP_PX + 5, py: 100 })).toEqual([{ kind: 'pan', dx: TAP_SLOP_PX + 5, dy: 0 }]);
    expect(g.move(1, { px: 120, py: 90 })).toEqual([{ kind: 'pan', dx: 120 - (100 + TAP_SLOP_PX + 5), dy: -10 }]);
    expect(g.up(1, { px: 120, py: 90 })).toEqual([]); // a pan is no tap
  });

  test('a hold drags and releases; a second finger cancels it and pinches', () => {
    const g = new TouchGestures();
    g.down(1, { px: 10, py: 10 });
    expect(g.hold()).toEqual([{ kind: 'hold', px: 10, py: 10 }]);
    expect(g.hold()).toEqual([]); // once
    expect(g.move(1, { px: 30, py: 10 })).toEqual([{ kind: 'drag', px: 30, py: 10 }]);
    expect(g.up(1, { px: 30, py: 10 })).toEqual([{ kind: 'release', commit: true }]);

    g.down(1, { px: 10, py: 10 });
    g.hold();
    expect(g.down(2, { px: 50, py: 10 })).toEqual([{ kind: 'release', commit: false }]);
    expect(g.phase).toBe('pinch');
    expect(g.move(2, { px: 90, py: 10 })).toEqual([{ kind: 'pinch', dx: 20, dy: 0, factor: 2, px: 50, py: 10 }]);
  });

  test('a hold comes only to a finger still pending; a cancelled finger does not tap', () => {
    const g = new TouchGestures();
    g.down(1, { px: 10, py: 10 });
    g.move(1, { px: 60, py: 10 });
    expect(g.hold()).toEqual([]);
    g.up(1, { px: 60, py: 10 });
    g.down(2, { px: 10, py: 10 });
    expect(g.up(2, { px: 10, py: 10 }, true)).toEqual([]);
  });

  test('after a pinch the finger left down pans; a third finger is ignored', () => {
    const g = new TouchGestures();
    g.down(1, { px: 0, py: 0 });
    g.down(2, { px: 100, py: 0 });
    expect(g.down(3, { px: 50, py: 50 })).toEqual([]);
    expect(g.move(3, { px: 70, py: 50 })).toEqual([]);
    expect(g.up(3, { px: 70, py: 50 })).toEqual([]);
    expect(g.phase).toBe('pinch');
    expect(g.up(1, { px: 0, py: 0 })).toEqual([]);
    expect(g.phase).toBe('pan');
    expect(g.move(2, { px: 110, py: 5 })).toEqual([{ kind: 'pan', dx: 10, dy: 5 }]);
    expect(g.up(2, { px: 110, py: 5 })).toEqual([]);
    expect(g.phase).toBe('idle');
  });
});
