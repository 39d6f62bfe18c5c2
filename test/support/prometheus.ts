/**
 * A real Prometheus for tests (Debian's `prometheus`, installed by .ci/run): each test starts
 * its own on 127.0.0.1 and a free port, with its configuration and its storage in a temporary
 * directory, and stops it after. `query()` evaluates PromQL through the HTTP API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './nats-server.js';

/** Whether a `prometheus` executable is on PATH. */
export function hasPrometheus(): boolean {
  return spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** A scrape job: its name, targets (`host:port`) and labels added to every series. */
export interface ScrapeJob {
  readonly job: string;
  readonly targets: readonly string[];
  readonly labels?: Record<string, string>;
}

/** One series of an instant query's result. */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** A running Prometheus. */
export interface Prometheus {
  readonly url: string;
  /** The instant query's result vector (throws on a query error). */
  query(expr: string): Promise<Sample[]>;
  /** Its scrape targets' health, by `job/instance`. */
  targets(): Promise<Array<{ job: string; instance: string; health: string; lastError: string }>>;
  /** Stop it and delete its directory. */
  stop(): Promise<void>;
}

/** Start Prometheus scraping `jobs` every `scrapeIntervalS` seconds. */
export async function startPrometheus(jobs: readonly ScrapeJob[], scrapeIntervalS = 1): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'lifemmo-prometheus-'));
  const config = {
    global: { scrape_interval: `${scrapeIntervalS}s`, evaluation_interval: `${scrapeIntervalS}s` },
    scrape_configs: jobs.map((j) => ({
      job_name: j.job,
      static_configs: [{ targets: [...j.targets], ...(j.labels && { labels: j.labels }) }],
    })),
  };
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready within 20 s: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const api = async <T>(path: string): Promise<T> => {
    const reply = await fetch(`${url}/api/v1/${path}`);
    const body = (await reply.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? reply.status}`);
    return body.data;
  };
  return {
    url,
    async query(expr) {
      const data = await api<{ resultType: string; result: Sample[] }>(`query?query=${encodeURIComponent(expr)}`);
      return data.result;
    },
    async targets() {
      const data = await api<{ activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }> }>('targets');
      return data.activeTargets.map((t) => ({ job: t.labels.job ?? '', instance: t.labels.instance ?? '', health: t.health, lastError: t.lastError }));
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
