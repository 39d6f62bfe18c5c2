// The sim's liveness as a gateway judges it, over a real in-process bus (a MessageChannel),
// the sim played by a test publishing summaries: silence past SIM_TIMEOUT_MS is "down", but
// a silence that was the gateway's own thread being busy is not.
import { MessageChannel } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Geometry } from '@lifemmo/shared';
import { LocalBus } from '../bus/index.js';
import { createMetrics } from '../metrics/metrics.js';
import { TickKinds, encodeTickMessage, subjectsFor } from '../wire/index.js';
import { SimLink } from './sim-link.js';

const subjects = subjectsFor('test');
const TIMEOUT_MS = 500;
const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

function setup() {
  const { port1, port2 } = new MessageChannel();
  const simBus = new LocalBus(port1);
  const gatewayBus = new LocalBus(port2);
  const link = new SimLink({
    bus: gatewayBus,
    subjects,
    geometry: new Geometry({ width: 64, height: 64, topology: 'torus', shardChunks: 1 }),
    log: pino({ level: 'silent' }),
    metrics: createMetrics({ processMetrics: false }),
    simTimeoutMs: TIMEOUT_MS,
    requestTimeoutMs: 1000,
  });
  const changes: boolean[] = [];
  link.listen({ availability: (up) => changes.push(up) });
  link.start();
  open.push({ close: () => link.stop() }, simBus, gatewayBus);
  const heartbeat = () =>
    simBus.publish(
      subjects.tick,
      encodeTickMessage({
        kind: TickKinds.HEARTBEAT,
        simInstance: 7,
        generation: 0,
        timestamp: Date.now(),
        sentAt: Date.now(),
        population: 0,
        paused: false,
        tickMs: 100,
        rule: 'B3/S23',
        seed: 1,
        recordsEncoded: 0,
        revocations: 0,
        heapUsedBytes: 0,
        shards: [],
        stats: null,
      }),
    );
  return { link, changes, heartbeat };
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('SimLink liveness', () => {
  it('calls a sim silent for SIM_TIMEOUT_MS down, and up again at its next summary', async () => {
    const { link, changes, heartbeat } = setup();
    heartbeat();
    await until(() => link.up, 'the first summary');
    await until(() => !link.up, 'the silence to be noticed');
    heartbeat();
    await until(() => link.up, 'the sim back');
    expect(changes).toEqual([true, false, true]);
  });

  it('does not call the sim down when the silence was its own thread being busy', async () => {
    const { link, changes, heartbeat } = setup();
    heartbeat();
    await until(() => link.up, 'the first summary');
    // The sim speaks, but this thread is busy for three timeouts before it can listen: the
    // summary waits in the channel behind the watchdog's (late) check.
    heartbeat();
    const busyUntil = Date.now() + 3 * TIMEOUT_MS;
    while (Date.now() < busyUntil); // a long synchronous task on the gateway's thread
    await until(() => link.lastHeardAt >= busyUntil, 'the queued summary read');
    expect(link.up).toBe(true);
    expect(changes).toEqual([true]);
  });
});
