import { expect, test } from 'vitest';
import { parseBotsArgs } from './args.js';
import { CHARTS, escapeHtml, htmlReport, jsonForScript, loadReportAssets, type ReportAssets } from './html-report.js';
import { buildResult, summaryRows, type BotsResult } from './report.js';
import { BotStats } from './stats.js';
import { Timeline } from './timeline.js';

/** A small run's result: 3 bots, two seconds, one error whose text tries to break out of the page. */
function sampleResult(): BotsResult {
  const options = parseBotsArgs(['--url', 'http://127.0.0.1:1/"><b>x', '--bots', '3', '--duration', '2', '--admin-token', 'sekrit-admin', '--html', 'r.html'])!;
  const totals = new BotStats();
  const timeline = new Timeline();
  for (const second of [1, 2]) {
    const window = new BotStats();
    window.counters.joined = second === 1 ? 3 : 0;
    window.counters.diffs = 30;
    window.counters.placementsOk = 3;
    for (let ms = 1; ms <= 30; ms++) window.record('tickLatency', ms);
    if (second === 1) for (const ms of [12, 14, 40]) window.record('connectTime', ms);
    window.error('</script><img src=x onerror=alert(1)>');
    timeline.add(second, 3, window);
    totals.addStats(window);
  }
  return buildResult(totals, {
    options,
    world: { width: 64, height: 64, topology: 'torus', rule: 'B3/S23', tickMs: 100 },
    startedAt: new Date('2026-12-06T00:00:00Z'),
    wallS: 2,
    threads: 1,
    peakConnected: 3,
    cpu: { user: 100_000, system: 10_000 },
    peakRssBytes: 100 * 2 ** 20,
    timeline: timeline.data(),
  });
}

const ASSETS: ReportAssets = { uplotJs: 'var uPlot = {}; // "</script>" in a string', uplotCss: '.u-legend{}', chartJs: 'window.chart = "</SCRIPT>";' };

/** The JSON of the page's data script, parsed. */
function embedded(html: string): { result: BotsResult; summary: Array<[string, string]> } {
  const m = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html);
  expect(m, 'the data script').not.toBeNull();
  return JSON.parse(m![1]!) as { result: BotsResult; summary: Array<[string, string]> };
}

test('escapeHtml and jsonForScript leave nothing that HTML would read as markup', () => {
  expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;amp;&#60;/a&#62;');
  const json = jsonForScript({ s: '</script><!-- \u2028' });
  expect(json).not.toMatch(/[<\u2028]/);
  expect(JSON.parse(json)).toEqual({ s: '</script><!-- \u2028' });
});

test('the page: the result embedded as JSON, text escaped, the admin token hidden, the verdict shown', () => {
  const result = sampleResult();
  expect(result.thresholds.passed).toBe(false);
  const html = htmlReport(result, ASSETS);
  // The error code and the URL appear only escaped, in the summary table, failures, title and options.
  expect(html).not.toContain('<img src=x');
  expect(html).not.toContain('"><b>');
  expect(html).toContain('&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62;');
  expect(html).toContain('http://127.0.0.1:1/&#34;&#62;&#60;b&#62;x');
  expect(html).not.toContain('sekrit-admin');
  expect(html).toContain('<span class="verdict fail" id="verdict">FAIL</span>');
  expect(html).toMatch(/<ul class="failures" id="failures">\n<li>error rate /);
  // The data round-trips: what the charts draw is the result itself.
  const data = embedded(html);
  expect(data.result.timeline).toEqual(result.timeline);
  expect(data.result.timeline.t).toEqual([1, 2]);
  expect(data.result.connectHistogram.counts.reduce((a, b) => a + b, 0)).toBe(3);
  expect(data.result.errors.byCode).toEqual({ '</script><img src=x onerror=alert(1)>': 2 });
  expect(data.summary).toEqual(summaryRows(result));
  // Every summary row is in the table; every chart has its place.
  for (const [label] of summaryRows(result)) expect(html).toContain(`<th scope="row">${escapeHtml(label)}</th>`);
  expect(html).toMatch(/<th scope="row">bots<\/th><td>3\/3 joined/);
  for (const [id] of CHARTS) expect(html).toContain(`data-chart="${id}"`);
  // Inlined code cannot end its element early.
  expect(html).toContain('var uPlot = {}; // "<\\/script>" in a string');
  expect(html).toContain('window.chart = "<\\/SCRIPT>";');
  expect(html.match(/<\/script>/g)).toHaveLength(3);
});

test('nothing is loaded from elsewhere: the real assets are inline, with no external src or href', () => {
  const assets = loadReportAssets();
  expect(assets.uplotJs).toContain('uPlot');
  expect(assets.uplotCss).toContain('.uplot');
  expect(assets.chartJs).toContain('window.lifemmoReport');
  const result = sampleResult();
  const html = htmlReport({ ...result, thresholds: { ...result.thresholds, failures: [], passed: true } }, assets);
  expect(html).toContain('<span class="verdict pass" id="verdict">PASS</span>');
  expect(html).not.toContain('id="failures"');
  expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
  expect(html).not.toMatch(/<link\b|<iframe\b|<img\b|@import|url\(\s*["']?https?:/i);
  expect(html).toContain("default-src 'none'");
  expect(html.length).toBeGreaterThan(assets.uplotJs.length);
});
