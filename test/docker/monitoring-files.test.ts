/**
 * The compose file's monitoring profile, checked without Docker: Prometheus and Grafana are
 * official images on pinned tags; Prometheus scrapes every lifemmo service of the compose
 * file under the job names the dashboard queries, on the port the image listens on; Grafana's
 * provisioning names that Prometheus and the dashboard folder it is given; the committed
 * dashboard is exactly what scripts/grafana-dashboard.ts generates, and every metric it
 * queries is one the server registers. test/monitoring/prometheus.test.ts runs the queries
 * against a real Prometheus.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '@lifemmo/server';
import { createWsMetrics } from '../../server/src/ws/ws-metrics.js';
import { createWsStats } from '../../server/src/ws/ws-stats.js';
import { DASHBOARD_FILE, DATASOURCE_UID, JOBS, PANELS, dashboardJson, metricNames } from '../../scripts/grafana-dashboard.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCKER = join(ROOT, 'docker');
const read = (path: string): string => readFileSync(join(DOCKER, path), 'utf8');

type Service = {
  image?: string;
  build?: { dockerfile?: string };
  profiles?: string[];
  environment?: Record<string, string>;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
};
const compose = parse(read('compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
/** The port the lifemmo image listens on (its ENV PORT). */
const imagePort = /\bPORT=(\d+)/.exec(read('Dockerfile'))?.[1];

/** A bind mount `./x:/y[:ro]` of a service: source (relative to docker/) → target. */
function bindMounts(service: Service): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const v of service.volumes ?? []) {
    const [source, target] = String(v).split(':');
    if (source!.startsWith('./')) mounts.set(source!.slice(2), target!);
  }
  return mounts;
}

/** The lifemmo role a compose service runs: standalone, gateway, sim, or null (not a server). */
function roleOf(name: string): string | null {
  const s = services[name];
  if (s === undefined || name === 'bots') return null;
  if (s.image !== 'lifemmo:latest' && s.build?.dockerfile !== 'docker/Dockerfile') return null;
  return s.environment?.ROLE ?? 'standalone';
}

describe('docker/compose.yml monitoring profile', () => {
  it('runs Prometheus and Grafana from their official images on pinned versions', () => {
    const monitoring = Object.entries(services).filter(([, s]) => s.profiles?.includes('monitoring')).map(([n]) => n).sort();
    expect(monitoring).toEqual(['grafana', 'prometheus']);
    expect(services.prometheus!.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(services.grafana!.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    expect(services.grafana!.depends_on).toContain('prometheus');
    // Their data on named volumes, so a restart keeps the history and Grafana's state.
    for (const name of ['prometheus', 'grafana']) {
      const named = (services[name]!.volumes ?? []).map((v) => String(v).split(':')[0]!).filter((s) => !s.startsWith('.'));
      expect(named.length, name).toBe(1);
      expect(compose.volumes).toHaveProperty(named[0]!);
    }
  });

  const prometheusMounts = bindMounts(services.prometheus!);
  const configTarget = /--config\.file=(\S+)/.exec((services.prometheus!.command ?? []).join(' '))?.[1];

  it('gives Prometheus a configuration that scrapes every lifemmo server, by role, under the jobs the dashboard queries', () => {
    const source = [...prometheusMounts].find(([, target]) => target === configTarget)?.[0];
    expect(source, `a bind mount onto ${configTarget}`).toBeDefined();
    const config = parse(read(source!)) as { scrape_configs: Array<{ job_name: string; metrics_path?: string; static_configs: Array<{ targets: string[] }> }> };
    const jobs = new Map(config.scrape_configs.map((c) => [c.job_name, c.static_configs.flatMap((s) => s.targets)]));
    expect([...jobs.keys()].sort()).toEqual(Object.values(JOBS).sort());
    for (const c of config.scrape_configs) expect(c.metrics_path ?? '/metrics').toBe('/metrics');
    const scraped: string[] = [];
    for (const [job, targets] of jobs) {
      for (const target of targets) {
        const [host, port] = target.split(':');
        expect(roleOf(host!), `${job}: ${target}`).toBe(job);
        expect(port, target).toBe(imagePort);
        scraped.push(host!);
      }
    }
    const servers = Object.keys(services).filter((name) => roleOf(name) !== null);
    expect(scraped.sort()).toEqual(servers.sort());
  });

  it("provisions Grafana's datasource (the compose Prometheus) and the dashboard folder it mounts", () => {
    const grafanaMounts = bindMounts(services.grafana!);
    const provisioning = [...grafanaMounts].find(([, target]) => target === '/etc/grafana/provisioning')?.[0];
    expect(provisioning).toBeDefined();
    const datasources = parse(read(join(provisioning!, 'datasources/prometheus.yml'))) as { datasources: Array<{ uid: string; type: string; url: string }> };
    const ds = datasources.datasources[0]!;
    expect(ds).toMatchObject({ uid: DATASOURCE_UID, type: 'prometheus' });
    const url = new URL(ds.url);
    expect(services[url.hostname]).toBe(services.prometheus);
    expect((services.prometheus!.ports ?? []).map((p) => String(p).split(':')[1])).toContain(url.port);

    const providers = parse(read(join(provisioning!, 'dashboards/lifemmo.yml'))) as { providers: Array<{ type: string; options: { path: string } }> };
    const path = providers.providers[0]!.options.path;
    const dashboards = [...grafanaMounts].find(([, target]) => target === path)?.[0];
    expect(dashboards, `a bind mount onto ${path}`).toBeDefined();
    expect(join(DOCKER, dashboards!, 'lifemmo.json')).toBe(DASHBOARD_FILE);
    expect(existsSync(DASHBOARD_FILE)).toBe(true);
    expect(services.grafana!.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${path}/lifemmo.json`);
  });
});

describe('the lifemmo Grafana dashboard', () => {
  it('is committed exactly as scripts/grafana-dashboard.ts generates it (run `npm run dashboard` after changing it)', () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).toBe(dashboardJson());
  });

  it('asks one question per panel, every query on the provisioned datasource', () => {
    const model = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
      panels: Array<{ title: string; type: string; datasource: { uid: string }; targets: Array<{ expr: string; refId: string }> }>;
    };
    const titles = model.panels.map((p) => p.title);
    expect(new Set(titles).size).toBe(titles.length);
    for (const panel of model.panels) {
      expect(panel.title, panel.title).toMatch(/\?$/);
      expect(panel.datasource.uid).toBe(DATASOURCE_UID);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      expect(new Set(panel.targets.map((t) => t.refId)).size).toBe(panel.targets.length);
    }
    expect(model.panels.filter((p) => p.type === 'heatmap').map((p) => p.targets[0]!.expr).join()).toContain('lifemmo_io_latency_seconds_bucket');
  });

  it('queries only metrics the server registers (gateway, WebSocket, tick and Node metrics)', async () => {
    const metrics = createMetrics();
    createWsMetrics(metrics, createWsStats());
    const exported = new Set<string>();
    for (const m of await metrics.registry.getMetricsAsJSON()) {
      exported.add(m.name);
      if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(m.name + suffix);
    }
    const used = metricNames();
    expect(used.length).toBeGreaterThan(15);
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
    // Every panel the issue lists has its metric.
    for (const name of [
      'lifemmo_tick_duration_seconds_bucket',
      'lifemmo_tick_lag_seconds_bucket',
      'lifemmo_tick_candidates_sum',
      'lifemmo_tick_io_calls_sum',
      'lifemmo_io_latency_seconds_bucket',
      'lifemmo_io_failures_total',
      'lifemmo_io_timeouts_total',
      'lifemmo_ws_clients',
      'lifemmo_ws_frames_sent_total',
      'lifemmo_ws_bytes_sent_total',
      'lifemmo_ws_slow_client_resyncs_total',
      'lifemmo_ws_slow_client_drops_total',
      'lifemmo_ws_lagged_total',
      'lifemmo_placements_total',
      'lifemmo_bus_messages_received_total',
      'lifemmo_bus_tick_delay_seconds_bucket',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(used).toContain(name);
    }
    expect(PANELS.length).toBe(JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')).panels.length);
  });

  it('has every panel in docs/operations.md with what to do when it turns bad', () => {
    const operations = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    for (const panel of PANELS) expect(operations, panel.title).toContain(`| ${panel.title} | ${panel.description} |`);
  });
});
