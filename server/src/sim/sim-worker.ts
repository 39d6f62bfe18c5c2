/**
 * The sim on a worker thread (standalone): the Sim over the in-process bus whose other end
 * the main thread's gateway holds. The main thread says `stop`; the worker answers
 * `started` (or `failed` with the reason) and `stopped`.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pino from 'pino';
import { LocalBus, LocalBusMesh } from '../bus/index.js';
import type { Config } from '../config/config.js';
import { createLogger, loggerOptions } from '../log/logger.js';
import { Sim } from './sim.js';
import type { FromSimWorker, SimWorkerInput, ToSimWorker } from './sim-worker-messages.js';

const input = workerData as SimWorkerInput;
const port = parentPort as MessagePort;
const config: Config = input.config;
const send = (message: FromSimWorker): void => port.postMessage(message);

// With a log stream in the main thread (tests read it), every line goes there; otherwise
// the worker writes its own lines to stdout, which Node forwards through the main thread.
const logger = input.logToParent
  ? pino(loggerOptions(config), { write: (line: string) => send({ type: 'log', line }) })
  : createLogger(config, { isTty: input.isTty });
const bus = new LocalBus(input.port);
const peers = input.region === undefined ? null : new LocalBusMesh(input.region.peers.map((p) => new LocalBus(p)));
const sim = new Sim({
  config,
  bus,
  log: logger.child({ role: 'sim' }),
  ...(input.region !== undefined && peers !== null && { region: { id: input.region.id, peers } }),
});

port.on('message', (message: ToSimWorker) => {
  if (message.type !== 'stop') return;
  sim.stop().then(
    async () => {
      await bus.close();
      await peers?.close();
      send({ type: 'stopped' });
      port.close();
    },
    (err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err), code: undefined }),
  );
});

sim.start().then(
  () => send({ type: 'started' }),
  (err: unknown) => {
    logger.error({ err }, 'sim failed to start');
    const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err), code });
  },
);
