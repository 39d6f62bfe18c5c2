/**
 * A small live chart: uPlot (MIT, ~50 KB minified, bundled into the page's status.js by
 * web/build.mjs; no CDN) over the last `capacity` points, one line per series, redrawn on
 * every push. Sized to its container's width.
 */
import uPlot from 'uplot';

/** One line of a chart. */
export interface LineSpec {
  readonly label: string;
  readonly stroke: string;
}

/** The page's dark theme for axes and grid (web/style.css's --muted and --border). */
const AXIS = { stroke: '#8b949e', grid: { stroke: '#30363d', width: 1 }, ticks: { stroke: '#30363d', width: 1 } };

/** See the module comment. */
export class LiveChart {
  readonly #plot: uPlot;
  readonly #data: Array<Array<number | null>>;
  readonly #capacity: number;
  readonly #container: HTMLElement;

  /**
   * @param container the element the chart fills (its width; `height` CSS px tall)
   * @param unit what the y axis counts, shown beside its numbers (`ms`, `/s`, ...)
   * @param capacity points kept (default 120: two minutes at one report a second)
   */
  constructor(container: HTMLElement, lines: readonly LineSpec[], unit: string, height = 140, capacity = 120) {
    this.#container = container;
    this.#capacity = capacity;
    this.#data = [[], ...lines.map(() => [])];
    this.#plot = new uPlot(
      {
        width: Math.max(200, container.clientWidth),
        height,
        legend: { show: lines.length > 1, live: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
        axes: [
          { ...AXIS, space: 60 },
          { ...AXIS, size: 56, values: (_u, splits) => splits.map((v) => `${Number(v.toPrecision(3))}${unit}`) },
        ],
        series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.stroke, width: 1.5, spanGaps: false, points: { show: false } }))],
      },
      this.#data as uPlot.AlignedData,
      container,
    );
  }

  /** Add a point at `t` (seconds since the epoch), one value per line (null: a gap). */
  push(t: number, values: ReadonlyArray<number | null>): void {
    this.#data[0]!.push(t);
    values.forEach((v, i) => this.#data[i + 1]!.push(v));
    if (this.#data[0]!.length > this.#capacity) for (const column of this.#data) column.shift();
    this.#plot.setData(this.#data as uPlot.AlignedData);
  }

  /** Follow the container's width (on window resize). */
  resize(): void {
    this.#plot.setSize({ width: Math.max(200, this.#container.clientWidth), height: this.#plot.height });
  }

  /** Points held now. */
  get points(): number {
    return this.#data[0]!.length;
  }
}
