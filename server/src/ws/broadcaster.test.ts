// The broadcaster hands a generation's frames out in slices, generations in order, and
// gives up the oldest when too many wait (its unreached clients get a snapshot next).
// Connections here are stand-ins that record what they were handed and take a set time
// each, so slices happen on any machine; the transport itself is tested in test/ws.
import { describe, expect, it } from 'vitest';
import type { GatewayTick } from '../gateway/replica-feed.js';
import { createMetrics } from '../metrics/metrics.js';
import { Broadcaster } from './broadcaster.js';
import type { WsConnection } from './connection.js';
import { SubscriptionGroups, type Viewport } from './subscriptions.js';
import type { WsContext } from './ws-context.js';
import { createWsMetrics } from './ws-metrics.js';
import { createWsStats } from './ws-stats.js';

/** What a stand-in client was handed: diff generations in order, and missed diffs. */
interface StandIn {
  readonly id: number;
  readonly diffs: number[];
  missed: number;
  group: ReturnType<SubscriptionGroups<StandIn>['join']> | null;
}

/** Slices short against the stand-ins' cost per client, so a generation of 200 takes many. */
const TEST_SLICE_MS = 8;
const VIEWPORT: Viewport = { rect: { x: 0, y: 0, w: 64, h: 64 }, chunks: Uint32Array.of(0), key: '0' };

/** `count` clients in one group, each taking `costMs` of CPU to be handed a frame. */
function setup(count: number, costMs: number) {
  const groups = new SubscriptionGroups<StandIn>(1);
  const clients: StandIn[] = [];
  for (let id = 0; id < count; id++) {
    const client: StandIn = { id, diffs: [], missed: 0, group: null };
    client.group = groups.join(client, VIEWPORT);
    clients.push(client);
  }
  const connections = clients.map((client) => ({
    get group() {
      return client.group;
    },
    deliverDiff(_message: unknown, generation: number) {
      const until = performance.now() + costMs;
      while (performance.now() < until); // a socket write's worth of CPU
      client.diffs.push(generation);
      return false;
    },
    missedDiff() {
      client.missed++;
    },
    awaitSnapshot() {},
  }));
  const metrics = createMetrics({ processMetrics: false });
  const stats = createWsStats();
  // A partial context: the broadcaster reads only these members. The cast is the stand-ins' price.
  const ctx = {
    connections: new Set(connections),
    groups,
    snapshots: { ready: () => true },
    stats,
    metrics,
    wsMetrics: createWsMetrics(metrics, createWsStats()),
  } as unknown as WsContext;
  return { broadcaster: new Broadcaster(ctx, () => TEST_SLICE_MS), clients, stats, connections: connections as unknown as WsConnection[] };
}

const tick = (generation: number): GatewayTick => ({ generation, timestamp: Date.now(), records: new Map([[0, Uint8Array.of(1, 2, 3)]]) });
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Broadcaster', () => {
  it('hands a cheap generation to every client at once', () => {
    const { broadcaster, clients } = setup(50, 0);
    broadcaster.publish(tick(1), 1);
    expect(clients.every((c) => c.diffs.join() === '1')).toBe(true);
  });

  it('hands an expensive one out in slices, the event loop turning between them, every client getting every generation in order', async () => {
    const { broadcaster, clients } = setup(200, 0.5); // ~100 ms of handing out per generation
    broadcaster.publish(tick(1), 1);
    const reachedAtOnce = clients.filter((c) => c.diffs.length > 0).length;
    expect(reachedAtOnce).toBeGreaterThan(0);
    expect(reachedAtOnce).toBeLessThan(200);
    broadcaster.publish(tick(2), 1); // arrives while generation 1 is still being handed out
    let turns = 0;
    while (clients.some((c) => c.diffs.length < 2)) {
      await turn();
      turns++;
    }
    expect(turns).toBeGreaterThan(2);
    for (const c of clients) expect(c.diffs).toEqual([1, 2]);
    expect(clients.every((c) => c.missed === 0)).toBe(true);
  });

  it('gives up the oldest generation when too many wait: the clients it had not reached miss it and get a snapshot next', async () => {
    const { broadcaster, clients, stats } = setup(200, 0.5);
    for (let g = 1; g <= 4; g++) broadcaster.publish(tick(g), 1); // one turn never comes between them
    while (clients.some((c) => c.diffs.at(-1) !== 4)) await turn();
    const missed = clients.filter((c) => c.missed > 0);
    expect(missed.length).toBeGreaterThan(0);
    expect(stats.diffsGivenUp).toBe(missed.length);
    for (const c of clients) {
      // Generation 1 reached only the first slices' clients; everyone was handed 2, 3 and 4 in order
      // (a real connection that missed 1 sends its snapshot in place of diff 2).
      expect(c.diffs).toEqual(c.missed > 0 ? [2, 3, 4] : [1, 2, 3, 4]);
    }
  });

  it('drops what waits on a reset: no diff of the old world follows the new world\'s snapshot', async () => {
    const { broadcaster, clients, connections } = setup(200, 0.5);
    for (const c of connections) Object.assign(c, { sendSnapshot: () => undefined });
    broadcaster.publish(tick(7), 1);
    const before = clients.map((c) => c.diffs.length);
    broadcaster.reset();
    for (let i = 0; i < 20; i++) await turn();
    expect(clients.map((c) => c.diffs.length)).toEqual(before);
  });
});
