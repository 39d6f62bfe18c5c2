// A gateway whose interest lease lapsed at the sim (its announcements held back past the
// lease: a starved event loop, the bus) gets no records of its chunks for those generations,
// changed or not. It must not take them as unchanged: its replica would keep cells of an
// older generation under the current one, and every snapshot made from it after (a new
// subscriber, a slow client's resync) would hold cells the next diff then births again.
// Here the gateway and the sim share a LocalBus pair the test holds, so it can stop the
// gateway's announcements from reaching the sim, and watch the sim's summaries.
import { PassThrough } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameTypes, SnapshotReasons } from '@lifemmo/shared';
import { LocalBus, Sim, buildGateway, loadConfig, subjectsFor } from '@lifemmo/server';
import { TickKinds, decodeTickMessage, type TickMessage } from '../../server/src/wire/index.js';
import { SMALL_WORLD } from '../rest/helpers.js';
import { admin, call, closeAll, connectClient, newPlayer, prng, seedsWorldEnv, soup, sortCells, waitFor, type TestClient, type TestServer } from './helpers.js';

const WORLD = 128;
const WHOLE = { x: 0, y: 0, w: WORLD, h: WORLD };
const clients: TestClient[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await closeAll(clients, undefined);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A gateway on 127.0.0.1 and a sim on the two ends of a LocalBus pair, both in this thread. */
async function startGatewayAndSim(env: Record<string, string>) {
  const config = loadConfig({ ...SMALL_WORLD, ...env });
  const { port1, port2 } = new MessageChannel();
  const gatewayBus = new LocalBus(port1);
  const simBus = new LocalBus(port2);
  const sim = new Sim({ config, bus: simBus, log: pino({ level: 'silent' }) });
  const app = await buildGateway(config, gatewayBus, { waitForSimMs: 10_000 }, { logStream: new PassThrough() });
  cleanups.push(async () => {
    await app.close();
    await sim.stop();
    await gatewayBus.close();
    await simBus.close();
  });
  await sim.start();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  const server: TestServer = { app, config, url: `http://127.0.0.1:${address.port}`, logs: [], close: () => app.close() };
  return { server, gatewayBus, subjects: subjectsFor(config.cluster.worldName) };
}

/** The world's live cells as GET /cells gives them, sorted as `TestClient.cellsIn`. */
async function truth(server: TestServer): Promise<number[][]> {
  return sortCells((await call(server, 'GET', `/cells?x=0&y=0&w=${WORLD}&h=${WORLD}`)).body.cells as number[][]);
}

describe('interest lease lapse', () => {
  it('a gateway whose lease lapsed fetches its chunks again: no snapshot or diff holds cells of another generation', async () => {
    // Seeds (B2/S): every live cell dies each generation, so every generation changes every
    // chunk with life, and one generation's records missing leaves the replica wrong.
    const { server, gatewayBus, subjects } = await startGatewayAndSim({
      ...seedsWorldEnv(WORLD),
      WS_MAX_LAG_MS: '600000',
    });
    // The gateway's announcements reach the sim only while `announcing`.
    let announcing = true;
    let announced = 0;
    const publish = gatewayBus.publish.bind(gatewayBus);
    gatewayBus.publish = (subject, payload) => {
      if (subject !== subjects.interest) return publish(subject, payload);
      if (!announcing) return;
      announced++;
      publish(subject, payload);
    };
    const ticks: TickMessage[] = [];
    gatewayBus.subscribe(subjects.tick, (payload) => {
      const m = decodeTickMessage(payload);
      if (m.kind === TickKinds.TICK) ticks.push(m);
    });

    const { token } = await newPlayer(server);
    await call(server, 'POST', '/cells', { token, body: { cells: soup(prng(3), 0, 0, WORLD, 0.05, WORLD) } });
    const watcher = await connectClient(server);
    clients.push(watcher);
    watcher.send({ type: 'subscribe', ...WHOLE });
    await watcher.until(() => watcher.generation >= 0, 10_000, 'the first snapshot');
    await watcher.atGeneration(watcher.generation + 3, 10_000);
    // An announcement after the snapshot request (whose lease is longer) sets the lease.
    const announcedBefore = announced;
    await waitFor(() => announced > announcedBefore, 10_000, 'an announcement');

    // Announcements stop: once the lease lapses (3 s after the last one), the sim changes
    // chunks it no longer encodes for this gateway.
    announcing = false;
    const lapsedFrom = ticks.length;
    const lapsed = () => ticks.slice(lapsedFrom).some((t) => t.stats !== null && t.stats.changedChunks > 0 && t.recordsEncoded === 0);
    await waitFor(lapsed, 10_000, 'a generation whose changed chunks the sim did not encode');
    announcing = true;
    const backFrom = ticks.length;
    await waitFor(() => ticks.slice(backFrom).some((t) => t.recordsEncoded > 0), 10_000, 'the sim encoding the chunks again');

    await admin(server, 'pause');
    const generation = (await admin(server, 'step', { generations: 1 })).body.generation as number;
    const cells = await truth(server);
    // A client subscribing now gets its snapshot from the replica.
    const late = await connectClient(server);
    clients.push(late);
    late.send({ type: 'subscribe', ...WHOLE });
    await late.atGeneration(generation, 10_000);
    expect(late.generation).toBe(generation);
    expect(late.cellsIn(WHOLE, { width: WORLD, height: WORLD })).toEqual(cells);
    // The watcher was told to start over, from a snapshot of cells the replica fetched again.
    await watcher.atGeneration(generation, 10_000);
    expect(watcher.frames.some((r) => r.frame.type === FrameTypes.SNAPSHOT && r.frame.reason === SnapshotReasons.RESYNC)).toBe(true);
    expect(watcher.generation).toBe(generation);
    expect(watcher.gaps).toBe(0);
    expect(watcher.cellsIn(WHOLE, { width: WORLD, height: WORLD })).toEqual(cells);
  }, 60_000);
});
