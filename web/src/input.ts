/**
 * Mouse, touch and keyboard controls of the canvas (docs/web-client.md lists them):
 *
 * - drag with the Pan tool, the right or middle button, or while holding Space: pan;
 * - wheel, `+`/`-`: zoom about the pointer (keys: about the centre);
 * - arrows / WASD: pan by an eighth of the view;
 * - with the Place tool: click places the selected pattern; with the Cell pattern a drag
 *   paints a stroke of cells, sent as one placement when the button is released;
 * - `R`: rotate the pattern; `Esc`: back to single cells; `1`-`5`: pick a pattern;
 * - touch (touch.ts): one finger pans, two pinch to zoom; with the Place tool a tap places
 *   the pattern, and a long press places it too, or with the Cell pattern starts a
 *   stroke that the finger paints until it lifts.
 *
 * The module turns events into intents (camera changes, hover, place); main.ts acts on them.
 */
import { LONG_PRESS_MS, TouchGestures, type TouchIntent } from './touch.js';

/** What the controls ask for. */
export interface InputHandlers {
  /** Pan by a screen delta, CSS pixels. */
  pan(dxPx: number, dyPx: number): void;
  /** Zoom by `factor` about screen point (px, py). */
  zoom(factor: number, px: number, py: number): void;
  /** The pointer is over screen point (px, py), or left the canvas (null). */
  hover(point: { px: number; py: number } | null): void;
  /** A click with the Place tool at (px, py). */
  click(px: number, py: number): void;
  /** A paint stroke: start, extend, end (true: send it; false: cancelled). */
  strokeStart(px: number, py: number): void;
  strokeMove(px: number, py: number): void;
  strokeEnd(commit: boolean): void;
  /** Keyboard shortcuts that are not camera moves. */
  key(name: 'rotate' | 'cancel' | `pick:${number}`): void;
  /** Whether the Place tool is active and the selected pattern paints by drag. */
  mode(): { tool: 'pan' | 'place'; paints: boolean };
}

/** Pixels a press may move and still count as a click. */
const CLICK_SLOP_PX = 4;

/** Wire the controls of `canvas`; returns a function that removes them. */
export function attachInput(canvas: HTMLCanvasElement, h: InputHandlers): () => void {
  let spaceHeld = false;
  let drag: { kind: 'pan' | 'stroke' | 'click'; id: number; x: number; y: number; moved: boolean } | null = null;
  const touches = new TouchGestures();
  let holdTimer: ReturnType<typeof setTimeout> | null = null;
  /** A touch hold is painting a stroke (Cell pattern). */
  let touchStroke = false;

  const local = (e: PointerEvent | WheelEvent): { px: number; py: number } => {
    const r = canvas.getBoundingClientRect();
    return { px: e.clientX - r.left, py: e.clientY - r.top };
  };

  const disarmHold = (): void => {
    if (holdTimer !== null) clearTimeout(holdTimer);
    holdTimer = null;
  };

  /** Act on what a touch gesture asks for. */
  const onTouch = (intents: TouchIntent[]): void => {
    for (const i of intents) {
      if (i.kind !== 'press') disarmHold();
      switch (i.kind) {
        case 'press':
          if (h.mode().tool === 'place') h.hover(i);
          disarmHold();
          holdTimer = setTimeout(() => {
            holdTimer = null;
            onTouch(touches.hold());
          }, LONG_PRESS_MS);
          break;
        case 'pan':
          h.hover(null);
          h.pan(i.dx, i.dy);
          break;
        case 'pinch':
          h.hover(null);
          h.pan(i.dx, i.dy);
          h.zoom(i.factor, i.px, i.py);
          break;
        case 'tap':
          if (h.mode().tool === 'place') h.click(i.px, i.py);
          h.hover(null);
          break;
        case 'hold': {
          const { tool, paints } = h.mode();
          if (tool !== 'place') break;
          if (paints) {
            touchStroke = true;
            canvas.dataset.dragging = 'stroke';
            h.strokeStart(i.px, i.py);
          } else {
            h.click(i.px, i.py);
          }
          break;
        }
        case 'drag':
          if (touchStroke) h.strokeMove(i.px, i.py);
          else if (h.mode().tool === 'place') h.hover(i);
          break;
        case 'release':
          if (touchStroke) h.strokeEnd(i.commit);
          touchStroke = false;
          delete canvas.dataset.dragging;
          h.hover(null);
          break;
      }
    }
  };

  const onDown = (e: PointerEvent): void => {
    if (e.pointerType === 'touch') {
      onTouch(touches.down(e.pointerId, local(e)));
      e.preventDefault();
      return;
    }
    if (drag !== null) return;
    const { px, py } = local(e);
    const { tool, paints } = h.mode();
    const panning = e.button === 1 || e.button === 2 || spaceHeld || tool === 'pan';
    if (!panning && e.button !== 0) return;
    canvas.setPointerCapture(e.pointerId);
    const kind = panning ? 'pan' : paints ? 'stroke' : 'click';
    drag = { kind, id: e.pointerId, x: px, y: py, moved: false };
    canvas.dataset.dragging = kind;
    if (kind === 'stroke') h.strokeStart(px, py);
    e.preventDefault();
  };

  const onMove = (e: PointerEvent): void => {
    if (e.pointerType === 'touch') return onTouch(touches.move(e.pointerId, local(e)));
    const { px, py } = local(e);
    h.hover({ px, py });
    if (drag === null || e.pointerId !== drag.id) return;
    if (Math.abs(px - drag.x) + Math.abs(py - drag.y) > CLICK_SLOP_PX) drag.moved = true;
    if (drag.kind === 'pan') {
      h.pan(px - drag.x, py - drag.y);
      drag.x = px;
      drag.y = py;
    } else if (drag.kind === 'stroke') {
      h.strokeMove(px, py);
    }
  };

  const onUp = (e: PointerEvent): void => {
    if (e.pointerType === 'touch') return onTouch(touches.up(e.pointerId, local(e), e.type === 'pointercancel'));
    if (drag === null || e.pointerId !== drag.id) return;
    const { px, py } = local(e);
    if (drag.kind === 'stroke') h.strokeEnd(e.type === 'pointerup');
    else if (drag.kind === 'click' && e.type === 'pointerup' && !drag.moved) h.click(px, py);
    drag = null;
    delete canvas.dataset.dragging;
  };

  const onWheel = (e: WheelEvent): void => {
    e.preventDefault();
    const { px, py } = local(e);
    // deltaMode 1 is lines (Firefox): about 16 px each.
    const delta = e.deltaY * (e.deltaMode === 1 ? 16 : 1);
    h.zoom(Math.exp(-delta * 0.0015), px, py);
  };

  const onKey = (e: KeyboardEvent): void => {
    const target = e.target as HTMLElement | null;
    if (target !== null && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) return;
    const step = Math.max(canvas.clientWidth, canvas.clientHeight) / 8;
    const cx = canvas.clientWidth / 2;
    const cy = canvas.clientHeight / 2;
    switch (e.key) {
      case 'ArrowLeft': case 'a': case 'A': h.pan(step, 0); break;
      case 'ArrowRight': case 'd': case 'D': h.pan(-step, 0); break;
      case 'ArrowUp': case 'w': case 'W': h.pan(0, step); break;
      case 'ArrowDown': case 's': case 'S': h.pan(0, -step); break;
      case '+': case '=': h.zoom(1.25, cx, cy); break;
      case '-': case '_': h.zoom(0.8, cx, cy); break;
      case 'r': case 'R': h.key('rotate'); break;
      case 'Escape': h.key('cancel'); break;
      case ' ':
        spaceHeld = true;
        canvas.dataset.space = 'held';
        break;
      default:
        if (/^[1-9]$/.test(e.key)) h.key(`pick:${Number(e.key) - 1}`);
        else return;
    }
    e.preventDefault();
  };

  const onKeyUp = (e: KeyboardEvent): void => {
    if (e.key === ' ') {
      spaceHeld = false;
      delete canvas.dataset.space;
    }
  };
  const onLeave = (): void => h.hover(null);
  const noMenu = (e: Event): void => e.preventDefault();

  canvas.addEventListener('pointerdown', onDown);
  canvas.addEventListener('pointermove', onMove);
  canvas.addEventListener('pointerup', onUp);
  canvas.addEventListener('pointercancel', onUp);
  canvas.addEventListener('pointerleave', onLeave);
  canvas.addEventListener('wheel', onWheel, { passive: false });
  canvas.addEventListener('contextmenu', noMenu);
  window.addEventListener('keydown', onKey);
  window.addEventListener('keyup', onKeyUp);
  return () => {
    disarmHold();
    canvas.removeEventListener('pointerdown', onDown);
    canvas.removeEventListener('pointermove', onMove);
    canvas.removeEventListener('pointerup', onUp);
    canvas.removeEventListener('pointercancel', onUp);
    canvas.removeEventListener('pointerleave', onLeave);
    canvas.removeEventListener('wheel', onWheel);
    canvas.removeEventListener('contextmenu', noMenu);
    window.removeEventListener('keydown', onKey);
    window.removeEventListener('keyup', onKeyUp);
  };
}
