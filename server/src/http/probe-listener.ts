/**
 * The probe listener: a second port (`PROBE_PORT`) that answers `GET /health`, `/ready` and
 * `/metrics` only, for orchestrators' probes and Prometheus.
 *
 * Why a port of its own: libuv (1.45 on, so Node 20) accepts one connection per listening
 * socket and turn of the event loop (libuv/libuv#3696), and under a flood a turn is long: it
 * serves every keep-alive request that is ready, 10 to 20 ms with 50 flooding connections.
 * New connections then queue in the kernel behind the clients'. In `npm run bench -- --only
 * overload`, 1,500 bots joining over 10 s queued up to a thousand deep (`ss -ltn`), and a
 * `GET /health` on a new connection waited up to 8 s; an orchestrator's probe opens a new
 * connection each time (a kubelet's times out after 1 s by default). This socket has a
 * queue of its own, and every turn takes one connection from it too.
 *
 * Requests are handed to the app's own router (`app.routing`): the same handlers, hooks,
 * metrics and error bodies as on the main port. Any other path is 404 LIFE_ERR_NOT_FOUND.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Errors } from '@lifemmo/shared';
import { PROBE_ROUTES } from './request-log.js';

/** A listening probe port. */
export interface ProbeListener {
  /** `http://host:port`, the port as bound (PROBE_PORT=0: an ephemeral one). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serve `app`'s probe routes on `port` of `host` (call once `app` is ready: it listens).
 * @param backlog the listen backlog (LISTEN_BACKLOG)
 */
export async function listenProbes(app: Pick<FastifyInstance, 'routing'>, host: string, port: number, backlog: number): Promise<ProbeListener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (PROBE_ROUTES.has(path)) {
      app.routing(req, res);
      return;
    }
    const { code, status } = Errors.NOT_FOUND;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: { code, message: `No route ${req.method ?? 'GET'} ${path} on the probe port: it serves ${[...PROBE_ROUTES].join(', ')}` } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${shown}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections of scrapers would hold close() open.
        server.closeAllConnections();
      }),
  };
}
