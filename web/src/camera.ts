/**
 * Camera math: which cells the canvas shows, and the conversions between screen pixels
 * and world cells. Pure functions over plain objects (no DOM), unit-tested in
 * camera.test.ts.
 *
 * Coordinates: world cells, x to the right, y down. The camera holds the world point at
 * the canvas centre (fractional cells) and a scale in CSS pixels per cell. On a torus the
 * centre is kept in [0, width) x [0, height) by wrapping; the view rectangle built from it
 * may start at a negative coordinate, which subscriptions and replica reads accept (they
 * wrap). In a bounded world the centre is clamped to the world.
 */
import { mod, type Rect, type Topology } from '@lifemmo/shared/client';

/** The world as the camera needs it. */
export interface CameraWorld {
  readonly width: number;
  readonly height: number;
  readonly topology: Topology;
}

/** Canvas size in CSS pixels. */
export interface ViewSize {
  readonly width: number;
  readonly height: number;
}

/** Where the camera looks. */
export interface Camera {
  /** World point at the canvas centre, cells. */
  readonly cx: number;
  readonly cy: number;
  /** CSS pixels per cell. */
  readonly scale: number;
}

/** Largest zoom, pixels per cell. */
export const MAX_SCALE = 48;
/** Smallest zoom regardless of world size, pixels per cell. */
export const MIN_SCALE = 0.125;

/**
 * Smallest scale for this world and view: the view never shows more than the world in
 * either direction, so a torus never has to be drawn twice side by side.
 */
export function minScale(world: CameraWorld, view: ViewSize): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.width / world.width, view.height / world.height));
}

/** `camera` made valid: scale within limits, centre wrapped (torus) or clamped (bounded). */
export function normalize(camera: Camera, world: CameraWorld, view: ViewSize): Camera {
  const scale = Math.min(MAX_SCALE, Math.max(minScale(world, view), camera.scale));
  if (world.topology === 'torus') {
    return { cx: mod(camera.cx, world.width), cy: mod(camera.cy, world.height), scale };
  }
  return { cx: clamp(camera.cx, 0, world.width), cy: clamp(camera.cy, 0, world.height), scale };
}

/** A camera looking at the middle of the world at `scale` (default 8 px per cell). */
export function centred(world: CameraWorld, view: ViewSize, scale = 8): Camera {
  return normalize({ cx: world.width / 2, cy: world.height / 2, scale }, world, view);
}

/**
 * The camera moved to look at world point (x, y) at the same zoom: the one way the page
 * jumps somewhere (a click on the minimap, "Go to my cells", a leaderboard entry).
 */
export function lookAt(camera: Camera, world: CameraWorld, view: ViewSize, x: number, y: number): Camera {
  return normalize({ ...camera, cx: x, cy: y }, world, view);
}

/** The world point (fractional cells) under screen pixel (px, py). */
export function screenToWorld(camera: Camera, view: ViewSize, px: number, py: number): { x: number; y: number } {
  return { x: camera.cx + (px - view.width / 2) / camera.scale, y: camera.cy + (py - view.height / 2) / camera.scale };
}

/**
 * The cell under screen pixel (px, py), as a world cell: wrapped on a torus, null when
 * outside a bounded world.
 */
export function cellAt(camera: Camera, view: ViewSize, world: CameraWorld, px: number, py: number): { x: number; y: number } | null {
  const p = screenToWorld(camera, view, px, py);
  const x = Math.floor(p.x);
  const y = Math.floor(p.y);
  if (world.topology === 'torus') return { x: mod(x, world.width), y: mod(y, world.height) };
  return x < 0 || y < 0 || x >= world.width || y >= world.height ? null : { x, y };
}

/** The screen pixel of the top-left corner of world point (x, y), taking the shortest way round a torus. */
export function worldToScreen(camera: Camera, view: ViewSize, world: CameraWorld, x: number, y: number): { px: number; py: number } {
  let dx = x - camera.cx;
  let dy = y - camera.cy;
  if (world.topology === 'torus') {
    dx = nearest(dx, world.width);
    dy = nearest(dy, world.height);
  }
  return { px: view.width / 2 + dx * camera.scale, py: view.height / 2 + dy * camera.scale };
}

/** Move the camera by a drag of (dxPx, dyPx) screen pixels: the world follows the pointer. */
export function pan(camera: Camera, world: CameraWorld, view: ViewSize, dxPx: number, dyPx: number): Camera {
  return normalize({ ...camera, cx: camera.cx - dxPx / camera.scale, cy: camera.cy - dyPx / camera.scale }, world, view);
}

/** Zoom by `factor` keeping the world point under screen pixel (px, py) where it is. */
export function zoomAt(camera: Camera, world: CameraWorld, view: ViewSize, factor: number, px: number, py: number): Camera {
  const before = screenToWorld(camera, view, px, py);
  const scale = Math.min(MAX_SCALE, Math.max(minScale(world, view), camera.scale * factor));
  // Solve screenToWorld(after, px) = before for the new centre.
  const cx = before.x - (px - view.width / 2) / scale;
  const cy = before.y - (py - view.height / 2) / scale;
  return normalize({ cx, cy, scale }, world, view);
}

/** The whole cells the view touches, as a rectangle (x, y may be negative on a torus). */
export function visibleRect(camera: Camera, view: ViewSize): Rect {
  const left = Math.floor(camera.cx - view.width / 2 / camera.scale);
  const top = Math.floor(camera.cy - view.height / 2 / camera.scale);
  const right = Math.ceil(camera.cx + view.width / 2 / camera.scale);
  const bottom = Math.ceil(camera.cy + view.height / 2 / camera.scale);
  return { x: left, y: top, w: right - left, h: bottom - top };
}

/**
 * The rectangle to subscribe to for `visible`: grown by `margin` cells on every side so
 * small pans need no new subscription, then shrunk around its centre to at most `maxArea`
 * cells (the server's limit) and to the world's size. In a bounded world it is also
 * clipped to the world (the server would clip it anyway).
 */
export function subscriptionRect(visible: Rect, world: CameraWorld, maxArea: number, margin = 32): Rect {
  let w = Math.min(world.width, visible.w + 2 * margin);
  let h = Math.min(world.height, visible.h + 2 * margin);
  if (w * h > maxArea) {
    // Keep the aspect ratio while it fits; a side limited by the world gives its area to the other.
    const k = Math.sqrt(maxArea / (w * h));
    w = Math.max(1, Math.floor(w * k));
    h = Math.max(1, Math.min(world.height, Math.floor(maxArea / w)));
  }
  const cxv = visible.x + visible.w / 2;
  const cyv = visible.y + visible.h / 2;
  let x = Math.round(cxv - w / 2);
  let y = Math.round(cyv - h / 2);
  if (world.topology === 'bounded') {
    x = clamp(x, 0, world.width - w);
    y = clamp(y, 0, world.height - h);
  }
  return { x, y, w, h };
}

/** True when `inner` lies inside `outer` (in the same, unwrapped frame, or modulo the world on a torus). */
export function contains(outer: Rect, inner: Rect, world: CameraWorld): boolean {
  let dx = inner.x - outer.x;
  let dy = inner.y - outer.y;
  if (world.topology === 'torus') {
    dx = nearest(dx, world.width);
    dy = nearest(dy, world.height);
  }
  return dx >= 0 && dy >= 0 && dx + inner.w <= outer.w && dy + inner.h <= outer.h;
}

/** `d` moved by whole periods into [-period/2, period/2): the shortest way round a torus. */
export function nearest(d: number, period: number): number {
  return mod(d + period / 2, period) - period / 2;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
