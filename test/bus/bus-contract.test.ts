// One contract, two buses: the in-process bus (two ends of a MessagePort) and NATS (two
// connections to a real nats-server). Whatever a sim and a gateway rely on is here.
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusRequestError, LocalBus, LocalBusMesh, connectNatsBus, type Bus } from '@lifemmo/server';
import { startNats, type NatsServer } from '../support/nats-server.js';

interface Pair {
  readonly a: Bus;
  readonly b: Bus;
  close(): Promise<void>;
}

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  await nats.stop();
});

const implementations: Array<[string, () => Promise<Pair>]> = [
  [
    'local',
    async () => {
      const { port1, port2 } = new MessageChannel();
      const a = new LocalBus(port1);
      const b = new LocalBus(port2);
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
    },
  ],
  [
    // One end meshed with two threads (the standalone gateway with two region sims): the
    // other thread hears everything and answers nothing, and must change nothing here.
    'local mesh',
    async () => {
      const toB = new MessageChannel();
      const toSilent = new MessageChannel();
      const a = new LocalBusMesh([new LocalBus(toB.port1), new LocalBus(toSilent.port1)]);
      const b = new LocalBus(toB.port2);
      const silent = new LocalBus(toSilent.port2);
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close(), silent.close()])) };
    },
  ],
  [
    'nats',
    async () => {
      const a = await connectNatsBus({ servers: nats.url, name: 'test-a' });
      const b = await connectNatsBus({ servers: nats.url, name: 'test-b' });
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
    },
  ],
];

/** Resolves with the first `n` payloads `bus` receives on `subject`. */
function collect(bus: Bus, subject: string, n: number): Promise<Array<[string, number[]]>> {
  return new Promise((resolve) => {
    const got: Array<[string, number[]]> = [];
    const sub = bus.subscribe(subject, (payload, actual) => {
      got.push([actual, [...payload]]);
      if (got.length === n) {
        sub.unsubscribe();
        resolve(got);
      }
    });
  });
}

/** Give a fresh subscription time to reach the server (NATS) before publishing. */
async function settle(bus: Bus): Promise<void> {
  await bus.request('contract.nobody', new Uint8Array([0]), 200).catch(() => undefined);
}

describe.each(implementations)('bus contract: %s', (_name, makePair) => {
  it('delivers published bytes in order, to exact and wildcard subscriptions', async () => {
    const { a, b, close } = await makePair();
    try {
      const exact = collect(b, 'lifemmo.w.diff.3', 3);
      const wild = collect(b, 'lifemmo.w.diff.*', 4);
      const rest = collect(b, 'lifemmo.w.>', 5);
      await settle(b);
      await settle(a);
      for (let i = 0; i < 3; i++) a.publish('lifemmo.w.diff.3', new Uint8Array([1, i, 255]));
      a.publish('lifemmo.w.diff.4', Buffer.from([9])); // a view into Node's pool: copied, not transferred
      a.publish('lifemmo.w.tick', new Uint8Array([7, 7]));
      expect(await exact).toEqual([
        ['lifemmo.w.diff.3', [1, 0, 255]],
        ['lifemmo.w.diff.3', [1, 1, 255]],
        ['lifemmo.w.diff.3', [1, 2, 255]],
      ]);
      expect((await wild).map(([s]) => s)).toEqual(['lifemmo.w.diff.3', 'lifemmo.w.diff.3', 'lifemmo.w.diff.3', 'lifemmo.w.diff.4']);
      expect((await rest).at(-1)).toEqual(['lifemmo.w.tick', [7, 7]]);
    } finally {
      await close();
    }
  });

  it('answers requests, sync and async, with the responder bytes', async () => {
    const { a, b, close } = await makePair();
    try {
      b.respond('svc.echo', (payload) => Uint8Array.from(payload, (v) => v + 1));
      b.respond('svc.slow.*', async (payload, subject) => {
        await new Promise((r) => setTimeout(r, 20));
        return new TextEncoder().encode(`${subject}:${payload.length}`);
      });
      await settle(a);
      expect([...(await a.request('svc.echo', new Uint8Array([1, 2, 3]), 2000))]).toEqual([2, 3, 4]);
      const replies = await Promise.all([1, 2, 3].map((n) => a.request(`svc.slow.${n}`, new Uint8Array(n), 2000)));
      expect(replies.map((r) => new TextDecoder().decode(r))).toEqual(['svc.slow.1:1', 'svc.slow.2:2', 'svc.slow.3:3']);
    } finally {
      await close();
    }
  });

  it('fails a request with no responder at once, a slow one by timeout, a failed one with its reason', async () => {
    const { a, b, close } = await makePair();
    try {
      b.respond('svc.never', () => new Promise<Uint8Array>(() => undefined));
      b.respond('svc.broken', () => {
        throw new Error('boom');
      });
      await settle(a);
      const reason = (p: Promise<unknown>) => p.then(() => 'answered', (err: unknown) => (err instanceof BusRequestError ? err.reason : String(err)));
      // A timeout longer than the test's own: an answer at all is not the timeout.
      expect(await reason(a.request('svc.nobody', new Uint8Array(1), 120_000))).toBe('no-responders');
      expect(await reason(a.request('svc.never', new Uint8Array(1), 150))).toBe('timeout');
      expect(await reason(a.request('svc.broken', new Uint8Array(1), 5000))).toBe('responder-failed');
    } finally {
      await close();
    }
  });

  it('stops delivering after unsubscribe, and fails requests after close', async () => {
    const { a, b, close } = await makePair();
    try {
      let count = 0;
      const sub = b.subscribe('x.y', () => count++);
      const marker = collect(b, 'x.marker', 1);
      await settle(b);
      a.publish('x.y', new Uint8Array(1));
      for (let i = 0; i < 500 && count === 0; i++) await new Promise((r) => setTimeout(r, 10));
      sub.unsubscribe();
      await settle(b);
      a.publish('x.y', new Uint8Array(1));
      a.publish('x.marker', new Uint8Array(1));
      await marker;
      expect(count).toBe(1);
      await a.close();
      await expect(a.request('x.z', new Uint8Array(1), 500)).rejects.toBeInstanceOf(BusRequestError);
    } finally {
      await close();
    }
  });
});

describe('NATS outage', () => {
  it('goes down and comes back by itself when nats-server restarts; requests fail fast meanwhile', async () => {
    const a = await connectNatsBus({ servers: nats.url, name: 'outage-a', reconnectWaitMs: 100 });
    const b = await connectNatsBus({ servers: nats.url, name: 'outage-b', reconnectWaitMs: 100 });
    try {
      b.respond('svc.ping', () => new Uint8Array([1]));
      const states: string[] = [];
      a.onState((s) => states.push(s));
      await settle(a);
      expect([...(await a.request('svc.ping', new Uint8Array(1), 2000))]).toEqual([1]);
      await nats.kill();
      const deadline = Date.now() + 10_000;
      while (a.state !== 'down' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(a.state).toBe('down');
      await expect(a.request('svc.ping', new Uint8Array(1), 2000)).rejects.toMatchObject({ reason: 'disconnected' });
      await nats.restart();
      while ((a.state !== 'up' || b.state !== 'up') && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 20));
      expect(states).toEqual(['down', 'up']);
      // Subscriptions are restored by the client on reconnect.
      let answered: number[] = [];
      for (let i = 0; i < 100 && answered.length === 0; i++) {
        answered = await a.request('svc.ping', new Uint8Array(1), 500).then((r) => [...r], () => []);
      }
      expect(answered).toEqual([1]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
