/**
 * The server's entry point: read the configuration from the environment (the only place
 * that touches process.env) and start the role it names (DESIGN.md, "Beyond one process"):
 *
 * - `standalone` (default): the sim on a worker thread and the gateway here;
 * - `gateway`: REST and WebSocket for clients, the sim reached over NATS;
 * - `sim`: the world over NATS, with /health and /ready on PORT.
 *
 * With PROBE_PORT, standalone and gateway also answer /health, /ready and /metrics on a
 * port of their own (http/probe-listener.ts).
 *
 * Shuts down gracefully on SIGINT/SIGTERM (stop accepting, close sockets, finish the tick,
 * final snapshot, exit 0). A bad configuration prints one line on stderr and exits 1; after
 * that every line goes through the logger (LOG_FORMAT), start-up and shutdown included.
 */
import type { Logger } from 'pino';
import { isLifeError } from '@lifemmo/shared';
import { connectNatsBus } from './bus/index.js';
import { loadConfig, type Config } from './config/config.js';
import { listenProbes } from './http/probe-listener.js';
import { createLogger, quieterThanInfo, startupLogger } from './log/logger.js';
import { buildGateway } from './roles/gateway.js';
import { startSimProcess } from './roles/sim-process.js';
import { buildServer } from './roles/standalone.js';

// A second signal during shutdown, or a shutdown stuck this long, exits at once.
const SHUTDOWN_TIMEOUT_MS = 20_000;

/** The start-up record of a server listening at `address` (`http://host:port`). */
function listeningText(address: string): string {
  const port = /:(\d+)$/.exec(address)?.[1] ?? '80';
  return `lifemmo listening on ${address}  try: curl localhost:${port}/world`;
}

async function start(config: Config, logger: Logger, isTty: boolean, onSimLost: (err: Error) => void): Promise<{ close(): Promise<void> }> {
  if (config.role === 'sim') {
    const sim = await startSimProcess(config, logger, onSimLost);
    const probes = `http://${config.host}:${sim.port}/health`;
    const regions = sim.sim.layout.regions.length;
    startupLogger(logger, config).info(
      { world: config.cluster.worldName, probes, ...(regions > 1 && { region: sim.sim.regionId, regions }) },
      `lifemmo sim of world ${config.cluster.worldName} on ${config.cluster.natsUrl}; probes on ${probes}${regions > 1 ? `; region ${sim.sim.regionId} of ${regions}` : ''}`,
    );
    return sim;
  }
  let app;
  if (config.role === 'gateway') {
    const bus = await connectNatsBus({ servers: config.cluster.natsUrl!, name: `lifemmo-gateway-${config.cluster.worldName}` });
    app = await buildGateway(config, bus, { waitForSimMs: 0, afterClose: () => bus.close() }, { logger });
  } else {
    app = await buildServer(config, { logger, isTty, onSimLost });
  }
  // Fastify logs this line at info, once per address (every interface for 0.0.0.0); when
  // LOG_LEVEL hides info, it is written once all the same (startupLogger).
  const address = await app.listen({ host: config.host, port: config.port, backlog: config.listenBacklog, listenTextResolver: listeningText });
  if (quieterThanInfo(config)) startupLogger(app.log, config).info(listeningText(address));
  if (config.probePort === null) return app;
  const probes = await listenProbes(app, config.host, config.probePort, config.listenBacklog);
  startupLogger(app.log, config).info({ probes: probes.url }, `probes on ${probes.url} (/health, /ready, /metrics)`);
  return {
    // The probes last: while the app drains, /ready on them says 503 (shutting down).
    async close() {
      await app.close();
      await probes.close();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    // No logger yet (LOG_FORMAT itself may be what is wrong): one plain line on stderr.
    console.error(`lifemmo: invalid configuration: ${isLifeError(err) ? err.message : String(err)}`);
    process.exit(1);
  }
  // From here on everything is logged through pino: in JSON mode stdout holds JSON lines only.
  const isTty = process.stdout.isTTY === true;
  const logger = createLogger(config, { isTty });
  let running: { close(): Promise<void> } | undefined;
  let closing = false;
  /** Close what runs, then exit with `exitCode` (a second call, or a stuck close, exits at once). */
  const shutdown = (why: string, exitCode: 0 | 1): void => {
    if (closing) {
      logger.warn({ why }, `${why} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown took too long: exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    (running?.close() ?? Promise.resolve()).then(
      () => {
        logger.info('shut down');
        process.exit(exitCode);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  // Standalone: a sim thread that died leaves nothing to serve; exit so a supervisor
  // restarts the server and the new sim recovers the world from DATA_DIR (docs/operations.md).
  // Sim role: another sim took this world's lease (roles/sim-lease.ts); stop serving it.
  const onSimLost = (err: Error): void => {
    logger.fatal({ err }, config.role === 'sim' ? 'this sim lost its world to another sim: stopping, exit 1' : 'the sim thread died: closing and exiting 1 so the server can be restarted');
    shutdown(config.role === 'sim' ? 'world lease lost' : 'sim thread lost', 1);
  };
  try {
    running = await start(config, logger, isTty, onSimLost);
  } catch (err) {
    logger.fatal({ err }, `lifemmo failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }

  const onSignal = (signal: string): void => {
    if (!closing) logger.info({ signal }, `${signal}: shutting down`);
    shutdown(signal, 0);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('lifemmo: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
