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
import { MessageChannel, Worker } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { errorFromCode, LifeError } from '@lifemmo/shared';
import { LocalBus } from '../bus/index.js';
import type { Config } from '../config/config.js';
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

/** The standalone server of `config`: await `app.listen()` (or `ready()`), then `app.close()`. */
export async function buildServer(config: Config, deps: ServerDeps = {}): Promise<ZodApp> {
  const { port1, port2 } = new MessageChannel();
  const input: SimWorkerInput = { config, port: port2, logToParent: deps.logStream !== undefined, isTty: deps.isTty === true };
  const worker = new Worker(deps.simWorkerUrl ?? simWorkerUrl(), { workerData: input, transferList: [port2] });
  const bus = new LocalBus(port1);

  let exited = false;
  let running = false; // started, and not closing
  let crash: Error | undefined;
  const events = new Set<(m: FromSimWorker) => void>();
  const next = (type: FromSimWorker['type'] | 'failed', timeoutMs: number): Promise<FromSimWorker> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        events.delete(on);
        reject(new LifeError('INTERNAL', `The sim thread did not say ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (m: FromSimWorker) => {
        if (m.type !== type && m.type !== 'failed') return;
        clearTimeout(timer);
        events.delete(on);
        resolve(m);
      };
      events.add(on);
    });
  const started = next('started', SIM_START_TIMEOUT_MS);
  started.catch(() => undefined); // observed in beforeReady

  const logSink = deps.logStream as Writable | undefined;
  worker.on('message', (m: FromSimWorker) => {
    if (m.type === 'started') running = true;
    if (m.type === 'log') logSink?.write(m.line.endsWith('\n') ? m.line : `${m.line}\n`);
    for (const on of [...events]) on(m);
  });
  worker.on('error', (err) => {
    crash = err;
    app.log.fatal({ err }, 'the sim thread crashed: the world is not served until the server restarts');
    bus.setState('down');
  });
  worker.on('exit', (exitCode) => {
    exited = true;
    bus.setState('down');
    for (const on of [...events]) on({ type: 'failed', message: 'the sim thread exited', code: undefined });
    if (running) {
      running = false;
      deps.onSimLost?.(crash ?? new LifeError('INTERNAL', `The sim thread exited (code ${exitCode})`));
    }
  });

  const app: ZodApp = await buildGateway(
    config,
    bus,
    {
      waitForSimMs: SIM_START_TIMEOUT_MS,
      beforeReady: async () => {
        const m = await started;
        if (m.type === 'failed') throw m.code !== undefined ? errorFromCode(m.code, m.message) : new LifeError('INTERNAL', m.message);
      },
      afterClose: async () => {
        running = false;
        if (!exited) {
          const stopped = next('stopped', SIM_STOP_TIMEOUT_MS);
          worker.postMessage({ type: 'stop' } satisfies ToSimWorker);
          try {
            await stopped;
          } catch (err) {
            app.log.error({ err }, 'the sim thread did not stop in time');
          }
        }
        await bus.close();
        await worker.terminate();
      },
    },
    deps,
  );
  return app;
}
