/**
 * A cluster of real processes for tests: a nats-server (its own, on a free port), one sim
 * and N gateways, each `server/src/main.ts` in a child process with ROLE set, sharing one
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
  sim: Run;
  readonly gateways: Run[];
  /** Base URLs of the gateways, http://127.0.0.1:port. */
  readonly urls: string[];
  /** The sim's DATA_DIR (STORE=file). */
  readonly dataDir: string;
  /** The environment every process got. */
  readonly env: Record<string, string>;
  /** Start the sim again (after a kill) on the same data. */
  restartSim(): Promise<void>;
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

/** nats-server, a sim with a file store, and `gateways` gateways, all on loopback. */
export async function startCluster(gateways: number, env: Record<string, string> = {}): Promise<Cluster> {
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
  const startSim = async () => {
    const sim = run({ ...common, ROLE: 'sim' });
    await simStarted(sim);
    return sim;
  };
  const cluster: Cluster = {
    nats,
    sim: await startSim(),
    gateways: [],
    urls: [],
    dataDir,
    env: common,
    async restartSim() {
      cluster.sim = await startSim();
    },
    async stop() {
      const all = [cluster.sim, ...cluster.gateways].filter((r) => r.child.exitCode === null && r.child.signalCode === null);
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
