/**
 * A real nats-server for tests (Debian's `nats-server`, installed by .ci/run): each test
 * starts its own on 127.0.0.1 and a free port, with JetStream and a temporary store
 * directory, and stops it after. `restart()` brings it back on the same port and store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running nats-server. */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** Its process id now (changes with restart). */
  readonly pid: number | null;
  /** Kill it (SIGKILL) and wait until the port is free. */
  kill(): Promise<void>;
  /** Start it again on the same port and store directory. */
  restart(): Promise<void>;
  /** Stop it and delete its store. */
  stop(): Promise<void>;
}

/** A port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`nats-server: ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Start nats-server with JetStream on a free loopback port. */
export async function startNats(): Promise<NatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'lifemmo-nats-'));
  let child: ChildProcess | null = null;
  let log = '';
  const launch = async () => {
    log = '';
    child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const c = child;
    await until(async () => {
      if (c.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
      return accepts(port);
    }, 'not listening');
  };
  const kill = async () => {
    const c = child as ChildProcess | null;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    await until(async () => !(await accepts(port)), 'port still open');
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    get pid() {
      return (child as ChildProcess | null)?.pid ?? null;
    },
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
