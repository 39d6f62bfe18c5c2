/**
 * The minimap: the whole world at a glance, from the server's density feed
 * (`GET /density`: live cells per bin of at most 64x64 bins), with the camera's view and
 * the subscribed rectangle outlined. Clicking it moves the camera there.
 *
 * Why a density feed and not the leaderboard: the leaderboard says who has how many
 * cells, not where they are. The feed is polled (every couple of seconds) rather than
 * streamed: the minimap is an overview, and a poll costs the server one walk over its
 * live chunks. See docs/web-client.md.
 */
import { mod, type Density, type Rect } from '@lifemmo/shared/client';
import type { CameraWorld } from './camera.js';

/**
 * Brightness 0..1 of a bin holding `live` cells out of `area`: logarithmic, so one glider
 * shows and a dense soup does not drown everything else.
 */
export function binIntensity(live: number, area: number): number {
  if (live <= 0) return 0;
  return Math.min(1, 0.25 + (0.75 * Math.log1p(live)) / Math.log1p(area / 4));
}

/** The minimap canvas. */
export class Minimap {
  readonly canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  #density: Density | null = null;

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
    this.#ctx = canvas.getContext('2d')!;
  }

  /** The last density read, or null. */
  get density(): Density | null {
    return this.#density;
  }

  /** Keep a new density read (drawn on the next `draw`). */
  update(density: Density): void {
    this.#density = density;
  }

  /** Size the canvas to the world's aspect ratio within `maxSide` CSS pixels. */
  fit(world: CameraWorld, maxSide: number): void {
    const k = maxSide / Math.max(world.width, world.height);
    const w = Math.max(1, Math.round(world.width * k));
    const h = Math.max(1, Math.round(world.height * k));
    const dpr = window.devicePixelRatio || 1;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
  }

  /** The world cell under minimap pixel (px, py) in CSS pixels. */
  toWorld(world: CameraWorld, px: number, py: number): { x: number; y: number } {
    return { x: (px / this.canvas.clientWidth) * world.width, y: (py / this.canvas.clientHeight) * world.height };
  }

  /** Draw the density, then the subscribed rectangle and the view on top. */
  draw(world: CameraWorld, view: Rect, subscribed: Rect | null): void {
    const ctx = this.#ctx;
    const { width, height } = this.canvas;
    const k = width / world.width;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#0b0f14';
    ctx.fillRect(0, 0, width, height);
    const d = this.#density;
    if (d !== null) {
      const side = d.binSize * k;
      for (const [bx, by, live] of d.bins) {
        const a = binIntensity(live, d.binSize * d.binSize);
        ctx.fillStyle = `rgba(63, 185, 80, ${a.toFixed(3)})`;
        ctx.fillRect(bx * side, by * side, Math.ceil(side), Math.ceil(side));
      }
    }
    if (subscribed !== null) this.#outline(world, subscribed, k, 'rgba(88, 166, 255, 0.45)');
    this.#outline(world, view, k, '#f0f6fc');
  }

  /** Outline `rect`, split into up to four pieces where it wraps round a torus. */
  #outline(world: CameraWorld, rect: Rect, k: number, colour: string): void {
    const ctx = this.#ctx;
    ctx.strokeStyle = colour;
    ctx.lineWidth = Math.max(1, Math.round(window.devicePixelRatio || 1));
    const xs = world.topology === 'torus' ? [0, -world.width, world.width] : [0];
    const ys = world.topology === 'torus' ? [0, -world.height, world.height] : [0];
    const x0 = world.topology === 'torus' ? mod(rect.x, world.width) : rect.x;
    const y0 = world.topology === 'torus' ? mod(rect.y, world.height) : rect.y;
    for (const ox of xs) {
      for (const oy of ys) {
        ctx.strokeRect((x0 + ox) * k + 0.5, (y0 + oy) * k + 0.5, Math.max(2, rect.w * k - 1), Math.max(2, rect.h * k - 1));
      }
    }
  }
}
