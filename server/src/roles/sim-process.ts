/**
 * The `sim` role as its own process: the Sim on NATS, plus a tiny HTTP server for probes
 * and scrapers (`GET /health`: the process answers; `GET /ready`: the world is recovered
 * and the bus is up; `GET /metrics`: its ticks and Node's own figures, Prometheus text) so
 * an orchestrator and Prometheus can watch it. It serves no clients: gateways do.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { LifeError } from '@lifemmo/shared';
import type { Logger } from 'pino';
import { connectNatsBus, type Bus } from '../bus/index.js';
import { regionLayoutOf, type Config } from '../config/config.js';
import { createTickMetrics, haloObserver, observeTick } from '../metrics/metrics.js';
import { Sim, createStore } from '../sim/sim.js';
import { SimLease } from './sim-lease.js';

/** A running sim process. */
export interface SimProcess {
  readonly sim: Sim;
  readonly bus: Bus;
  /** The probe server's port. */
  readonly port: number;
  /** Stop answering, finish the tick, write the final snapshot, leave NATS. */
  close(): Promise<void>;
}

/**
 * Take DATA_DIR's lock, connect to NATS (waiting for it if needed), take the world's lease
 * (one sim per world: sim-lease.ts), recover the world and start ticking. A DATA_DIR held
 * by another server is refused before anything else; a world another live sim serves, before
 * anything is recovered.
 * @param onLeaseLost called when another sim took the world's lease: this one must stop now
 * @throws LifeError LIFE_ERR_STORE_LOCKED, LIFE_ERR_SIM_LEASE_HELD
 */
export async function startSimProcess(config: Config, logger: Logger, onLeaseLost: (err: LifeError) => void): Promise<SimProcess> {
  const log = logger.child({ role: 'sim' });
  const split = regionLayoutOf(config).regions.length > 1;
  const region = split ? config.region : null;
  const store = createStore(config, region);
  await store.claim();
  const bus = await connectNatsBus({ servers: config.cluster.natsUrl!, name: `lifemmo-sim-${config.cluster.worldName}${region === null ? '' : `-region-${region}`}` });
  let lease: SimLease;
  try {
    lease = await SimLease.acquire({
      nc: bus.connection,
      world: config.cluster.worldName,
      region,
      leaseMs: config.cluster.simLeaseMs,
      instance: randomUUID(),
      log,
      onLost: onLeaseLost,
    });
  } catch (err) {
    // The process exits on this (main.ts), which lets DATA_DIR's lock go with it.
    await bus.close();
    throw err;
  }
  bus.onState((state) => (state === 'down' ? log.warn('NATS connection lost; reconnecting') : log.info('NATS connection restored')));
  // A region's sim meets its neighbours (halos, placement parts) on the same connection.
  const sim = new Sim({ config, bus, log, store, ...(region !== null && { region: { id: region, peers: bus } }) });
  const metrics = createTickMetrics();
  const regionEngine = sim.regionEngine;
  const observeHalos = haloObserver(metrics);
  const offTick = sim.engine.onTick((result) => {
    observeTick(metrics, result.stats);
    if (regionEngine !== null) observeHalos(regionEngine.haloCounts);
  });
  let ready = false;
  const probes: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          log.error({ err }, 'metrics failed');
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'LIFE_ERR_INTERNAL', message: 'Metrics could not be collected' } }));
        },
      );
      return;
    }
    const ok = req.url === '/health' || (req.url === '/ready' && ready && bus.state === 'up');
    res.writeHead(ok ? 200 : req.url === '/ready' ? 503 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { status: req.url === '/health' ? 'ok' : 'ready' } : { error: { code: 'LIFE_ERR_NOT_READY', message: 'The sim is not ready' } }));
  });
  await new Promise<void>((resolve) => probes.listen(config.port, config.host, resolve));
  const address = probes.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  await sim.start();
  ready = true;
  return {
    sim,
    bus,
    port,
    async close() {
      ready = false;
      offTick();
      await sim.stop();
      await lease.release();
      await bus.close();
      await new Promise<void>((resolve) => probes.close(() => resolve()));
    },
  };
}
