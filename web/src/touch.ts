/**
 * Touch gestures on the canvas, as pure state (no DOM, no timers), unit-tested in
 * touch.test.ts. input.ts feeds it the touch pointers' events and acts on the intents it
 * returns:
 *
 * - one finger that moves past a few pixels: pan (the world follows the finger);
 * - two fingers: pinch, i.e. zoom by the change of their distance about their centre,
 *   and pan by the move of that centre, so the world point under the fingers stays under
 *   them; a third finger is ignored; lifting one of the two goes on panning with the other;
 * - one finger lifted without moving: a tap (input.ts places with the Place tool);
 * - one finger held still for LONG_PRESS_MS: a hold (input.ts starts painting with the
 *   Cell pattern, or places another pattern); the finger's moves are then drags, and
 *   lifting it releases; a second finger cancels the hold.
 *
 * Why not the browser's own gestures: the canvas has `touch-action: none`, so the page
 * never scrolls or zooms under the player's fingers, and every gesture comes here as
 * pointer events (pointerType 'touch'), the same events the mouse uses.
 */

/** A point in CSS pixels, relative to the canvas. */
export interface TouchPoint {
  readonly px: number;
  readonly py: number;
}

/** What a gesture asks for; coordinates are CSS pixels relative to the canvas. */
export type TouchIntent =
  /** A lone finger went down (the pattern preview can follow it). */
  | { readonly kind: 'press'; readonly px: number; readonly py: number }
  /** Move the view by a screen delta. */
  | { readonly kind: 'pan'; readonly dx: number; readonly dy: number }
  /** Pan by (dx, dy), then zoom by `factor` about (px, py). */
  | { readonly kind: 'pinch'; readonly dx: number; readonly dy: number; readonly factor: number; readonly px: number; readonly py: number }
  /** A lone finger lifted without moving. */
  | { readonly kind: 'tap'; readonly px: number; readonly py: number }
  /** A lone finger held still for LONG_PRESS_MS. */
  | { readonly kind: 'hold'; readonly px: number; readonly py: number }
  /** The held finger moved. */
  | { readonly kind: 'drag'; readonly px: number; readonly py: number }
  /** The held finger lifted (`commit`), or the hold was cancelled (a second finger, a pointercancel). */
  | { readonly kind: 'release'; readonly commit: boolean };

/** Pixels a finger may move and still tap or hold (fingers wobble more than a mouse). */
export const TAP_SLOP_PX = 10;
/** How long a finger must stay still to hold, ms. */
export const LONG_PRESS_MS = 450;

/**
 * One step of a two-finger pinch: fingers a and b moved from (a0, b0) to (a1, b1).
 * Panning by (dx, dy) and then zooming by `factor` about (px, py) keeps the world point
 * that was under the old centre of the fingers under the new one.
 */
export function pinchStep(a0: TouchPoint, b0: TouchPoint, a1: TouchPoint, b1: TouchPoint): { dx: number; dy: number; factor: number; px: number; py: number } {
  const c0 = midpoint(a0, b0);
  const c1 = midpoint(a1, b1);
  const d0 = distance(a0, b0);
  const d1 = distance(a1, b1);
  // Fingers on the same pixel have no distance to compare: no zoom for that step.
  const factor = d0 < 1 || d1 < 1 ? 1 : d1 / d0;
  return { dx: c1.px - c0.px, dy: c1.py - c0.py, factor, px: c1.px, py: c1.py };
}

function midpoint(a: TouchPoint, b: TouchPoint): TouchPoint {
  return { px: (a.px + b.px) / 2, py: (a.py + b.py) / 2 };
}

function distance(a: TouchPoint, b: TouchPoint): number {
  return Math.hypot(a.px - b.px, a.py - b.py);
}

/**
 * idle: no finger; pending: one finger down, still (a tap or a hold to come); pan: one
 * finger panning; held: one finger held (drags); pinch: two fingers.
 */
type Phase = 'idle' | 'pending' | 'pan' | 'held' | 'pinch';

/** The touch gesture in progress; see the module comment. */
export class TouchGestures {
  /** Every finger down, by pointer id, where it was last seen. */
  readonly #fingers = new Map<number, TouchPoint>();
  #phase: Phase = 'idle';
  /** The finger of a one-finger phase. */
  #primary = -1;
  /** Where the primary finger went down (pending). */
  #start: TouchPoint = { px: 0, py: 0 };
  /** The two fingers of a pinch. */
  #pinch: [number, number] = [-1, -1];

  /** The phase, for tests and for input.ts (a hold timer matters only while pending). */
  get phase(): Phase {
    return this.#phase;
  }

  /** A finger went down. */
  down(id: number, p: TouchPoint): TouchIntent[] {
    this.#fingers.set(id, p);
    switch (this.#phase) {
      case 'idle':
        this.#phase = 'pending';
        this.#primary = id;
        this.#start = p;
        return [{ kind: 'press', px: p.px, py: p.py }];
      case 'pending':
      case 'pan':
      case 'held': {
        const cancelled: TouchIntent[] = this.#phase === 'held' ? [{ kind: 'release', commit: false }] : [];
        this.#phase = 'pinch';
        this.#pinch = [this.#primary, id];
        return cancelled;
      }
      case 'pinch':
        return []; // a third finger: ignored
    }
  }

  /** A finger moved. */
  move(id: number, p: TouchPoint): TouchIntent[] {
    const last = this.#fingers.get(id);
    if (last === undefined) return [];
    this.#fingers.set(id, p);
    switch (this.#phase) {
      case 'pending':
        if (id !== this.#primary || Math.hypot(p.px - this.#start.px, p.py - this.#start.py) <= TAP_SLOP_PX) return [];
        this.#phase = 'pan';
        // The whole move since the finger went down, so the world stays under it.
        return [{ kind: 'pan', dx: p.px - this.#start.px, dy: p.py - this.#start.py }];
      case 'pan':
        return id === this.#primary ? [{ kind: 'pan', dx: p.px - last.px, dy: p.py - last.py }] : [];
      case 'held':
        return id === this.#primary ? [{ kind: 'drag', px: p.px, py: p.py }] : [];
      case 'pinch': {
        const [a, b] = this.#pinch;
        if (id !== a && id !== b) return [];
        const other = this.#fingers.get(id === a ? b : a)!;
        return [{ kind: 'pinch', ...pinchStep(last, other, p, other) }];
      }
      case 'idle':
        return [];
    }
  }

  /** A finger lifted (`cancelled`: the browser took it away, pointercancel). */
  up(id: number, p: TouchPoint, cancelled = false): TouchIntent[] {
    if (!this.#fingers.has(id)) return [];
    this.#fingers.delete(id);
    const phase = this.#phase;
    if (phase === 'pinch') {
      if (id !== this.#pinch[0] && id !== this.#pinch[1]) return [];
      // Go on panning with a finger still down, or rest.
      const rest = this.#fingers.keys().next();
      this.#phase = rest.done === true ? 'idle' : 'pan';
      this.#primary = rest.done === true ? -1 : rest.value;
      return [];
    }
    if (id !== this.#primary) return [];
    this.#phase = 'idle';
    this.#primary = -1;
    if (phase === 'pending' && !cancelled) return [{ kind: 'tap', px: p.px, py: p.py }];
    if (phase === 'held') return [{ kind: 'release', commit: !cancelled }];
    return [];
  }

  /** The long-press time passed since the last `press`: a finger still pending becomes a hold. */
  hold(): TouchIntent[] {
    if (this.#phase !== 'pending') return [];
    this.#phase = 'held';
    const p = this.#fingers.get(this.#primary) ?? this.#start;
    return [{ kind: 'hold', px: p.px, py: p.py }];
  }
}
