/**
 * The live status page (`GET /status`, docs/operations.md "The status page"): polls
 * `GET /status.json` every second, turns each pair of reports into figures (figures.ts) and
 * draws them as small live charts (live-chart.ts, uPlot). With the admin token (typed into
 * the page, kept in sessionStorage for this tab only) the reports carry this gateway's process
 * and the sim as the gateway knows it, shown as a table and an event-loop chart.
 *
 * `window.lifemmoStatus` is a read-only view for tests and the console, like the game page's
 * `window.lifemmo`.
 */
import 'uplot/dist/uPlot.min.css';
import './status.css';
import { figuresBetween, gatewayRows, show, showBytes, type Figures } from './figures.js';
import type { StatusReport } from '@lifemmo/shared/client';
import { LiveChart } from './live-chart.js';

/** Between two reports, ms. */
const POLL_MS = 1000;
/** Where the admin token is kept (this tab only: sessionStorage). */
const TOKEN_KEY = 'lifemmo.status.adminToken';

/** What `window.lifemmoStatus` shows. */
export interface StatusDebugView {
  /** Reports received so far. */
  readonly reports: number;
  /** The latest figures, null before the second report. */
  readonly figures: Figures | null;
  /** Whether the latest report carried the admin details. */
  readonly details: boolean;
  /** The latest failure (network, refused token), null after a good report. */
  readonly lastError: string | null;
  /** Rows of the gateways table (ids), this gateway first. */
  readonly gateways: readonly string[];
  /** Points each chart holds, by its element id. */
  readonly points: Record<string, number>;
}

declare global {
  interface Window {
    /** The status page's test and debug hook. */
    lifemmoStatus?: StatusDebugView;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`status page: no #${id}`);
  return el as T;
};
const setText = (id: string, text: string): void => {
  $(id).textContent = text;
};

const charts = {
  'chart-ticks': new LiveChart($('chart-ticks'), [{ label: 'ticks/s', stroke: '#3fb950' }], '/s'),
  'chart-tick-time': new LiveChart(
    $('chart-tick-time'),
    [
      { label: 'tick time', stroke: '#58a6ff' },
      { label: 'lag', stroke: '#d29922' },
    ],
    ' ms',
  ),
  'chart-clients': new LiveChart($('chart-clients'), [{ label: 'clients', stroke: '#58a6ff' }], ''),
  'chart-placements': new LiveChart(
    $('chart-placements'),
    [
      { label: 'accepted', stroke: '#3fb950' },
      { label: 'refused', stroke: '#f85149' },
    ],
    '/s',
  ),
  'chart-bus': new LiveChart($('chart-bus'), [{ label: 'summary delay', stroke: '#d2a8ff' }], ' ms'),
  'chart-event-loop': new LiveChart($('chart-event-loop'), [{ label: 'event loop busy', stroke: '#f0883e' }], '%'),
};

let reports = 0;
let previous: StatusReport | null = null;
let figures: Figures | null = null;
let details = false;
let lastError: string | null = null;
let gateways: string[] = [];

window.lifemmoStatus = {
  get reports() {
    return reports;
  },
  get figures() {
    return figures;
  },
  get details() {
    return details;
  },
  get lastError() {
    return lastError;
  },
  get gateways() {
    return gateways;
  },
  get points() {
    return Object.fromEntries(Object.entries(charts).map(([id, chart]) => [id, chart.points]));
  },
};

// The admin token: a field, sessionStorage, a button to forget it.
const tokenForm = $<HTMLFormElement>('token-form');
const tokenInput = $<HTMLInputElement>('token');
const showTokenState = (): void => {
  const stored = sessionStorage.getItem(TOKEN_KEY) !== null;
  setText('token-state', stored ? 'Admin token set for this tab.' : 'Public figures. An admin token adds this process’s details.');
  $('forget-token').hidden = !stored;
};
tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (token !== '') sessionStorage.setItem(TOKEN_KEY, token);
  tokenInput.value = '';
  showTokenState();
});
$('forget-token').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showTokenState();
});
showTokenState();
addEventListener('resize', () => {
  for (const chart of Object.values(charts)) chart.resize();
});

/** One poll: fetch, show, chart. */
async function poll(): Promise<void> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
  let reply: Response;
  try {
    reply = await fetch('/status.json', { headers, cache: 'no-store' });
  } catch (err) {
    return unreachable(err instanceof Error ? err.message : String(err));
  }
  if (reply.status === 401 || reply.status === 403) {
    // A wrong token: forget it and go on with the public figures.
    const body = (await reply.json().catch(() => null)) as { error?: { message?: string } } | null;
    sessionStorage.removeItem(TOKEN_KEY);
    showTokenState();
    lastError = `token refused: ${body?.error?.message ?? reply.status}`;
    setText('token-state', `Token refused (${body?.error?.message ?? reply.status}); showing the public figures.`);
    return;
  }
  if (!reply.ok) return unreachable(`HTTP ${reply.status}`);
  const report = (await reply.json()) as StatusReport;
  lastError = null;
  reports++;
  $('connection').dataset.state = 'live';
  setText('connection-text', report.sim.up ? 'Live' : 'Live, sim unreachable');
  showReport(report);
  showGateways(previous, report);
  const next = previous === null ? null : figuresBetween(previous, report);
  previous = report;
  if (next !== null) {
    figures = next;
    showFigures(next);
  }
}

function unreachable(why: string): void {
  lastError = why;
  $('connection').dataset.state = 'down';
  setText('connection-text', `Server unreachable (${why})`);
}

function showReport(r: StatusReport): void {
  setText('role', r.role === 'standalone' ? 'standalone server' : 'cluster gateway');
  setText('generation', r.world.generation.toLocaleString('en'));
  setText('population', r.world.population.toLocaleString('en'));
  setText('target-rate', r.world.paused ? 'paused' : `${show(1000 / r.world.tickMs)}/s target`);
  setText('sim', r.sim.up ? `up, heard ${r.sim.heardMsAgo ?? 0} ms ago` : r.sim.heardMsAgo === null ? 'not heard yet' : `down, last heard ${(r.sim.heardMsAgo / 1000).toFixed(1)} s ago`);
  $('sim').dataset.state = r.sim.up ? 'up' : 'down';
  const shown = details;
  details = r.details !== undefined;
  $('details').hidden = !details;
  // Drawn while hidden, it took a default width: give it the section's now.
  if (details && !shown) charts['chart-event-loop'].resize();
  if (r.details !== undefined) {
    const { gateway: g, sim } = r.details;
    setText('gw-id', g.id);
    setText('gw-pid', String(g.pid));
    setText('gw-uptime', `${Math.round(g.uptimeSeconds)} s`);
    setText('gw-rss', showBytes(g.rssBytes));
    setText('gw-heap', showBytes(g.heapUsedBytes));
    setText('gw-chunks', String(g.replicaChunks));
    setText('gw-bus', `${r.bus.messages.toLocaleString('en')} messages, ${showBytes(r.bus.bytes)}`);
    setText('sim-instance', String(sim.instance));
    setText('sim-where', sim.inProcess ? 'a thread of this process' : `a sim process of world ${sim.world}, over NATS`);
    setText('sim-state', r.sim.up ? 'up' : 'down');
  }
}

function showGateways(before: StatusReport | null, now: StatusReport): void {
  const rows = gatewayRows(before, now);
  gateways = rows.map((r) => r.id);
  $('gateway-rows').replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      if (r.self) tr.className = 'self';
      const cells = [
        r.self ? `${r.id} (this one)` : r.id,
        String(r.clients),
        show(r.acceptedPerSecond),
        r.simUp ? 'up' : 'down',
        r.generation.toLocaleString('en'),
        r.self ? 'now' : `${(r.heardMsAgo / 1000).toFixed(1)} s ago`,
      ];
      for (const text of cells) {
        const td = document.createElement('td');
        // textContent, never markup: ids come from other processes.
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }),
  );
}

function showFigures(f: Figures): void {
  setText('ticks-per-second', show(f.ticksPerSecond));
  setText('tick-ms', show(f.tickMs, 2));
  setText('lag-ms', show(f.lagMs, 2));
  setText('clients', String(f.clients));
  setText('placements-per-second', show(f.acceptedPerSecond));
  setText('refused-per-second', show(f.refusedPerSecond));
  setText('bus-delay-ms', show(f.busDelayMs, 2));
  setText('bus-messages', show(f.busMessagesPerSecond));
  charts['chart-ticks'].push(f.t, [f.ticksPerSecond]);
  charts['chart-tick-time'].push(f.t, [f.tickMs, f.lagMs]);
  charts['chart-clients'].push(f.t, [f.clients]);
  charts['chart-placements'].push(f.t, [f.acceptedPerSecond, f.refusedPerSecond]);
  charts['chart-bus'].push(f.t, [f.busDelayMs]);
  if (f.eventLoopBusy !== null) {
    setText('gw-event-loop', `${show(f.eventLoopBusy * 100)} % busy`);
    charts['chart-event-loop'].push(f.t, [f.eventLoopBusy * 100]);
  }
}

// Poll every second, each poll after the previous one ends (a slow server is not piled on).
async function loop(): Promise<void> {
  await poll().catch((err: unknown) => unreachable(err instanceof Error ? err.message : String(err)));
  setTimeout(() => void loop(), POLL_MS);
}
void loop();
