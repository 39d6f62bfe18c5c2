// Failures of a cluster of real processes: the sim killed with SIGKILL under concurrent
// placements (nothing acknowledged is lost; gateways say 503 meanwhile; clients stay and
// resync), and nats-server killed and restarted under load (no process exits; ticks resume).
import { afterEach, describe, expect, it } from 'vitest';
import { LifeClient } from '@lifemmo/client';
import { loadConfig } from '@lifemmo/server';
import { ADMIN, admin, allCells, call, newPlayer } from '../rest/helpers.js';
import { replicaCells, waitFor } from '../sdk/helpers.js';
import { killChildren } from '../support/child-server.js';
import { poll, startCluster, type Cluster } from '../support/cluster.js';

let cluster: Cluster | undefined;
const clients: LifeClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await cluster?.stop();
  cluster = undefined;
  killChildren();
});

const WORLD = 256;
const config = loadConfig({ WORLD_WIDTH: String(WORLD), WORLD_HEIGHT: String(WORLD), SEEDING: 'off' });
const endpoint = (url: string) => ({ url, config });
const BASE = { ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_MINUTE: '0', BUDGET_CELLS: '1000000', CELL_LOGIC: 'local', BUS_REQUEST_TIMEOUT_MS: '2000' };

/** A 2x2 block (a still life) in slot `i` of a grid with 3 dead cells between blocks. */
function block(i: number): Array<[number, number]> {
  const x = (i % 42) * 6 + 1;
  const y = Math.floor(i / 42) * 6 + 1;
  return [
    [x, y],
    [x + 1, y],
    [x, y + 1],
    [x + 1, y + 1],
  ];
}

describe('cluster failures', () => {
  it('kill -9 of the sim under concurrent placements: every acknowledged placement is there after it restarts', async () => {
    cluster = await startCluster(2, { ...BASE, TICK_MS: '50', SNAPSHOT_EVERY: '40' });
    const gateways = cluster.urls.map(endpoint);
    const player = await newPlayer(gateways[0]!, 'placer');
    const watcher = new LifeClient({ url: cluster.urls[1]!, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
    clients.push(watcher);
    await watcher.connect();
    await watcher.subscribe({ x: 0, y: 0, w: WORLD, h: WORLD });
    const watcherErrors: string[] = [];
    watcher.on('error', (err) => watcherErrors.push(err.code));

    const acked: number[] = [];
    const refused: string[] = [];
    let next = 0;
    let placing = true;
    // Four placers, two per gateway, each placing one block at a time until told to stop.
    const placer = async (g: number) => {
      while (placing) {
        const slot = next++;
        const reply = await call(gateways[g]!, 'POST', '/cells', { token: player.token, body: { cells: block(slot) } });
        if (reply.status === 202) acked.push(slot);
        else refused.push(`${reply.status} ${reply.body?.error?.code}`);
        if (reply.status !== 202) await new Promise((r) => setTimeout(r, 50));
      }
    };
    const placers = [placer(0), placer(1), placer(0), placer(1)];
    await poll(async () => acked.length >= 30, '30 acknowledged placements');

    cluster.sim.child.kill('SIGKILL');
    await cluster.sim.exit;
    // Both gateways notice, and say so: /ready and placements answer 503 with a code.
    for (const g of gateways) {
      await poll(async () => (await call(g, 'GET', '/ready')).status === 503, 'ready 503');
      const ready = await call(g, 'GET', '/ready');
      expect(ready.body.error.code).toBe('LIFE_ERR_SIM_UNAVAILABLE');
    }
    const whileDown = await call(gateways[0]!, 'POST', '/cells', { token: player.token, body: { cells: block(999) } });
    expect({ status: whileDown.status, code: whileDown.body.error.code }).toEqual({ status: 503, code: 'LIFE_ERR_SIM_UNAVAILABLE' });
    // The client stays connected and is told.
    expect(watcher.state).toBe('open');
    await waitFor(() => watcherErrors.includes('LIFE_ERR_SIM_UNAVAILABLE'), 5000, 'the client to hear the sim is gone');

    const ackedBeforeRestart = acked.length;
    await cluster.restartSim();
    for (const g of gateways) await poll(async () => (await call(g, 'GET', '/ready')).status === 200, 'ready 200 again');
    await poll(async () => acked.length > ackedBeforeRestart + 5, 'placements acknowledged after the restart');
    placing = false;
    await Promise.all(placers);
    // Every refusal was a clear 503, never a silent loss.
    expect(refused.every((r) => r === '503 LIFE_ERR_SIM_UNAVAILABLE')).toBe(true);

    const paused = (await admin(gateways[0]!, 'pause')).body.generation as number;
    await admin(gateways[0]!, 'step', { generations: 2 });
    const { cells } = await allCells(gateways[1]!);
    const live = new Set(cells.map(([x, y, owner]) => `${x},${y},${owner}`));
    const missing = acked.filter((slot) => !block(slot).every(([x, y]) => live.has(`${x},${y},${player.id}`)));
    expect(missing).toEqual([]);
    expect(acked.length).toBeGreaterThan(35);
    // The client resynced by itself: its replica is the world again.
    await waitFor(() => watcher.generation === paused + 2, 10_000, 'the watcher to follow');
    expect(replicaCells(watcher)).toEqual(cells);
  });

  it('kill -9 of a gateway: an SDK client given both gateways moves to the other and resyncs, with no user code', async () => {
    cluster = await startCluster(2, { ...BASE, TICK_MS: '50' });
    const gateways = cluster.urls.map(endpoint);
    const player = await newPlayer(gateways[0]!, 'mover');
    const client = new LifeClient({ urls: cluster.urls, token: player.token, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
    clients.push(client);
    const reconnects: unknown[] = [];
    client.on('reconnect', (e) => reconnects.push(e));
    await client.connect();
    await client.subscribe({ x: 0, y: 0, w: WORLD, h: WORLD });
    await client.place(block(0));
    // Which gateway it is on: the one whose socket count is 1.
    const on = async (g: { url: string }) => (await call(g, 'GET', '/metrics')).text.includes('lifemmo_ws_clients 1');
    const first = (await on(gateways[0]!)) ? 0 : 1;
    expect(await on(gateways[first]!)).toBe(true);

    cluster.gateways[first]!.child.kill('SIGKILL');
    await cluster.gateways[first]!.exit;
    await waitFor(() => reconnects.length === 1 && client.state === 'open', 15_000, 'the client to reconnect to the other gateway');
    const other = gateways[1 - first]!;
    expect(await on(other)).toBe(true);
    // It places through the new gateway with the same token, and its replica is the world there.
    const placed = await client.place(block(1));
    await waitFor(() => client.generation >= placed.generation, 10_000, 'the placement to land');
    const paused = (await admin(other, 'pause')).body.generation as number;
    await waitFor(() => client.generation === paused, 10_000, 'the client at the paused generation');
    const truth = await allCells(other);
    expect(replicaCells(client)).toEqual(truth.cells);
    expect(truth.cells.filter((c) => c[2] === player.id)).toHaveLength(8);
  });

  it('nats-server restarted under load: no process exits, ticks resume, clients follow again', async () => {
    cluster = await startCluster(2, { ...BASE, TICK_MS: '50' });
    const gateways = cluster.urls.map(endpoint);
    const player = await newPlayer(gateways[0]!, 'steady');
    const watchers = cluster.urls.map((url) => new LifeClient({ url, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } }));
    clients.push(...watchers);
    for (const w of watchers) {
      await w.connect();
      await w.subscribe({ x: 0, y: 0, w: WORLD, h: WORLD });
    }
    let placing = true;
    let slot = 0;
    const statuses = new Map<string, number>();
    const load = (async () => {
      while (placing) {
        const r = await call(gateways[slot % 2]!, 'POST', '/cells', { token: player.token, body: { cells: block(slot++ % 400) } });
        const key = r.status === 202 ? '202' : `${r.status} ${r.body?.error?.code}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        await new Promise((res) => setTimeout(res, 10));
      }
    })();
    await poll(async () => (statuses.get('202') ?? 0) > 10, 'placements before the outage');

    await cluster.nats.kill();
    await poll(async () => (await call(gateways[0]!, 'GET', '/ready')).status === 503, 'ready 503 during the outage');
    const during = (await call(gateways[1]!, 'GET', '/world')).status;
    expect(during).toBe(200); // the gateway itself keeps serving
    await cluster.nats.restart();

    for (const g of gateways) await poll(async () => (await call(g, 'GET', '/ready')).status === 200, 'ready 200 after the outage');
    const after = (await call(gateways[0]!, 'GET', '/world')).body.generation as number;
    await poll(async () => (await call(gateways[1]!, 'GET', '/world')).body.generation > after + 10, 'ten more ticks');
    const acceptedBefore = statuses.get('202') ?? 0;
    await poll(async () => (statuses.get('202') ?? 0) > acceptedBefore + 5, 'placements after the outage');
    placing = false;
    await load;

    for (const r of [cluster.sim, ...cluster.gateways]) expect(r.child.exitCode).toBeNull();
    // Each process said it lost NATS once, not once per retry.
    for (const r of cluster.gateways) expect(r.stdout().split('\n').filter((l) => l.includes('bus down')).length).toBe(1);
    expect(cluster.sim.stdout().split('\n').filter((l) => l.includes('NATS connection lost')).length).toBe(1);
    // Every failure during the outage was an explicit 503.
    for (const key of statuses.keys()) expect(['202', '503 LIFE_ERR_SIM_UNAVAILABLE', '409 LIFE_ERR_CELL_OCCUPIED']).toContain(key);

    const paused = (await admin(gateways[0]!, 'pause')).body.generation as number;
    const truth = await allCells(gateways[0]!);
    for (const w of watchers) {
      await waitFor(() => w.generation === paused, 10_000, 'a watcher at the paused generation');
      expect(replicaCells(w)).toEqual(truth.cells);
    }
  });
});
