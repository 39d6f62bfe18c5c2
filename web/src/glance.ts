/**
 * The panel's "Your cells" section (DOM only): a sparkline of the player's live cells over
 * the last minutes, and its figures now (live cells, births credited in all and within
 * the window), and the "Go to my cells" button with its status ("colony 1 of 3"),
 * disabled while the player has no live cells. The data is sparkline.ts's FigureHistory,
 * fed by main.ts at every poll of `GET /players/me`; main.ts handles the button's clicks.
 */
import { el } from './panel.js';
import { FigureHistory, sparklinePoints } from './sparkline.js';

/** See the module comment. */
export class Glance {
  readonly history = new FigureHistory();
  readonly #canvas = el<HTMLCanvasElement>('glance-sparkline');
  readonly #ctx = this.#canvas.getContext('2d')!;
  readonly #cells = el('glance-cells');
  readonly #births = el('glance-births');
  /** "Go to my cells" (main.ts listens to it). */
  readonly findButton = el<HTMLButtonElement>('find-cells');
  readonly #findStatus = el('find-status');
  /** What the canvas shows: redrawn only when this changes. */
  #drawn = '';

  constructor() {
    el('glance-window').textContent = `${Math.round(this.history.windowMs / 60_000)} min`;
  }

  /** A reading of the player's figures at time `t` (performance.now()). */
  sample(t: number, figures: { population: number; births: number }): void {
    this.history.push({ t, cells: figures.population, births: figures.births });
    const last = this.history.last!;
    this.#cells.textContent = last.cells.toLocaleString('en');
    this.#births.textContent = `${last.births.toLocaleString('en')} (+${this.history.birthsInWindow().toLocaleString('en')})`;
    this.#births.title = `${last.births} births credited in all, ${this.history.birthsInWindow()} over the samples of the last ${Math.round(this.history.windowMs / 60_000)} minutes`;
    this.#setFindable(last.cells > 0);
  }

  /** Say where "Go to my cells" went (or why it could not). */
  showFound(text: string): void {
    this.#findStatus.textContent = text;
  }

  /** The button works only with live cells to go to; without, it says why. */
  #setFindable(findable: boolean): void {
    if (findable === !this.findButton.disabled) return;
    this.findButton.disabled = !findable;
    this.#findStatus.textContent = findable ? '' : 'No live cells now';
  }

  /** Forget the history (the page plays as someone else now). */
  clear(): void {
    this.history.clear();
    this.#cells.textContent = '–';
    this.#births.textContent = '–';
    this.#drawn = '';
    this.findButton.disabled = true;
    this.#findStatus.textContent = 'No live cells yet';
  }

  /** Draw the sparkline in `colour` if the samples or the canvas size changed (cheap to call often). */
  draw(now: number, colour: string): void {
    const width = this.#canvas.clientWidth;
    const height = this.#canvas.clientHeight;
    if (width === 0 || height === 0) return; // folded away: drawn once shown
    const samples = this.history.samples;
    const key = `${width}x${height}:${samples.length}:${this.history.last?.t ?? 0}:${colour}`;
    if (key === this.#drawn) return;
    this.#drawn = key;
    const dpr = window.devicePixelRatio || 1;
    this.#canvas.width = Math.round(width * dpr);
    this.#canvas.height = Math.round(height * dpr);
    const ctx = this.#ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const points = sparklinePoints(samples, now, this.history.windowMs, width, height);
    if (points.length === 0) return;
    // One sample is a dot-less line: draw it from the left edge so it shows.
    if (points.length === 1) points.unshift([0, points[0]![1]]);
    ctx.beginPath();
    points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.lineTo(points.at(-1)![0], height);
    ctx.lineTo(points[0]![0], height);
    ctx.closePath();
    ctx.globalAlpha = 0.2;
    ctx.fillStyle = colour;
    ctx.fill();
    ctx.globalAlpha = 1;
  }
}
