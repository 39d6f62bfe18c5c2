/**
 * The lifemmo Grafana dashboard, as data: every panel is a question an operator asks and
 * the PromQL that answers it. `docker/grafana/dashboards/lifemmo.json` (what Grafana
 * provisions in the compose file's monitoring profile) is generated from this file, so the
 * dashboard cannot drift from the metric names:
 *
 *     node --import tsx scripts/grafana-dashboard.ts      (npm run dashboard)
 *
 * test/docker/monitoring-files.test.ts checks that the committed JSON equals the generated
 * one and that every metric it names is one the server registers; test/monitoring/
 * prometheus.test.ts evaluates every query against a real Prometheus scraping real servers.
 *
 * Queries select processes by Prometheus `job`: `standalone` (a single server), `gateway`
 * and `sim` (a cluster), the job names of docker/prometheus/prometheus.yml. World figures
 * come from the processes that tick (standalone, sim), client figures from those that hold
 * clients (standalone, gateway): docs/operations.md says why gateways' copies of the tick
 * metrics are not summed.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The Prometheus job names the dashboard and the Prometheus configurations share. */
export const JOBS = { standalone: 'standalone', gateway: 'gateway', sim: 'sim' } as const;

/** Processes that run the world's ticks. */
const TICKING = `job=~"${JOBS.standalone}|${JOBS.sim}"`;
/** Processes that hold clients (REST and WebSocket). */
const SERVING = `job=~"${JOBS.standalone}|${JOBS.gateway}"`;
/** Every lifemmo process. */
const ANY = `job=~"${JOBS.standalone}|${JOBS.gateway}|${JOBS.sim}"`;
/** Grafana's rate window: at least four scrapes (the test substitutes a fixed window). */
export const RATE_WINDOW = '$__rate_interval';

/** The uid the provisioned Prometheus datasource has (docker/grafana/provisioning/datasources). */
export const DATASOURCE_UID = 'lifemmo-prometheus';

/** One query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  /** Series name in the legend (Grafana's `{{label}}` templating). */
  readonly legend: string;
}

/** One panel: a question, its queries, how to draw them. */
export interface PanelSpec {
  /** The operator's question. */
  readonly title: string;
  /** What to look for, and what to do when it turns bad (shown as the panel's description). */
  readonly description: string;
  readonly kind: 'timeseries' | 'heatmap';
  /** Grafana unit id: s, ops, bytes, Bps, short, percentunit. */
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
}

const r = (metric: string, selector: string): string => `rate(${metric}{${selector}}[${RATE_WINDOW}])`;
const quantile = (q: number, metric: string, selector: string, by: string): string =>
  `histogram_quantile(${q}, sum by (le, ${by}) (${r(`${metric}_bucket`, selector)}))`;
const mean = (metric: string, selector: string, by: string): string =>
  `sum by (${by}) (${r(`${metric}_sum`, selector)}) / sum by (${by}) (${r(`${metric}_count`, selector)})`;

/** The panels, top to bottom. */
export const PANELS: readonly PanelSpec[] = [
  {
    title: 'How long does a tick take, and how late does it start?',
    description:
      'p50 and p99 of the time to compute and commit one generation, and p99 of how late ticks start against TICK_MS. Bad: duration near TICK_MS or lag growing; look at candidates and I/O calls per tick, and at the I/O latency below.',
    kind: 'timeseries',
    unit: 's',
    queries: [
      { expr: quantile(0.5, 'lifemmo_tick_duration_seconds', TICKING, 'instance'), legend: 'duration p50 {{instance}}' },
      { expr: quantile(0.99, 'lifemmo_tick_duration_seconds', TICKING, 'instance'), legend: 'duration p99 {{instance}}' },
      { expr: quantile(0.99, 'lifemmo_tick_lag_seconds', TICKING, 'instance'), legend: 'lag p99 {{instance}}' },
    ],
  },
  {
    title: 'Is every sim keeping the tick rate?',
    description: 'Generations per second per ticking process; flat at 1000 / TICK_MS when healthy. Below it: the ticks are too slow (see above). Zero: paused, or the process is gone (see "Do the gateways hear from the sim?").',
    kind: 'timeseries',
    unit: 'ops',
    queries: [{ expr: `sum by (instance) (${r('lifemmo_tick_duration_seconds_count', TICKING)})`, legend: '{{instance}}' }],
  },
  {
    title: 'How far behind its schedule does the world run?',
    description:
      'How late the tick runs now, as each serving process sees it (GET /world lagMs). Near zero when healthy. Past OVERLOAD_MAX_TICK_LAG_MS, placements and new WebSocket connections are refused (see "Is the server shedding load?"): pause or reset the world, or give the sim more CPU (docs/operations.md, "Overload").',
    kind: 'timeseries',
    unit: 's',
    queries: [{ expr: `max by (instance) (lifemmo_tick_behind_seconds{${SERVING}})`, legend: '{{instance}}' }],
  },
  {
    title: 'How much work is in a tick?',
    description: 'Mean cells decided (candidates) and cell I/O calls per tick. Growth here explains slower ticks: a denser world, or players placing a lot.',
    kind: 'timeseries',
    unit: 'short',
    queries: [
      { expr: mean('lifemmo_tick_candidates', TICKING, 'instance'), legend: 'candidates {{instance}}' },
      { expr: mean('lifemmo_tick_io_calls', TICKING, 'instance'), legend: 'I/O calls {{instance}}' },
    ],
  },
  {
    title: 'How long do cell I/O calls wait?',
    description: 'The distribution of cell I/O latency (calls per second in each bucket). A band moving up, or calls piling at the timeout (IO_TIMEOUT_MS), means the backing service is slow: ticks slow down and more cells time out. Empty with CELL_LOGIC=local.',
    kind: 'heatmap',
    unit: 's',
    queries: [{ expr: `sum by (le) (${r('lifemmo_io_latency_seconds_bucket', TICKING)})`, legend: '{{le}}' }],
  },
  {
    title: 'Are cell I/O calls failing or timing out?',
    description: 'Failed and timed-out cell I/O calls per second (each such cell kept its state). Anything steady above zero: check the backing service (IO_LOSS, IO_TIMEOUT_MS in a test setup).',
    kind: 'timeseries',
    unit: 'ops',
    queries: [
      { expr: `sum by (instance) (${r('lifemmo_io_failures_total', TICKING)})`, legend: 'failures {{instance}}' },
      { expr: `sum by (instance) (${r('lifemmo_io_timeouts_total', TICKING)})`, legend: 'timeouts {{instance}}' },
    ],
  },
  {
    title: 'How many clients does each gateway hold?',
    description: 'Connected WebSocket clients per serving process. Uneven gateways: the load balancer is not spreading; a sudden drop: a gateway restarted (its clients reconnect elsewhere).',
    kind: 'timeseries',
    unit: 'short',
    queries: [{ expr: `sum by (instance) (lifemmo_ws_clients{${SERVING}})`, legend: '{{instance}}' }],
  },
  {
    title: 'How many frames go out to clients?',
    description: 'WebSocket frames sent per second, per serving process: about clients x ticks/s when every client keeps up.',
    kind: 'timeseries',
    unit: 'ops',
    queries: [{ expr: `sum by (instance) (${r('lifemmo_ws_frames_sent_total', SERVING)})`, legend: '{{instance}}' }],
  },
  {
    title: 'How many bytes go out to clients?',
    description: "WebSocket bytes sent per second, per serving process. Near the host's bandwidth: add gateways, or make clients watch smaller viewports.",
    kind: 'timeseries',
    unit: 'Bps',
    queries: [{ expr: `sum by (instance) (${r('lifemmo_ws_bytes_sent_total', SERVING)})`, legend: '{{instance}}' }],
  },
  {
    title: 'Are clients too slow to keep up?',
    description: 'Per second: clients that stopped getting diffs because they had not acknowledged a frame older than WS_MAX_LAG_MS (lagged), slow clients resynced with a fresh snapshot, slow clients dropped past the hard limit, and diffs the gateway gave up (it fell three generations behind in handing them out; those clients got a snapshot instead). Many at once on one gateway, or any given up: that gateway, its CPU or its network is the bottleneck, not the clients.',
    kind: 'timeseries',
    unit: 'ops',
    queries: [
      { expr: `sum by (instance) (${r('lifemmo_ws_lagged_total', SERVING)})`, legend: 'lagged {{instance}}' },
      { expr: `sum by (instance) (${r('lifemmo_ws_slow_client_resyncs_total', SERVING)})`, legend: 'resyncs {{instance}}' },
      { expr: `sum by (instance) (${r('lifemmo_ws_slow_client_drops_total', SERVING)})`, legend: 'drops {{instance}}' },
      { expr: `sum by (instance) (${r('lifemmo_ws_diffs_given_up_total', SERVING)})`, legend: 'given up {{instance}}' },
    ],
  },
  {
    title: 'Are placements accepted, and why are they refused?',
    description: 'Placement requests per second, accepted, and refused by error code (docs/api.md). Many LIFE_ERR_BUDGET_EXCEEDED: players (or bots) place faster than their budget refills; LIFE_ERR_SIM_UNAVAILABLE: the sim is out of reach; LIFE_ERR_STORE_FAILED: the sim cannot write its log (disk).',
    kind: 'timeseries',
    unit: 'ops',
    queries: [{ expr: `sum by (result, code) (${r('lifemmo_placements_total', SERVING)})`, legend: '{{result}} {{code}}' }],
  },
  {
    title: 'Is the server shedding load?',
    description:
      'Work refused per second because a process is overloaded, by surface (http: any request but the operators\'; placement; ws_connect: new WebSocket connections) and reason (event_loop_delay, heap, tick_lag). Anything above zero: clients get 503 LIFE_ERR_OVERLOADED or close 4008 and retry later; docs/operations.md, "Overload", says what to do.',
    kind: 'timeseries',
    unit: 'ops',
    queries: [{ expr: `sum by (instance, surface, reason) (${r('lifemmo_overload_shed_total', SERVING)})`, legend: '{{surface}} {{reason}} {{instance}}' }],
  },
  {
    title: 'Do the gateways hear from the sim?',
    description: "1 while a serving process hears the sim's summaries, 0 when the sim or the bus is gone (its /ready answers 503 then). docs/operations.md, \"Failure modes\".",
    kind: 'timeseries',
    unit: 'short',
    queries: [{ expr: `min by (job, instance) (lifemmo_sim_up{${SERVING}})`, legend: '{{job}} {{instance}}' }],
  },
  {
    title: "Is the bus carrying the sim's messages?",
    description: "Bus messages per second each serving process receives from the sim, by kind: tick summaries (one per generation plus heartbeats) and diffs. A gap: the bus is down or the sim stopped publishing.",
    kind: 'timeseries',
    unit: 'ops',
    queries: [{ expr: `sum by (job, instance, kind) (${r('lifemmo_bus_messages_received_total', SERVING)})`, legend: '{{job}} {{kind}} {{instance}}' }],
  },
  {
    title: "How long from the sim's commit to the gateway?",
    description: 'p99 of the delay from the sim committing a generation to its summary arriving, in two stages: sim (listing and encoding) and bus (the bus and the gateway\'s event loop). A growing bus stage: NATS or the gateway is overloaded.',
    kind: 'timeseries',
    unit: 's',
    queries: [{ expr: quantile(0.99, 'lifemmo_bus_tick_delay_seconds', SERVING, 'job, instance, stage'), legend: '{{stage}} {{job}} {{instance}}' }],
  },
  {
    title: "Is any process's event loop blocked?",
    description: "p99 event-loop delay per process (Node's own measure). Above a few tens of ms: that process answers late; a sim's tick work or a gateway's fan-out is too heavy for one core.",
    kind: 'timeseries',
    unit: 's',
    queries: [{ expr: `max by (job, instance) (nodejs_eventloop_lag_p99_seconds{${ANY}})`, legend: '{{job}} {{instance}}' }],
  },
  {
    title: "How busy is each process's event loop?",
    description:
      "Share of the time each process's event loop runs code rather than waits (1 = always busy). A gateway hands out frames in slices, so its event-loop delay stays low while it fills up: this is the one to watch. A gateway above about 0.8 sends its clients their frames late (docs/benchmarks.md, WebSocket broadcast: 5,000 clients on a 2-core machine: 0.8 to 0.9 busy, p99 latency 110 to 180 ms, and past 0.95 it gives diffs up); move clients to more gateways. A sim near 1: its tick work needs the whole core; see the tick panels.",
    kind: 'timeseries',
    unit: 'percentunit',
    queries: [{ expr: `max by (job, instance) (${r('lifemmo_event_loop_busy_seconds_total', ANY)})`, legend: '{{job}} {{instance}}' }],
  },
  {
    title: 'How much memory does each process use?',
    description: "JavaScript heap in use and resident memory per process, and the sim's heap as each gateway hears it (in standalone the sim is a worker thread, whose heap the process's heap figure does not include). Steady growth of a heap with a steady load: a leak; report it with the process role. Resident memory also holds the world's cells, so it grows with the world.",
    kind: 'timeseries',
    unit: 'bytes',
    queries: [
      { expr: `sum by (job, instance) (nodejs_heap_size_used_bytes{${ANY}})`, legend: 'heap {{job}} {{instance}}' },
      { expr: `sum by (job, instance) (process_resident_memory_bytes{${ANY}})`, legend: 'resident {{job}} {{instance}}' },
      { expr: `max by (job, instance) (lifemmo_sim_heap_used_bytes{${SERVING}})`, legend: 'sim heap, as {{job}} {{instance}} hears it' },
    ],
  },
];

/** Every metric name the panels query (as exported: `_bucket`, `_sum`, `_count` included). */
export function metricNames(panels: readonly PanelSpec[] = PANELS): string[] {
  const names = new Set<string>();
  for (const panel of panels) {
    for (const q of panel.queries) for (const m of q.expr.matchAll(/\b(?:lifemmo|nodejs|process)_\w+/g)) names.add(m[0]);
  }
  return [...names].sort();
}

/** The Grafana dashboard model (schema version 39, Grafana 10/11). */
export function dashboard(panels: readonly PanelSpec[] = PANELS): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: DATASOURCE_UID };
  const width = 12;
  const height = 8;
  return {
    uid: 'lifemmo',
    title: 'lifemmo',
    description: 'A lifemmo server or cluster: ticks, cell I/O, clients, placements, the bus, processes. Generated by scripts/grafana-dashboard.ts.',
    tags: ['lifemmo'],
    timezone: 'browser',
    editable: true,
    refresh: '10s',
    time: { from: 'now-30m', to: 'now' },
    schemaVersion: 39,
    version: 1,
    templating: { list: [] },
    annotations: { list: [] },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: p.kind,
      title: p.title,
      description: p.description,
      datasource,
      gridPos: { x: (i % 2) * width, y: Math.floor(i / 2) * height, w: width, h: height },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options:
        p.kind === 'heatmap'
          ? { calculate: false, yAxis: { unit: p.unit }, color: { scheme: 'Oranges', mode: 'scheme' }, cellGap: 1 }
          : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
      targets: p.queries.map((q, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource,
        expr: q.expr,
        legendFormat: q.legend,
        ...(p.kind === 'heatmap' ? { format: 'heatmap' } : {}),
      })),
    })),
  };
}

/** Where the generated dashboard is committed. */
export const DASHBOARD_FILE = fileURLToPath(new URL('../docker/grafana/dashboards/lifemmo.json', import.meta.url));

/** The file's text: the model as indented JSON with a final newline. */
export function dashboardJson(): string {
  return `${JSON.stringify(dashboard(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DASHBOARD_FILE, dashboardJson());
  console.log(`wrote ${DASHBOARD_FILE} (${PANELS.length} panels)`);
}
