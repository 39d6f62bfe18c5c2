/**
 * The server's entry point: read the configuration from the environment (the only
 * place that touches process.env), build the server, listen, and shut down gracefully
 * on SIGINT/SIGTERM (stop accepting, finish the tick, close sockets, exit 0).
 * A bad configuration prints one line and exits 1.
 */
import { isLifeError } from '@lifemmo/shared';
import { loadConfig, type Config } from './config/config.js';
import { buildServer } from './http/build-server.js';

// A second signal during shutdown, or a shutdown stuck this long, exits at once.
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    console.error(`lifemmo: invalid configuration: ${isLifeError(err) ? err.message : String(err)}`);
    process.exit(1);
  }

  const app = await buildServer(config, { isTty: process.stdout.isTTY === true });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shown = config.host.includes(':') ? `[${config.host}]` : config.host;
  console.log(`lifemmo listening on http://${shown}:${port}  try: curl localhost:${port}/world`);

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      console.error(`lifemmo: ${signal} again, exiting now`);
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      console.error('lifemmo: shutdown took too long, exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    app.close().then(
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
