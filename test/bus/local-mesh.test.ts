// The mesh a thread of a split standalone world talks through: one Bus over a LocalBus per
// other thread. Requests reach the thread that answers, publishes reach every thread.
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BusRequestError, LocalBus, LocalBusMesh } from '@lifemmo/server';

/** A mesh end joined to `n` other "threads" (LocalBus ends in this one). */
function meshOf(n: number): { mesh: LocalBusMesh; others: LocalBus[]; close(): Promise<void> } {
  const channels = Array.from({ length: n }, () => new MessageChannel());
  const mesh = new LocalBusMesh(channels.map((c) => new LocalBus(c.port1)));
  const others = channels.map((c) => new LocalBus(c.port2));
  return { mesh, others, close: async () => void (await Promise.all([mesh.close(), ...others.map((o) => o.close())])) };
}

describe('LocalBusMesh', () => {
  it('routes each request to the thread that answers its subject, and remembers it', async () => {
    const { mesh, others, close } = meshOf(3);
    try {
      const asked = [0, 0, 0];
      others.forEach((bus, i) =>
        bus.respond(`region.${i}`, (payload) => {
          asked[i]!++;
          return Uint8Array.of(i, ...payload);
        }),
      );
      for (let round = 0; round < 3; round++) {
        for (const i of [2, 0, 1]) expect([...(await mesh.request(`region.${i}`, Uint8Array.of(7), 2000))]).toEqual([i, 7]);
      }
      expect(asked).toEqual([3, 3, 3]);
      await expect(mesh.request('region.9', Uint8Array.of(1), 60_000)).rejects.toMatchObject({ reason: 'no-responders' });
    } finally {
      await close();
    }
  });

  it('publishes to every thread and hears each, with the bytes intact', async () => {
    const { mesh, others, close } = meshOf(2);
    try {
      const heard = others.map((bus) => new Promise<number[]>((resolve) => bus.subscribe('tick', (p) => resolve([...p]))));
      mesh.publish('tick', Uint8Array.of(1, 2, 3));
      expect(await Promise.all(heard)).toEqual([
        [1, 2, 3],
        [1, 2, 3],
      ]);
      const got: number[] = [];
      const both = new Promise<void>((resolve) =>
        mesh.subscribe('diff.*', (p) => {
          got.push(p[0]!);
          if (got.length === 2) resolve();
        }),
      );
      others[0]!.publish('diff.1', Uint8Array.of(10));
      others[1]!.publish('diff.2', Uint8Array.of(20));
      await both;
      expect(got.sort()).toEqual([10, 20]);
    } finally {
      await close();
    }
  });

  it('is down while any thread is, and says so once per change', async () => {
    const { mesh, others, close } = meshOf(2);
    try {
      const states: string[] = [];
      mesh.onState((s) => states.push(s));
      expect(mesh.state).toBe('up');
      await others[1]!.close(); // the port closes: the mesh's end to it goes down
      for (let i = 0; i < 200 && mesh.state === 'up'; i++) await new Promise((r) => setTimeout(r, 10));
      expect(mesh.state).toBe('down');
      expect(states).toEqual(['down']);
      await expect(mesh.request('anything', Uint8Array.of(1), 1000)).rejects.toBeInstanceOf(BusRequestError);
    } finally {
      await close();
    }
  });
});
