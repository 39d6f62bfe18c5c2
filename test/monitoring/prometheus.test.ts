/**
 * The Grafana dashboard against a real Prometheus: a standalone server (in this process) and
 * a cluster (nats-server, a sim and a gateway, each a real process), a Prometheus scraping
 * all of them every second under the dashboard's job names, a few seconds of load
 * (placements, one of them refused, and two WebSocket clients on each), then every query of
 * every panel is evaluated through Prometheus's HTTP API, once restricted to the standalone
 * server and once to the cluster: each returns data. And every metric name the dashboard
 * uses is in the servers' /metrics.
 *
 * Needs Debian's `prometheus` (installed by .ci/run). Without it the test is skipped on a
 * development machine, saying so, and fails in CI (CI set).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS, PANELS, RATE_WINDOW, metricNames } from '../../scripts/grafana-dashboard.js';
import { call, newPlayer, startServer, type TestServer } from '../rest/helpers.js';
import { killChildren } from '../support/child-server.js';
import { simStarted, startCluster, type Cluster } from '../support/cluster.js';
import { hasPrometheus, startPrometheus, type Prometheus, type Sample } from '../support/prometheus.js';
import { TestClient } from '../ws/helpers.js';

const IN_CI = (process.env.CI ?? '') !== '' && process.env.CI !== 'false';
const AVAILABLE = hasPrometheus();
if (!AVAILABLE && !IN_CI) {
  console.warn('test/monitoring/prometheus.test.ts skipped: no `prometheus` on PATH (apt-get install -y prometheus); CI runs it.');
}

/** A blinker: it oscillates forever, so every tick has candidates and cell I/O. */
const BLINKER: Array<[number, number]> = [
  [10, 10],
  [11, 10],
  [12, 10],
];
const WORLD: Record<string, string> = { WORLD_WIDTH: '256', WORLD_HEIGHT: '256', TICK_MS: '100', CELL_LOGIC: 'simulated', RATE_LIMIT_PER_MINUTE: '0' };
/** The rate window Grafana's `$__rate_interval` stands for here (ten scrapes). */
const WINDOW = '10s';

let standalone: TestServer | undefined;
let cluster: Cluster | undefined;
let prometheus: Prometheus | undefined;
let simPort = 0;
const clients: TestClient[] = [];

/** Load on one serving process: a player, a blinker, the same cells again (refused: occupied), two clients watching. */
async function load(url: string): Promise<void> {
  const player = await newPlayer({ url }, 'monitor');
  expect((await call({ url }, 'POST', '/cells', { body: { cells: BLINKER }, token: player.token })).status).toBe(202);
  expect((await call({ url }, 'POST', '/cells', { body: { cells: BLINKER }, token: player.token })).status).toBe(409);
  for (let i = 0; i < 2; i++) {
    const client = new TestClient(`${url.replace('http', 'ws')}/ws`, { decode: false });
    clients.push(client);
    await client.opened;
    client.send({ type: 'subscribe', x: 0, y: 0, w: 64, h: 64 });
  }
}

/** `expr` restricted to one setup's targets (their `setup` label), with a fixed rate window. */
function forSetup(expr: string, setup: 'standalone' | 'cluster'): string {
  return expr.replaceAll('{job=~', `{setup="${setup}",job=~`).replaceAll(`[${RATE_WINDOW}]`, `[${WINDOW}]`);
}

const QUERIES = PANELS.flatMap((panel) => panel.queries.map((q) => ({ panel: panel.title, expr: q.expr })));

describe.skipIf(!AVAILABLE && !IN_CI)('the Grafana dashboard on a real Prometheus', () => {
  beforeAll(async () => {
    if (!AVAILABLE) throw new Error('No `prometheus` on PATH: CI must run the dashboard test. .ci/run installs it (apt-get install -y prometheus).');
    standalone = await startServer(WORLD);
    cluster = await startCluster(1, WORLD);
    simPort = await simStarted(cluster.sim);
    const host = (url: string) => new URL(url).host;
    prometheus = await startPrometheus([
      { job: JOBS.standalone, targets: [host(standalone.url)], labels: { setup: 'standalone' } },
      { job: JOBS.gateway, targets: cluster.urls.map(host), labels: { setup: 'cluster' } },
      { job: JOBS.sim, targets: [`127.0.0.1:${simPort}`], labels: { setup: 'cluster' } },
    ]);
    await load(standalone.url);
    await load(cluster.urls[0]!);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await prometheus?.stop();
    await cluster?.stop();
    await standalone?.close();
    killChildren();
  });

  it('answers every panel query with data, for a standalone server and for a cluster', async () => {
    const p = prometheus!;
    for (const { expr } of QUERIES) expect(expr, 'each selector names jobs, so a setup label can narrow it').toContain('{job=~');
    // Wait (bounded) until every query of both setups has data: a few scrapes after the load.
    const empty = async (): Promise<string[]> => {
      const missing: string[] = [];
      for (const setup of ['standalone', 'cluster'] as const) {
        for (const { panel, expr } of QUERIES) if ((await p.query(forSetup(expr, setup))).length === 0) missing.push(`${setup}: ${panel}: ${forSetup(expr, setup)}`);
      }
      return missing;
    };
    const deadline = Date.now() + 40_000;
    let missing = await empty();
    while (missing.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      missing = await empty();
    }
    expect(missing).toEqual([]);

    const targets = await p.targets();
    expect(targets.length).toBe(3);
    for (const t of targets) expect(t, `${t.job} ${t.instance}`).toMatchObject({ health: 'up', lastError: '' });

    // The figures are the load's, not just present.
    const value = (samples: Sample[]): number => samples.reduce((sum, s) => sum + Number(s.value[1]), 0);
    const q = (title: string, i = 0) => PANELS.find((panel) => panel.title === title)!.queries[i]!.expr;
    for (const setup of ['standalone', 'cluster'] as const) {
      expect(value(await p.query(forSetup(q('Is every sim keeping the tick rate?'), setup))), setup).toBeGreaterThan(0);
      expect(value(await p.query(forSetup(q('How many clients does each gateway hold?'), setup))), setup).toBe(2);
      expect(value(await p.query(forSetup(q('How many frames go out to clients?'), setup))), setup).toBeGreaterThan(0);
      expect(value(await p.query(forSetup(q('Do the gateways hear from the sim?'), setup))), setup).toBe(1);
      expect(value(await p.query(forSetup(q('How much work is in a tick?', 1), setup))), setup).toBeGreaterThan(0);
      // Accepted and refused placements, by code, in the window.
      const placements = await p.query(forSetup(q('Are placements accepted, and why are they refused?'), setup).replace(`[${WINDOW}]`, '[5m]'));
      const seen = placements.map((s) => `${s.metric.result} ${s.metric.code}`).sort();
      expect(seen, setup).toEqual(['accepted none', 'refused LIFE_ERR_CELL_OCCUPIED']);
    }
  }, 60_000);

  it('uses only metric names the servers export, and the world figures come from the processes that tick', async () => {
    const text = async (url: string) => (await fetch(`${url}/metrics`)).text();
    const exported = (body: string) => new Set(body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => /^[\w:]+/.exec(l)![0]));
    const sim = exported(await text(`http://127.0.0.1:${simPort}`));
    const gateway = exported(await text(cluster!.urls[0]!));
    const single = exported(await text(standalone!.url));
    const all = new Set([...sim, ...gateway, ...single]);
    expect(metricNames().filter((name) => !all.has(name))).toEqual([]);
    // What the dashboard reads from `standalone|sim` is in both; what it reads from `standalone|gateway` too.
    for (const panel of PANELS) {
      for (const { expr } of panel.queries) {
        const names = metricNames([{ ...panel, queries: [{ expr, legend: '' }] }]);
        if (expr.includes(`job=~"${JOBS.standalone}|${JOBS.sim}"`)) for (const n of names) expect(sim.has(n) && single.has(n), `${n} in the sim's and the standalone server's /metrics`).toBe(true);
        if (expr.includes(`job=~"${JOBS.standalone}|${JOBS.gateway}"`)) for (const n of names) expect(gateway.has(n) && single.has(n), `${n} in a gateway's and the standalone server's /metrics`).toBe(true);
      }
    }
  });

  it("the compose file's Prometheus configuration passes promtool", () => {
    const file = fileURLToPath(new URL('../../docker/prometheus/prometheus.yml', import.meta.url));
    const result = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  });
});
