/**
 * The standalone role, the default (`npm start`, no services): the sim on a worker thread,
 * the gateway on the main thread, the in-process bus between them. The same sim and
 * gateway as a cluster, so the embedded default exercises the real seams, and the tick
 * never runs on the loop that answers HTTP and WebSocket clients: both cores work.
 *
 * `buildServer` starts the worker at once; `app.ready()` waits for it to recover the world
 * (a failure to start is thrown from there, with the sim's reason); `app.close()` closes
 * every client, then stops the sim, which writes its final snapshot.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { errorFromCode, LifeError } from '@lifemmo/shared';
import { LocalBus, LocalBusMesh, type Bus } from '../bus/index.js';
import { regionLayoutOf, type Config } from '../config/config.js';
import type { ZodApp } from '../http/server-context.js';
import type { FromSimWorker, SimWorkerInput, ToSimWorker } from '../sim/sim-worker-messages.js';
import { buildGateway, type GatewayDeps } from './gateway.js';

/** How long `app.ready()` waits for the sim thread to recover the world, ms. */
const SIM_START_TIMEOUT_MS = 300_000;
/** How long `app.close()` waits for the sim thread's final snapshot, ms. */
const SIM_STOP_TIMEOUT_MS = 60_000;

/** Where the sim's worker script is: the bundle's sibling, or the TypeScript sources via tsx. */
function simWorkerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../sim/sim-worker-entry.mjs', import.meta.url)
    : new URL('./sim-worker.js', import.meta.url);
}

/** Optional collaborators of a standalone server (see GatewayDeps). */
export interface ServerDeps extends GatewayDeps {
  /**
   * Called once if the sim thread dies while the server runs (a bug, out of memory): the
   * world is no longer served. main.ts closes the server and exits 1, so that a supervisor
   * (compose's restart policy, systemd) starts it again and the new sim recovers the world
   * from DATA_DIR; without it the gateway stays up, `/ready` 503.
   */
  readonly onSimLost?: (err: Error) => void;
  /** The sim thread's script (tests run one that crashes). */
  readonly simWorkerUrl?: URL;
}

/**
 * One sim worker thread: started at once, `started` awaited by `app.ready()`, stopped by
 * `stop()` (its final snapshot), and `onLost` told once if it dies while it runs.
 */
class SimThread {
  readonly #worker: Worker;
  readonly #events = new Set<(m: FromSimWorker) => void>();
  readonly started: Promise<FromSimWorker>;
  #exited = false;
  #running = false; // started, and not closing
  #crash: Error | undefined;

  constructor(url: URL, input: SimWorkerInput, transferList: MessagePort[], bus: LocalBus, app: () => ZodApp, deps: ServerDeps) {
    this.#worker = new Worker(url, { workerData: input, transferList });
    this.started = this.#next('started', SIM_START_TIMEOUT_MS);
    this.started.catch(() => undefined); // observed in beforeReady
    const logSink = deps.logStream as Writable | undefined;
    const label = input.region === undefined ? 'the sim thread' : `the sim thread of region ${input.region.id}`;
    this.#worker.on('message', (m: FromSimWorker) => {
      if (m.type === 'started') this.#running = true;
      if (m.type === 'log') logSink?.write(m.line.endsWith('\n') ? m.line : `${m.line}\n`);
      for (const on of [...this.#events]) on(m);
    });
    this.#worker.on('error', (err) => {
      this.#crash = err;
      app().log.fatal({ err }, `${label} crashed: the world is not served until the server restarts`);
      bus.setState('down');
    });
    this.#worker.on('exit', (exitCode) => {
      this.#exited = true;
      bus.setState('down');
      for (const on of [...this.#events]) on({ type: 'failed', message: `${label} exited`, code: undefined });
      if (this.#running) {
        this.#running = false;
        deps.onSimLost?.(this.#crash ?? new LifeError('INTERNAL', `${label[0]!.toUpperCase()}${label.slice(1)} exited (code ${exitCode})`));
      }
    });
  }

  /** Throws the sim's reason when it failed to start. */
  async ready(): Promise<void> {
    const m = await this.started;
    if (m.type === 'failed') throw m.code !== undefined ? errorFromCode(m.code, m.message) : new LifeError('INTERNAL', m.message);
  }

  /** Ask the sim to stop (final snapshot) and wait for it, then end the thread. */
  async stop(log: ZodApp['log']): Promise<void> {
    this.#running = false;
    if (!this.#exited) {
      const stopped = this.#next('stopped', SIM_STOP_TIMEOUT_MS);
      this.#worker.postMessage({ type: 'stop' } satisfies ToSimWorker);
      try {
        await stopped;
      } catch (err) {
        log.error({ err }, 'the sim thread did not stop in time');
      }
    }
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }

  #next(type: FromSimWorker['type'] | 'failed', timeoutMs: number): Promise<FromSimWorker> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#events.delete(on);
        reject(new LifeError('INTERNAL', `The sim thread did not say ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (m: FromSimWorker) => {
        if (m.type !== type && m.type !== 'failed') return;
        clearTimeout(timer);
        this.#events.delete(on);
        resolve(m);
      };
      this.#events.add(on);
    });
  }
}

/**
 * The standalone server of `config`: await `app.listen()` (or `ready()`), then `app.close()`.
 * A world split into regions (REGIONS) runs a sim thread per region, each joined to every
 * other by a channel (halos, placement parts) and to the gateway by its own; the gateway
 * talks to them all through one LocalBusMesh.
 */
export async function buildServer(config: Config, deps: ServerDeps = {}): Promise<ZodApp> {
  const regions = regionLayoutOf(config).regions.length;
  const url = deps.simWorkerUrl ?? simWorkerUrl();
  // peers[i][j]: region i's end of its channel to region j.
  const peers: MessagePort[][] = Array.from({ length: regions }, () => []);
  for (let i = 0; i < regions; i++) {
    for (let j = i + 1; j < regions; j++) {
      const { port1, port2 } = new MessageChannel();
      peers[i]!.push(port1);
      peers[j]!.push(port2);
    }
  }
  const ends: LocalBus[] = [];
  const threads: SimThread[] = [];
  for (let id = 0; id < regions; id++) {
    const { port1, port2 } = new MessageChannel();
    const end = new LocalBus(port1);
    ends.push(end);
    const input: SimWorkerInput = {
      config,
      port: port2,
      logToParent: deps.logStream !== undefined,
      isTty: deps.isTty === true,
      ...(regions > 1 && { region: { id, peers: peers[id]! } }),
    };
    threads.push(new SimThread(url, input, [port2, ...peers[id]!], end, () => app, deps));
  }
  const bus: Bus = regions === 1 ? ends[0]! : new LocalBusMesh(ends);

  const app: ZodApp = await buildGateway(
    config,
    bus,
    {
      waitForSimMs: SIM_START_TIMEOUT_MS,
      observeHalos: true,
      beforeReady: async () => {
        await Promise.all(threads.map((t) => t.ready()));
      },
      afterClose: async () => {
        await Promise.all(threads.map((t) => t.stop(app.log)));
        await bus.close();
        await Promise.all(threads.map((t) => t.terminate()));
      },
    },
    deps,
  );
  return app;
}
