/**
 * The server's entry point: read the configuration from the environment (the only place
 * that touches process.env) and start the role it names (DESIGN.md, "Beyond one process"):
 *
 * - `standalone` (default): the sim on a worker thread and the gateway here;
 * - `gateway`: REST and WebSocket for clients, the sim reached over NATS;
 * - `sim`: the world over NATS, with /health and /ready on PORT.
 *
 * Shuts down gracefully on SIGINT/SIGTERM (stop accepting, close sockets, finish the tick,
 * final snapshot, exit 0). A bad configuration prints one line and exits 1.
 */
import { isLifeError } from '@lifemmo/shared';
import { connectNatsBus } from './bus/index.js';
import { loadConfig, type Config } from './config/config.js';
import { createLogger } from './log/logger.js';
import { buildGateway } from './roles/gateway.js';
import { startSimProcess } from './roles/sim-process.js';
import { buildServer } from './roles/standalone.js';

// A second signal during shutdown, or a shutdown stuck this long, exits at once.
const SHUTDOWN_TIMEOUT_MS = 20_000;

async function start(config: Config): Promise<{ close(): Promise<void> }> {
  const isTty = process.stdout.isTTY === true;
  if (config.role === 'sim') {
    const logger = createLogger(config, { isTty });
    const sim = await startSimProcess(config, logger);
    console.log(`lifemmo sim of world ${config.cluster.worldName} on ${config.cluster.natsUrl}; probes on http://${config.host}:${sim.port}/health`);
    return sim;
  }
  let app;
  if (config.role === 'gateway') {
    const logger = createLogger(config, { isTty });
    const bus = await connectNatsBus({ servers: config.cluster.natsUrl!, name: `lifemmo-gateway-${config.cluster.worldName}` });
    app = await buildGateway(config, bus, { waitForSimMs: 0, afterClose: () => bus.close() }, { logger });
  } else {
    app = await buildServer(config, { isTty });
  }
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shown = config.host.includes(':') ? `[${config.host}]` : config.host;
  console.log(`lifemmo listening on http://${shown}:${port}  try: curl localhost:${port}/world`);
  return app;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    console.error(`lifemmo: invalid configuration: ${isLifeError(err) ? err.message : String(err)}`);
    process.exit(1);
  }
  const running = await start(config);

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      console.error(`lifemmo: ${signal} again, exiting now`);
      process.exit(1);
    }
    closing = true;
    const timer = setTimeout(() => {
      console.error('lifemmo: shutdown took too long, exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('lifemmo: error while shutting down:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('lifemmo: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
