/**
 * `--html`: the run as one self-contained HTML file. Everything is inline: uPlot's CSS and
 * JavaScript (read from the installed `uplot` package), the result as JSON in a
 * `<script type="application/json">`, and the chart script (assets/bots-report.js, plain
 * JavaScript shipped with the package). The page loads nothing from anywhere, and its
 * Content-Security-Policy forbids it to, so it opens from a mail attachment or a CI
 * artifact. The summary, options and verdict are HTML written here (escaped); the chart
 * script draws the time series and the connect-time histogram from the JSON.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LifeError } from '@lifemmo/shared/client';
import { summaryRows, type BotsResult } from './report.js';

/** The inline parts of the page, read once from the installed packages. */
export interface ReportAssets {
  /** uPlot's IIFE build: defines the global `uPlot`. */
  readonly uplotJs: string;
  readonly uplotCss: string;
  /** assets/bots-report.js: reads the JSON and draws the charts. */
  readonly chartJs: string;
}

/**
 * The chart script. The same two levels up from src/bots/ (sources, tsx) and dist/bots/
 * (the build, in an installed package), where package.json "files" ships assets/.
 */
const CHART_SCRIPT = new URL('../../assets/bots-report.js', import.meta.url);

/**
 * Read uPlot's files and the chart script. uplot has no "exports" map, so its
 * package.json resolves from here (the repo's node_modules, or next to @lifemmo/client in
 * an installed project) and its dist/ files are beside it.
 * @throws LifeError LIFE_ERR_INTERNAL naming the missing file (a broken install)
 */
export function loadReportAssets(): ReportAssets {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new LifeError('INTERNAL', `--html: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): reinstall @lifemmo/client and its dependency uplot`);
    }
  };
  let uplotDir: string;
  try {
    uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
  } catch {
    throw new LifeError('INTERNAL', '--html: the package uplot is not installed: reinstall @lifemmo/client (uplot is one of its dependencies)');
  }
  return {
    uplotJs: read(join(uplotDir, 'dist/uPlot.iife.min.js')),
    uplotCss: read(join(uplotDir, 'dist/uPlot.min.css')),
    chartJs: read(fileURLToPath(CHART_SCRIPT)),
  };
}

/** Text made safe for HTML content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `value` as JSON that can sit inside a `<script>` element: every `<` is written `\u003c`
 * (so no `</script>` or `<!--` can end or change the element), and U+2028/U+2029 escaped too.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Code inlined in a `<script>` (or CSS in a `<style>`) must not hold its closing tag: `<\/` means the same in JavaScript strings and regular expressions. */
function inline(code: string, tag: 'script' | 'style'): string {
  return code.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');
}

/** The charts: id, title, and what the chart script plots in it (see assets/bots-report.js). */
export const CHARTS = [
  ['latency', 'Tick-to-client latency, ms (p50, p90, p99 of each second)'],
  ['frames', 'Frames received per second (diffs and snapshots, all bots)'],
  ['placements', 'Placements per second (accepted, refused by the game)'],
  ['errors', 'Errors per second, by code'],
  ['connected', 'Bots connected'],
  ['connect', 'Connect time (from a bot starting to its first subscribe, player creation included), bots per range of ms'],
] as const;

/** The options as rows of [name, value] (the admin token is already hidden in the result). */
function optionRows(r: BotsResult): Array<[string, string]> {
  return Object.entries(r.options).map(([name, value]) => [name, value === undefined ? '(not given)' : typeof value === 'string' ? value : JSON.stringify(value)]);
}

function table(rows: ReadonlyArray<readonly [string, string]>, id: string): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  return `<table id="${id}">\n${body}\n</table>`;
}

/** The page's own style: readable on a laptop and in print; uPlot's comes with it. */
const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; padding: 0 1rem; color: #1b1f24; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.verdict { display: inline-block; font-size: 1.6rem; font-weight: 700; padding: .2rem 1rem; border-radius: 6px; color: #fff; }
.verdict.pass { background: #1a7f37; }
.verdict.fail { background: #cf222e; }
ul.failures { color: #cf222e; }
table { border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: .15rem .8rem .15rem 0; border-bottom: 1px solid #eaeef2; }
th { font-weight: 600; white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1rem; }
.chart h3 { font-size: .95rem; margin: 0 0 .3rem; font-weight: 600; }
.chart .note { color: #57606a; font-size: .85rem; }
`;

/**
 * The report page for `result`.
 * @param assets from loadReportAssets (read once, before the run)
 */
export function htmlReport(result: BotsResult, assets: ReportAssets): string {
  const passed = result.thresholds.passed;
  const verdict = passed ? 'PASS' : 'FAIL';
  const title = `lifemmo-bots ${verdict}: ${result.bots.joined}/${result.bots.requested} bots, ${result.wallS} s, ${result.server.url}`;
  const failures =
    result.thresholds.failures.length === 0 ? '' : `<ul class="failures" id="failures">\n${result.thresholds.failures.map((f) => `<li>${escapeHtml(f)}</li>`).join('\n')}\n</ul>`;
  const charts = CHARTS.map(
    ([id, name]) => `<section class="chart" id="chart-${id}"><h3>${escapeHtml(name)}</h3><div class="plot" data-chart="${id}"></div></section>`,
  ).join('\n');
  const data = {
    result,
    // The summary table's rows as the text summary has them, for a reader of the JSON.
    summary: summaryRows(result),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${inline(assets.uplotCss, 'style')}</style>
<style>${STYLE}</style>
</head>
<body>
<h1>lifemmo-bots load test</h1>
<p>Started ${escapeHtml(result.startedAt)} against ${escapeHtml(result.server.url)}, ${escapeHtml(String(result.wallS))} s.</p>
<p><span class="verdict ${passed ? 'pass' : 'fail'}" id="verdict">${verdict}</span></p>
${failures}
<h2>Over time</h2>
<div class="charts">
${charts}
</div>
<h2>Summary</h2>
${table(summaryRows(result), 'summary')}
<h2>Options</h2>
${table(optionRows(result), 'options')}
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${inline(assets.uplotJs, 'script')}</script>
<script>${inline(assets.chartJs, 'script')}</script>
</body>
</html>
`;
}
