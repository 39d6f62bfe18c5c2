/**
 * `window.lifemmo`: a read-only view of the page's state for tests and for debugging in
 * the browser console (docs/web-client.md). Not an API for players' scripts: it may
 * change with the page. Everything is a getter or a copy, so reading it never changes
 * the page.
 */
import type { Rect } from '@lifemmo/shared/client';
import type { Camera, CameraWorld } from './camera.js';

/** What `window.lifemmo` shows. */
export interface DebugView {
  /** The SDK client's state: idle, connecting, open, reconnecting, closed. */
  readonly state: string;
  /** What the panel shows: connecting, open, reconnecting, closed, offline. */
  readonly connection: string;
  /** Generation of the replica; -1 before the first snapshot. */
  readonly generation: number;
  /** Live cells in the replica (the subscribed rectangle). */
  readonly population: number;
  /** The joined player, or null for a spectator. */
  readonly player: { readonly id: number; readonly name: string; readonly color: string } | null;
  readonly world: CameraWorld | null;
  readonly camera: Camera | null;
  /** The rectangle the replica holds. */
  readonly subscribed: Rect | null;
  /** Remaining placement budget as shown, or null. */
  readonly budget: number | null;
  /** Frames drawn so far. */
  readonly frames: number;
  /** Messages shown to the user (toasts), oldest first, at most 50. */
  readonly messages: readonly string[];
  /** The "Your cells" section: samples kept, the last live cells and births credited (null before one), births within the window. */
  readonly glance: { readonly samples: number; readonly cells: number | null; readonly births: number | null; readonly birthsInWindow: number };
  /** Compact (small screen) layout, drawer open, input the page adapts to. */
  readonly layout: { readonly compact: boolean; readonly drawer: boolean; readonly input: 'touch' | 'mouse' };
  /** The last jump to an owner's cells ("Go to my cells", a leaderboard entry): the chunk, its centre (cells), "colony index of of"; null before one, or when the owner had none. */
  readonly found: { readonly owner: number; readonly chunk: readonly [number, number]; readonly x: number; readonly y: number; readonly index: number; readonly of: number } | null;
  /** Live cells of the replica as [x, y, owner], only those in `rect` when given (a copy). */
  cells(rect?: Rect): Array<[number, number, number]>;
  /** CSS-pixel position (relative to the canvas) of the top-left corner of cell (x, y); null before the camera exists. */
  cellToScreen(x: number, y: number): { px: number; py: number } | null;
}

declare global {
  interface Window {
    /** The test and debug hook; see debug-hook.ts. */
    readonly lifemmo?: DebugView;
  }
}

/** Expose `view` as `window.lifemmo` (once). */
export function installDebugHook(view: DebugView): void {
  Object.defineProperty(window, 'lifemmo', { value: Object.freeze(view), enumerable: true });
}
