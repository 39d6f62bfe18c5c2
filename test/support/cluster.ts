/**
 * A cluster of real processes for tests: a nats-server (its own, on a free port), one sim
 * (or one per region of a world split into regions: REGIONS in env, `sims` of them) and N
 * gateways, each `server/src/main.ts` in a child process with ROLE set, sharing one
 * configuration. `killChildren()` (child-server.ts) in afterEach, and `stop()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listening, run, type Run } from './child-server.js';
import { startNats, type NatsServer } from './nats-server.js';

/** A running cluster. */
export interface Cluster {
  readonly nats: NatsServer;
  /** The sim (of region 0 when the world is split). */
  readonly sim: Run;
  /** Every sim, by region. */
  readonly sims: Run[];
  readonly gateways: Run[];
  /** Base URLs of the gateways, http://127.0.0.1:port. */
  readonly urls: string[];
  /** The sim's DATA_DIR (STORE=file). */
  readonly dataDir: string;
  /** The environment every process got. */
  readonly env: Record<string, string>;
  /** Start the sim (of `region`) again (after a kill) on the same data. */
  restartSim(region?: number): Promise<void>;
  /** SIGTERM everything, wait, delete the data. */
  stop(): Promise<void>;
}

/** Resolve once `check()` resolves true (polled every 50 ms); reject after `timeoutMs`. */
export async function poll(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Wait (bounded) until the sim says it runs; return its probe port. */
export async function simStarted(r: Run, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /lifemmo sim of world \S+ on \S+; probes on http:\/\/127\.0\.0\.1:(\d+)\/health/.exec(r.stdout());
    if (m) return Number(m[1]);
    if (r.child.exitCode !== null) throw new Error(`sim exited early: ${r.stdout()} ${r.stderr()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`the sim did not start: ${r.stdout()} ${r.stderr()}`);
}

/** nats-server, `sims` sims (REGION 0 to sims - 1) with a file store, and `gateways` gateways, all on loopback. */
export async function startCluster(gateways: number, env: Record<string, string> = {}, sims = 1): Promise<Cluster> {
  const nats = await startNats();
  const dataDir = mkdtempSync(join(tmpdir(), 'lifemmo-cluster-'));
  const common: Record<string, string> = {
    NATS_URL: nats.url,
    HOST: '127.0.0.1',
    PORT: '0',
    STORE: 'file',
    DATA_DIR: dataDir,
    SIM_TIMEOUT_MS: '1500',
    ...env,
  };
  // Each region's sim recovers while its neighbours' run: start them all, then wait.
  const launch = (region: number) => run({ ...common, ROLE: 'sim', ...(sims > 1 && { REGION: String(region) }) });
  const simRuns = Array.from({ length: sims }, (_, region) => launch(region));
  await Promise.all(simRuns.map((r) => simStarted(r)));
  const cluster: Cluster = {
    nats,
    get sim() {
      return simRuns[0]!;
    },
    sims: simRuns,
    gateways: [],
    urls: [],
    dataDir,
    env: common,
    async restartSim(region = 0) {
      const sim = launch(region);
      simRuns[region] = sim;
      // A restarted sim recovers (and a region replays its log) before it says it started.
      await simStarted(sim, 90_000);
    },
    async stop() {
      const all = [...simRuns, ...cluster.gateways].filter((r) => r.child.exitCode === null && r.child.signalCode === null);
      for (const r of all) r.child.kill('SIGTERM');
      await Promise.all(all.map((r) => r.exit));
      await nats.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < gateways; i++) {
    const g = run({ ...common, ROLE: 'gateway' });
    cluster.gateways.push(g);
  }
  for (const g of cluster.gateways) cluster.urls.push(`http://127.0.0.1:${await listening(g)}`);
  return cluster;
}
